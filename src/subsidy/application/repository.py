"""The engine's repository: the library's, with an aggregate cache safe for commands and threads.

The cache keeps recently loaded aggregates in memory and, on every load, reads the events stored
after the cached version (the library's fast-forward), so a cached aggregate is never older than
the store, whichever process wrote to it. What this class adds is where the copy is made.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from copy import deepcopy
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Cache,
    ProjectorFunction,
    Repository,
    project_aggregate,
)
from eventsourcing.domain import TDomainEvent, TMutableOrImmutableAggregate
from eventsourcing.persistence import EventStore

T = TypeVar("T")


class CachingRepository(Repository[UUID]):
    """Loads aggregates through a cache of at most ``maxsize`` of them (least recently used out).

    Callers always get a copy, and saved aggregates never enter the cache: a command refused
    after changing its copy, or whose save fails (a version conflict with another process),
    leaves the cached aggregate as the store has it. The next load reads the new events, the
    engine's own and any other process's.

    The library fast-forwards a cached aggregate in place under a lock per aggregate but copies
    it for the caller after releasing that lock, so one thread could copy an aggregate that
    another thread is half-way through advancing. Here the lookup, the fast-forward and the copy
    all happen under that lock.
    """

    def __init__(
        self,
        event_store: EventStore[UUID],
        *,
        snapshot_store: EventStore[UUID] | None,
        maxsize: int,
    ) -> None:
        super().__init__(
            event_store,
            snapshot_store=snapshot_store,
            cache_maxsize=maxsize,
            fastforward=True,
            deepcopy_from_cache=True,
        )

    def get(
        self,
        aggregate_id: UUID,
        *,
        version: int | None = None,
        projector_func: ProjectorFunction[
            TMutableOrImmutableAggregate, TDomainEvent
        ] = project_aggregate,
        fastforward_skipping: bool = False,
        deepcopy_from_cache: bool = True,
    ) -> TMutableOrImmutableAggregate:
        """A copy of the aggregate as stored now (or at ``version``, replayed without the cache).

        ``fastforward_skipping`` and ``deepcopy_from_cache`` are accepted for the library's
        signature and ignored: every load is brought up to date and copied.
        """
        del fastforward_skipping, deepcopy_from_cache
        if self.cache is None or version is not None:
            return super().get(aggregate_id, version=version, projector_func=projector_func)
        lock = self._use_fastforward_lock(aggregate_id)
        try:
            with lock:
                return deepcopy(self._current(aggregate_id, projector_func))
        finally:
            self._disuse_fastforward_lock(aggregate_id)

    def read(self, aggregate_id: UUID, reader: Callable[[Any], T]) -> T:
        """What ``reader`` finds in the aggregate as stored now, without copying the aggregate.

        The aggregate is brought up to date from the store exactly as :meth:`get` does, and
        ``reader`` runs on it under the same lock, so no other thread advances it meanwhile.
        ``reader`` must not change the aggregate nor keep a reference into it: it returns plain
        values (an id, a flag, a new object). For checks that read one or two attributes, this
        saves the deep copy, which costs more than the query that brings the aggregate up to date.
        """
        if self.cache is None:
            return reader(super().get(aggregate_id))
        lock = self._use_fastforward_lock(aggregate_id)
        try:
            with lock:
                projector = cast("ProjectorFunction[Any, Any]", project_aggregate)
                return reader(self._current(aggregate_id, projector))
        finally:
            self._disuse_fastforward_lock(aggregate_id)

    def _current(
        self,
        aggregate_id: UUID,
        projector_func: ProjectorFunction[TMutableOrImmutableAggregate, TDomainEvent],
    ) -> TMutableOrImmutableAggregate:
        """The cached aggregate brought up to date, or the aggregate replayed and cached."""
        cache = self.cache
        assert cache is not None
        try:
            cached = cast("TMutableOrImmutableAggregate", cache.get(aggregate_id))
        except KeyError:
            aggregate: TMutableOrImmutableAggregate = self._reconstruct_aggregate(
                aggregate_id, None, projector_func
            )
            cache.put(aggregate_id, aggregate)
            return aggregate
        try:
            new_events = self.event_store.get(originator_id=aggregate_id, gt=cached.version)
            advanced = projector_func(cached, new_events)  # type: ignore[arg-type]
        except BaseException:
            # An event that failed half-way through applying may have left the cached
            # aggregate torn: drop it, and let the next load replay from the store.
            _evict(cache, aggregate_id)
            raise
        if advanced is None:
            _evict(cache, aggregate_id)
            raise AggregateNotFoundError(aggregate_id)
        if advanced is not cached:
            cache.put(aggregate_id, advanced)
        return advanced


def _evict(cache: Cache[UUID, Any], aggregate_id: UUID) -> None:
    with contextlib.suppress(KeyError):  # already pushed out by newer entries
        cache.get(aggregate_id, evict=True)
