"""Online backups of an SQLite store, and restoring one in the store's place.

The events, their hash chain and the read models live in one SQLite file, so one copy holds
them all, consistent with each other. The copy is made with SQLite's online backup API in a
single step, that is inside one read transaction: in WAL mode writers carry on meanwhile, and
the copy holds exactly the transactions committed when it began, so never half a command.

A restore checks the backup (SQLite's ``integrity_check`` and the events table), copies it next
to the store and swaps it in with one ``os.replace``; it refuses a store that holds events unless
told to replace them, and a store another process has open. PostgreSQL stores are backed up with
``pg_dump``, as docs/backup.md describes; both functions refuse them with that pointer.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from subsidy.domain.errors import SubsidyError

EVENTS_TABLE = "stored_events"
COUNT_EVENTS = "SELECT count(*), max(rowid) FROM stored_events"
LOCK_TIMEOUT_SECONDS = 30


class BackupRefused(SubsidyError):
    """A backup or restore that cannot be done safely; nothing was changed."""


@dataclass(frozen=True)
class Copied:
    """What a backup wrote or a restore put in place.

    Attributes:
        path: The file written: the backup, or the restored store.
        events: How many events it holds.
        head: The position of its last event (0 when it holds none).
    """

    path: Path
    events: int
    head: int


def backup(database_url: str, target: Path, *, force: bool = False) -> Copied:
    """Copy the store ``database_url`` names to ``target`` while it stays in use.

    Args:
        database_url: The store's ``SUBSIDY_DATABASE_URL``; only ``sqlite:///`` can be copied.
        target: The backup file to write; its folder is created if missing.
        force: Overwrite ``target`` if it exists.
    """
    source = store_file(database_url)
    if not source.is_file():
        raise BackupRefused(f"there is no store at {source} to back up", field="database_url")
    if target.exists() and not force:
        msg = f"{target} exists; choose another file or pass --force to overwrite it"
        raise BackupRefused(msg, field="path")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupRefused("the backup cannot be written over the store itself", field="path")
    target.parent.mkdir(parents=True, exist_ok=True)
    with _staged(target) as staging:
        _copy(source, staging, mode="rw")
        events, head = check_store(staging, named=source)
        os.replace(staging, target)
    _sync_folder(target.parent)
    return Copied(target, events, head)


def restore(database_url: str, source: Path, *, force: bool = False) -> Copied:
    """Put the backup ``source`` in place of the store ``database_url`` names.

    Args:
        database_url: The store's ``SUBSIDY_DATABASE_URL``; only ``sqlite:///`` is restored.
        source: A file written by :func:`backup`.
        force: Replace a store that holds events (they are lost unless backed up).
    """
    store = store_file(database_url)
    if not source.is_file():
        raise BackupRefused(f"there is no backup file at {source}", field="path")
    if store.exists() and store.resolve() == source.resolve():
        raise BackupRefused("the backup is the store itself; nothing to restore", field="path")
    present = _events_in(store)
    if present and not force:
        msg = (
            f"the store {store} holds {present} events; restoring would replace them. "
            "Back it up first, then pass --force to replace it"
        )
        raise BackupRefused(msg, field="force")
    store.parent.mkdir(parents=True, exist_ok=True)
    with _staged(store) as staging:
        _copy(source, staging, mode="ro")
        events, head = check_store(staging, named=source)
        _close_journal(store)
        os.replace(staging, store)
    _sync_folder(store.parent)
    return Copied(store, events, head)


def check_store(path: Path, *, named: Path | None = None) -> tuple[int, int]:
    """The number of events in the SQLite store at ``path`` and its last position.

    Refuses a file that is not an SQLite database, fails ``PRAGMA integrity_check`` or has no
    events table, calling it ``named`` (a copy's original) in the refusal if given.
    """
    shown = named or path
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        ) as db:
            problems = _integrity_problems(db)
            if problems:
                msg = f"{shown} fails SQLite's integrity check: {'; '.join(problems[:3])}"
                raise BackupRefused(msg, field="path")
            if not _has_events_table(db):
                msg = f"{shown} is an SQLite database but not an event store (no {EVENTS_TABLE})"
                raise BackupRefused(msg, field="path")
            count, head = db.execute(COUNT_EVENTS).fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupRefused(
            f"{shown} is not a readable SQLite store: {error}", field="path"
        ) from None
    return int(count), int(head or 0)


def _integrity_problems(db: sqlite3.Connection) -> list[str]:
    """What ``PRAGMA integrity_check`` finds; damage can also stop the check itself."""
    try:
        found = [str(row[0]) for row in db.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        return [str(error)]
    return [] if found == ["ok"] else found


def store_file(database_url: str) -> Path:
    """The SQLite file of ``database_url``, or a refusal saying how else to back it up."""
    if database_url.startswith("sqlite:///"):
        return Path(database_url.removeprefix("sqlite:///"))
    if database_url.startswith(("postgresql://", "postgresql+psycopg://")):
        raise BackupRefused(postgres_advice(database_url), field="database_url")
    msg = "the memory:// store keeps nothing between runs, so there is nothing to back up"
    raise BackupRefused(msg, field="database_url")


def postgres_advice(database_url: str) -> str:
    """The ``pg_dump`` and ``pg_restore`` commands for the PostgreSQL store ``database_url``."""
    parts = urlsplit(database_url)
    schema = parse_qs(parts.query).get("schema", [None])[0]
    connection = (
        f"-h {parts.hostname or '127.0.0.1'} -p {parts.port or 5432} "
        f"-U {unquote(parts.username or 'postgres')} -d {unquote(parts.path.lstrip('/'))}"
    )
    only = f" --schema={schema}" if schema else ""
    return (
        "PostgreSQL stores are backed up with PostgreSQL's own tools, not this command "
        "(see docs/backup.md):\n"
        f"  pg_dump {connection} --format=custom{only} --file=BACKUP.dump\n"
        f"  pg_restore {connection} --exit-on-error --single-transaction BACKUP.dump"
    )


def _copy(source: Path, target: Path, *, mode: str) -> None:
    """Copy ``source`` to a new file ``target`` in one step, then make it a single file.

    ``mode`` is SQLite's open mode for the source: ``rw`` for a live store in WAL mode (its
    readers share the write-ahead index), ``ro`` for a backup; never ``rwc``, which would
    create an empty database where the source is missing.
    """
    uri = f"{source.resolve().as_uri()}?mode={mode}"
    try:
        with (
            contextlib.closing(sqlite3.connect(uri, uri=True, timeout=LOCK_TIMEOUT_SECONDS)) as src,
            contextlib.closing(sqlite3.connect(target)) as dst,
        ):
            # pages=-1: the whole database in one step, within one read transaction.
            src.backup(dst, pages=-1)
            # The copy keeps no -wal file beside it: it is complete on its own.
            dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.DatabaseError as error:
        raise BackupRefused(f"cannot copy {source}: {error}", field="path") from None
    with target.open("rb") as file:
        os.fsync(file.fileno())


def _close_journal(store: Path) -> None:
    """Fold the store's write-ahead log into it and end WAL mode, or refuse if it is in use.

    A stale ``-wal`` file beside the restored store would be replayed into it, and a process
    with the old file open would keep writing to it after the swap. Leaving WAL mode needs
    the only connection to the file, so it also tells that no other process has it open.
    """
    if not store.exists():
        return
    try:
        with contextlib.closing(sqlite3.connect(store, timeout=1)) as db:
            db.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.OperationalError as error:
        msg = (
            f"the store {store} is in use ({error}); stop the API and the projection workers "
            "before restoring"
        )
        raise BackupRefused(msg, field="database_url") from None


def _events_in(store: Path) -> int:
    """How many events the store holds (0 if there is no store yet, or no events table)."""
    if not store.exists() or store.stat().st_size == 0:
        return 0
    try:
        with contextlib.closing(
            sqlite3.connect(f"{store.resolve().as_uri()}?mode=rw", uri=True)
        ) as db:
            if not _has_events_table(db):
                return 0
            return int(db.execute(COUNT_EVENTS).fetchone()[0])
    except sqlite3.DatabaseError as error:
        msg = f"{store} is not a readable SQLite store ({error}); move it aside to restore"
        raise BackupRefused(msg, field="database_url") from None


def _has_events_table(db: sqlite3.Connection) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return db.execute(query, (EVENTS_TABLE,)).fetchone() is not None


@contextlib.contextmanager
def _staged(final: Path) -> Iterator[Path]:
    """A temporary file beside ``final`` (so ``os.replace`` is atomic), removed if unused."""
    staging = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        yield staging
    finally:
        for leftover in (staging, Path(f"{staging}-journal")):
            leftover.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable: the folder's entry is flushed like the file's contents."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
