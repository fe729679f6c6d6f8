"""A batch reads and decodes its events before it takes the read models' write lock.

On SQLite the read-model transaction is the database's one writer, so whatever a batch does
inside it, commands wait for; reading the store there would also make them wait for the read.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import Engine, MetaData, event

from subsidy.application import SubsidyEngine
from subsidy.projections.audit_log import AuditLog
from subsidy.projections.rebuild import rebuild_all
from subsidy.projections.registry import all_projections
from subsidy.projections.runner import ProjectionRunner

from builders import World
from conftest import ALL_STORES, make_engine
from projection_helpers import read_models, rows, runner_for


class _WatchedRecorder:
    """The engine's recorder; on SQLite, notes whether the write lock was free at each read."""

    def __init__(self, inner: Any, database: str | None = None) -> None:
        self.inner = inner
        self.database = database
        self.lock_free_at_read: list[bool] = []
        self.before_read: Any = None

    def max_notification_id(self) -> int | None:
        return cast("int | None", self.inner.max_notification_id())

    def select_notifications(self, *args: Any, **kwargs: Any) -> Any:
        if self.before_read is not None:
            self.before_read()
        if self.database is not None:
            self.lock_free_at_read.append(_write_lock_free(self.database))
        return self.inner.select_notifications(*args, **kwargs)


def _write_lock_free(database: str) -> bool:
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()
    return True


def _audit_positions(db: Engine) -> list[int]:
    return [int(r[0]) for r in rows(db, AuditLog().define(MetaData())["audit_log"])]


def test_on_sqlite_the_write_lock_is_free_while_a_batch_reads_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    engine = make_engine(url)
    try:
        World.build(engine)
        watched = _WatchedRecorder(engine.recorder, str(tmp_path / "events.sqlite3"))
        runner = ProjectionRunner(
            AuditLog(), recorder=cast(Any, watched), mapper=engine.mapper, db=read_models(url)
        )
        runner.batch_size = 10

        runner.catch_up()

        assert len(watched.lock_free_at_read) > 1
        assert all(watched.lock_free_at_read)
        assert runner.status().lag == 0
    finally:
        engine.close()


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_a_batch_read_before_another_runner_moved_the_position_is_read_again(
    engine: SubsidyEngine, store_url: str
) -> None:
    World.build(engine)
    db = read_models(store_url)
    other = runner_for(engine, db, AuditLog(), batch_size=5)
    watched = _WatchedRecorder(engine.recorder)
    runner = ProjectionRunner(
        AuditLog(), recorder=cast(Any, watched), mapper=engine.mapper, db=db, batch_size=5
    )
    moved: list[int] = []

    def another_runner_moves_first() -> None:  # once, after our runner's first read
        if not moved:
            moved.append(other.run_batch())

    watched.before_read = another_runner_moves_first

    runner.catch_up()

    head = engine.recorder.max_notification_id() or 0
    assert _audit_positions(db) == list(range(1, head + 1))
    assert moved == [5]
    assert runner.status().lag == 0


def test_on_sqlite_the_write_lock_is_free_while_a_rebuild_fills_its_shadow_tables(
    tmp_path: Path,
) -> None:
    database = str(tmp_path / "events.sqlite3")
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    try:
        World.build(engine).approved()
        db = read_models(url)
        runners = [runner_for(engine, db, p, batch_size=10) for p in all_projections()]
        lock_free_at_fill: list[bool] = []
        lock_free_at_swap: list[bool] = []

        @event.listens_for(db, "before_cursor_execute")
        def probe(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if _SHADOW_INSERT.match(statement):
                lock_free_at_fill.append(_write_lock_free(database))
            elif statement.startswith("INSERT INTO") and "__rebuild_" in statement:
                lock_free_at_swap.append(_write_lock_free(database))

        rebuild_all(runners, batch_size=10)

        assert len(lock_free_at_fill) > 1
        assert all(lock_free_at_fill)
        assert lock_free_at_swap  # the swap does hold it
        assert not any(lock_free_at_swap)
        assert _audit_positions(db) == list(
            range(1, (engine.recorder.max_notification_id() or 0) + 1)
        )
    finally:
        engine.close()


_SHADOW_INSERT = re.compile(r"INSERT INTO \S+__rebuild_\w+ ")
"""An insert into a shadow table (the swap inserts into the live table from the shadow)."""
