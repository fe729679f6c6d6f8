"""The worker side of the race test: one OS process, its own engine, a list of commands.

Each worker builds a :class:`SubsidyEngine` on the shared PostgreSQL schema, waits at a barrier
so that every worker starts at once, and issues its commands the way a careful client would:
a lost race (:class:`ConcurrencyConflict`) is retried with the same idempotency key, anything
else is final. It reports, for every command, what it was told and where its events landed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from subsidy.application import SubsidyEngine
from subsidy.bootstrap import configure_logging
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import YearAmount
from subsidy.domain.errors import ConcurrencyConflict, SubsidyError
from subsidy.settings import Settings

from conftest import make_engine

APPROVER = Actor("approver", Role.APPROVER)
FINANCE = Actor("finance", Role.FINANCE)
FISCAL_YEAR = 2024
GRANT = 1_500_000
NOTICE_DATE = date(2024, 4, 15)
SNAPSHOT_INTERVAL = 4
# A client gives up after this many lost races in a row. Each lost race means another command
# on the same aggregate was recorded, and only a few dozen are, so it is never reached.
MAX_ATTEMPTS = 100
STARTUP_SECONDS = 120


@dataclass(frozen=True)
class Command:
    """One command a worker issues: an approval or an advance, with its idempotency key."""

    kind: str  # "approve" or "advance"
    key: str
    target: UUID  # the application to approve, or the approval whose year is paid
    amount: int = GRANT


@dataclass(frozen=True)
class Outcome:
    """What the worker was told.

    Attributes:
        command: The command issued.
        status: ``recorded`` (acknowledged, and this call stored it), ``replayed`` (acknowledged
            with the outcome of an earlier call with the same key), ``refused`` (a
            :class:`SubsidyError` other than a conflict), ``gave_up`` or ``crashed``.
        value: The returned value, or the refusal's class and message.
        position: For ``recorded``, the log position of the command's last event.
        conflicts: How many lost races the worker retried.
    """

    command: Command
    status: str
    value: Any
    position: int | None
    conflicts: int


def run_worker(url: str, commands: list[Command], barrier: Any, results: Any) -> None:
    """Issue ``commands`` on the store at ``url`` once every worker is ready; report outcomes."""
    configure_logging(Settings(log_level="WARNING"))  # refusals are expected; keep them quiet
    try:
        engine = make_engine(url, snapshot_interval=SNAPSHOT_INTERVAL)
    except Exception as error:  # reported to the test, which fails with it
        barrier.abort()
        results.put(("failed to start", repr(error)))
        return
    try:
        # Generous: on a loaded machine, spawning and importing can take a while.
        barrier.wait(timeout=STARTUP_SECONDS)
        results.put(("done", [issue(engine, command) for command in commands]))
    except Exception as error:  # a broken barrier: another worker failed to start
        results.put(("failed to start", repr(error)))
    finally:
        engine.close()


def issue(engine: SubsidyEngine, command: Command) -> Outcome:
    """Issue one command, retrying lost races, and classify what came back."""
    conflicts = 0
    while conflicts < MAX_ATTEMPTS:
        before = engine.last_position()
        try:
            value = _send(engine, command)
        except ConcurrencyConflict:
            conflicts += 1
            continue
        except SubsidyError as refusal:
            return Outcome(
                command, "refused", f"{type(refusal).__name__}: {refusal}", None, conflicts
            )
        except Exception as error:  # a crash is exactly what this test looks for
            return Outcome(command, "crashed", repr(error), None, conflicts)
        after = engine.last_position()
        if after != before:
            return Outcome(command, "recorded", value, after, conflicts)
        return Outcome(command, "replayed", value, None, conflicts)
    return Outcome(command, "gave_up", None, None, conflicts)


def _send(engine: SubsidyEngine, command: Command) -> Any:
    if command.kind == "approve":
        return engine.approve_application(
            APPROVER,
            command.target,
            amounts=(YearAmount(FISCAL_YEAR, command.amount),),
            reason="審査結果に基づき交付を決定",
            notice_date=NOTICE_DATE,
            idempotency_key=command.key,
        )
    return engine.record_advance(
        FINANCE,
        command.target,
        FISCAL_YEAR,
        amount=command.amount,
        paid_on=NOTICE_DATE,
        idempotency_key=command.key,
    )
