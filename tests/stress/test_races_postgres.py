"""Several processes race conflicting commands on shared aggregates in one PostgreSQL schema.

Four OS processes, each with its own engine, start at one barrier and issue 19 commands each:
approvals of eight applications competing for a fiscal budget that fits four of them, advances
on one annual disbursement adding up to more than its decided amount, and the same commands
with the same idempotency keys from every process. The race runs once (a module fixture);
each test checks one guarantee on what it left behind. Meanwhile the parent keeps the ledger
read model following the log.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from race_workers import (
    APPROVER,
    FINANCE,
    FISCAL_YEAR,
    GRANT,
    NOTICE_DATE,
    SNAPSHOT_INTERVAL,
    Command,
    Outcome,
    run_worker,
)
from sqlalchemy import Engine, MetaData, select

from figures import record
from subsidy.application import SubsidyEngine
from subsidy.application.core import event_topic
from subsidy.application.idempotency import IdempotencyRecord
from subsidy.application.integrity import take_digest, verify
from subsidy.bootstrap import build_read_models, build_runners
from subsidy.domain.approval import Approval
from subsidy.domain.disbursement import AnnualDisbursement
from subsidy.domain.grant_application import GrantApplication
from subsidy.projections.ledger import Ledger
from subsidy.projections.runner import ProjectionRunner
from subsidy.settings import Settings

from builders import ADMIN, World, amounts, year
from conftest import PostgresSchema, make_engine, postgres_skipped_on_purpose

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WORKERS = 4
CONTENDERS = 8
WINNERS = 4  # the budget left after the first grant fits this many of the contenders
ADVANCES = (50_000, 100_000, 150_000, 200_000, 300_000)
ADVANCES_PER_WORKER = 10
SHARED_ADVANCE = Command("advance", "advance-shared", UUID(int=0), 100_000)
# Events one recorded command stores: an approval's application decision, grant, opened year,
# budget reservation and idempotency record; an advance's payment and idempotency record.
EVENTS_PER_APPROVAL = 5
EVENTS_PER_ADVANCE = 2
DEADLINE_SECONDS = 240


@dataclass
class Race:
    """What the race left: the store, the ledger runner, and every worker's outcomes."""

    engine: SubsidyEngine
    runner: ProjectionRunner
    db: Engine
    paid_approval: UUID
    contenders: list[UUID]
    events_before: int
    outcomes: list[Outcome]

    def acknowledged(self, kind: str) -> list[Outcome]:
        return [
            o
            for o in self.outcomes
            if o.command.kind == kind and o.status in ("recorded", "replayed")
        ]

    def recorded(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.command.kind == kind and o.status == "recorded"]

    @staticmethod
    def position_of(outcome: Outcome) -> int:
        assert outcome.position is not None
        return outcome.position

    def payment_amount(self, notification: Any) -> int:
        event: Any = self.engine.mapper.to_domain_event(notification)
        return int(event.payment.amount)

    def notifications(self, aggregate: type[Any] | None = None, name: str = "") -> list[Any]:
        everything = self.engine.recorder.select_notifications(1, 100_000)
        if aggregate is None:
            return list(everything)
        topic = event_topic(aggregate, name)
        return [n for n in everything if n.topic == topic]


def contested_world(engine: SubsidyEngine) -> tuple[UUID, list[UUID]]:
    """One approval already paying out, and eight reviewed applications for a budget of four."""
    world = World.build(engine)
    paid = world.reviewed(year(FISCAL_YEAR))
    approval_id = engine.approve_application(
        APPROVER,
        paid,
        amounts=amounts((FISCAL_YEAR, GRANT)),
        reason="審査結果に基づき交付を決定",
        notice_date=NOTICE_DATE,
    )
    contenders = [world.reviewed(year(FISCAL_YEAR)) for _ in range(CONTENDERS)]
    engine.set_appropriation(
        ADMIN, fiscal_year=FISCAL_YEAR, amount=GRANT * (1 + WINNERS), reason="補正予算"
    )
    return approval_id, contenders


def commands_for(worker: int, approval_id: UUID, contenders: list[UUID]) -> list[Command]:
    """Every worker approves every contender (same keys) and pays advances (its own keys)."""
    approvals = [Command("approve", f"approve-{a}", a) for a in contenders]
    advances = [
        Command("advance", f"advance-{worker}-{i}", approval_id, ADVANCES[i % len(ADVANCES)])
        for i in range(ADVANCES_PER_WORKER)
    ]
    mixed = approvals + advances
    random.Random(worker).shuffle(mixed)
    shared = Command("advance", SHARED_ADVANCE.key, approval_id, SHARED_ADVANCE.amount)
    return [shared, *mixed]


def race_workers(url: str, approval_id: UUID, contenders: list[UUID], runner: Any) -> list[Any]:
    """Run the workers to the end, with ``runner`` following the log meanwhile."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    processes = [
        context.Process(
            target=run_worker,
            args=(url, commands_for(w, approval_id, contenders), barrier, results),
        )
        for w in range(WORKERS)
    ]
    for process in processes:
        process.start()
    reports: list[Any] = []
    deadline = time.monotonic() + DEADLINE_SECONDS
    try:
        while len(reports) < WORKERS and time.monotonic() < deadline:
            runner.catch_up()
            try:
                reports.append(results.get(timeout=0.2))
            except queue.Empty:
                if not any(p.is_alive() for p in processes) and results.empty():
                    break  # a worker died without a word; the fixture reports it
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    return reports


@pytest.fixture(scope="module")
def race() -> Iterator[Race]:
    if postgres_skipped_on_purpose():
        pytest.skip("SUBSIDY_SKIP_POSTGRES is set")
    with PostgresSchema() as schema:
        engine = make_engine(schema.url, snapshot_interval=SNAPSHOT_INTERVAL)
        db = build_read_models(Settings(database_url=schema.url))
        try:
            (runner,) = build_runners(engine, db, ["ledger"])
            approval_id, contenders = contested_world(engine)
            before = len(engine.recorder.select_notifications(1, 100_000))

            reports = race_workers(schema.url, approval_id, contenders, runner)
            runner.catch_up()

            assert [kind for kind, _ in reports] == ["done"] * WORKERS, reports
            outcomes = [o for _, worker_outcomes in reports for o in worker_outcomes]
            record(
                "races-postgresql",
                workers=WORKERS,
                commands=len(outcomes),
                outcomes=dict(Counter(f"{o.command.kind} {o.status}" for o in outcomes)),
                lost_races_retried=sum(o.conflicts for o in outcomes),
                events_before=before,
                events_after=len(engine.recorder.select_notifications(1, 100_000)),
            )
            yield Race(engine, runner, db, approval_id, contenders, before, outcomes)
        finally:
            engine.close()
            db.dispose()


def test_every_command_got_a_clean_answer(race: Race) -> None:
    statuses = Counter(o.status for o in race.outcomes)

    assert set(statuses) <= {"recorded", "replayed", "refused"}, [
        o for o in race.outcomes if o.status in ("crashed", "gave_up")
    ]
    assert sum(statuses.values()) == WORKERS * (1 + CONTENDERS + ADVANCES_PER_WORKER)


def test_the_budget_is_committed_exactly_to_its_appropriation_and_no_further(race: Race) -> None:
    appropriation, reserved, remaining = race.engine.fiscal_budget(FISCAL_YEAR)

    assert appropriation == GRANT * (1 + WINNERS)
    assert reserved == appropriation
    assert remaining == 0
    assert len(race.notifications(Approval, "Granted")) == 1 + WINNERS


def test_only_a_full_budget_refuses_an_approval(race: Race) -> None:
    refusals = {o.value.split(":")[0] for o in race.outcomes if o.status == "refused"}

    assert refusals <= {"OverBudget", "OverPayment"}


def test_every_process_presenting_one_key_gets_the_same_answer(race: Race) -> None:
    answers: dict[str, set[str]] = {}
    for o in race.outcomes:
        if o.command.kind == "approve" or o.command.key == SHARED_ADVANCE.key:
            answer = "refused" if o.status == "refused" else f"acknowledged {o.value}"
            answers.setdefault(o.command.key, set()).add(answer)

    assert all(len(given) == 1 for given in answers.values()), answers
    assert len(answers) == CONTENDERS + 1


def test_each_acknowledged_approval_is_granted_once_with_its_id(race: Race) -> None:
    acknowledged = {o.value for o in race.acknowledged("approve")}
    granted = [n.originator_id for n in race.notifications(Approval, "Granted")]

    assert len(race.recorded("approve")) == WINNERS
    assert Counter(granted) == Counter({race.paid_approval, *acknowledged})


def test_no_year_is_paid_beyond_its_decided_amount(race: Race) -> None:
    year = race.engine.disbursement(race.paid_approval, FISCAL_YEAR)

    assert year.decided == GRANT
    assert year.paid <= year.decided
    assert year.paid == sum(o.command.amount for o in race.recorded("advance"))


def test_each_acknowledged_advance_is_one_stored_payment_of_its_amount(race: Race) -> None:
    keys = Counter(o.command.key for o in race.recorded("advance"))
    payments = {
        n.id: race.payment_amount(n)
        for n in race.notifications(AnnualDisbursement, "PaymentRecorded")
    }

    assert set(keys.values()) == {1}
    # A command's events are one insert under the table lock: its payment sits just before
    # its idempotency record, whose position the worker was told.
    assert payments == {race.position_of(o) - 1: o.command.amount for o in race.recorded("advance")}


def test_each_recorded_command_claims_its_own_idempotency_record(race: Race) -> None:
    recorded = race.recorded("approve") + race.recorded("advance")
    by_position = {n.id: n for n in race.notifications()}
    claimed = Counter(o.position for o in recorded)

    assert set(claimed.values()) == {1}
    for outcome in recorded:
        notification = by_position[race.position_of(outcome)]
        stored: Any = race.engine.mapper.to_domain_event(notification)
        actor = APPROVER if outcome.command.kind == "approve" else FINANCE
        assert notification.topic == event_topic(IdempotencyRecord, "Recorded")
        assert (stored.user_id, stored.key) == (actor.user_id, outcome.command.key)
        assert stored.outcome == outcome.value


def test_refused_commands_recorded_nothing(race: Race) -> None:
    expected = (
        race.events_before
        + EVENTS_PER_APPROVAL * len(race.recorded("approve"))
        + EVENTS_PER_ADVANCE * len(race.recorded("advance"))
    )

    # Counted, not read off the last position: PostgreSQL's sequence skips the ids of rolled-back
    # inserts, so positions have gaps after lost races.
    assert len(race.notifications()) == expected
    assert len(race.notifications(GrantApplication, "Approved")) == 1 + WINNERS


def test_no_event_is_duplicated_and_no_version_is_missing(race: Race) -> None:
    versions: dict[UUID, list[int]] = {}
    for n in race.notifications():
        versions.setdefault(n.originator_id, []).append(n.originator_version)

    for originator, seen in versions.items():
        assert sorted(seen) == list(range(1, len(seen) + 1)), originator


def test_the_ledger_followed_during_the_race_equals_the_events(race: Race) -> None:
    expected = [
        (n.id, 0, "decision", GRANT) for n in race.notifications(AnnualDisbursement, "Opened")
    ]
    for n in race.notifications(AnnualDisbursement, "PaymentRecorded"):
        expected.append((n.id, 0, "advance", race.payment_amount(n)))
    table = Ledger().define(MetaData())

    with race.db.connect() as conn:
        rows = conn.execute(
            select(
                table["ledger"].c.position,
                table["ledger"].c.line,
                table["ledger"].c.kind,
                table["ledger"].c.amount,
            ).order_by(table["ledger"].c.position)
        ).all()
        balance = conn.execute(
            select(table["balances"].c.balance).where(
                table["balances"].c.approval_id == str(race.paid_approval)
            )
        ).scalar_one()

    assert [tuple(r) for r in rows] == sorted(expected)
    assert balance == race.engine.disbursement(race.paid_approval, FISCAL_YEAR).paid


def test_the_hash_chain_links_every_event_in_log_order(race: Race) -> None:
    verification = verify(race.engine)
    digest = take_digest(race.engine)

    assert verification.ok, verification.first_break
    assert verification.checked == len(race.notifications())
    assert digest.position == verification.head
