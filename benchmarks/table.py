"""The results table, for the terminal and for docs/performance.md."""

from __future__ import annotations

from collections.abc import Sequence

from support import Row

HEADINGS = ("figure", "value", "baseline (same run)", "ratio", "target", "met?")


def cells(row: Row) -> tuple[str, ...]:
    """One row's cells, in the order of ``HEADINGS``."""
    target = str(row.target) if row.target else "—"
    if row.pending is not None:
        return (row.figure, f"pending: {row.pending}", "—", "—", target, "—")
    value = f"{_number(row.value)} {row.unit}"
    baseline = "—" if row.baseline is None else f"{_number(row.baseline)} ({row.baseline_label})"
    ratio = "—" if row.ratio is None else f"{row.ratio:.3f}×"  # 0.399 must not read as 0.40
    met = {True: "yes", False: "NO", None: "—"}[row.met]
    return (row.figure, value, baseline, ratio, target, met)


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def text(rows: Sequence[Row]) -> str:
    """A plain table for the terminal: one line per row, notes beneath it."""
    lines = [" | ".join(HEADINGS)]
    for row in rows:
        lines.append(" | ".join(cells(row)))
        if row.note:
            lines.append(f"    {row.note}")
    return "\n".join(lines)


def markdown(rows: Sequence[Row]) -> str:
    """A Markdown table (notes in the figure cell, after a line break)."""
    lines = ["| " + " | ".join(HEADINGS) + " |", "| --- | ---: | --- | ---: | --- | --- |"]
    for row in rows:
        first, *rest = cells(row)
        if row.note:
            first = f"{first}<br><sub>{row.note}</sub>"
        lines.append("| " + " | ".join((first, *rest)).replace("\n", " ") + " |")
    return "\n".join(lines)
