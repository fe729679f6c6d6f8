"""Snapshots against their events: a snapshot is a cache the engine trusts when it loads.

Snapshots are derived, so they are not links of the chain; an edited one would still change
what the engine decides. Verification therefore replays each aggregate that has snapshots from
its (verified) events and compares every snapshot with the state the events give at that version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from subsidy.persistence.snapshots import snapshotted_ids


@dataclass(frozen=True)
class SnapshotBreak:
    """A snapshot that its aggregate's events do not reproduce."""

    aggregate_id: str
    version: int
    reason: str


def snapshot_breaks(engine: Application[Any], aggregate_ids: Iterable[Any]) -> list[SnapshotBreak]:
    """Every snapshot of ``aggregate_ids`` that differs from a replay of the events."""
    if engine.snapshots is None:
        return []
    # One query says which aggregates have snapshots at all; most have none.
    snapshotted = snapshotted_ids(engine.snapshots.recorder)
    breaks: list[SnapshotBreak] = []
    for aggregate_id in aggregate_ids:
        if snapshotted is None or _may_have_snapshots(aggregate_id, snapshotted):
            breaks.extend(_check(engine, aggregate_id))
    return breaks


def _check(engine: Application[Any], aggregate_id: Any) -> list[SnapshotBreak]:
    assert engine.snapshots is not None
    key = str(aggregate_id)
    try:
        stored: Iterable[Any] = engine.snapshots.get(_uuid(aggregate_id))
        snapshots = {s.originator_version: s for s in stored}
    except Exception as error:  # an undecodable snapshot row
        return [SnapshotBreak(key, -1, f"a snapshot cannot be read: {type(error).__name__}")]
    if not snapshots:
        return []
    found: list[SnapshotBreak] = []
    aggregate: Any = None
    events: Iterable[Any] = engine.events.get(_uuid(aggregate_id), lte=max(snapshots))
    for event in events:
        aggregate = event.mutate(aggregate)
        snapshot = snapshots.pop(event.originator_version, None)
        if snapshot is not None and vars(snapshot.mutate(None)) != vars(aggregate):
            found.append(SnapshotBreak(key, snapshot.originator_version, _DIFFERS))
    found.extend(SnapshotBreak(key, version, _NO_EVENT) for version in sorted(snapshots))
    return found


def _may_have_snapshots(aggregate_id: Any, snapshotted: set[UUID]) -> bool:
    try:
        return _uuid(aggregate_id) in snapshotted
    except ValueError:
        return True  # not an id the engine writes: _check reports it


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


_DIFFERS = "the snapshot differs from the state its events give at this version (edited)"
_NO_EVENT = "the snapshot names a version no event of the aggregate has"
