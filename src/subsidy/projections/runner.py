"""Follow the event log into read models: in order, batched, exactly once.

Each batch runs in one read-model transaction: it locks the projection's position, applies the
next notifications (read and decoded just before), and moves the position to the last one, so a
crash at any point leaves either the whole batch or none of it. A replayed event can therefore
never be applied twice.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from sqlalchemy import Connection, Engine, MetaData

from subsidy.projections import tracking
from subsidy.projections.base import Projection
from subsidy.projections.database import read_only
from subsidy.projections.rebuild import REBUILD_BATCH_SIZE, Progress, rebuild_all

DEFAULT_BATCH_SIZE = 500
_log = structlog.get_logger("subsidy.projections")


class ProjectionStopped(Exception):
    """The projection parked an event under the ``stop`` policy and will not go past it."""


@dataclass(frozen=True)
class Status:
    """Where a projection stands against the head of the log."""

    name: str
    position: int
    head: int
    parked: int

    @property
    def lag(self) -> int:
        """Notifications the projection has not yet considered."""
        return max(self.head - self.position, 0)


@dataclass(frozen=True)
class _Page:
    """Notifications read for a batch, and their events if every one of them decoded."""

    notifications: Sequence[Notification]
    scanned_to: int
    events: list[tuple[int, Any]] | None


class ProjectionRunner:
    """Runs one projection against one application's notification log.

    Args:
        projection: The projection to keep.
        recorder: The application's recorder, read page by page.
        mapper: Turns stored events into domain events.
        db: The read-model database (the same database as the events).
        batch_size: Notifications applied per transaction.
        policy: On an event the projection fails on: ``stop`` (default) parks it and stops
            before it; ``skip`` parks it and goes on.
    """

    def __init__(
        self,
        projection: Projection,
        *,
        recorder: ApplicationRecorder,
        mapper: Mapper[Any],
        db: Engine,
        batch_size: int = DEFAULT_BATCH_SIZE,
        policy: str = "stop",
    ) -> None:
        self.projection = projection
        self.recorder = recorder
        self.mapper = mapper
        self.db = db
        self.batch_size = batch_size
        self.policy = policy
        self.tables = projection.define(MetaData())

    # One batch ---------------------------------------------------------------------------

    def run_batch(self) -> int:
        """Apply the next batch; returns how many notifications it applied.

        The notifications are read and decoded before the read-model transaction begins, so
        that the transaction (on SQLite, the database's one writer) lasts only as long as the
        writes; under the lock, the batch is used only if the position has not moved since.
        """
        name = self.projection.name
        with read_only(self.db.connect()) as conn:
            seen = tracking.read_position(conn, name)
            self._refuse_if_stopped(conn)
        page = self._read_page(seen)
        if page is None:
            return 0
        with self.db.begin() as conn:
            position = tracking.lock_position(conn, name)
            self._refuse_if_stopped(conn)
            if position != seen:  # another runner moved it: read again, under the lock
                page = self._read_page(position)
                if page is None:
                    return 0
            applied, new_position = self._apply(conn, page)
            if new_position != position:
                tracking.set_position(conn, name, new_position)
        return applied

    def _refuse_if_stopped(self, conn: Connection) -> None:
        if self.policy == "stop" and tracking.parked_events(conn, self.projection.name):
            msg = f"{self.projection.name} has parked events; see `projections parked`"
            raise ProjectionStopped(msg)

    def _read_page(self, position: int) -> _Page | None:
        """The notifications after ``position`` up to the head, decoded if they all decode."""
        head = self.recorder.max_notification_id() or 0
        if head <= position:
            return None
        notifications = self.recorder.select_notifications(
            position + 1, self.batch_size, stop=head, topics=self.projection.topics
        )
        # A short page has scanned every notification up to the head we read.
        scanned_to = notifications[-1].id if len(notifications) == self.batch_size else head
        try:
            events = [(n.id, self.mapper.to_domain_event(n)) for n in notifications]
        except Exception:  # decoded again, and parked, one event at a time
            return _Page(notifications, scanned_to, None)
        return _Page(notifications, scanned_to, events)

    def _apply(self, conn: Connection, page: _Page) -> tuple[int, int]:
        if page.events is None:
            return self._apply_one_by_one(conn, list(page.notifications), page.scanned_to)
        try:
            # The fast path: apply the whole batch under one savepoint.
            with conn.begin_nested():
                self.projection.apply_all(conn, self.tables, page.events)
            return len(page.events), page.scanned_to
        except Exception:  # found again, and parked, one event at a time
            return self._apply_one_by_one(conn, list(page.notifications), page.scanned_to)

    def _apply_one_by_one(
        self, conn: Connection, notifications: list[Notification], scanned_to: int
    ) -> tuple[int, int]:
        """Decode and apply each event under its own savepoint, parking those that fail."""
        applied = 0
        for notification in notifications:
            try:
                with conn.begin_nested():
                    event = self.mapper.to_domain_event(notification)
                    self.projection.apply(conn, self.tables, event, notification.id)
            except Exception as error:
                error_text = "".join(traceback.format_exception_only(error)).strip()
                tracking.park(
                    conn, self.projection.name, notification.id, notification.topic, error_text
                )
                _log.warning(
                    "projection.parked",
                    projection=self.projection.name,
                    position=notification.id,
                    error=error_text,
                )
                if self.policy == "stop":
                    return applied, notification.id - 1
            applied += 1
        return applied, scanned_to

    def retry_parked(self) -> int:
        """Apply the parked events again, in log order; returns how many now applied.

        An event parked under ``stop`` lies just past the position and is simply applied on
        the next batch. One parked under ``skip`` lies behind it and is applied here, out of
        order: for projections whose rows depend on earlier events, rebuild instead.
        """
        name = self.projection.name
        retried = 0
        with self.db.begin() as conn:
            position = tracking.lock_position(conn, name)
            for row in tracking.parked_events(conn, name):
                at = int(str(row["position"]))
                if at <= position:
                    [notification] = self.recorder.select_notifications(at, 1, stop=at)
                    event = self.mapper.to_domain_event(notification)
                    self.projection.apply(conn, self.tables, event, at)
                    retried += 1
            tracking.unpark(conn, name)
        return retried + self.catch_up()

    def catch_up(self) -> int:
        """Apply batches until the projection reaches the head; returns how many were applied."""
        total = 0
        while applied := self.run_batch():
            total += applied
        # An empty batch may still have moved the position over events of other topics.
        return total

    def status(self) -> Status:
        """The projection's position, the log's head and its parked events."""
        with read_only(self.db.connect()) as conn:
            position = tracking.read_position(conn, self.projection.name)
            parked = len(tracking.parked_events(conn, self.projection.name))
        return Status(
            self.projection.name, position, self.recorder.max_notification_id() or 0, parked
        )

    # Rebuild -----------------------------------------------------------------------------

    def rebuild(
        self, progress: Progress | None = None, *, batch_size: int = REBUILD_BATCH_SIZE
    ) -> int:
        """Build the read model afresh in shadow tables, then swap it in atomically.

        The live tables keep serving (and following the log) while the shadow is filled; see
        :func:`~subsidy.projections.rebuild.rebuild_all`, which rebuilds several read models
        in one pass. Returns the number of events applied.
        """
        return rebuild_all([self], progress, batch_size=batch_size)[self.projection.name]


def follow(
    runners: Sequence[ProjectionRunner],
    stop: threading.Event,
    *,
    wait: Callable[[float], bool] | None = None,
    poll_interval: float = 1.0,
) -> None:
    """Keep ``runners`` caught up until ``stop`` is set.

    ``wait`` blocks until new events may have arrived (PostgreSQL's LISTEN) or the timeout
    passes; without it the loop polls.
    """
    waiter = wait or stop.wait
    while not stop.is_set():
        busy = False
        for runner in runners:
            try:
                busy = runner.run_batch() > 0 or busy
            except ProjectionStopped as stopped:
                _log.error("projection.stopped", reason=str(stopped))
        if not busy:
            waiter(poll_interval)


def wait_until(runners: Sequence[ProjectionRunner], position: int, *, timeout: float = 5.0) -> bool:
    """Wait until every runner's projection has reached ``position``; False on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        if all(r.status().position >= position for r in runners):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
