"""Columns holding values the engine never writes (SQLite stores any type in any column)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from subsidy.application import SubsidyEngine
from subsidy.application.integrity import verify

from builders import World
from conftest import make_engine

MALFORMED = "the stored row is malformed"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[SubsidyEngine, Path]]:
    path = tmp_path / "events.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    World.build(engine)
    yield engine, path
    engine.close()


def edit(path: Path, statement: str, *values: object) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.execute(statement, values)
        connection.commit()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("originator_version", "seven"),
        ("originator_version", 1.5),
        ("topic", b"subsidy.domain.scheme:Scheme.Registered"),
    ],
)
def test_a_column_of_the_wrong_type_fails_as_malformed_at_its_position(
    store: tuple[SubsidyEngine, Path], column: str, value: object
) -> None:
    engine, path = store
    edit(path, f"UPDATE stored_events SET {column} = ? WHERE rowid = 7", value)

    outcome = verify(engine)

    assert outcome.first_break is not None
    assert outcome.first_break.position == 7
    assert MALFORMED in outcome.first_break.reason
    assert outcome.checked == 6


def test_a_link_stored_as_text_fails_at_its_position(store: tuple[SubsidyEngine, Path]) -> None:
    engine, path = store
    edit(path, "UPDATE stored_events_chain SET link = 'x' WHERE notification_id = 5")

    outcome = verify(engine)

    assert outcome.first_bad_position == 5


def test_a_state_rewritten_as_text_with_the_same_bytes_still_verifies(
    store: tuple[SubsidyEngine, Path],
) -> None:
    engine, path = store
    edit(path, "UPDATE stored_events SET state = CAST(state AS TEXT) WHERE rowid = 3")

    outcome = verify(engine)

    assert outcome.ok
    assert outcome.checked == engine.recorder.max_notification_id()
