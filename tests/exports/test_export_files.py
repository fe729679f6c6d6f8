"""Writing an export to a file: the file appears whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from exports.export_helpers import Books, recorded_books
from subsidy.exports import ExportFormat, LedgerExport, LedgerFilter


@pytest.fixture
def books(store_url: str) -> Iterator[Books]:
    with recorded_books(store_url) as books:
        yield books


def interrupted(_: int) -> None:
    raise KeyboardInterrupt


def test_an_interrupted_export_leaves_the_previous_file_as_it_was(
    books: Books, tmp_path: Path
) -> None:
    output = tmp_path / "ledger.csv"
    output.write_bytes(b"last month's ledger")
    export = LedgerExport(ExportFormat.CSV, LedgerFilter(fiscal_year=2024))

    with pytest.raises(KeyboardInterrupt):
        export.write_file(books.db, output, progress=interrupted)

    assert output.read_bytes() == b"last month's ledger"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ledger.csv"]


@pytest.mark.parametrize("file_format", list(ExportFormat))
def test_a_finished_export_replaces_the_file_and_reports_every_row(
    books: Books, tmp_path: Path, file_format: ExportFormat
) -> None:
    output = tmp_path / "ledger.out"
    export = LedgerExport(file_format, LedgerFilter(fiscal_year=2024))
    reported: list[int] = []

    export.write_file(books.db, output, progress=reported.append)

    assert output.stat().st_size > 0
    assert sum(reported) == export.rows(books.db)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ledger.out"]
