"""The finance ledger as an Excel workbook: 明細 with totals per kind, and 団体別合計.

明細 has the CSV's columns and headings, plus the business date in 和暦 after 発生日. Dates are
real Excel dates, yen whole numbers shown as 1,250,000円, and below the rows a totals row per
kind adds them up with SUMIF, so Excel shows the same figures as the JSON ledger and keeps them
right when someone edits a row. 団体別合計 has the figures per organisation and kind as values.
"""

from __future__ import annotations

import io
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Connection

from subsidy.domain.wareki import format_wareki
from subsidy.projections.ledger import ledger_rows
from subsidy.projections.support import as_utc

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DETAILS = "明細"
BY_ORGANISATION = "団体別合計"
WAREKI_HEADING = "発生日（和暦）"
YEN = '#,##0"円"'
DAY = "yyyy-mm-dd"
INSTANT = "yyyy-mm-dd hh:mm:ss"
JAPAN = ZoneInfo("Asia/Tokyo")
CHUNK = 1_000
MAX_WIDTH = 48
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FONT = Font(bold=True)

# Positions (from 1) in 明細, whose columns are the CSV's with 和暦 after 発生日.
WAREKI_COLUMN = 5
KIND_CODE_COLUMN = 10
AMOUNT_COLUMN = 11
FORMATS = {3: INSTANT, 4: DAY, 11: YEN, 12: YEN}


def xlsx_response(
    conn: Connection,
    filters: dict[str, Any],
    fiscal_year: int | None,
    *,
    headings: Sequence[str],
    labels: Mapping[str, str],
) -> Response:
    """Every matching ledger row as a workbook download.

    Args:
        conn: The read-model database.
        filters: The filters of ``ledger_rows``.
        fiscal_year: The fiscal-year filter, which names the file.
        headings: The CSV's headings, in its column order.
        labels: The Japanese label of each kind code.
    """
    book = ledger_workbook(_all_rows(conn, filters), headings=headings, labels=labels)
    buffer = io.BytesIO()
    book.save(buffer)
    name = f"ledger-FY{fiscal_year}.xlsx" if fiscal_year is not None else "ledger-all.xlsx"
    return Response(
        buffer.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def ledger_workbook(
    rows: Iterator[dict[str, Any]], *, headings: Sequence[str], labels: Mapping[str, str]
) -> Workbook:
    """The workbook of the ledger rows, in log order."""
    book = Workbook()
    details: Worksheet = book.create_sheet(DETAILS)
    by_organisation: Worksheet = book.create_sheet(BY_ORGANISATION)
    book.remove(book["Sheet"])
    _header(
        details, [*headings[: WAREKI_COLUMN - 1], WAREKI_HEADING, *headings[WAREKI_COLUMN - 1 :]]
    )
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    kinds: set[str] = set()
    for row in rows:
        details.append(_cells(row, labels))
        kinds.add(row["kind"])
        figures = sums[row["organisation_id"], row["kind"]]
        figures[0] += 1
        figures[1] += int(row["amount"])
    last = details.max_row
    for number, column in FORMATS.items():
        for (cell,) in details.iter_rows(min_row=2, min_col=number, max_col=number):
            cell.number_format = column
    details.auto_filter.ref = f"A1:{get_column_letter(details.max_column)}{last}"
    _totals(details, [code for code in labels if code in kinds], labels, last)
    _fit(details)

    _header(by_organisation, ["団体ID", "区分", "区分コード", "件数", "金額（円）"])
    order = {code: index for index, code in enumerate(labels)}
    for (organisation, code), (count, amount) in sorted(
        sums.items(), key=lambda item: (item[0][0], order.get(item[0][1], len(order)))
    ):
        by_organisation.append([organisation, labels.get(code, code), code, count, amount])
        by_organisation.cell(by_organisation.max_row, 5).number_format = YEN
    by_organisation.auto_filter.ref = f"A1:E{by_organisation.max_row}"
    _fit(by_organisation)
    book.active = details
    return book


def _all_rows(conn: Connection, filters: dict[str, Any]) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        rows = ledger_rows(conn, **filters, limit=CHUNK, offset=offset)
        yield from rows
        if len(rows) < CHUNK:
            return
        offset += CHUNK


def _cells(row: dict[str, Any], labels: Mapping[str, str]) -> list[object]:
    """The CSV's values as Excel values: dates, integers, and 和暦 after 発生日."""
    recorded_at = as_utc(row["recorded_at"]).astimezone(JAPAN).replace(tzinfo=None)
    occurred_on: date = row["occurred_on"]
    return [
        row["position"],
        row["line"],
        recorded_at,
        occurred_on,
        format_wareki(occurred_on),
        row["fiscal_year"],
        row["approval_id"],
        row["organisation_id"],
        labels.get(row["kind"], row["kind"]),
        row["kind"],
        int(row["amount"]),
        int(row["balance"]),
        row["rule"] or "",
        row["actor_id"],
    ]


def _header(sheet: Worksheet, headings: Sequence[str]) -> None:
    sheet.append(list(headings))
    for cell in sheet[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
    sheet.freeze_panes = "A2"


def _totals(sheet: Worksheet, codes: Sequence[str], labels: Mapping[str, str], last: int) -> None:
    """A totals row per kind, one blank row below the data, outside the autofilter."""
    code = get_column_letter(KIND_CODE_COLUMN)
    amount = get_column_letter(AMOUNT_COLUMN)
    codes_range, amounts = f"${code}$2:${code}${last}", f"${amount}$2:${amount}${last}"
    for offset, kind in enumerate(codes, start=2):
        row = last + offset
        cells = {
            1: "合計",
            KIND_CODE_COLUMN - 1: labels[kind],
            KIND_CODE_COLUMN: kind,
            AMOUNT_COLUMN: f'=SUMIF({codes_range},"{kind}",{amounts})',
        }
        for column, value in cells.items():
            cell = sheet.cell(row, column, value)
            cell.font = TOTAL_FONT
        sheet.cell(row, AMOUNT_COLUMN).number_format = YEN


def _fit(sheet: Worksheet) -> None:
    """Widen each column to its longest value, counting full-width characters twice."""
    for index, column in enumerate(sheet.iter_cols(), start=1):
        width = max((_width(cell.value) for cell in column), default=8)
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_WIDTH)


def _width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(INSTANT)
    if isinstance(value, date):
        return len(DAY)
    if isinstance(value, int):
        return len(f"{value:,}") + 2  # the separators and 円
    text = str(value)
    if text.startswith("="):
        return 14
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
