"""One statement run for many rows, with as little work per row as the database allows.

SQLAlchemy's ``executemany`` builds and checks a parameter set per row, which costs more than
the database's own work. A :class:`BulkStatement` compiles once and converts each row's values
with the column types' own bind processors (the conversions SQLAlchemy would apply), then
hands them to the driver: on SQLite as plain tuples to ``executemany``, and for inserts on
PostgreSQL through ``COPY … FROM STDIN`` on the same connection, so in the same transaction.
PostgreSQL's updates and deletes keep SQLAlchemy's ``executemany``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql.dml import Insert, UpdateBase
from sqlalchemy.types import TypeEngine


class BulkStatement:
    """An INSERT, UPDATE or DELETE to run once per row.

    Args:
        statement: The statement, its parameters named after the rows' keys.
        value_columns: The columns an UPDATE sets (an INSERT names every column).
    """

    def __init__(self, statement: UpdateBase, value_columns: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.value_columns = list(value_columns) if value_columns is not None else None
        self._compiled: dict[str, _Compiled] = {}

    def run(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Run the statement for every row of ``rows``, in order."""
        if not rows:
            return
        dialect = conn.dialect
        if dialect.name == "sqlite":
            compiled = self._compile(dialect)
            conn.exec_driver_sql(compiled.sql, [compiled.parameters(row) for row in rows])
        elif dialect.name == "postgresql" and isinstance(self.statement, Insert):
            compiled = self._compile_copy(dialect, self.statement.table)
            driver = conn.connection.driver_connection
            assert driver is not None  # a connection in a transaction has its driver's
            with driver.cursor().copy(compiled.sql) as copy:
                for row in rows:
                    copy.write_row(compiled.parameters(row))
        else:
            conn.execute(self.statement, list(rows))

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            statement = self.statement.compile(dialect=dialect, column_keys=self.value_columns)
            names = list(statement.positiontup or ())
            # The dialect's own conversions (an SQLite DATETIME is stored as SQLAlchemy writes it).
            types = [statement.binds[name].type.dialect_impl(dialect) for name in names]
            processors = [conversion_for(t, dialect) for t in types]
            compiled = _Compiled(str(statement), names, processors)
            self._compiled[dialect.name] = compiled
        return compiled

    def _compile_copy(self, dialect: Dialect, table: Any) -> _Compiled:
        compiled = self._compiled.get("copy")
        if compiled is None:
            quote = dialect.identifier_preparer
            names = [c.name for c in table.columns]
            columns = ", ".join(quote.quote(name) for name in names)
            sql = f"COPY {quote.format_table(table)} ({columns}) FROM STDIN"
            processors = [
                conversion_for(c.type.dialect_impl(dialect), dialect) for c in table.columns
            ]
            compiled = _Compiled(sql, names, processors)
            self._compiled["copy"] = compiled
        return compiled


def conversion_for(impl: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """How a value of type ``impl`` is converted for the driver: the type's own conversion.

    SQLite's ``DATETIME`` fills a ``%``-format from a dict of the instant's fields; the same
    text (``YYYY-MM-DD HH:MM:SS.ffffff``, any zone left out) comes from ``isoformat`` several
    times faster, so a ``datetime`` in the default format is written that way.
    """
    process = impl.bind_processor(dialect)
    if (
        process is None
        or not isinstance(impl, sqlite.DATETIME)
        or impl._storage_format != sqlite.DATETIME._storage_format
    ):
        return process

    def convert(value: Any) -> Any:
        if type(value) is datetime:
            return value.isoformat(" ", "microseconds")[:26]
        return process(value)

    return convert


class _Compiled:
    """A statement's SQL and how to turn a row into its positional parameters."""

    def __init__(
        self, sql: str, names: list[str], processors: Sequence[Callable[[Any], Any] | None]
    ) -> None:
        self.sql = sql
        self._values = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
        self._conversions = [(i, p) for i, p in enumerate(processors) if p is not None]

    def parameters(self, row: dict[str, Any]) -> tuple[Any, ...]:
        """The row's values in the statement's order, converted for the driver."""
        values: tuple[Any, ...] = self._values(row)
        if not self._conversions:
            return values
        converted = list(values)
        for i, convert in self._conversions:
            converted[i] = convert(converted[i])
        return tuple(converted)
