"""Engine commands per second beside raw inserts (SQLite, PostgreSQL), with and without the chain.

The command is ``update_application_draft``: it loads the application and its Action Plan and
records one ``DraftUpdated`` event (about 1 KB stored), the shape of most commands. Commands go
round-robin over a pool of drafts, about ten updates each, so that loads replay a realistic
handful of events. The raw baselines insert rows of the same size into a table shaped like the
library's, one row per transaction, with the same durability settings as the engine's store:
SQLite's journal mode and ``synchronous`` level are read from the engine's own connection.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import support
from support import Row, Target

from subsidy.application import SubsidyEngine
from subsidy.bootstrap import configure_logging
from subsidy.domain.actor import Actor, Role
from subsidy.persistence.storage import postgres_dsn
from subsidy.settings import Settings

from builders import World, year
from conftest import CLOCK

TITLE = "横串人材育成プログラム"
YEARS = (year(2024), year(2025), year(2026))
RAW_TOPIC = "subsidy.domain.grant_application:GrantApplication.DraftUpdated"
PROCESSES = 4


@dataclass(frozen=True)
class Measured:
    """One engine run: its command rate, the stored size of its events and its durability."""

    rate: float
    event_bytes: int
    pragmas: dict[str, str]


def update_drafts(
    engine: SubsidyEngine, applicant: Actor, plan_id: UUID, ids: list[UUID], commands: int
) -> None:
    """``commands`` draft updates, round-robin over ``ids``."""
    for i in range(commands):
        engine.update_application_draft(
            applicant,
            ids[i % len(ids)],
            title=f"{TITLE} 改訂{i}",
            plan_id=plan_id,
            plan_version=1,
            years=YEARS,
        )


def drafts(world: World, count: int) -> list[UUID]:
    """``count`` new draft applications of the world's lead organisation."""
    return [world.draft(*YEARS) for _ in range(count)]


def engine_rate(url: str, commands: int, *, hash_chain: bool = True) -> Measured:
    """Commands per second on a fresh store at ``url``."""
    engine = support.open_engine(url, clock=CLOCK, hash_chain=hash_chain)
    try:
        world = World.build(engine)
        ids = drafts(world, max(1, commands // 10))
        rate = support.rate(
            commands, lambda: update_drafts(engine, world.applicant, world.plan_id, ids, commands)
        )
        last = engine.recorder.select_notifications(engine.recorder.max_notification_id() or 1, 1)[
            0
        ]
        size = len(last.state) + len(last.topic) + 36
        return Measured(rate, size, _pragmas(engine) if url.startswith("sqlite") else {})
    finally:
        engine.close()


def _pragmas(engine: SubsidyEngine) -> dict[str, str]:
    datastore: Any = engine.recorder.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = str(cursor.fetchone()[0])
        cursor.execute("PRAGMA synchronous")
        synchronous = str(cursor.fetchone()[0])
    return {"journal_mode": journal, "synchronous": synchronous}


def raw_sqlite_rate(path: Path, rows: int, size: int, pragmas: dict[str, str]) -> float:
    """One-row transactions into a fresh SQLite file with the engine's pragmas."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA journal_mode={pragmas['journal_mode']}")
        conn.execute(f"PRAGMA synchronous={pragmas['synchronous']}")
        conn.execute(
            "CREATE TABLE raw_events (originator_id TEXT, originator_version INTEGER, topic TEXT, "
            "state BLOB, PRIMARY KEY (originator_id, originator_version))"
        )
        state = b"x" * (size - len(RAW_TOPIC) - 36)

        def insert() -> None:
            for _ in range(rows):
                conn.execute("BEGIN")
                conn.execute(
                    "INSERT INTO raw_events VALUES (?, 1, ?, ?)",
                    (str(uuid.uuid4()), RAW_TOPIC, state),
                )
                conn.execute("COMMIT")

        return support.rate(rows, insert)
    finally:
        conn.close()


def raw_postgres_rate(url: str, rows: int, size: int) -> float:
    """One-row transactions with psycopg into a table shaped like the library's."""
    dsn = postgres_dsn(url)
    assert dsn is not None
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE raw_events (originator_id uuid NOT NULL, "
            "originator_version bigint NOT NULL, topic text, state bytea, "
            "notification_id bigserial, "
            "PRIMARY KEY (originator_id, originator_version))"
        )
        conn.execute("CREATE UNIQUE INDEX raw_events_position ON raw_events (notification_id)")
        state = b"x" * (size - len(RAW_TOPIC) - 16)

        def insert() -> None:
            for _ in range(rows):  # autocommit: each statement is its own transaction
                conn.execute(
                    "INSERT INTO raw_events (originator_id, originator_version, topic, state) "
                    "VALUES (%s, 1, %s, %s)",
                    (uuid.uuid4(), RAW_TOPIC, state),
                )

        return support.rate(rows, insert)


# Several processes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One engine process's share: the store, the world's ids and its own drafts."""

    url: str
    lead_id: str
    plan_id: str
    drafts: tuple[str, ...]
    commands: int


def _worker(job: Job, ready: Any, results: Any) -> None:
    configure_logging(Settings(log_level="WARNING"))
    engine = support.open_engine(job.url, clock=support.bench_clock, create=False)
    applicant = Actor("applicant-isumi", Role.APPLICANT, UUID(job.lead_id))
    ids = [UUID(i) for i in job.drafts]
    ready.wait()
    start = time.monotonic()
    update_drafts(engine, applicant, UUID(job.plan_id), ids, job.commands)
    results.put((start, time.monotonic()))
    engine.close()


def processes_rate(url: str, commands: int, processes: int = PROCESSES) -> float:
    """Commands per second of ``processes`` engines at once, each on drafts of its own."""
    engine = support.open_engine(url, clock=CLOCK)
    world = World.build(engine)
    jobs = [
        Job(
            url,
            str(world.lead_id),
            str(world.plan_id),
            tuple(str(i) for i in drafts(world, max(1, commands // 10))),
            commands,
        )
        for _ in range(processes)
    ]
    engine.close()
    # Fresh interpreters: nothing of this process (connections, locks) leaks into the workers.
    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(processes), context.Queue()
    workers = [context.Process(target=_worker, args=(job, ready, results)) for job in jobs]
    for worker in workers:
        worker.start()
    spans = [results.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            msg = f"an engine process failed with exit code {worker.exitcode}"
            raise RuntimeError(msg)
    seconds = max(end for _, end in spans) - min(start for start, _ in spans)
    return float(commands * processes / seconds)


# Rows ---------------------------------------------------------------------------------------


def sqlite_rows(commands: int, rounds: int = 2, *, chain_baseline: bool = True) -> list[Row]:
    """Engine (chained and not) and raw SQLite rates, the best of ``rounds`` interleaved runs."""
    chained: list[Measured] = []
    unchained: list[float] = []
    raw: list[float] = []
    for _ in range(rounds):
        with support.sqlite_url() as url:
            chained.append(engine_rate(url, commands))
            raw.append(
                raw_sqlite_rate(
                    Path(url.removeprefix("sqlite:///")).with_name("raw.sqlite3"),
                    commands,
                    chained[-1].event_bytes,
                    chained[-1].pragmas,
                )
            )
        if chain_baseline:
            with support.sqlite_url() as url:
                unchained.append(engine_rate(url, commands, hash_chain=False).rate)
    best = max(chained, key=lambda m: m.rate)
    durability = ", ".join(f"{k}={v}" for k, v in best.pragmas.items())
    rows = [
        Row(
            "engine commands, one event each, aggregate loaded first: SQLite file",
            round(best.rate),
            "commands/s",
            round(max(raw)),
            f"raw one-row transactions ({durability})",
            Target(">=", 0.5),
            note=f"{commands:,} commands, best of {rounds}; {best.event_bytes} B per event",
            extra={"pragmas": best.pragmas},
        )
    ]
    if chain_baseline:
        rows.append(
            Row(
                "hash chain on appends: SQLite file",
                round(best.rate),
                "commands/s",
                round(max(unchained)),
                "the same commands without the chain",
                Target(">=", 0.9),
                note=f"best of {rounds} interleaved runs",
            )
        )
    return rows


def postgres_rows(commands: int, rounds: int = 2, *, chain_baseline: bool = True) -> list[Row]:
    """Engine and raw rates on PostgreSQL (best of ``rounds``), then four processes at once."""
    one: list[Measured] = []
    raw: list[float] = []
    unchained: list[float] = []
    for _ in range(rounds):
        with support.postgres_url() as url:
            one.append(engine_rate(url, commands))
            raw.append(raw_postgres_rate(url, commands, one[-1].event_bytes))
        if chain_baseline:
            with support.postgres_url() as url:
                unchained.append(engine_rate(url, commands, hash_chain=False).rate)
    with support.postgres_url() as url:
        four = processes_rate(url, commands)
    best = max(one, key=lambda m: m.rate)
    rows = [
        Row(
            "engine commands, one event each, aggregate loaded first: PostgreSQL, one client",
            round(best.rate),
            "commands/s",
            round(max(raw)),
            "raw one-row transactions (psycopg)",
            Target(">=", 0.5),
            note=f"{commands:,} commands, best of {rounds}; {best.event_bytes} B per event",
        ),
        Row(
            f"the same on PostgreSQL, {PROCESSES} client processes",
            round(four),
            "commands/s",
            round(best.rate),
            "the one-client figure",
            Target(">=", 2),
            note=f"{commands:,} commands per process",
        ),
    ]
    if chain_baseline:
        rows.append(
            Row(
                "hash chain on appends: PostgreSQL",
                round(best.rate),
                "commands/s",
                round(max(unchained)),
                "the same commands without the chain",
                Target(">=", 0.9),
                note=f"best of {rounds} interleaved runs",
            )
        )
    return rows
