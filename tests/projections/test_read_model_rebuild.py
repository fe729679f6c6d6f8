"""Every read model rebuilds row for row in one pass, a failed rebuild changes nothing, and
shadow tables never clash."""

from __future__ import annotations

import gc
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, inspect

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import YearAmount
from subsidy.projections.applications import Applications, list_applications
from subsidy.projections.audit_log import AuditLog
from subsidy.projections.base import Projection
from subsidy.projections.batch import Batch
from subsidy.projections.database import read_model_engine
from subsidy.projections.ledger import Ledger
from subsidy.projections.rebuild import _collector_paused, rebuild_all
from subsidy.projections.registry import all_projections, read_model_metadata

from builders import World
from conftest import ALL_STORES
from projection_helpers import read_models, runner_for, snapshot
from read_model_helpers import catch_up, demo_engine, query

READ_MODELS: list[Projection] = all_projections()
DEMO_ADMIN = Actor("admin-yamada", Role.ADMINISTRATOR)
DEMO_APPROVER = Actor("approver-kobayashi", Role.APPROVER)
FINANCE = Actor("finance", Role.FINANCE)


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_a_rebuild_gives_the_rows_that_following_the_log_gave(store_url: str) -> None:
    with demo_engine(store_url) as engine:
        engine.set_appropriation(DEMO_ADMIN, fiscal_year=2026, amount=21_000_000, reason="補正")
        db = read_model_engine(store_url)
        read_model_metadata().create_all(db)
        catch_up(engine, db, Applications())  # followed in two steps, before and after
        [isumi] = query(db, list_applications, status="approved", fiscal_year=2026)
        engine.amend_approval(
            DEMO_APPROVER,
            UUID(isumi["approval_id"]),
            amounts=(
                YearAmount(2024, 1_500_000),
                YearAmount(2025, 1_400_000),
                YearAmount(2026, 1_000_000),
            ),
            reason="最終年度の事業を縮小",
        )
        runners = [catch_up(engine, db, projection) for projection in READ_MODELS]
        incremental = {r.projection.name: snapshot(db, r.projection) for r in runners}
        reached: list[int] = []

        applied = rebuild_all(runners, lambda at, head: reached.append(at), batch_size=40)

        for runner in runners:
            rebuilt = snapshot(db, runner.projection)
            assert rebuilt == incremental[runner.projection.name]
            assert all(rebuilt.values()), f"{runner.projection.name} left a table empty"
            assert runner.status().lag == 0
        assert applied == followed_counts(engine)
        assert reached == sorted(reached)
        assert reached[-1] == engine.recorder.max_notification_id()
        assert shadow_tables(db) == []


def followed_counts(engine: SubsidyEngine) -> dict[str, int]:
    """Per read model, how many stored events are of the topics it follows."""
    topics = [n.topic for n in engine.recorder.select_notifications(1, 100_000)]
    return {p.name: sum(1 for t in topics if not p.topics or t in p.topics) for p in READ_MODELS}


def shadow_tables(db: Engine) -> list[str]:
    """Shadow tables left behind: in the database, or (temporary ones) in SQLite's session."""
    with db.connect() as conn:
        inspector = inspect(conn)
        names = inspector.get_table_names()
        if conn.dialect.name == "sqlite":  # the pool's one connection: the rebuild's own
            names += inspector.get_temp_table_names()
    return [name for name in names if "__rebuild_" in name]


class RefusingLedger(Ledger):
    """A ledger whose code cannot apply payments (a rebuild meets the bug)."""

    def open_batch(self, tables: dict[str, Table], conn: Connection | None) -> Batch:
        return _Refusing(super().open_batch(tables, conn))


class _Refusing(Batch):
    def __init__(self, inner: Batch) -> None:
        super().__init__({}, None)
        self.inner = inner

    def apply(self, event: Any, position: int) -> None:
        if type(event).__name__ == "PaymentRecorded":
            raise ValueError("cannot apply a payment")
        self.inner.apply(event, position)

    def flush(self, conn: Connection) -> None:
        self.inner.flush(conn)


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_a_rebuild_that_fails_leaves_the_live_tables_as_they_were(
    engine: SubsidyEngine, store_url: str
) -> None:
    approval_id = World.build(engine).approved()
    engine.record_advance(FINANCE, approval_id, 2024, amount=600_000, paid_on=date(2024, 6, 3))
    db = read_models(store_url)
    runners = [catch_up(engine, db, p) for p in (AuditLog(), Ledger())]
    before = {r.projection.name: (snapshot(db, r.projection), r.status()) for r in runners}
    broken = runner_for(engine, db, RefusingLedger())

    with pytest.raises(ValueError, match="cannot apply a payment"):
        rebuild_all([runners[0], broken], batch_size=10)

    assert {r.projection.name: (snapshot(db, r.projection), r.status()) for r in runners} == before
    assert shadow_tables(db) == []
    assert gc.isenabled()  # paused for the rebuild only


def test_shadow_tables_that_will_not_drop_neither_hide_the_error_nor_go_back_to_the_pool(
    engine: SubsidyEngine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    approval_id = World.build(engine).approved()
    engine.record_advance(FINANCE, approval_id, 2024, amount=600_000, paid_on=date(2024, 6, 3))
    db = read_models(f"sqlite:///{tmp_path / 'read-models.db'}")
    runners = [catch_up(engine, db, AuditLog()), runner_for(engine, db, RefusingLedger())]
    monkeypatch.setattr(MetaData, "drop_all", _refuse)

    with pytest.raises(ValueError, match="cannot apply a payment"):
        rebuild_all(runners, batch_size=10)

    with db.connect() as conn:  # the pool's next connection
        temporary = conn.exec_driver_sql("SELECT name FROM sqlite_temp_master").scalars().all()
    assert temporary == []


def _refuse(*_: Any, **__: Any) -> None:
    raise RuntimeError("the database went away")


def test_overlapping_rebuilds_resume_the_collector_when_the_last_one_ends() -> None:
    first, second = _collector_paused(), _collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first to start ends while the second still runs
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_rebuild_leaves_the_garbage_collector_as_it_found_it(engine: SubsidyEngine) -> None:
    World.build(engine).approved()
    db = read_models("memory://")
    runners = [runner_for(engine, db, p) for p in READ_MODELS]
    gc.disable()
    try:
        rebuild_all(runners)
        assert not gc.isenabled()
    finally:
        gc.enable()
    rebuild_all(runners)
    assert gc.isenabled()


def test_runners_on_different_databases_cannot_share_a_pass(engine: SubsidyEngine) -> None:
    runners = [runner_for(engine, read_models("memory://"), p) for p in READ_MODELS[:2]]

    with pytest.raises(ValueError, match="one log and one database"):
        rebuild_all(runners)


def test_every_table_and_index_carries_the_suffix_so_shadows_sit_beside_live_tables() -> None:
    metadata = MetaData()
    live = [p.define(metadata) for p in READ_MODELS]
    shadow = [p.define(metadata, suffix="__rebuild") for p in READ_MODELS]

    metadata.create_all(create_engine("sqlite://"))

    for tables in live:
        assert all(t.name.startswith("rm_") for t in tables.values())
    for tables in shadow:
        for table in tables.values():
            assert table.name.startswith("rm_")
            assert table.name.endswith("__rebuild")
            assert all(str(index.name).endswith("__rebuild") for index in table.indexes)
