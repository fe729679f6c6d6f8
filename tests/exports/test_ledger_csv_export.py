"""The ledger as CSV: what Excel in Japan opens cleanly, adding up to the events."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from exports.export_helpers import Books, bucket_totals, event_totals, recorded_books
from subsidy.domain.wareki import format_wareki
from subsidy.exports import ExportFormat, LedgerExport, LedgerFilter
from subsidy.exports.columns import HEADINGS
from subsidy.exports.ledger_csv import ROWS_PER_CHUNK, csv_chunks
from subsidy.exports.reading import LedgerLine

from conftest import ALL_STORES

BOM = "\ufeff".encode()


@pytest.fixture
def books(store_url: str) -> Iterator[Books]:
    with recorded_books(store_url) as books:
        yield books


def csv_bytes(books: Books, fiscal_year: int) -> bytes:
    export = LedgerExport(ExportFormat.CSV, LedgerFilter(fiscal_year=fiscal_year))
    return b"".join(export.chunks(books.db))


def csv_records(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_csv_has_a_bom_crlf_line_ends_and_the_japanese_headings(books: Books) -> None:
    data = csv_bytes(books, 2024)

    assert data.startswith(BOM)
    text = data[len(BOM) :].decode("utf-8")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    header = next(csv.reader(io.StringIO(text, newline="")))
    assert header == list(HEADINGS)
    assert {"発生日", "発生日（和暦）", "年度（和暦）", "金額（円）"} <= set(header)


def test_the_csv_round_trips_through_the_csv_module(books: Books) -> None:
    data = csv_bytes(books, 2024)

    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rewritten = io.StringIO()
    csv.writer(rewritten, lineterminator="\r\n").writerows(rows)

    assert rewritten.getvalue() == text
    assert len(rows) - 1 == LedgerExport(ExportFormat.CSV, LedgerFilter(2024)).rows(books.db) > 5
    assert {len(row) for row in rows} == {len(HEADINGS)}


@pytest.mark.parametrize("fiscal_year", [2024, 2025])
def test_the_csv_totals_equal_the_sums_of_the_events(books: Books, fiscal_year: int) -> None:
    expected = event_totals(books.engine, books.scenario.years(fiscal_year))

    records = csv_records(csv_bytes(books, fiscal_year))

    assert bucket_totals((r["区分コード"], int(r["金額（円）"])) for r in records) == expected
    assert {r["年度"] for r in records} == {str(fiscal_year)}


def test_the_reference_figures_hold_payments_a_determination_repayments_and_charges(
    books: Books,
) -> None:
    expected = event_totals(books.engine, books.scenario.years(2024))

    assert expected == {
        "decided": 3_000_000,
        "paid": 1_850_000,  # Isumi 1,000,000 advanced + 250,000 settled; Atami 600,000
        "determined": 1_250_000,
        "ordered": 600_000,
        "repaid": 600_000,
        "charged": expected["charged"],
    }
    assert expected["charged"] > 0  # 加算金 on the revoked grant


def test_each_row_gives_its_dates_in_iso_and_in_wareki_and_whole_yen(books: Books) -> None:
    records = csv_records(csv_bytes(books, 2024))

    for record in records:
        day = date.fromisoformat(record["発生日"])
        assert record["発生日（和暦）"] == format_wareki(day)
        assert record["年度（和暦）"] == "令和6年度"
        assert datetime.fromisoformat(record["記録日時"]).utcoffset() == timedelta(hours=9)
        assert str(int(record["金額（円）"])) == record["金額（円）"]
        assert str(int(record["残高（円）"])) == record["残高（円）"]
    assert {r["団体名"] for r in records} == {"千葉県いすみ市", "静岡県熱海市"}
    assert {r["区分"] for r in records} >= {"交付決定", "概算払", "精算払", "返還金", "加算金"}


def a_line(number: int) -> LedgerLine:
    return LedgerLine(
        position=number,
        line=0,
        recorded_at=datetime(2024, 6, 3, 1, tzinfo=UTC),
        occurred_on=date(2024, 6, 3),
        fiscal_year=2024,
        approval_id="a",
        organisation_id="o",
        organisation_name="千葉県いすみ市",
        kind="advance",
        amount=1_000,
        balance=1_000 * number,
        rule="",
        actor_id="finance",
    )


def test_the_csv_is_sent_while_rows_are_still_being_read() -> None:
    read = 0

    def endless() -> Iterator[LedgerLine]:
        nonlocal read
        for number in itertools.count(1):
            read += 1
            yield a_line(number)

    chunks = csv_chunks(endless())
    first, second = next(chunks), next(chunks)

    assert read <= 2 * ROWS_PER_CHUNK + 1  # never the whole ledger, only what was sent
    assert first.startswith(BOM)
    assert first.count(b"\r\n") == ROWS_PER_CHUNK + 1  # the headings and a chunk of rows
    assert second.count(b"\r\n") == ROWS_PER_CHUNK


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_the_csv_is_the_same_on_every_store(books: Books) -> None:
    records = csv_records(csv_bytes(books, 2024))

    assert bucket_totals((r["区分コード"], int(r["金額（円）"])) for r in records) == (
        event_totals(books.engine, books.scenario.years(2024))
    )
