"""The projection runner: in order, batched, exactly once, parking what it cannot apply."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, ClassVar, cast
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from sqlalchemy import Connection, MetaData, Table, func, select

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor, Role
from subsidy.projections import tracking
from subsidy.projections.audit_log import AuditLog, audit_events
from subsidy.projections.batch import Batch
from subsidy.projections.ledger import Ledger, ledger_rows, ledger_totals
from subsidy.projections.runner import ProjectionStopped
from subsidy.projections.worker import lock_key

from builders import APPROVER, World
from conftest import ALL_STORES
from projection_helpers import (
    kept_ledger_totals,
    ledger_totals_from_rows,
    read_models,
    rows,
    runner_for,
    snapshot,
)

FINANCE = Actor("finance", Role.FINANCE)
pytestmark = pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)


def money_scenario(engine: SubsidyEngine) -> World:
    world = World.build(engine)
    approval_id = world.approved()
    engine.record_advance(FINANCE, approval_id, 2024, amount=1_000_000, paid_on=date(2024, 6, 3))
    engine.record_advance(FINANCE, approval_id, 2025, amount=500_000, paid_on=date(2025, 6, 2))
    engine.revoke_approval(APPROVER, approval_id, ground="流用", on=date(2025, 7, 1))
    engine.record_repayment(
        FINANCE, approval_id, 2024, amount=1_000_000, received_on=date(2025, 7, 10)
    )
    return world


def test_the_audit_log_has_one_row_per_event_in_log_order(
    engine: SubsidyEngine, store_url: str
) -> None:
    World.build(engine)
    db = read_models(store_url)
    runner = runner_for(engine, db, AuditLog(), batch_size=7)

    applied = runner.catch_up()

    positions = [r[0] for r in rows(db, AuditLog().define(MetaData())["audit_log"])]
    assert applied == len(positions) == engine.recorder.max_notification_id()
    assert positions == sorted(positions)
    assert runner.status().lag == 0


def test_running_again_applies_nothing_twice(engine: SubsidyEngine, store_url: str) -> None:
    money_scenario(engine)
    db = read_models(store_url)
    runner = runner_for(engine, db, Ledger(), batch_size=5)
    runner.catch_up()
    before = snapshot(db, Ledger())

    again = runner.catch_up()

    assert again == 0
    assert snapshot(db, Ledger()) == before


def test_a_rebuild_gives_the_same_rows_as_following_the_log(
    engine: SubsidyEngine, store_url: str
) -> None:
    money_scenario(engine)
    db = read_models(store_url)
    for projection in (AuditLog(), Ledger()):
        runner = runner_for(engine, db, projection, batch_size=11)
        runner.catch_up()
        incremental = snapshot(db, projection)

        runner.rebuild()

        assert snapshot(db, projection) == incremental
        assert runner.status().lag == 0


def totals_from_events(engine: SubsidyEngine) -> dict[tuple[int, str], int]:
    """Per (fiscal year, kind), the yen the stored events say moved."""
    fiscal_year_of: dict[Any, int] = {}
    totals: dict[tuple[int, str], int] = {}

    def add(fiscal_year: int, kind: str, amount: int) -> None:
        if amount:
            totals[(fiscal_year, kind)] = totals.get((fiscal_year, kind), 0) + amount

    for notification in engine.recorder.select_notifications(1, 100_000):
        event: Any = engine.mapper.to_domain_event(notification)
        name = type(event).__qualname__
        if name == "AnnualDisbursement.Opened":
            fiscal_year_of[event.originator_id] = event.fiscal_year
            add(event.fiscal_year, "decision", event.decided)
        elif name == "AnnualDisbursement.PaymentRecorded":
            add(fiscal_year_of[event.originator_id], event.payment.kind.value, event.payment.amount)
        elif name == "AnnualDisbursement.RepaymentReceived":
            fiscal_year = fiscal_year_of[event.originator_id]
            for allocation in event.repayment.allocations:
                add(fiscal_year, "repayment", allocation.principal)
                add(fiscal_year, "additional_charge", allocation.additional_charge)
                add(fiscal_year, "late_charge", allocation.late_charge)
        elif name == "AnnualDisbursement.RepaymentOrdered":
            add(fiscal_year_of[event.originator_id], "repayment_order", event.order.principal)
    return totals


def test_the_ledger_totals_per_fiscal_year_equal_the_events(
    engine: SubsidyEngine, store_url: str
) -> None:
    money_scenario(engine)
    db = read_models(store_url)
    runner_for(engine, db, Ledger()).catch_up()
    ledger = Ledger().define(MetaData())["ledger"]

    with db.connect() as conn:
        query = select(ledger.c.fiscal_year, ledger.c.kind, func.sum(ledger.c.amount))
        totals = {
            (fiscal_year, kind): int(total)
            for fiscal_year, kind, total in conn.execute(
                query.group_by(ledger.c.fiscal_year, ledger.c.kind)
            )
        }

    assert totals == totals_from_events(engine)
    assert totals[(2024, "advance")] == 1_000_000
    assert totals[(2024, "repayment")] == 1_000_000


def test_the_kept_ledger_totals_equal_a_sum_over_the_rows(
    engine: SubsidyEngine, store_url: str
) -> None:
    money_scenario(engine)
    db = read_models(store_url)
    runner_for(engine, db, Ledger(), batch_size=3).catch_up()
    tables = Ledger().define(MetaData())

    summed = ledger_totals_from_rows(db, tables)
    with db.connect() as conn:
        served = {
            (year, kind): total
            for year in {year for year, _ in summed}
            for kind, total in ledger_totals(conn, year).items()
        }

    assert kept_ledger_totals(db, tables) == summed
    assert served == summed == totals_from_events(engine)
    assert {year for year, _ in summed} == {2024, 2025, 2026}


class Failing(AuditLog):
    """An audit log that cannot apply one kind of event."""

    name: ClassVar[str] = "failing"

    def apply(self, conn: Connection, tables: dict[str, Table], event: Any, position: int) -> None:
        if type(event).__name__ == "Reserved":
            raise ValueError("cannot apply a reservation")
        super().apply(conn, tables, event, position)

    def apply_all(
        self, conn: Connection, tables: dict[str, Table], events: Sequence[tuple[int, Any]]
    ) -> None:
        for position, event in events:
            self.apply(conn, tables, event, position)


def test_a_failing_event_is_parked_and_stops_the_projection(
    engine: SubsidyEngine, store_url: str
) -> None:
    World.build(engine).approved()
    db = read_models(store_url)
    runner = runner_for(engine, db, Failing(), batch_size=1000)

    runner.run_batch()

    with db.connect() as conn:
        parked = tracking.parked_events(conn, "failing")
    status = runner.status()
    assert len(parked) == 1
    assert "cannot apply a reservation" in str(parked[0]["error"])
    assert status.position == int(str(parked[0]["position"])) - 1
    with pytest.raises(ProjectionStopped):
        runner.run_batch()


def test_the_skip_policy_parks_and_goes_on(engine: SubsidyEngine, store_url: str) -> None:
    World.build(engine).approved()
    db = read_models(store_url)
    runner = runner_for(engine, db, Failing(), policy="skip")

    runner.catch_up()

    with db.connect() as conn:
        parked = tracking.parked_events(conn, "failing")
    assert len(parked) == 3  # one reservation per fiscal year of the approval
    assert runner.status().lag == 0


class UnwritableReservations(AuditLog):
    """An audit log whose rows for reservations the database refuses, when the batch is written."""

    name: ClassVar[str] = "unwritable"

    def open_batch(self, tables: dict[str, Table], conn: Connection | None) -> Batch:
        batch = super().open_batch(tables, conn)
        return _NullDetails(batch)


class _NullDetails(Batch):
    def __init__(self, inner: Batch) -> None:
        super().__init__({}, None)
        self.inner = inner

    def apply(self, event: Any, position: int) -> None:
        self.inner.apply(event, position)
        if type(event).__name__ == "Reserved":
            cast(Any, self.inner).log.pending[-1]["details"] = None

    def flush(self, conn: Connection) -> None:
        self.inner.flush(conn)


@pytest.mark.parametrize("policy", ["stop", "skip"])
def test_an_event_the_database_refuses_at_the_bulk_write_is_parked(
    engine: SubsidyEngine, store_url: str, policy: str
) -> None:
    World.build(engine).approved()
    db = read_models(store_url)
    runner = runner_for(engine, db, UnwritableReservations(), policy=policy, batch_size=1000)

    runner.run_batch()

    with db.connect() as conn:
        parked = tracking.parked_events(conn, "unwritable")
    logged = rows(db, AuditLog().define(MetaData(), suffix="")["audit_log"])
    first = int(str(parked[0]["position"]))
    if policy == "stop":
        assert len(parked) == 1
        assert runner.status().position == first - 1
        assert [r[0] for r in logged] == list(range(1, first))
    else:
        assert len(parked) == 3
        assert runner.status().lag == 0
    error = str(parked[0]["error"])
    assert "details" in error  # the database's own words: the column and the rule broken
    assert "null" in error.lower()


def test_the_audit_log_filters_by_aggregate_actor_type_and_time(
    engine: SubsidyEngine, store_url: str
) -> None:
    world = money_scenario(engine)
    db = read_models(store_url)
    runner_for(engine, db, AuditLog()).catch_up()

    with db.connect() as conn:
        of_plan = audit_events(conn, aggregate_id=str(world.plan_id))
        by_finance = audit_events(conn, actor_id="finance")
        revocations = audit_events(conn, event_type="Revoked")
        none_yet = audit_events(conn, until=datetime(2000, 1, 1, tzinfo=UTC))

    assert [r["event_type"] for r in of_plan] == ["Drafted", "Adopted"]
    assert {r["event_type"] for r in by_finance} == {"PaymentRecorded", "RepaymentReceived"}
    assert len(revocations) == 1
    assert revocations[0]["reason"] == "流用"
    assert revocations[0]["actor_role"] == "approver"
    assert none_yet == []


def test_the_ledger_reads_by_year_with_a_running_balance(
    engine: SubsidyEngine, store_url: str
) -> None:
    money_scenario(engine)
    db = read_models(store_url)
    runner_for(engine, db, Ledger()).catch_up()

    with db.connect() as conn:
        rows_2024 = ledger_rows(conn, fiscal_year=2024)
        totals = ledger_totals(conn, 2024)

    kinds = [r["kind"] for r in rows_2024]
    assert kinds == ["decision", "advance", "repayment_order", "repayment"]
    assert [r["balance"] for r in rows_2024] == [0, 1_000_000, 1_500_000, 500_000]
    assert totals == {
        "decision": 1_500_000,
        "advance": 1_000_000,
        "repayment_order": 1_000_000,
        "repayment": 1_000_000,
    }


class Recovering(Failing):
    """The failing audit log after its fix has been deployed."""

    broken: ClassVar[bool] = True

    def apply(self, conn: Connection, tables: dict[str, Table], event: Any, position: int) -> None:
        if Recovering.broken:
            super().apply(conn, tables, event, position)
        else:
            AuditLog.apply(self, conn, tables, event, position)


def test_retrying_events_parked_under_skip_applies_them(
    engine: SubsidyEngine, store_url: str
) -> None:
    World.build(engine).approved()
    db = read_models(store_url)
    runner = runner_for(engine, db, Recovering(), policy="skip")
    Recovering.broken = True
    runner.catch_up()

    Recovering.broken = False
    retried = runner.retry_parked()

    with db.connect() as conn:
        assert tracking.parked_events(conn, "failing") == []
    logged = rows(db, Recovering().define(MetaData())["audit_log"])
    assert retried == 3
    assert len(logged) == engine.recorder.max_notification_id()


def test_an_event_that_cannot_be_decoded_is_parked(engine: SubsidyEngine, store_url: str) -> None:
    World.build(engine)
    engine.recorder.insert_events(
        [StoredEvent(uuid4(), 1, "subsidy.domain.gone:Gone.Happened", b"{}")]
    )
    db = read_models(store_url)
    runner = runner_for(engine, db, AuditLog())

    runner.run_batch()

    with db.connect() as conn:
        [parked] = tracking.parked_events(conn, "audit_log")
    assert "Gone" in str(parked["error"])
    assert runner.status().position == int(str(parked["position"])) - 1


def test_workers_in_different_schemas_use_different_locks(store_url: str) -> None:
    del store_url

    keys = {lock_key(schema, "ledger") for schema in ("public", "tenant_a", "tenant_b")}

    assert len(keys) == 3
