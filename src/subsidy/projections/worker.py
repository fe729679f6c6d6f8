"""Keep projections following the log: in the API process, or as worker processes.

On SQLite a worker polls. On PostgreSQL it also LISTENs on the event table's channel, so it
wakes as soon as events are committed, and it runs a projection only while it holds that
projection's advisory lock: with several workers, one is active per projection and the others
stand by, taking over within a poll interval when the active one dies (its session ends and
PostgreSQL releases the lock).
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Sequence
from typing import Any

import psycopg
import structlog

from subsidy.projections.runner import ProjectionRunner, ProjectionStopped

_log = structlog.get_logger("subsidy.projections")


def lock_key(namespace: str, projection_name: str) -> int:
    """The advisory-lock key of a projection in one schema: stable across processes.

    Advisory locks are database-wide, so the key includes the schema: workers of deployments
    sharing a database in different schemas never block each other.
    """
    return 0x5355_0000_0000 + zlib.crc32(f"{namespace}/{projection_name}".encode())


class Worker:
    """Runs ``runners`` until stopped.

    Args:
        runners: One runner per projection.
        postgres_dsn: Connection string for LISTEN and advisory locks; ``None`` on SQLite.
        channel: The event table's NOTIFY channel (PostgreSQL).
        poll_interval: Seconds between polls when nothing wakes the worker earlier.
    """

    def __init__(
        self,
        runners: Sequence[ProjectionRunner],
        *,
        postgres_dsn: str | None = None,
        channel: str | None = None,
        namespace: str = "public",
        poll_interval: float = 1.0,
    ) -> None:
        self.runners = list(runners)
        self.namespace = namespace
        self.postgres_dsn = postgres_dsn
        self.channel = channel
        self.poll_interval = poll_interval
        self.active: set[str] = set()

    def run(self, stop: threading.Event) -> None:
        """Follow the log until ``stop`` is set."""
        if self.postgres_dsn is None:
            self._loop(stop, lambda: stop.wait(self.poll_interval), None)
            return
        with (
            psycopg.connect(self.postgres_dsn, autocommit=True) as locks,
            psycopg.connect(self.postgres_dsn, autocommit=True) as listener,
        ):
            if self.channel:
                listener.execute(f'LISTEN "{self.channel}"')

            def wait() -> None:
                for _ in listener.notifies(timeout=self.poll_interval, stop_after=1):
                    pass

            self._loop(stop, wait, locks)

    def _loop(
        self, stop: threading.Event, wait: Any, locks: psycopg.Connection[Any] | None
    ) -> None:
        while not stop.is_set():
            if locks is not None:
                self._acquire(locks)
            busy = False
            for runner in self.runners:
                if locks is not None and runner.projection.name not in self.active:
                    continue
                try:
                    busy = runner.run_batch() > 0 or busy
                except ProjectionStopped as stopped:
                    _log.error("projection.stopped", reason=str(stopped))
                except Exception as error:  # a worker outlives any one failure; it retries
                    _log.exception(
                        "projection.failed",
                        projection=runner.projection.name,
                        error=type(error).__name__,
                    )
            if not busy:
                wait()

    def _acquire(self, locks: psycopg.Connection[Any]) -> None:
        for runner in self.runners:
            name = runner.projection.name
            if name in self.active:
                continue
            key = lock_key(self.namespace, name)
            row = locks.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
            if row and row[0]:
                self.active.add(name)
                _log.info("projection.active", projection=name)
