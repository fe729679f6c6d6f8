"""SIGKILL projection workers mid-batch: restarted, they leave read models equal to a rebuild."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from subsidy.application.integrity import verify
from subsidy.bootstrap import build_engine, build_read_models
from subsidy.demo import ScenarioClock, run_demo
from subsidy.domain.organisation import Organisation
from subsidy.domain.organisation_names import OrganisationKind
from subsidy.settings import Settings

from builders import ADMIN
from conftest import DURABLE_STORES
from crash_helpers import positions, read_model_rows, rebuilt_rows, start_worker, wait_for

KILLS = 3
BULK_ORGANISATIONS = 3_000
BATCH = 50  # small batches: many transactions to be killed in the middle of

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True),
]


def bulk_organisations(count: int) -> list[Organisation]:
    """Many one-event aggregates, saved in one transaction: a long log, written fast."""
    return [
        Organisation.register(
            name=f"千葉県一括{n}町",
            kind=OrganisationKind.MUNICIPALITY,
            prefecture="千葉県",
            actor=ADMIN,
        )
        for n in range(count)
    ]


def _moved_short_of(before: dict[str, int], now: dict[str, int], head: int) -> bool:
    return any(before[name] < position < head for name, position in now.items())


def environment_with_small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUBSIDY_PROJECTION_BATCH_SIZE", str(BATCH))


def test_workers_killed_mid_batch_resume_to_read_models_equal_to_a_rebuild(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment_with_small_batches(monkeypatch)
    clock = ScenarioClock()
    engine = build_engine(Settings(database_url=store_url), clock=clock)
    run_demo(engine, clock)
    engine.save(*bulk_organisations(BULK_ORGANISATIONS))
    head = engine.recorder.max_notification_id()
    assert head is not None
    db = build_read_models(Settings(database_url=store_url))
    log = tmp_path / "worker.log"
    reached = []

    for _ in range(KILLS):
        # Two workers at once, as a deployment may run: one holds each projection's lock.
        before = positions(db)
        workers = [start_worker(store_url, log), start_worker(store_url, log)]
        wait_for(
            lambda b=before: _moved_short_of(b, positions(db), head), "a batch short of the head"
        )
        for worker in workers:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        reached.append(positions(db))
    final = start_worker(store_url, log)
    try:
        wait_for(lambda: set(positions(db).values()) == {head}, "the read models to catch up")
    finally:
        final.terminate()
        final.wait(timeout=20)

    assert read_model_rows(db) == rebuilt_rows(engine)
    assert verify(engine).ok
