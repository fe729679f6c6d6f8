"""One ledger export, whatever its format, written to a stream or a file.

The API and the command line describe an export the same way (format, filter, corporate-number
look-up, issue date) and both call :meth:`LedgerExport.write` or :meth:`LedgerExport.chunks`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, TypeVar
from uuid import UUID

from sqlalchemy import Engine

from subsidy.application import SubsidyEngine
from subsidy.domain.errors import NotFound
from subsidy.exports.columns import JAPAN
from subsidy.exports.giving360 import (
    DEFAULT_PUBLISHER,
    CorporateNumbers,
    Publisher,
    check_publishable,
    grants_of,
    package_chunks,
)
from subsidy.exports.ledger_csv import csv_chunks
from subsidy.exports.ledger_xlsx import write_workbook
from subsidy.exports.reading import (
    CHUNK,
    GrantYear,
    LedgerFilter,
    count_lines,
    grant_years,
    has_grant_years,
    ledger_lines,
)

Progress = Callable[[int], None]
T = TypeVar("T")


class ExportFormat(StrEnum):
    """The ledger's file formats."""

    CSV = "csv"
    XLSX = "xlsx"
    GIVING_360 = "360giving"


MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.GIVING_360: "application/json",
}
SUFFIXES = {ExportFormat.CSV: "csv", ExportFormat.XLSX: "xlsx", ExportFormat.GIVING_360: "json"}


def _no_corporate_numbers(_: str) -> str | None:
    return None


def engine_corporate_numbers(engine: SubsidyEngine) -> CorporateNumbers:
    """Corporate numbers from the ``Organisation`` records (no read model keeps them)."""

    def look_up(organisation_id: str) -> str | None:
        try:
            return engine.organisation(UUID(organisation_id)).corporate_number
        except (NotFound, ValueError):
            return None

    return look_up


@dataclass(frozen=True)
class LedgerExport:
    """An export of the ledger read model.

    Args:
        format: The file format.
        where: Which rows (for 360Giving: which approvals' years).
        corporate_number: The corporate number of an organisation id, for 360Giving's
            ``JP-JCN-`` identifiers; the read models do not keep it.
        issued: The package's issue date (360Giving).
        publisher: The 360Giving publisher: its prefix and the funder's identifier.
    """

    format: ExportFormat
    where: LedgerFilter
    corporate_number: CorporateNumbers = _no_corporate_numbers
    issued: date | None = None
    publisher: Publisher = DEFAULT_PUBLISHER

    def check(self, db: Engine) -> None:
        """Refuse, before anything is written, an export that cannot be valid.

        Raises:
            RuleViolation: A 360Giving package with a kind filter, or without any grant.
        """
        if self.format is ExportFormat.GIVING_360:
            any_grant = self.where.kind is None and has_grant_years(db, self.where)
            check_publishable(self.where.kind, self.where.fiscal_year, any_grant=any_grant)

    def file_name(self) -> str:
        """``ledger-FY2024.csv``, or ``ledger-all.xlsx`` without a fiscal year."""
        year = self.where.fiscal_year
        span = f"FY{year}" if year is not None else "all"
        name = "grants-360giving" if self.format is ExportFormat.GIVING_360 else "ledger"
        return f"{name}-{span}.{SUFFIXES[self.format]}"

    def rows(self, db: Engine) -> int:
        """How many ledger rows the export reads: the length of a progress bar."""
        return count_lines(db, self.where)

    def chunks(self, db: Engine, progress: Progress | None = None) -> Iterator[bytes]:
        """The file's bytes as they are produced (CSV and 360Giving; not XLSX, a zip)."""
        if self.format is ExportFormat.CSV:
            return csv_chunks(_counted(ledger_lines(db, self.where), progress, _one))
        if self.format is ExportFormat.GIVING_360:
            years = _counted(grant_years(db, self.where), progress, _lines_in)
            grants = grants_of(years, self.corporate_number, self.publisher)
            return package_chunks(
                grants,
                fiscal_year=self.where.fiscal_year,
                issued=self.issued or datetime.now(JAPAN).date(),
                publisher=self.publisher,
            )
        msg = "an XLSX workbook is a zip file: write it with write()"
        raise ValueError(msg)

    def write(self, db: Engine, out: IO[bytes], progress: Progress | None = None) -> None:
        """Write the whole file to ``out``."""
        if self.format is ExportFormat.XLSX:
            write_workbook(_counted(ledger_lines(db, self.where), progress, _one), out)
            return
        for chunk in self.chunks(db, progress):
            out.write(chunk)

    def write_file(self, db: Engine, path: Path, progress: Progress | None = None) -> None:
        """Write to ``path`` through a temporary file beside it: never a half-written file."""
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".partial", dir=path.parent
        )
        try:
            with os.fdopen(descriptor, "wb") as out:
                self.write(db, out, progress)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _one(_: object) -> int:
    return 1


def _lines_in(year: GrantYear) -> int:
    return len(year.lines)


def _counted(
    items: Iterable[T], progress: Progress | None, size: Callable[[T], int]
) -> Iterator[T]:
    """``items`` unchanged, reporting the rows read to ``progress`` about every ``CHUNK``."""
    pending = 0
    for item in items:
        yield item
        pending += size(item)
        if progress is not None and pending >= CHUNK:
            progress(pending)
            pending = 0
    if progress is not None and pending:
        progress(pending)
