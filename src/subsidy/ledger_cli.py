"""``subsidy ledger export``: the finance ledger as CSV, XLSX or a 360Giving package."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from subsidy.application import SubsidyEngine
from subsidy.bootstrap import (
    build_engine,
    build_read_models,
    build_runners,
    configure_logging,
    publisher,
)
from subsidy.domain.errors import SubsidyError
from subsidy.domain.wareki import format_fiscal_year, parse_fiscal_year
from subsidy.exports import ExportFormat, LedgerExport, LedgerFilter, Publisher
from subsidy.exports.files import engine_corporate_numbers
from subsidy.projections.runner import ProjectionStopped
from subsidy.settings import Settings

ledger_app = typer.Typer(help="The finance ledger: exports for accountants and open data.")
READ_MODELS = ("ledger", "applications")
"""The read models an export reads, caught up with the log before it starts."""


@ledger_app.command("export")
def export_ledger(
    fiscal_year: Annotated[
        str, typer.Option(help="The fiscal year: 2024, FY2024, 令和6年度 or 2024年度")
    ],
    file_format: Annotated[
        ExportFormat, typer.Option("--format", help="csv, xlsx or 360giving")
    ] = ExportFormat.CSV,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="Write here (default: stdout)"),
    ] = None,
) -> None:
    """Export a fiscal year's ledger, after bringing its read models up to the log.

    With --output the file appears only once complete, and a progress bar runs on stderr.
    """
    settings = Settings()
    configure_logging(settings)
    engine = build_engine(settings)
    db = build_read_models(settings)
    try:
        export = _prepared(engine, db, _fiscal_year(fiscal_year), file_format, publisher(settings))
        if output is None:
            _to_stdout(export, db)
        else:
            _to_file(export, db, output)
    except SubsidyError as error:
        raise _fail(error.message) from None
    except ProjectionStopped as stopped:
        raise _fail(str(stopped)) from None
    finally:
        engine.close()


def _fiscal_year(text: str) -> int:
    """A fiscal year as typed: bare digits are read as FY2024 is."""
    text = text.strip()
    return parse_fiscal_year(f"FY{text}" if text.isdecimal() else text)


def _prepared(
    engine: SubsidyEngine,
    db: Engine,
    fiscal_year: int,
    file_format: ExportFormat,
    publisher: Publisher,
) -> LedgerExport:
    """The export, checked, on read models that have caught up with the log."""
    for runner in build_runners(engine, db, READ_MODELS):
        runner.catch_up()
    export = LedgerExport(
        file_format,
        LedgerFilter(fiscal_year=fiscal_year),
        corporate_number=engine_corporate_numbers(engine),
        issued=engine.today(),
        publisher=publisher,
    )
    export.check(db)
    return export


def _to_file(export: LedgerExport, db: Engine, output: Path) -> None:
    rows = export.rows(db)
    year = export.where.fiscal_year
    label = f"{format_fiscal_year(year) if year else ''} {export.format.value}".strip()
    with typer.progressbar(length=rows, label=label, file=sys.stderr) as bar:
        export.write_file(db, output, progress=bar.update)
    typer.echo(f"{rows} ledger rows written to {output}", err=True)


def _to_stdout(export: LedgerExport, db: Engine) -> None:
    if export.format is ExportFormat.XLSX and sys.stdout.isatty():
        raise _fail("an XLSX workbook is binary: name a file with --output")
    export.write(db, sys.stdout.buffer)
    sys.stdout.buffer.flush()


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)
