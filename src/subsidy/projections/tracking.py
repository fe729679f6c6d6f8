"""Where each projection stands in the log, and the events it could not apply."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

metadata = MetaData()

positions = Table(
    "projection_positions",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

parked = Table(
    "projection_parked_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("projection", String(64), nullable=False, index=True),
    Column("position", BigInteger, nullable=False),
    Column("topic", String(255), nullable=False),
    Column("error", Text, nullable=False),
    Column("parked_at", DateTime(timezone=True), nullable=False),
)


def lock_position(conn: Connection, name: str) -> int:
    """The projection's position, locked for this transaction (created at 0 if new)."""
    # Create the row if it is missing without racing another runner doing the same.
    dialect_insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        dialect_insert(positions)
        .values(name=name, position=0, updated_at=_now())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    query = select(positions.c.position).where(positions.c.name == name).with_for_update()
    return int(conn.execute(query).scalar_one())


def set_position(conn: Connection, name: str, position: int) -> None:
    """Move the projection to ``position`` (inside the transaction that applied the events)."""
    conn.execute(
        update(positions)
        .where(positions.c.name == name)
        .values(position=position, updated_at=_now())
    )


def read_position(conn: Connection, name: str) -> int:
    """The projection's position without locking it (0 if it never ran)."""
    query = select(positions.c.position).where(positions.c.name == name)
    return int(conn.execute(query).scalar_one_or_none() or 0)


def park(conn: Connection, name: str, position: int, topic: str, error: str) -> None:
    """Keep an event the projection failed on, with the error, for an operator to look at."""
    conn.execute(
        insert(parked).values(
            projection=name, position=position, topic=topic, error=error, parked_at=_now()
        )
    )


def parked_events(conn: Connection, name: str | None = None) -> list[dict[str, object]]:
    """Parked events, oldest first, of one projection or all."""
    query = select(parked).order_by(parked.c.projection, parked.c.position)
    if name is not None:
        query = query.where(parked.c.projection == name)
    return [dict(row._mapping) for row in conn.execute(query)]


def unpark(conn: Connection, name: str) -> int:
    """Forget a projection's parked events (before it retries them); returns how many."""
    return conn.execute(delete(parked).where(parked.c.projection == name)).rowcount


def _now() -> datetime:
    return datetime.now(UTC)
