"""SIGKILL projection workers mid-batch: restarted, they leave read models equal to a rebuild."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from figures import record
from subsidy.bootstrap import build_engine, build_read_models
from subsidy.demo import ScenarioClock, run_demo
from subsidy.domain.organisation import Organisation
from subsidy.domain.organisation_names import OrganisationKind
from subsidy.settings import Settings

from builders import ADMIN
from conftest import DURABLE_STORES
from crash_helpers import (
    observer,
    positions,
    read_model_rows,
    rebuilt_rows,
    start_worker,
    wait_for,
)

KILLS = 3
BULK_ORGANISATIONS = 1_000
BATCH = 50  # small batches: many transactions to be killed in the middle of

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True),
]


def bulk_organisations(count: int, batch: int) -> list[Organisation]:
    """Many one-event aggregates, saved in one transaction: a long log, written fast."""
    return [
        Organisation.register(
            name=f"千葉県一括{batch}の{n}町",
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
    db = build_read_models(Settings(database_url=store_url))
    watch = observer(store_url)
    log = tmp_path / "worker.log"
    landed = []
    kills: list[dict[str, object]] = []

    for round_number in range(KILLS):
        # Fresh work for each round, so that every kill can land short of the head.
        engine.save(*bulk_organisations(BULK_ORGANISATIONS, round_number))
        head = engine.recorder.max_notification_id() or 0
        before = positions(watch)
        # Two workers at once, as a deployment may run: one holds each projection's lock.
        workers = [start_worker(store_url, log), start_worker(store_url, log)]
        wait_for(
            lambda b=before, h=head: _moved_short_of(b, positions(watch), h),
            "a batch short of the head",
        )
        for worker in workers:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        after = positions(watch)
        landed.append(min(after.values()) < head)
        kills.append({"head": head, "positions_after_kill": after})
        assert all(after[name] >= before[name] for name in after)  # nothing went backwards
    head = engine.recorder.max_notification_id()
    final = start_worker(store_url, log)
    try:
        wait_for(lambda: set(positions(watch).values()) == {head}, "the read models to catch up")
    finally:
        final.terminate()
        final.wait(timeout=20)

    assert all(landed)  # every kill left some projection behind the head: work was cut short
    rows = read_model_rows(db)
    assert rows == rebuilt_rows(engine)
    kind = "sqlite" if store_url.startswith("sqlite") else "postgresql"
    record(
        f"worker-crash-{kind}",
        batch_size=BATCH,
        kills=kills,
        final_head=head,
        read_model_rows={name: len(table_rows) for name, table_rows in rows.items()},
    )
