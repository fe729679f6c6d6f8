"""The ``subsidy`` command line."""

from __future__ import annotations

import getpass
import json
import signal
import threading
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
import uvicorn

from subsidy.application import SubsidyEngine
from subsidy.audit_cli import audit_app
from subsidy.bootstrap import (
    build_app,
    build_engine,
    build_read_models,
    build_runners,
    build_worker,
    configure_logging,
    freeze_startup_heap,
)
from subsidy.demo import ScenarioClock, run_demo
from subsidy.demo.read_models import read_model_summary
from subsidy.demo.users import demo_tokens
from subsidy.domain.actor import Actor, Role
from subsidy.domain.errors import SubsidyError
from subsidy.domain.wareki import format_fiscal_year, format_wareki, parse_date
from subsidy.importing.agreements_csv import read_agreements
from subsidy.ledger_cli import ledger_app
from subsidy.persistence import backup as store_backup
from subsidy.projections import tracking
from subsidy.projections.rebuild import rebuild_all
from subsidy.projections.runner import ProjectionRunner
from subsidy.settings import Settings

app = typer.Typer(help="Event-sourced administration of the Center's HR-development grant.")
agreements_app = typer.Typer(help="Partnership agreements (人材育成に関する連携協定).")
scheme_app = typer.Typer(help="The scheme and its parameters.")
deadlines_app = typer.Typer(help="Deadlines of performance reports and repayments.")
disbursements_app = typer.Typer(help="The money of an approval, year by year.")
projections_app = typer.Typer(help="Read models: follow the log, status, rebuild, parked events.")
users_app = typer.Typer(help="API users and their bearer tokens.")
app.add_typer(agreements_app, name="agreements")
app.add_typer(scheme_app, name="scheme")
app.add_typer(deadlines_app, name="deadlines")
app.add_typer(disbursements_app, name="disbursements")
app.add_typer(projections_app, name="projections")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(ledger_app, name="ledger")


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


class Policy(StrEnum):
    """What a projection does with an event it cannot apply (it is parked either way)."""

    STOP = "stop"
    SKIP = "skip"


def _runners(
    names: list[str] | None = None, policy: str = "stop"
) -> tuple[SubsidyEngine, list[ProjectionRunner], Settings]:
    settings = Settings()
    configure_logging(settings)
    engine = build_engine(settings)
    db = build_read_models(settings)
    try:
        runners = build_runners(
            engine, db, names or None, policy=policy, batch_size=settings.projection_batch_size
        )
        return engine, runners, settings
    except ValueError as error:
        raise _fail(SubsidyError(str(error))) from None


@projections_app.command("run")
def run_projections(
    once: Annotated[bool, typer.Option("--once", help="Catch up, then exit")] = False,
    policy: Annotated[
        Policy, typer.Option(help="On an event a projection fails on: stop before it, or skip it")
    ] = Policy.STOP,
) -> None:
    """Follow the log into the read models (a worker process); Ctrl-C stops it."""
    engine, runners, settings = _runners(policy=policy.value)
    if once:
        for runner in runners:
            typer.echo(f"{runner.projection.name}: {runner.catch_up()} events applied")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    worker = build_worker(settings, runners, engine)
    freeze_startup_heap()
    try:
        worker.run(stop)
    except KeyboardInterrupt:
        stop.set()


@projections_app.command("status")
def projections_status() -> None:
    """Each projection's position, the head of the log, the lag and parked events."""
    _engine, runners, _ = _runners()  # the engine must outlive its runners
    for runner in runners:
        status = runner.status()
        typer.echo(
            f"{status.name:<16} position {status.position:>8}  head {status.head:>8}  "
            f"lag {status.lag:>6}  parked {status.parked}"
        )


@projections_app.command("rebuild")
def rebuild_projections(
    names: Annotated[list[str] | None, typer.Argument(help="Projections (default: all)")] = None,
) -> None:
    """Rebuild read models in shadow tables and swap them in; the old ones serve meanwhile."""
    _engine, runners, _ = _runners(names)  # the engine must outlive its runners
    with typer.progressbar(length=1, label="rebuilding in one pass") as bar:

        def progress(position: int, head: int) -> None:
            bar.length = max(head, 1)
            bar.update(position - bar.pos)

        applied = rebuild_all(runners, progress)
    for name, count in applied.items():
        typer.echo(f"{name}: rebuilt from {count} events")


@projections_app.command("parked")
def parked_projection_events(
    retry: Annotated[
        str | None, typer.Option(help="Forget this projection's parked events and run it again")
    ] = None,
) -> None:
    """List events projections could not apply, or retry one projection's."""
    _engine, runners, _ = _runners()  # the engine must outlive its runners
    db = runners[0].db
    if retry is not None:
        runner = next((r for r in runners if r.projection.name == retry), None)
        if runner is None:
            raise _fail(SubsidyError(f"no projection named {retry}"))
        typer.echo(f"{retry}: {runner.retry_parked()} event(s) applied")
        return
    with db.connect() as conn:
        for row in tracking.parked_events(conn):
            typer.echo(f"{row['projection']} #{row['position']} {row['topic']}: {row['error']}")


@users_app.command("add")
def add_user(
    name: Annotated[str, typer.Argument(help="The user's name, recorded as the actor")],
    role: Annotated[Role, typer.Option(help="The user's role")],
    organisation: Annotated[
        str | None, typer.Option(help="The organisation an applicant acts for (its id)")
    ] = None,
) -> None:
    """Create a user and print its bearer token, once: only its hash is kept."""
    engine = _engine()
    try:
        organisation_id = UUID(organisation) if organisation else None
    except ValueError:
        raise _fail(SubsidyError(f"{organisation!r} is not an organisation id")) from None
    try:
        token = engine.add_user(_operator(), name=name, role=role, organisation_id=organisation_id)
    except SubsidyError as error:
        raise _fail(error) from None
    typer.echo(token)


@users_app.command("revoke")
def revoke_user(name: Annotated[str, typer.Argument(help="The user to revoke")]) -> None:
    """Revoke every token of a user."""
    try:
        _engine().revoke_user(_operator(), name=name, reason="revoked from the command line")
    except SubsidyError as error:
        raise _fail(error) from None
    typer.echo(f"{name}: revoked")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    with_demo: Annotated[
        bool, typer.Option("--demo", help="Seed the demo scenario first and print tokens")
    ] = False,
) -> None:
    """Start the HTTP API, with the read models following the log in this process."""
    settings = Settings()
    configure_logging(settings)
    if with_demo:
        _seed_demo(settings)
        engine = build_engine(settings)
        typer.echo("\ntokens (shown once; only their hashes are kept):")
        for name, role, token in demo_tokens(engine):
            typer.echo(f"  {role.value:<14} {name:<28} {token}")
        engine.close()
    typer.echo(f"\nAPI on http://{host}:{port}/api/v1 — OpenAPI docs at http://{host}:{port}/docs")
    typer.echo(f"console on http://{host}:{port}/ — sign in with a user's token")
    app = build_app(settings, follow=True)
    freeze_startup_heap()
    uvicorn.run(app, host=host, port=port, log_config=None)


def _seed_demo(settings: Settings) -> None:
    clock = ScenarioClock()
    engine = build_engine(settings, clock=clock)
    try:
        typer.echo(run_demo(engine, clock))
    except SubsidyError as error:
        raise _fail(error) from None
    finally:
        engine.close()


@app.command()
def demo() -> None:
    """Build a realistic scenario on the configured database and print a summary."""
    settings = Settings()
    configure_logging(settings)
    clock = ScenarioClock()
    engine = build_engine(settings, clock=clock)
    try:
        typer.echo(run_demo(engine, clock))
    except SubsidyError as error:
        raise _fail(error) from None
    db = build_read_models(settings)
    for runner in build_runners(engine, db):
        runner.catch_up()
    typer.echo(read_model_summary(db))


@app.command()
def backup(
    path: Annotated[Path, typer.Argument(help="The backup file to write")],
    force: Annotated[bool, typer.Option(help="Overwrite PATH if it exists")] = False,
) -> None:
    """Copy the SQLite store (events, hash chain, read models) while it stays in use."""
    try:
        copied = store_backup.backup(Settings().database_url, path, force=force)
    except SubsidyError as error:
        raise _fail(error) from None
    typer.echo(f"{copied.events} events (log head {copied.head}) backed up to {copied.path}")


@app.command()
def restore(
    path: Annotated[Path, typer.Argument(help="A file written by subsidy backup")],
    force: Annotated[bool, typer.Option(help="Replace a store that holds events")] = False,
) -> None:
    """Replace the SQLite store with a backup; stop the API and workers first."""
    try:
        copied = store_backup.restore(Settings().database_url, path, force=force)
    except SubsidyError as error:
        raise _fail(error) from None
    typer.echo(
        f"{copied.events} events (log head {copied.head}) restored into {copied.path}; "
        "the read models are as of the backup and catch up from there"
    )


if __name__ == "__main__":
    app()
