"""The links each store writes are those the verifier computes, for saves of any size.

PostgreSQL computes the links on the server (one statement per save); SQLite and the in-memory
store compute them in Python. Either way they must equal :func:`link_hash` over the previous link.
"""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from subsidy.application import SubsidyEngine
from subsidy.persistence.chain import GENESIS, link_hash

from conftest import ALL_STORES


def _events(count: int) -> list[StoredEvent]:
    originator = uuid4()
    return [
        StoredEvent(originator, version, "tests:Forged", f'{{"n": {version}, "ü": "ö"}}'.encode())
        for version in range(1, count + 1)
    ]


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_every_link_is_the_hash_of_the_previous_link_and_the_row(engine: SubsidyEngine) -> None:
    recorder = engine.recorder
    start = recorder.max_notification_id() or 0
    before = recorder.link_at(start) if start else GENESIS
    saves = [_events(1), _events(7), _events(1), _events(250)]

    for events in saves:
        recorder.insert_events(events)

    rows = recorder.select_chained(start, 1_000)
    stored = [event for events in saves for event in events]
    assert [UUID(str(row.event.originator_id)) for row in rows] == [e.originator_id for e in stored]
    previous = before
    for row, event in zip(rows, stored, strict=True):
        expected = link_hash(previous, row.position, event)
        assert row.link == expected, f"position {row.position}"
        previous = expected
    assert recorder.head_link() == (rows[-1].position, previous)
