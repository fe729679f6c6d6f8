"""Rebuild read models from the start of the log: one pass for all, swapped in at once.

A rebuild reads the log once, decodes each event once and hands it to every projection that
follows its topic. Each projection keeps its rows in memory for the whole rebuild (a
:class:`~subsidy.projections.batch.Batch` in complete mode: its shadow tables started empty and
nothing else writes them, so nothing is ever read back); after every 5,000 notifications it
writes what changed in bulk, in a short transaction of its own. The shadow tables are temporary
tables of the one connection the rebuild holds throughout: never logged or synced, never seen by
another session, gone with the session should the process die. The live tables keep serving,
and workers keep following, until the last transaction locks every position, applies what
arrived meanwhile, replaces the live rows with the shadow's and sets the positions, so readers
see either the old tables or the new ones.
"""

from __future__ import annotations

import gc
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog
from eventsourcing.persistence import ApplicationRecorder, Mapper
from sqlalchemy import Connection, MetaData, Table, delete, insert, select
from sqlalchemy.pool import StaticPool

from subsidy.projections import tracking
from subsidy.projections.base import Projection
from subsidy.projections.batch import Batch
from subsidy.projections.database import read_only, writing

if TYPE_CHECKING:
    from subsidy.projections.runner import ProjectionRunner

REBUILD_BATCH_SIZE = 5_000
"""Notifications per rebuild transaction: large, as only the rebuild writes the shadow tables."""

Progress = Callable[[int, int], None]
"""Called after each transaction with the position reached and the head of the log."""

_log = structlog.get_logger("subsidy.projections")


@dataclass
class _Target:
    """One projection being rebuilt: its live and shadow tables and its in-memory state."""

    projection: Projection
    live: dict[str, Table]
    shadow: dict[str, Table]
    batch: Batch
    applied: int = 0


@dataclass
class _Pass:
    """The single pass over the log, fanning each decoded event out to the projections."""

    recorder: ApplicationRecorder
    mapper: Mapper[Any]
    targets: list[_Target]
    batch_size: int
    position: int = 0
    _routes: dict[str, list[Callable[[Any, int], None]]] = field(default_factory=dict)

    @property
    def topics(self) -> Sequence[str]:
        """The topics to read: every one if any projection follows every event."""
        if any(not t.projection.topics for t in self.targets):
            return ()
        return sorted({topic for t in self.targets for topic in t.projection.topics})

    def advance(self) -> bool:
        """Apply the next notifications up to the head, in memory; False at the head."""
        head = self.recorder.max_notification_id() or 0
        if head <= self.position:
            return False
        notifications = self.recorder.select_notifications(
            self.position + 1, self.batch_size, stop=head, topics=self.topics
        )
        routes = self._routes
        decode = self.mapper.to_domain_event
        for notification in notifications:
            appliers = routes.get(notification.topic)
            if appliers is None:
                appliers = self._route(notification.topic)
            if appliers:
                event = decode(notification)
                for apply in appliers:
                    apply(event, notification.id)
        for topic, count in Counter(n.topic for n in notifications).items():
            for target in self._followers(topic):
                target.applied += count
        # A short page has scanned every notification up to the head read above.
        full = len(notifications) == self.batch_size
        self.position = notifications[-1].id if full else head
        return True

    def write(self, conn: Connection) -> None:
        """Write what the projections changed since the last write."""
        for target in self.targets:
            target.batch.flush(conn)

    def _route(self, topic: str) -> list[Callable[[Any, int], None]]:
        """How to apply an event of ``topic``: each following projection's ``apply``."""
        appliers = self._routes[topic] = [t.batch.apply for t in self._followers(topic)]
        return appliers

    def _followers(self, topic: str) -> list[_Target]:
        return [t for t in self.targets if not t.projection.topics or topic in t.projection.topics]


def rebuild_all(
    runners: Sequence[ProjectionRunner],
    progress: Progress | None = None,
    *,
    batch_size: int = REBUILD_BATCH_SIZE,
) -> dict[str, int]:
    """Rebuild the runners' read models in one pass over the log, then swap them in at once.

    Args:
        runners: Runners sharing one event store and read-model database.
        progress: Told the position reached and the head after each transaction.
        batch_size: Notifications per transaction.

    Returns:
        Per projection, how many events it applied.

    Raises:
        ValueError: If the runners follow different logs or write different databases.
        Exception: Whatever a projection raises on an event; the live tables stay as they
            were and the shadow tables are dropped (a rebuild parks nothing).
    """
    first = runners[0]
    if any(
        (r.recorder, r.mapper, r.db) != (first.recorder, first.mapper, first.db) for r in runners
    ):
        raise ValueError("a rebuild in one pass needs runners on one log and one database")
    metadata = MetaData()
    # A suffix of its own, so two rebuilds at once never share (or drop) shadow tables.
    suffix = f"__rebuild_{uuid.uuid4().hex[:8]}"
    targets = []
    for runner in runners:
        shadow = runner.projection.define(metadata, suffix=suffix)
        for table in shadow.values():
            # Nothing reads a shadow table but the swap: indexes would only slow its filling.
            table.indexes.clear()
            # Scratch tables of the rebuild's own connection: never logged or synced, and
            # dropped by the database should the process die before it drops them.
            table._prefixes = ["TEMPORARY"]
        batch = runner.projection.open_batch(shadow, None)
        targets.append(_Target(runner.projection, runner.tables, shadow, batch))
    log = _Pass(first.recorder, first.mapper, targets, batch_size)
    # One connection for the whole rebuild, in whose session the shadow tables live.
    with _collector_paused(), first.db.connect() as conn:
        try:
            # Until the swap only the connection's own temporary tables are written: on SQLite
            # those transactions begin DEFERRED and never take the database's write lock.
            with read_only(conn).begin():
                # A fresh suffix: no table of it can exist yet, so none is looked for.
                metadata.create_all(conn, checkfirst=False)
            _fill(log, conn, progress)
            with writing(conn).begin():
                for target in targets:
                    tracking.lock_position(conn, target.projection.name)
                while log.advance():
                    log.write(conn)
                for target in targets:
                    _swap(conn, target)
                    tracking.set_position(conn, target.projection.name, log.position)
        finally:
            _drop_shadows(conn, metadata)
    return {t.projection.name: t.applied for t in targets}


def _drop_shadows(conn: Connection, metadata: MetaData) -> None:
    """Drop the shadow tables; a failure here is logged, never raised over the rebuild's own.

    They are temporary tables, so they end with the session: when the drop fails the
    connection is invalidated rather than handed back to the pool with them still in it
    (except a single static connection, which holds an in-memory database and its tables).
    """
    try:
        if conn.in_transaction():  # the rebuild failed inside one: end it first
            conn.rollback()
        with read_only(conn).begin():
            metadata.drop_all(conn)
    except Exception as error:
        _log.warning("rebuild.shadows_not_dropped", reason=str(error))
        if not isinstance(conn.engine.pool, StaticPool):
            conn.invalidate()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the rebuild (if it runs at all).

    The pass allocates several containers per event and keeps every read model's rows until
    the swap, which sets off full collections; each walks the whole heap (in a process that
    has done much else first, about 0.1 s each at 10,000 events) and finds next to nothing:
    reference counting frees what a rebuild discards. The pause is process-wide, so another
    thread's cyclic garbage waits for the rebuild to end (the CLI runs rebuilds on their own);
    overlapping rebuilds resume it when the last of them ends.
    """
    with _pauses_lock:
        if _pauses.count == 0:
            _pauses.resumes = gc.isenabled()
            gc.disable()
        _pauses.count += 1
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses.count -= 1
            if _pauses.count == 0 and _pauses.resumes:
                gc.enable()


@dataclass
class _Pauses:
    """Rebuilds running now, and whether the collector ran before the first of them began."""

    count: int = 0
    resumes: bool = False


_pauses = _Pauses()
_pauses_lock = threading.Lock()


def _fill(log: _Pass, conn: Connection, progress: Progress | None) -> None:
    """Fill the shadow tables up to the head.

    Events are read and applied outside any read-model transaction; only writing them takes
    one, and as that writes the connection's temporary tables alone, on SQLite it begins
    DEFERRED and never holds the write lock the event store's writers wait for.
    """
    while log.advance():
        with read_only(conn).begin():
            log.write(conn)
        if progress is not None:
            progress(log.position, log.recorder.max_notification_id() or 0)


def _swap(conn: Connection, target: _Target) -> None:
    """Replace the live rows with the shadow's, inside the transaction that sets the position."""
    for key, live in target.live.items():
        conn.execute(delete(live))
        columns = [c.name for c in live.columns]
        source = target.shadow[key]
        conn.execute(insert(live).from_select(columns, select(*(source.c[c] for c in columns))))
