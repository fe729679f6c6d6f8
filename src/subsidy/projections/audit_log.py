"""The auditor's log: every event with who, when, what, why and the rule it invoked."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
)

from subsidy.projections.base import Projection
from subsidy.projections.support import json_safe

# Token hashes never reach a read model: a hash is enough to look a token up.
SKIPPED_FIELDS = {
    "originator_id",
    "originator_version",
    "timestamp",
    "originator_topic",
    "actor",
    "token_hash",
}


class AuditLog(Projection):
    """One row per stored event, in log order (idempotency records excluded)."""

    name: ClassVar[str] = "audit_log"

    def define(self, metadata: MetaData, suffix: str = "") -> dict[str, Table]:
        table = Table(
            f"rm_audit_log{suffix}",
            metadata,
            Column("position", BigInteger, primary_key=True),
            Column("recorded_at", DateTime(timezone=True), nullable=False),
            Column("aggregate_id", String(36), nullable=False),
            Column("aggregate_type", String(64), nullable=False),
            Column("aggregate_version", Integer, nullable=False),
            Column("event_type", String(64), nullable=False),
            Column("actor_id", String(200), nullable=True),
            Column("actor_role", String(32), nullable=True),
            Column("reason", Text, nullable=True),
            Column("rule", Text, nullable=True),
            Column("details", Text, nullable=False),
            Index(f"ix_rm_audit_log_aggregate{suffix}", "aggregate_id", "aggregate_version"),
            Index(f"ix_rm_audit_log_actor{suffix}", "actor_id"),
            Index(f"ix_rm_audit_log_type{suffix}", "event_type"),
            Index(f"ix_rm_audit_log_recorded_at{suffix}", "recorded_at"),
        )
        return {"audit_log": table}

    def apply(self, conn: Connection, tables: dict[str, Table], event: Any, position: int) -> None:
        _insert(conn, tables, [self._row(event, position)])

    def apply_all(
        self, conn: Connection, tables: dict[str, Table], events: Sequence[tuple[int, Any]]
    ) -> None:
        """One multi-row insert for the whole batch."""
        _insert(conn, tables, [self._row(event, position) for position, event in events])

    @staticmethod
    def _row(event: Any, position: int) -> dict[str, Any] | None:
        aggregate_type, _, event_type = type(event).__qualname__.rpartition(".")
        if aggregate_type == "IdempotencyRecord":
            return None
        actor = getattr(event, "actor", None)
        details = {k: v for k, v in vars(event).items() if k not in SKIPPED_FIELDS}
        return {
            "position": position,
            "recorded_at": event.timestamp,
            "aggregate_id": str(event.originator_id),
            "aggregate_type": aggregate_type,
            "aggregate_version": event.originator_version,
            "event_type": event_type,
            "actor_id": actor.user_id if actor else None,
            "actor_role": actor.role.value if actor else None,
            "reason": details.get("reason"),
            "rule": details.get("rule") or _calculation_rule(details),
            "details": json.dumps(json_safe(details), ensure_ascii=False, sort_keys=True),
        }


def _insert(conn: Connection, tables: dict[str, Table], rows: list[dict[str, Any] | None]) -> None:
    kept = [row for row in rows if row is not None]
    if kept:
        conn.execute(insert(tables["audit_log"]), kept)


def _calculation_rule(details: dict[str, Any]) -> str | None:
    calculation = details.get("calculation")
    return getattr(calculation, "rule", None)


def audit_events(
    conn: Connection,
    *,
    aggregate_id: str | None = None,
    actor_id: str | None = None,
    event_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Audit-log rows in log order, filtered by aggregate, actor, event type and time range."""
    table = AuditLog().define(MetaData())["audit_log"]
    query = select(table).order_by(table.c.position).limit(limit).offset(offset)
    if aggregate_id is not None:
        query = query.where(table.c.aggregate_id == aggregate_id)
    if actor_id is not None:
        query = query.where(table.c.actor_id == actor_id)
    if event_type is not None:
        query = query.where(table.c.event_type == event_type)
    if since is not None:
        query = query.where(table.c.recorded_at >= since)
    if until is not None:
        query = query.where(table.c.recorded_at < until)
    return [dict(row._mapping) for row in conn.execute(query)]
