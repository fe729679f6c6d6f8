"""Reading the ledger in short pages: every row once, in order, and no lock held between pages."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from exports.export_helpers import Books, recorded_books
from subsidy.exports import LedgerFilter
from subsidy.exports.reading import count_lines, grant_years, ledger_lines

from conftest import ALL_STORES


@pytest.fixture
def books(store_url: str) -> Iterator[Books]:
    with recorded_books(store_url) as books:
        yield books


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_pages_of_any_size_read_every_row_once_in_log_order(books: Books) -> None:
    everything = list(ledger_lines(books.db, LedgerFilter()))

    paged = list(ledger_lines(books.db, LedgerFilter(), chunk=2))

    assert paged == everything
    keys = [(line.position, line.line) for line in paged]
    assert keys == sorted(set(keys))
    assert len(paged) == count_lines(books.db, LedgerFilter()) > 10
    assert any(line.line > 0 for line in paged)  # a receipt split into principal and charge


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_grant_years_come_whole_whatever_the_page_size(books: Books) -> None:
    everything = list(grant_years(books.db, LedgerFilter()))

    paged = list(grant_years(books.db, LedgerFilter(), per_page=1))

    assert paged == everything
    assert [(g.approval_id, g.fiscal_year) for g in paged] == sorted(
        (g.approval_id, g.fiscal_year) for g in paged
    )
    assert sum(len(g.lines) for g in paged) == count_lines(books.db, LedgerFilter())
    assert all({line.fiscal_year for line in g.lines} == {g.fiscal_year} for g in paged)


def test_filters_select_the_year_the_approval_and_the_kind(books: Books) -> None:
    isumi = str(books.scenario.isumi)

    year = list(ledger_lines(books.db, LedgerFilter(fiscal_year=2025)))
    approval = list(ledger_lines(books.db, LedgerFilter(approval_id=isumi, kind="advance")))

    assert {line.fiscal_year for line in year} == {2025}
    assert {(line.approval_id, line.kind) for line in approval} == {(isumi, "advance")}


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_no_lock_is_held_while_the_export_writes_a_page(books: Books, store_url: str) -> None:
    lines = ledger_lines(books.db, LedgerFilter(), chunk=2)
    next(lines)  # the export is now between two reads
    writer = sqlite3.connect(store_url.removeprefix("sqlite:///"), timeout=0.1)

    writer.execute("BEGIN IMMEDIATE")  # raises "database is locked" if the export held it
    writer.rollback()
    writer.close()

    assert len(list(lines)) > 1
