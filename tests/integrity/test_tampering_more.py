"""Edits that only some stores allow, and edits outside the event log that the engine trusts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from subsidy.cli import app

from builders import World
from conftest import DURABLE_STORES, make_engine
from tamper import Tamperer


def audit(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", *args])
    return result.exit_code, result.output


@pytest.fixture
def sqlite_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tamperer:
    url = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", url)
    engine = make_engine(url)
    World.build(engine)
    engine.close()
    return Tamperer(url)


def test_an_id_rewritten_in_capitals_on_sqlite_fails_at_its_position(
    sqlite_store: Tamperer,
) -> None:
    sqlite_store.upper_case_id(9)

    code, output = audit("verify")

    assert code == 1
    assert "FAILED at position 9: the event does not match its chain link" in output


@pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True)
def test_an_edited_snapshot_fails_naming_its_aggregate_and_version(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", store_url)
    engine = make_engine(store_url, snapshot_interval=2)
    World.build(engine)
    engine.close()
    store = Tamperer(store_url)
    originator, version, state = next(
        row for row in store.snapshot_rows() if b"2028" in row[2]
    )  # the Action Plan's last fiscal year
    untouched, _ = audit("verify")

    store.set_snapshot_state(originator, version, state.replace(b"2028", b"2029"))
    code, output = audit("verify")

    assert untouched == 0
    assert code == 1
    assert f"at version {version}: the snapshot differs from the state its events give" in output


def test_a_missing_store_is_refused_and_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "typo" / "evnets.sqlite3"
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", f"sqlite:///{missing}")

    code, output = audit("verify")

    assert code == 2
    assert "no event store at" in output
    assert not missing.parent.exists()


def test_a_file_that_is_not_a_store_cannot_be_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")  # an empty file: what sqlite3 would create on a typo
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", f"sqlite:///{empty}")

    code, output = audit("verify")

    assert code == 2
    assert "could not verify" in output
    with sqlite3.connect(empty) as conn:  # opening it set the journal mode; no table appeared
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []
