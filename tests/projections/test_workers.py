"""Workers: read-your-writes, a worker killed mid-batch, and a standby taking over."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

import pytest
from sqlalchemy import Connection, Table

from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_read_models, build_runners, build_worker
from subsidy.domain.actor import Actor, Role
from subsidy.projections.ledger import Ledger
from subsidy.projections.runner import ProjectionRunner, wait_until
from subsidy.settings import Settings

from builders import World, year
from conftest import ALL_STORES, DURABLE_STORES, make_engine
from projection_helpers import runner_for, snapshot

FINANCE = Actor("finance", Role.FINANCE)


def busy_history(engine: SubsidyEngine) -> World:
    world = World.build(engine)
    for _ in range(3):
        approval_id = world.approved()
        engine.record_advance(FINANCE, approval_id, 2024, amount=700_000, paid_on=date(2024, 6, 3))
        engine.record_advance(FINANCE, approval_id, 2025, amount=500_000, paid_on=date(2025, 6, 2))
    return world


@pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True)
def test_a_command_can_wait_to_read_its_own_write(engine: SubsidyEngine, store_url: str) -> None:
    world = World.build(engine)
    db = build_read_models(Settings(database_url=store_url))
    runners = build_runners(engine, db)
    stop = threading.Event()
    worker = build_worker(Settings(database_url=store_url), runners, engine)
    worker.poll_interval = 0.05
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()

    world.draft(year(2024))
    position = engine.last_position()
    reached = wait_until(runners, position or 0, timeout=10)

    stop.set()
    thread.join(timeout=10)
    assert position is not None
    assert reached


class SlowLedger(Ledger):
    """The ledger, but it tells the parent when it is in the middle of a batch and dawdles."""

    name: ClassVar[str] = "ledger"
    signal_after: ClassVar[int] = 5

    def __init__(self, ready: Any) -> None:
        self.ready = ready
        self.applied = 0

    def apply_all(
        self, conn: Connection, tables: dict[str, Table], events: Sequence[tuple[int, Any]]
    ) -> None:
        for position, event in events:  # each written at once, so the batch has writes pending
            self.apply(conn, tables, event, position)
            self.applied += 1
            if self.applied == self.signal_after:
                self.ready.set()
                time.sleep(60)  # the parent kills this process here, mid-batch


def _run_slowly(url: str, ready: Any) -> None:
    engine = make_engine(url)
    db = build_read_models(Settings(database_url=url))
    runner = ProjectionRunner(
        SlowLedger(ready), recorder=engine.recorder, mapper=engine.mapper, db=db, batch_size=1000
    )
    runner.catch_up()


@pytest.mark.slow
@pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True)
def test_a_worker_killed_mid_batch_leaves_tables_equal_to_a_rebuild(
    engine: SubsidyEngine, store_url: str
) -> None:
    busy_history(engine)
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    child = context.Process(target=_run_slowly, args=(store_url, ready))
    child.start()
    assert ready.wait(timeout=60), "the worker never reached the middle of its batch"

    os.kill(child.pid or 0, signal.SIGKILL)
    child.join(timeout=10)
    db = build_read_models(Settings(database_url=store_url))
    runner = runner_for(engine, db, Ledger())
    before_restart = runner.status().position
    runner.catch_up()
    incremental = snapshot(db, Ledger())
    runner.rebuild()

    assert child.exitcode == -signal.SIGKILL
    assert before_restart == 0  # the killed batch committed nothing
    assert snapshot(db, Ledger()) == incremental


def _work(url: str, started: Any) -> None:
    engine = make_engine(url)
    settings = Settings(database_url=url)
    runners = build_runners(engine, build_read_models(settings))
    worker = build_worker(settings, runners, engine)
    worker.poll_interval = 0.1
    started.set()
    worker.run(threading.Event())


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ALL_STORES[2:], indirect=True)
def test_a_standby_worker_takes_over_when_the_active_one_dies(
    engine: SubsidyEngine, store_url: str
) -> None:
    world = busy_history(engine)
    db = build_read_models(Settings(database_url=store_url))
    runners = build_runners(engine, db)
    context = multiprocessing.get_context("spawn")
    first_started, second_started = context.Event(), context.Event()
    first = context.Process(target=_work, args=(store_url, first_started))
    first.start()
    assert first_started.wait(timeout=60)
    assert wait_until(runners, engine.recorder.max_notification_id() or 0, timeout=60)
    second = context.Process(target=_work, args=(store_url, second_started))
    second.start()
    assert second_started.wait(timeout=60)

    os.kill(first.pid or 0, signal.SIGKILL)
    first.join(timeout=10)
    world.approved()
    head = engine.recorder.max_notification_id() or 0
    caught_up = wait_until(runners, head, timeout=60)
    os.kill(second.pid or 0, signal.SIGKILL)
    second.join(timeout=10)

    assert caught_up
    for runner in runners:
        live = snapshot(db, runner.projection)
        runner.rebuild()
        assert snapshot(db, runner.projection) == live, runner.projection.name


@pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True)
def test_two_runners_starting_a_projection_at_once_apply_each_event_once(
    engine: SubsidyEngine, store_url: str
) -> None:
    busy_history(engine)
    db = build_read_models(Settings(database_url=store_url))
    runners = [runner_for(engine, db, Ledger(), batch_size=20) for _ in range(2)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(runner: ProjectionRunner) -> None:
        start.wait(timeout=30)
        try:
            runner.catch_up()
        except BaseException as error:  # reported below, failing the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(r,)) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    live = snapshot(db, Ledger())
    runners[0].rebuild()
    assert snapshot(db, Ledger()) == live
