"""The ledger as an Excel workbook: 明細 with totals per kind, and 団体別合計.

明細 has the CSV's columns: dates are real Excel dates, yen whole numbers shown as 1,250,000円,
and below the rows a totals row per kind adds them up with SUMIF, so Excel shows the figures
the events add up to and keeps them right when someone edits a row. 団体別合計 has the count and
sum per organisation and kind as values, with SUMIF totals per kind that must equal 明細's.

The workbook is written in openpyxl's write-only mode: each row goes to a temporary file as it
is appended, so memory does not grow with the ledger. Widths, the frozen header and formats are
therefore fixed up front rather than fitted to the data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from subsidy.exports.columns import (
    AMOUNT_COLUMN,
    COLUMNS,
    KIND_CODE_COLUMN,
    YEN,
    Column,
    Value,
    ledger_values,
)
from subsidy.exports.reading import LABELS_BY_CODE, LedgerLine

DETAILS = "明細"
BY_ORGANISATION = "団体別合計"
BY_ORGANISATION_COLUMNS = (
    Column("団体ID", 38),
    Column("団体名", 24),
    Column("区分", 10),
    Column("区分コード", 18),
    Column("件数", 8),
    Column("金額（円）", 16, YEN),
)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center")
TOTAL_FONT = Font(bold=True)
KIND_ORDER = {code: index for index, code in enumerate(LABELS_BY_CODE)}
# openpyxl's stubs give the write-only sheet neither column_dimensions nor auto_filter, which it
# has at run time.
WriteOnlyWorksheet = Any


@dataclass
class _Sums:
    """Count and sum per (organisation, kind) and names: as many as organisations, not rows."""

    figures: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    rows: int = 0

    def add(self, line: LedgerLine) -> None:
        figures = self.figures.setdefault((line.organisation_id, line.kind), [0, 0])
        figures[0] += 1
        figures[1] += line.amount
        self.names[line.organisation_id] = line.organisation_name
        self.rows += 1

    def kinds(self) -> list[str]:
        return sorted({kind for _, kind in self.figures}, key=_kind_rank)


def write_workbook(lines: Iterable[LedgerLine], target: IO[bytes]) -> None:
    """Write the workbook of ``lines`` (in log order) to ``target``."""
    book = Workbook(write_only=True)
    details = book.create_sheet(DETAILS)
    by_organisation = book.create_sheet(BY_ORGANISATION)
    _begin(details, COLUMNS)
    sums = _Sums()
    for line in lines:
        details.append(_cells(details, ledger_values(line)))
        sums.add(line)
    last = sums.rows + 1
    details.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{last}"
    _totals(details, sums.kinds(), last, KIND_CODE_COLUMN, AMOUNT_COLUMN)
    _write_by_organisation(by_organisation, sums)
    book.save(target)


def _write_by_organisation(sheet: WriteOnlyWorksheet, sums: _Sums) -> None:
    _begin(sheet, BY_ORGANISATION_COLUMNS)
    keys = sorted(sums.figures, key=lambda key: (key[0], _kind_rank(key[1])))
    for organisation, kind in keys:
        count, amount = sums.figures[organisation, kind]
        values = (organisation, sums.names[organisation], _label(kind), kind, count, amount)
        sheet.append(_cells(sheet, values, BY_ORGANISATION_COLUMNS))
    last = len(keys) + 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(BY_ORGANISATION_COLUMNS))}{last}"
    _totals(sheet, sums.kinds(), last, kind_column=4, amount_column=6)


def _begin(sheet: WriteOnlyWorksheet, columns: Sequence[Column]) -> None:
    """Widths and the frozen header row: write-only sheets take them before any row."""
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, column.heading)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
        header.append(cell)
    sheet.append(header)


def _cells(
    sheet: WriteOnlyWorksheet, values: Sequence[Value], columns: Sequence[Column] = COLUMNS
) -> list[object]:
    """Values as cells; only those with a number format need a styled cell."""
    row: list[object] = []
    for given, column in zip(values, columns, strict=True):
        # Excel has no time zones: an instant goes in as the Japan time it already is.
        value = given.replace(tzinfo=None) if isinstance(given, datetime) else given
        if column.number_format is None or value is None:
            row.append(value)
            continue
        cell = WriteOnlyCell(sheet)
        cell.value = value
        cell.number_format = column.number_format
        row.append(cell)
    return row


def _totals(
    sheet: WriteOnlyWorksheet, kinds: Sequence[str], last: int, kind_column: int, amount_column: int
) -> None:
    """A totals row per kind, one blank row below the data, outside the autofilter."""
    if kinds:
        sheet.append([])
    codes = get_column_letter(kind_column)
    amounts = get_column_letter(amount_column)
    codes_range, amounts_range = f"${codes}$2:${codes}${last}", f"${amounts}$2:${amounts}${last}"
    for kind in kinds:
        cells: dict[int, Value] = {
            1: "合計",
            kind_column - 1: _label(kind),
            kind_column: kind,
            amount_column: f'=SUMIF({codes_range},"{kind}",{amounts_range})',
        }
        row: list[object] = []
        for column in range(1, amount_column + 1):
            cell = WriteOnlyCell(sheet)
            cell.value = cells.get(column)
            cell.font = TOTAL_FONT
            if column == amount_column:
                cell.number_format = YEN
            row.append(cell)
        sheet.append(row)


def _label(kind: str) -> str:
    return LABELS_BY_CODE.get(kind, kind)


def _kind_rank(kind: str) -> int:
    return KIND_ORDER.get(kind, len(KIND_ORDER))
