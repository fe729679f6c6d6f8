"""A projection's changes for a run of events: kept in memory, written in bulk at the end.

Applying events one by one with a ``SELECT`` and an ``UPDATE`` each spends nearly all its time
building and sending statements. A :class:`Batch` instead reads each row it needs once, changes
it in memory as the events go by, and at :meth:`Batch.flush` writes every changed row with one
bulk statement per table and kind of change. The runner flushes inside the transaction that
moves the projection's position, so the exactly-once guarantee is unchanged.

Two modes:

* *following* (a connection given): rows are read from the tables on first use; a row the
  tables lack is remembered as absent for the rest of the batch.
* *complete* (no connection): the tables started empty and only this batch writes them (a
  rebuild's shadow tables), so every row there is in memory and nothing is ever read back.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Select, Table, bindparam, delete, insert, select, update

from subsidy.projections.bulk import BulkStatement

Row = dict[str, Any]
Key = tuple[Any, ...]


_UNKNOWN: Any = object()  # a key the batch has not looked up yet


class DuplicateRow(Exception):
    """A row was inserted under a key that already has one."""


class MissingRow(LookupError):
    """A row an event relies on is not in its table."""


class Appends:
    """Rows that are only ever inserted (a log): gathered, then inserted at once."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.pending: list[Row] = []
        self._insert = _statements(table).insert

    def add(self, **row: Any) -> None:
        """Insert ``row`` at the next flush."""
        self.pending.append(row)

    def flush(self, conn: Connection) -> None:
        """Insert the gathered rows."""
        self._insert.run(conn, self.pending)
        self.pending = []


class Rows:
    """The rows of one table that a batch has read or changed, by primary key.

    Args:
        table: The table.
        conn: Where to read rows not yet in memory; ``None`` in complete mode.
        lookups: Other columns rows are found by (:meth:`find`), each kept indexed in memory.
    """

    def __init__(
        self, table: Table, conn: Connection | None, *, lookups: Sequence[str] = ()
    ) -> None:
        self.table = table
        self.conn = conn
        statements = _statements(table)
        self.key_columns = statements.key_columns
        self.defaults = statements.defaults
        self._key = statements.key_of
        self._key_names = statements.key_names
        self._statements = statements
        self._rows: dict[Key, Row | None] = {}  # None: known to be absent
        self._stored: set[Key] = set()  # keys with a row in the table as of the last flush
        self._dirty: dict[Key, None] = {}  # an ordered set, so writes come in a stable order
        self._index: dict[str, dict[Any, dict[Key, None]]] = {c: {} for c in lookups}
        self._found: set[tuple[str, Any]] = set()

    # Reading ------------------------------------------------------------------------------

    def get(self, *key: Any) -> Row | None:
        """The row at ``key`` (read from the table on first use), or ``None``."""
        row: Row | None = self._rows.get(key, _UNKNOWN)
        return self._row(key) if row is _UNKNOWN else row

    def require(self, *key: Any) -> Row:
        """The row at ``key``; an event that needs a row the table lacks is an error."""
        row: Row | None = self._rows.get(key, _UNKNOWN)
        if row is _UNKNOWN:
            row = self._row(key)
        if row is None:
            raise MissingRow(f"no row {key} in {self.table.name}")
        return row

    def find(self, column: str, value: Any) -> list[Row]:
        """Every row whose ``column`` holds ``value`` (``column`` must be one of the lookups)."""
        if self.conn is not None and (column, value) not in self._found:
            self._found.add((column, value))
            query = select(self.table).where(self.table.c[column] == value)
            for loaded in self.conn.execute(query):
                row = dict(loaded._mapping)
                key = self._key(row)
                if key not in self._rows:  # what the batch holds is newer than the table
                    self._remember(key, row)
        keys = self._index[column].get(value, {})
        return [found for key in keys if (found := self._rows[key]) is not None]

    # Changing -----------------------------------------------------------------------------

    def insert(self, **values: Any) -> Row:
        """Add a row (columns left out take their defaults); its key must be free."""
        row = {**self.defaults, **values}
        key = self._key(row)
        if self._rows.get(key) is not None:
            raise DuplicateRow(f"{self.table.name} already has a row {key}")
        # A key the batch has not seen is not looked up: were it taken, the table's primary key
        # refuses the row when the batch is written, as a plain INSERT would have.
        self._set(key, row)
        return row

    def update(self, key: Key, **changes: Any) -> bool:
        """Change the row at ``key``; like SQL's ``UPDATE``, a missing row is left alone."""
        row: Row | None = self._rows.get(key, _UNKNOWN)
        if row is _UNKNOWN:
            row = self._row(key)
        if row is None:
            return False
        reindex = bool(self._index) and not self._index.keys().isdisjoint(changes)
        self._set(key, {**row, **changes}, reindex=reindex)
        return True

    def delete(self, key: Key) -> None:
        """Remove the row at ``key``, if any."""
        if self._row(key) is not None:
            self._set(key, None)

    def add(self, key: Key, **deltas: int) -> Row:
        """Add ``deltas`` to the row's counters, creating the row (at its defaults) if new."""
        row: Row | None = self._rows.get(key, _UNKNOWN)
        if row is _UNKNOWN:
            row = self._row(key)
        if row is None:
            row = self.insert(**dict(zip(self.key_columns, key, strict=True)))
        changed = dict(row)
        for name, delta in deltas.items():
            changed[name] = (changed[name] or 0) + delta
        self._set(key, changed, reindex=False)  # counters are never lookups
        return changed

    # Writing ------------------------------------------------------------------------------

    def flush(self, conn: Connection) -> None:
        """Write every row changed since the last flush: deletes, updates, then inserts."""
        deletes: list[Row] = []
        updates: list[Row] = []
        inserts: list[Row] = []
        for key in self._dirty:
            row = self._rows[key]
            if row is None:
                if key in self._stored:
                    deletes.append(self._key_params(key))
                    self._stored.discard(key)
            elif key in self._stored:
                values = {k: v for k, v in row.items() if k not in self.key_columns}
                updates.append({**values, **self._key_params(key)})
            else:
                inserts.append(row)
                self._stored.add(key)
        self._dirty.clear()
        self._statements.delete.run(conn, deletes)
        self._statements.update.run(conn, updates)
        self._statements.insert.run(conn, inserts)

    # Inside -------------------------------------------------------------------------------

    def _key_params(self, key: Key) -> Row:
        return dict(zip(self._key_names, key, strict=True))

    def _row(self, key: Key) -> Row | None:
        row: Row | None = self._rows.get(key, _UNKNOWN)
        if row is _UNKNOWN:
            self._load(key)
            return self._rows[key]
        return row

    def _load(self, key: Key) -> None:
        if len(key) != len(self.key_columns):
            raise TypeError(f"{self.table.name} is keyed by {', '.join(self.key_columns)}")
        found = None
        if self.conn is not None:
            found = self.conn.execute(self._statements.select, self._key_params(key)).first()
        if found is None:
            self._rows[key] = None
        else:
            self._remember(key, dict(found._mapping))

    def _remember(self, key: Key, row: Row) -> None:
        """Take in a row read from the table."""
        self._rows[key] = row
        self._stored.add(key)
        self._reindex(key, None, row)

    def _set(self, key: Key, row: Row | None, *, reindex: bool = True) -> None:
        if reindex and self._index:
            self._reindex(key, self._rows.get(key), row)
        self._rows[key] = row
        self._dirty[key] = None

    def _reindex(self, key: Key, old: Row | None, new: Row | None) -> None:
        for column, index in self._index.items():
            before = None if old is None else old[column]
            after = None if new is None else new[column]
            if old is not None and (new is None or before != after):
                index.get(before, {}).pop(key, None)
            if new is not None:
                index.setdefault(after, {})[key] = None


@dataclass(frozen=True)
class _Statements:
    """What every batch over one table uses, built once per table."""

    key_columns: tuple[str, ...]
    key_names: tuple[str, ...]  # the key's parameters in the statements
    key_of: Callable[[Row], Key]  # a row's key
    defaults: dict[str, Any]
    select: Select[Any]
    update: BulkStatement
    delete: BulkStatement
    insert: BulkStatement


def _statements(table: Table) -> _Statements:
    """The table's statements, kept in its ``info`` so they live as long as the table."""
    found = table.info.get("subsidy.batch")
    if isinstance(found, _Statements):
        return found
    keys = tuple(c.name for c in table.primary_key.columns)
    where = [table.c[c] == bindparam(f"key_{c}") for c in keys]
    values = [c.name for c in table.columns if c.name not in keys]
    built = _Statements(
        key_columns=keys,
        key_names=tuple(f"key_{c}" for c in keys),
        key_of=_key_getter(keys),
        defaults={c.name: _scalar_default(c.default) for c in table.columns},
        select=select(table).where(*where),
        update=BulkStatement(update(table).where(*where), values),
        delete=BulkStatement(delete(table).where(*where)),
        insert=BulkStatement(insert(table)),
    )
    table.info["subsidy.batch"] = built
    return built


def _key_getter(columns: tuple[str, ...]) -> Callable[[Row], Key]:
    """A function giving a row's values of ``columns``, as a tuple even for one column."""
    if len(columns) == 1:
        (column,) = columns
        return lambda row: (row[column],)
    return itemgetter(*columns)


def _scalar_default(default: Any) -> Any:
    """A column's default when it is a plain value (counters start at 0), else ``None``."""
    return default.arg if default is not None and getattr(default, "is_scalar", False) else None


class Batch(ABC):
    """A projection's in-memory state for a run of events, and how each event changes it.

    Subclasses declare their tables as :class:`Rows` and :class:`Appends` through
    :meth:`rows` and :meth:`appends`, change them in :meth:`apply`, and :meth:`flush` writes
    them all.

    Args:
        tables: The tables to write (the live ones, or a rebuild's shadow tables).
        conn: Where to read rows not yet in memory; ``None`` in complete mode.
    """

    def __init__(self, tables: dict[str, Table], conn: Connection | None) -> None:
        self.tables = tables
        self.conn = conn
        self._parts: list[Rows | Appends] = []

    def rows(self, name: str, *, lookups: Sequence[str] = ()) -> Rows:
        """The keyed rows of table ``name``, written back at :meth:`flush`."""
        part = Rows(self.tables[name], self.conn, lookups=lookups)
        self._parts.append(part)
        return part

    def appends(self, name: str) -> Appends:
        """The rows to insert into table ``name`` at :meth:`flush`."""
        part = Appends(self.tables[name])
        self._parts.append(part)
        return part

    @abstractmethod
    def apply(self, event: Any, position: int) -> None:
        """Take one event (at notification ``position``) into the in-memory state."""

    def flush(self, conn: Connection) -> None:
        """Write what changed since the last flush, inside the caller's transaction."""
        for part in self._parts:
            part.flush(conn)
