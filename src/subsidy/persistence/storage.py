"""Turn ``SUBSIDY_DATABASE_URL`` into the event store's environment."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg

SQLITE_LOCK_TIMEOUT_SECONDS = 30


CHAIN = "subsidy.persistence.chain"


def event_store_environment(
    database_url: str, *, create_tables: bool = True, hash_chain: bool = True
) -> dict[str, str]:
    """The ``eventsourcing`` environment that stores events where ``database_url`` says.

    SQLite files are created (with their folder) on first use; PostgreSQL takes its user,
    password, host, port and database from the URL and an optional ``?schema=NAME``. Events are
    stored with their hash-chain links (:mod:`subsidy.persistence.chain`); ``hash_chain=False``
    exists only so that benchmarks can measure what the links cost.
    """
    env = _store_environment(database_url, "y" if create_tables else "n")
    if hash_chain:
        module = env["PERSISTENCE_MODULE"]
        if module == "eventsourcing.popo":
            env["PERSISTENCE_MODULE"] = f"{CHAIN}:ChainedPOPOFactory"
        else:
            kind = "SQLite" if "SQLITE_DBNAME" in env else "Postgres"
            env["APPLICATION_RECORDER_TOPIC"] = f"{CHAIN}:Chained{kind}Recorder"
    return env


def _store_environment(database_url: str, create: str) -> dict[str, str]:
    if database_url.startswith("memory://"):
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "subsidy.persistence.chain:PatientSQLiteFactory",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": str(SQLITE_LOCK_TIMEOUT_SECONDS),
            "CREATE_TABLE": create,
        }
    if database_url.startswith(("postgresql://", "postgresql+psycopg://")):
        return _postgres_environment(database_url, create)
    msg = f"unsupported database URL {database_url!r}"
    raise ValueError(msg)


def _postgres_environment(database_url: str, create: str) -> dict[str, str]:
    parts = urlsplit(database_url)
    query = parse_qs(parts.query)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")) or "postgres",
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "CREATE_TABLE": create,
    }
    if "schema" in query:
        env["POSTGRES_SCHEMA"] = query["schema"][0]
    return env


# Any constant works; it only has to be the same in every process of the deployment.
SCHEMA_LOCK_KEY = 0x5375_6273_6964  # "Subsid"


@contextmanager
def schema_creation_lock(database_url: str) -> Iterator[None]:
    """Serialise table creation across processes sharing one PostgreSQL database.

    PostgreSQL can fail ``CREATE TABLE IF NOT EXISTS`` run by two sessions at once ("tuple
    concurrently updated"), so processes starting together take turns on an advisory lock.
    SQLite and memory stores need no lock.
    """
    if not database_url.startswith(("postgresql://", "postgresql+psycopg://")):
        yield
        return
    dsn = postgres_dsn(database_url)
    assert dsn is not None
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))


def postgres_dsn(database_url: str) -> str | None:
    """A libpq connection string for ``database_url`` (with its schema on the search path)."""
    if not database_url.startswith(("postgresql://", "postgresql+psycopg://")):
        return None
    env = _postgres_environment(database_url, "y")
    dsn = psycopg.conninfo.make_conninfo(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
    )
    if "POSTGRES_SCHEMA" in env:
        dsn = psycopg.conninfo.make_conninfo(
            dsn, options=f"-c search_path={env['POSTGRES_SCHEMA']}"
        )
    return dsn
