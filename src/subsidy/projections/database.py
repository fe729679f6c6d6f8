"""The read-model database: the same database as the events, reached through SQLAlchemy."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import StaticPool


def read_model_engine(database_url: str) -> Engine:
    """An SQLAlchemy engine on the database ``SUBSIDY_DATABASE_URL`` names.

    SQLite transactions begin IMMEDIATE: a batch takes the write lock before it reads its
    position, so it never reads a snapshot another writer has already moved past (a connection
    marked :func:`read_only` begins DEFERRED instead, and never takes the lock). On
    PostgreSQL, ``?schema=NAME`` becomes the search path. ``memory://`` (tests) gets a private
    in-memory SQLite database.
    """
    if database_url.startswith("memory://"):
        engine = create_engine(
            "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
        _begin_immediate(engine)
        return engine
    if database_url.startswith("sqlite:///"):
        engine = create_engine(database_url, connect_args={"timeout": 30})
        _begin_immediate(engine)
        return engine
    parts = urlsplit(database_url)
    schema = parse_qs(parts.query).get("schema", [None])[0]
    url = parts._replace(scheme="postgresql+psycopg", query="").geturl()
    options: dict[str, Any] = {}
    if schema:
        options["options"] = f"-c search_path={schema}"
    return create_engine(url, connect_args=options, pool_pre_ping=True)


def _begin_immediate(engine: Engine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, begin transactions, and begin them IMMEDIATE."""

    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        deferred = conn.get_execution_options().get(_READ_ONLY, False)
        conn.exec_driver_sql("BEGIN DEFERRED" if deferred else "BEGIN IMMEDIATE")


_READ_ONLY = "subsidy_read_only"


def read_only(conn: Connection) -> Connection:
    """``conn``, for reads that need no lock: on SQLite its transactions begin DEFERRED.

    The option stays on the connection (SQLAlchemy sets it in place) until :func:`writing`.
    """
    return conn.execution_options(**{_READ_ONLY: True})


def writing(conn: Connection) -> Connection:
    """``conn`` again as a writer: on SQLite its transactions begin IMMEDIATE."""
    return conn.execution_options(**{_READ_ONLY: False})
