"""``subsidy backup`` and ``subsidy restore``: online, consistent copies of an SQLite store."""

from __future__ import annotations

import contextlib
import re
import shlex
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner, Result

from subsidy.application import SubsidyEngine
from subsidy.cli import app

from builders import ADMIN, World
from conftest import POSTGRES_URL, PostgresSchema, make_engine, postgres_skipped_on_purpose

Row = tuple[Any, ...]
EVENTS_PER_WRITE = 2  # the reviewer's registration and the idempotency record


def cli(url: str, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"SUBSIDY_DATABASE_URL": url})


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def stored(path: Path, table: str = "stored_events") -> list[Row]:
    """Every row of an event-store table, in log order, read straight from the file."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """An SQLite store holding a world ready for applications."""
    path = tmp_path / "live" / "subsidy.sqlite3"
    engine = make_engine(url_of(path))
    World.build(engine)
    engine.close()
    return path


@dataclass
class Writer:
    """A thread with its own engine, recording one command after another until stopped."""

    url: str
    written: int = 0
    errors: list[BaseException] = field(default_factory=list)
    first_written: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        engine = make_engine(self.url)
        try:
            while not self.stop.is_set():
                self._write(engine)
        except BaseException as error:  # handed to the test, which fails with it
            self.errors.append(error)
            self.first_written.set()
        finally:
            engine.close()

    def _write(self, engine: SubsidyEngine) -> None:
        n = self.written
        engine.register_reviewer(
            ADMIN, user_id=f"reviewer-{n}", name=f"審査員{n}", idempotency_key=f"write-{n}"
        )
        self.written += 1
        self.first_written.set()


@contextlib.contextmanager
def writing_to(path: Path) -> Iterator[Writer]:
    """Commands keep being recorded in ``path`` for as long as the block runs."""
    writer = Writer(url_of(path))
    thread = threading.Thread(target=writer.run)
    thread.start()
    try:
        assert writer.first_written.wait(timeout=60)
        yield writer
    finally:
        writer.stop.set()
        thread.join(timeout=60)
    assert not writer.errors, writer.errors


def test_a_backup_taken_during_writes_holds_whole_commands_and_restores_them_all(
    store: Path, tmp_path: Path
) -> None:
    before = len(stored(store))
    backup = tmp_path / "backups" / "subsidy.backup"
    fresh = tmp_path / "fresh" / "subsidy.sqlite3"

    with writing_to(store):
        backed_up = cli(url_of(store), "backup", str(backup))
    restored = cli(url_of(fresh), "restore", str(backup))

    assert backed_up.exit_code == 0, backed_up.output
    assert restored.exit_code == 0, restored.output
    copy = stored(fresh)
    assert len(copy) > before
    assert (len(copy) - before) % EVENTS_PER_WRITE == 0  # no half-recorded command
    assert copy == stored(store)[: len(copy)]
    assert stored(fresh, "stored_events_chain") == stored(store, "stored_events_chain")[: len(copy)]
    assert f"{len(copy)} events" in restored.stdout


def test_a_restored_store_verifies_against_the_digest_taken_before_the_backup(
    store: Path, tmp_path: Path
) -> None:
    digest, backup = tmp_path / "digest.json", tmp_path / "subsidy.backup"
    fresh = tmp_path / "fresh.sqlite3"
    assert cli(url_of(store), "audit", "digest", "--output", str(digest)).exit_code == 0
    with writing_to(store):
        assert cli(url_of(store), "backup", str(backup)).exit_code == 0
    assert cli(url_of(fresh), "restore", str(backup)).exit_code == 0

    verified = cli(url_of(fresh), "audit", "verify", "--digest", str(digest))

    assert verified.exit_code == 0, verified.output
    assert "holds" in verified.stdout


def test_a_backup_neither_waits_for_nor_includes_an_uncommitted_write(
    store: Path, tmp_path: Path
) -> None:
    before = stored(store)
    backup = tmp_path / "subsidy.backup"
    with contextlib.closing(sqlite3.connect(store, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
            "SELECT originator_id, originator_version + 1000, topic, state FROM stored_events"
        )

        backed_up = cli(url_of(store), "backup", str(backup))

        writer.execute("ROLLBACK")
    assert backed_up.exit_code == 0, backed_up.output
    assert stored(backup) == before


def test_the_restored_read_models_resume_where_the_backup_left_them(
    store: Path, tmp_path: Path
) -> None:
    backup, fresh = tmp_path / "subsidy.backup", tmp_path / "fresh.sqlite3"
    assert cli(url_of(store), "projections", "run", "--once").exit_code == 0
    assert cli(url_of(store), "backup", str(backup)).exit_code == 0
    assert cli(url_of(fresh), "restore", str(backup)).exit_code == 0

    status = cli(url_of(fresh), "projections", "status")
    rebuilt = cli(url_of(fresh), "projections", "rebuild")

    assert status.exit_code == 0, status.output
    assert all(" lag      0 " in line for line in status.stdout.splitlines()), status.stdout
    assert rebuilt.exit_code == 0, rebuilt.output
    assert stored(fresh, "rm_audit_log") == stored(store, "rm_audit_log")


def test_restore_refuses_to_replace_a_store_holding_events_unless_forced(
    store: Path, tmp_path: Path
) -> None:
    backup, other = tmp_path / "subsidy.backup", tmp_path / "other.sqlite3"
    assert cli(url_of(store), "backup", str(backup)).exit_code == 0
    make_engine(url_of(other)).close()  # a store of its own: the default scheme
    kept = stored(other)

    refused = cli(url_of(other), "restore", str(backup))
    unchanged = stored(other)
    forced = cli(url_of(other), "restore", "--force", str(backup))

    assert refused.exit_code == 1
    assert f"holds {len(kept)} events" in refused.stderr
    assert "--force" in refused.stderr
    assert unchanged == kept
    assert forced.exit_code == 0, forced.output
    assert stored(other) == stored(store)


def test_restore_refuses_a_store_another_process_has_open(store: Path, tmp_path: Path) -> None:
    backup, other = tmp_path / "subsidy.backup", tmp_path / "other.sqlite3"
    assert cli(url_of(store), "backup", str(backup)).exit_code == 0
    engine = make_engine(url_of(other))
    try:
        kept = stored(other)

        refused = cli(url_of(other), "restore", "--force", str(backup))

        assert refused.exit_code == 1
        assert "in use" in refused.stderr
        assert "stop the API" in refused.stderr
        assert stored(other) == kept
    finally:
        engine.close()


def corrupt(path: Path) -> None:
    """Point the hash chain's cells outside their page; the events still read as before."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        (page_size,) = db.execute("PRAGMA page_size").fetchone()
        (root,) = db.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'stored_events_chain'"
        ).fetchone()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    data[start + 8 : start + 16] = b"\xff" * 8  # the cell pointer array of a leaf page
    path.write_bytes(bytes(data))


def not_an_event_store(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE notes (text TEXT)")


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda path: path.write_bytes(b"not a database at all" * 100), "not a database"),
        (corrupt, "fails SQLite's integrity check"),
        (not_an_event_store, "not an event store"),
    ],
    ids=["not-sqlite", "corrupted", "not-a-store"],
)
def test_restore_refuses_a_file_that_is_not_a_sound_store_and_changes_nothing(
    store: Path, tmp_path: Path, spoil: Any, reason: str
) -> None:
    backup, fresh = tmp_path / "subsidy.backup", tmp_path / "fresh" / "subsidy.sqlite3"
    if spoil is not_an_event_store:
        not_an_event_store(backup)
    else:
        assert cli(url_of(store), "backup", str(backup)).exit_code == 0
        spoil(backup)

    refused = cli(url_of(fresh), "restore", str(backup))

    assert refused.exit_code == 1
    assert re.search(reason, refused.stderr), refused.stderr
    assert not fresh.exists()
    assert not list(fresh.parent.glob(".*.partial"))  # the staged copy is cleaned up


def test_backup_refuses_to_overwrite_an_existing_file_unless_forced(
    store: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "subsidy.backup"
    backup.write_text("yesterday's backup")

    refused = cli(url_of(store), "backup", str(backup))
    kept = backup.read_text()
    forced = cli(url_of(store), "backup", "--force", str(backup))

    assert refused.exit_code == 1
    assert "exists" in refused.stderr
    assert kept == "yesterday's backup"
    assert forced.exit_code == 0, forced.output
    assert stored(backup) == stored(store)


def test_a_postgres_store_is_pointed_to_pg_dump(tmp_path: Path) -> None:
    url = "postgresql://grants@db.example:5433/subsidy?schema=fy2024"

    backed_up = cli(url, "backup", str(tmp_path / "subsidy.backup"))

    assert backed_up.exit_code == 1
    assert "pg_dump -h db.example -p 5433 -U grants -d subsidy" in backed_up.stderr
    assert "--format=custom --schema=fy2024" in backed_up.stderr
    assert "docs/backup.md" in backed_up.stderr
    assert not (tmp_path / "subsidy.backup").exists()


def test_a_memory_store_has_nothing_to_back_up(tmp_path: Path) -> None:
    backed_up = cli("memory://", "backup", str(tmp_path / "subsidy.backup"))

    assert backed_up.exit_code == 1
    assert "nothing to back up" in backed_up.stderr


def printed_commands(advice: str, dump: Path) -> list[list[str]]:
    """The pg_dump and pg_restore lines of the advice, writing and reading ``dump``."""
    lines = [line.strip() for line in advice.splitlines() if line.strip().startswith("pg_")]
    return [shlex.split(line.replace("BACKUP.dump", str(dump))) for line in lines]


@pytest.mark.postgres
def test_the_printed_pg_dump_procedure_restores_a_schema_that_verifies(tmp_path: Path) -> None:
    if postgres_skipped_on_purpose():
        pytest.skip("SUBSIDY_SKIP_POSTGRES is set")
    digest, dump = tmp_path / "digest.json", tmp_path / "subsidy.dump"
    with PostgresSchema() as schema:
        engine = make_engine(schema.url)
        World.build(engine)
        engine.close()
        assert cli(schema.url, "audit", "digest", "--output", str(digest)).exit_code == 0
        dump_command, restore_command = printed_commands(
            cli(schema.url, "backup", str(tmp_path / "unused")).stderr, dump
        )
        subprocess.run(dump_command, check=True, capture_output=True)
        moved_aside = f"{schema.name}_old"
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'ALTER SCHEMA "{schema.name}" RENAME TO "{moved_aside}"')
        try:
            subprocess.run(restore_command, check=True, capture_output=True)

            verified = cli(schema.url, "audit", "verify", "--digest", str(digest))
        finally:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{moved_aside}" CASCADE')

    assert verified.exit_code == 0, verified.output
    assert "holds" in verified.stdout
