"""Loading an aggregate with 10,000 events (snapshots on) beside loading one with 10.

The long-lived application gets its events through the aggregate's own command method, saved
50 at a time so that the engine takes its snapshots as it would have command by command. It is
measured twice: at exactly 10,000 events, where a snapshot has just been taken, and at 10,049,
the most events the engine ever replays on top of a snapshot (one every 50 events), and once
more with snapshots every 10 events. These loads go to the store (the aggregate cache off), as
the first load after a start or an eviction does; a last row shows the worst case again with
the cache on, as the engine ships (a load then reads only the events stored since).
"""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

import appends
import support
from support import Row, Target

from subsidy.application import SubsidyEngine
from subsidy.domain.grant_application import GrantApplication

from builders import World
from conftest import CLOCK

SHORT = 10
INTERVAL = 50  # the engine's snapshot interval (SUBSIDY_SNAPSHOT_INTERVAL's default)


def grow(engine: SubsidyEngine, world: World, application_id: UUID, events: int) -> None:
    """Add draft updates to the application until it has ``events`` events."""
    application: Any = engine.repository.get(application_id)
    while application.version < events:
        for _ in range(min(INTERVAL, events - application.version)):
            application.update_draft(
                title=f"{appends.TITLE} 改訂{application.version}",
                purpose="",
                plan_id=world.plan_id,
                plan_version=1,
                years=appends.YEARS,
                actor=world.applicant,
            )
        engine.save(application)


def load_seconds(engine: SubsidyEngine, aggregate_id: UUID, loads: int) -> float:
    """The median seconds of one load, over ``loads`` loads."""
    times = []
    for _ in range(loads):
        start = time.perf_counter()
        engine.repository.get(aggregate_id)
        times.append(time.perf_counter() - start)
    return support.median(times)


def measure(
    events: int, loads: int, interval: int, *, cache: int = 0
) -> tuple[float, float, float]:
    """Seconds to load: a 10-event aggregate, the long one at a snapshot, and just before one."""
    with support.sqlite_url() as url:
        engine = support.open_engine(
            url, clock=CLOCK, snapshot_interval=interval, aggregate_cache_size=cache
        )
        try:
            world = World.build(engine)
            short_id, long_id = world.draft(*appends.YEARS), world.draft(*appends.YEARS)
            grow(engine, world, short_id, SHORT)
            short = load_seconds(engine, short_id, loads)
            grow(engine, world, long_id, events)
            at_snapshot = load_seconds(engine, long_id, loads)
            grow(engine, world, long_id, events + interval - 1)
            worst = load_seconds(engine, long_id, loads)
            loaded: object = engine.repository.get(long_id)
            assert isinstance(loaded, GrantApplication)
            assert loaded.version == events + interval - 1
        finally:
            engine.close()
    return short, at_snapshot, worst


def rows(events: int, loads: int = 200) -> list[Row]:
    """Load times of the long aggregate, at a snapshot and just before the next one.

    A last row shows the worst case again with snapshots every 10 events instead of 50.
    """
    short, at_snapshot, worst = measure(events, loads, INTERVAL)
    _, _, worst_10 = measure(events, loads, 10)
    short_cached, _, worst_cached = measure(events, loads, INTERVAL, cache=1_000)
    label = f"one with {SHORT} events, replayed"
    return [
        Row(
            f"load an aggregate with {events:,} events (snapshots on)",
            round(at_snapshot * 1000, 3),
            "ms",
            round(short * 1000, 3),
            label,
            Target("<=", 2),
            note=f"a snapshot at the last event; median of {loads} loads",
        ),
        Row(
            f"the same with {events + INTERVAL - 1:,} events",
            round(worst * 1000, 3),
            "ms",
            round(short * 1000, 3),
            label,
            Target("<=", 2),
            note=f"{INTERVAL - 1} events after the last snapshot, the most ever replayed",
        ),
        Row(
            f"the same with {events + 9:,} events, snapshots every 10 events",
            round(worst_10 * 1000, 3),
            "ms",
            round(short * 1000, 3),
            label,
            Target("<=", 2),
            note="9 events after the last snapshot; SUBSIDY_SNAPSHOT_INTERVAL=10",
        ),
        Row(
            f"the same with {events + INTERVAL - 1:,} events, aggregate cache on",
            round(worst_cached * 1000, 3),
            "ms",
            round(short_cached * 1000, 3),
            f"one with {SHORT} events, cached",
            Target("<=", 2),
            note="SUBSIDY_AGGREGATE_CACHE_SIZE=1000 (the default): each load reads the events "
            "stored since the cached version, then copies the aggregate",
        ),
    ]
