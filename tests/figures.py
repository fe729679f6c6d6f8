"""Figures the reliability tests produce, kept as artifacts for docs/reliability.md.

Each call writes ``test-artifacts/figures/NAME.json`` (the last run wins), so that what a crash
or race test actually did (how many writes were acknowledged before the kill, how many races were
lost and retried) can be read after the run, not only whether it passed.
"""

from __future__ import annotations

import json
from pathlib import Path

FIGURES = Path(__file__).resolve().parent.parent / "test-artifacts" / "figures"


def record(name: str, **figures: object) -> None:
    """Keep ``figures`` under ``name`` (letters, digits, dashes and underscores)."""
    FIGURES.mkdir(parents=True, exist_ok=True)
    text = json.dumps(figures, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    (FIGURES / f"{name}.json").write_text(text + "\n", encoding="utf-8")
