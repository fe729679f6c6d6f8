"""The ``subsidy`` command line."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_engine, configure_logging
from subsidy.demo import run_demo
from subsidy.domain.actor import Actor, Role
from subsidy.domain.errors import SubsidyError
from subsidy.domain.wareki import format_fiscal_year, format_wareki, parse_date
from subsidy.importing.agreements_csv import read_agreements
from subsidy.settings import Settings

app = typer.Typer(help="Event-sourced administration of the Center's HR-development grant.")
agreements_app = typer.Typer(help="Partnership agreements (人材育成に関する連携協定).")
scheme_app = typer.Typer(help="The scheme and its parameters.")
deadlines_app = typer.Typer(help="Deadlines of performance reports and repayments.")
disbursements_app = typer.Typer(help="The money of an approval, year by year.")
app.add_typer(agreements_app, name="agreements")
app.add_typer(scheme_app, name="scheme")
app.add_typer(deadlines_app, name="deadlines")
app.add_typer(disbursements_app, name="disbursements")


def _engine() -> SubsidyEngine:
    settings = Settings()
    configure_logging(settings)
    return build_engine(settings)


def _operator() -> Actor:
    """The person at the console acts as an administrator, recorded by login name."""
    return Actor(user_id=f"cli:{getpass.getuser()}", role=Role.ADMINISTRATOR)


def _fail(error: SubsidyError) -> typer.Exit:
    typer.echo(f"error: {error.message}", err=True)
    return typer.Exit(code=1)


@agreements_app.command("import")
def import_agreements(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV to import")],
) -> None:
    """Import agreements from a CSV with header parties,signed_on,flag (all rows or none)."""
    engine = _engine()
    try:
        summary = engine.import_agreements(_operator(), read_agreements(file))
    except SubsidyError as error:
        raise _fail(error) from None
    typer.echo(
        f"{summary.rows} rows: {summary.agreements_created} agreements and "
        f"{summary.organisations_created} organisations recorded, "
        f"{summary.agreements_already_present} agreements already present"
    )


@agreements_app.command("list")
def list_agreements(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array")] = False,
) -> None:
    """List every partnership agreement in the order recorded."""
    agreements = _engine().list_agreements()
    if as_json:
        rows = [
            {
                "id": str(a.id),
                "parties": list(a.parties),
                "signed_on": a.signed_on.isoformat(),
                "flagged": a.flagged,
                "terminated_on": a.terminated_on.isoformat() if a.terminated_on else None,
            }
            for a in agreements
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for a in agreements:
        flag = "◎" if a.flagged else " "
        typer.echo(f"{flag} {format_wareki(a.signed_on):<14} {'・'.join(a.parties)}")
    typer.echo(f"{len(agreements)} agreements")


@scheme_app.command("show")
def show_scheme() -> None:
    """Show the scheme's parameters in force."""
    scheme = _engine().scheme()
    typer.echo(f"{scheme.name} ({scheme.code}), parameter version {scheme.parameters_version}")
    for name, value in vars(scheme.parameters).items():
        shown = value.value if hasattr(value, "value") else value
        typer.echo(f"  {name}: {shown}")


@deadlines_app.command("run")
def run_deadlines(
    today: Annotated[
        str | None, typer.Option(help="The day to judge by (ISO or 和暦); default: today in Japan")
    ] = None,
) -> None:
    """Record an event for each report or repayment that has become overdue (idempotent)."""
    engine = _engine()
    try:
        day = parse_date(today, field="today") if today else engine.today()
        recorded = engine.run_deadlines(today=day)
    except SubsidyError as error:
        raise _fail(error) from None
    typer.echo(f"{recorded} overdue deadline(s) recorded as of {day.isoformat()}")


@disbursements_app.command("show")
def show_disbursement(
    approval_id: Annotated[str, typer.Argument(help="The approval's id")],
    fiscal_year: Annotated[int, typer.Argument(help="The fiscal year, e.g. 2024")],
) -> None:
    """Show one year's money and the arithmetic behind every amount."""
    engine = _engine()
    try:
        approval = UUID(approval_id)
        view = engine.disbursement(approval, fiscal_year)
        trail = engine.money_trail(approval, fiscal_year)
    except (SubsidyError, ValueError) as error:
        raise _fail(
            error if isinstance(error, SubsidyError) else SubsidyError(str(error))
        ) from None
    typer.echo(
        f"{format_fiscal_year(fiscal_year)}: decided {view.decided:,}円, paid {view.paid:,}円, "
        f"held {view.held:,}円, owed {view.owed:,}円 as of {view.as_of}"
    )
    for step in trail:
        typer.echo(f"#{step.version} {step.event} by {step.actor}: {step.calculation.explain()}")


@app.command()
def demo() -> None:
    """Build a realistic scenario on the configured database and print a summary."""
    engine = _engine()
    try:
        typer.echo(run_demo(engine))
    except SubsidyError as error:
        raise _fail(error) from None


if __name__ == "__main__":
    app()
