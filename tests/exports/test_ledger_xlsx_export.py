"""The ledger workbook: openpyxl reads back the events' figures, and its formulas recompute them."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from exports.export_helpers import (
    Books,
    bucket_totals,
    event_totals,
    figures,
    recorded_books,
)
from subsidy.exports import ExportFormat, LedgerExport, LedgerFilter
from subsidy.exports.columns import HEADINGS

DETAILS_SUMIF = re.compile(r'=SUMIF\(\$L\$2:\$L\$(\d+),"(\w+)",\$M\$2:\$M\$(\d+)\)')
BY_ORGANISATION_SUMIF = re.compile(r'=SUMIF\(\$D\$2:\$D\$(\d+),"(\w+)",\$F\$2:\$F\$(\d+)\)')
CODE, AMOUNT = HEADINGS.index("区分コード"), HEADINGS.index("金額（円）")


@pytest.fixture
def books(store_url: str) -> Iterator[Books]:
    with recorded_books(store_url) as books:
        yield books


def workbook(books: Books, fiscal_year: int) -> Workbook:
    out = io.BytesIO()
    LedgerExport(ExportFormat.XLSX, LedgerFilter(fiscal_year=fiscal_year)).write(books.db, out)
    return load_workbook(io.BytesIO(out.getvalue()))


def data_rows(sheet: Worksheet) -> list[tuple[Any, ...]]:
    """The rows between the header and the blank row above the totals."""
    rows = []
    for values in sheet.iter_rows(min_row=2, values_only=True):
        if values[0] is None:
            break
        rows.append(values)
    return rows


def recomputed_sumifs(
    sheet: Worksheet, pattern: re.Pattern[str], first: int, codes: str, amounts: str
) -> dict[str, int]:
    """What Excel computes for each SUMIF total below the data, from the sheet's own cells."""
    totals = {}
    for row in sheet.iter_rows(min_row=first):
        formula = next(c for c in row if isinstance(c.value, str) and c.value.startswith("="))
        assert formula.data_type == "f"
        match = pattern.fullmatch(str(formula.value))
        assert match, formula.value
        last, kind = int(match[1]), match[2]
        assert int(match[3]) == last == first - 2  # the ranges cover every data row, no more
        kinds, yen = sheet[f"{codes}2:{codes}{last}"], sheet[f"{amounts}2:{amounts}{last}"]
        picked = [a.value for (c,), (a,) in zip(kinds, yen, strict=True) if c.value == kind]
        assert picked
        assert all(isinstance(value, int) for value in picked)
        totals[kind] = sum(picked)
    return totals


@pytest.mark.parametrize("fiscal_year", [2024, 2025])
def test_the_workbooks_numbers_add_up_to_the_events(books: Books, fiscal_year: int) -> None:
    expected = event_totals(books.engine, books.scenario.years(fiscal_year))

    book = workbook(books, fiscal_year)

    rows = data_rows(book["明細"])
    assert bucket_totals((row[CODE], row[AMOUNT]) for row in rows) == expected
    assert all(isinstance(row[AMOUNT], int) for row in rows)


def test_the_totals_are_sumif_formulas_that_recompute_to_the_events(books: Books) -> None:
    expected = event_totals(books.engine, books.scenario.years(2024))

    book = workbook(books, 2024)

    details = book["明細"]
    rows = len(data_rows(details))
    by_kind = recomputed_sumifs(details, DETAILS_SUMIF, rows + 3, codes="L", amounts="M")
    assert bucket_totals(by_kind.items()) == expected
    by_organisation = book["団体別合計"]
    organisations = len(data_rows(by_organisation))
    recomputed = recomputed_sumifs(
        by_organisation, BY_ORGANISATION_SUMIF, organisations + 3, codes="D", amounts="F"
    )
    assert recomputed == by_kind


def test_the_totals_per_organisation_are_each_grantees_events(books: Books) -> None:
    scenario = books.scenario

    sheet = workbook(books, 2024)["団体別合計"]

    written: dict[str, dict[str, int]] = {}
    for _, name, _, code, _, amount in data_rows(sheet):
        written.setdefault(name, {})[code] = amount
    for name, approval_id in (("千葉県いすみ市", scenario.isumi), ("静岡県熱海市", scenario.atami)):
        expected = figures(books.engine, approval_id, 2024).by_bucket()
        assert bucket_totals(written[name].items()) == expected


def test_the_sheets_have_frozen_headers_yen_formats_and_real_dates(books: Books) -> None:
    book = workbook(books, 2024)

    details, by_organisation = book["明細"], book["団体別合計"]
    assert book.sheetnames == ["明細", "団体別合計"]
    assert details.freeze_panes == by_organisation.freeze_panes == "A2"
    assert [cell.value for cell in details[1]] == list(HEADINGS)
    assert details.cell(2, AMOUNT + 1).number_format == '#,##0"円"'
    assert details.cell(2, HEADINGS.index("残高（円）") + 1).number_format == '#,##0"円"'
    assert by_organisation.cell(2, 6).number_format == '#,##0"円"'
    assert isinstance(details.cell(2, HEADINGS.index("記録日時") + 1).value, datetime)
    occurred = details.cell(2, HEADINGS.index("発生日") + 1)
    assert (occurred.number_format, occurred.value) == ("yyyy-mm-dd", datetime(2024, 5, 20))
    assert details.cell(2, HEADINGS.index("発生日（和暦）") + 1).value == "令和6年5月20日"
    assert details.column_dimensions["H"].width >= 36  # an approval id fits
    assert details.auto_filter.ref == f"A1:P{len(data_rows(details)) + 1}"
