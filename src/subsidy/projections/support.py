"""Small pieces the read-model projections share: dates in Japan, counters, organisations.

Each projection still keeps its own copy of what it looks up (its own organisations table),
so it can be rebuilt alone; only the code that defines and fills such tables is shared.
"""

from __future__ import annotations

import unicodedata
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Connection, MetaData, String, Table, insert, select, update

from subsidy.domain.workflow import ApplicationStatus

JAPAN = ZoneInfo("Asia/Tokyo")
STATUS_AFTER = {
    "Submitted": ApplicationStatus.SUBMITTED,
    "Resubmitted": ApplicationStatus.SUBMITTED,
    "ReviewerAssigned": ApplicationStatus.UNDER_REVIEW,
    "Approved": ApplicationStatus.APPROVED,
    "Rejected": ApplicationStatus.REJECTED,
    "Returned": ApplicationStatus.RETURNED,
    "Withdrawn": ApplicationStatus.WITHDRAWN,
}
"""The status a ``GrantApplication`` event moves the application to (the workflow's table)."""
APPROVAL_EVENTS = ("Granted", "Amended", "Revoked", "Withdrawn")
"""The ``Approval`` events that change a decision's amount or standing."""


def japan_date(instant: datetime) -> date:
    """The calendar day in Japan, where the scheme's days fall, of a recorded instant."""
    return instant.astimezone(JAPAN).date()


def as_utc(value: datetime) -> datetime:
    """An instant read back from the database, in UTC (SQLite returns it without a zone)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def search_key(text: str) -> str:
    """Text folded for matching: NFKC (full-width letters become ASCII), then casefolded."""
    return unicodedata.normalize("NFKC", text).casefold()


def add_to(conn: Connection, table: Table, key: dict[str, Any], **deltas: int) -> None:
    """Add ``deltas`` to the counters of the row at ``key``, creating it at zero if new."""
    where = [table.c[name] == value for name, value in key.items()]
    changes = {name: table.c[name] + delta for name, delta in deltas.items()}
    if conn.execute(update(table).where(*where).values(changes)).rowcount == 0:
        conn.execute(insert(table).values(**key, **deltas))


def organisations_table(metadata: MetaData, prefix: str, suffix: str) -> Table:
    """A projection's own copy of organisation names and prefectures."""
    return Table(
        f"{prefix}_organisations{suffix}",
        metadata,
        Column("organisation_id", String(36), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("prefecture", String(8), nullable=True),
    )


def record_organisation(conn: Connection, table: Table, event: Any) -> None:
    """Keep the name and prefecture an ``Organisation.Registered`` event carries."""
    conn.execute(
        insert(table).values(
            organisation_id=str(event.originator_id),
            name=event.name,
            prefecture=event.prefecture,
        )
    )


def organisation(conn: Connection, table: Table, organisation_id: Any) -> Any:
    """The organisation row for ``organisation_id``; an unknown id is an error."""
    query = select(table).where(table.c.organisation_id == str(organisation_id))
    return conn.execute(query).one()


def json_safe(value: Any) -> Any:
    """``value`` as JSON: dataclasses as objects, enums as values, dates in ISO, ids as text."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: json_safe(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return json_safe(value.value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(json_safe(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [json_safe(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    return value
