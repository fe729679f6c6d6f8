"""The auditor's log: every event with who, when, what, why and the rule it invoked."""

from __future__ import annotations

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
    select,
)

from subsidy.projections.base import Projection
from subsidy.projections.batch import Batch
from subsidy.projections.support import event_names, json_text, text_id

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

    def open_batch(self, tables: dict[str, Table], conn: Connection | None) -> Batch:
        return _AuditBatch(tables, conn)


class _AuditBatch(Batch):
    """Audit rows gathered for one multi-row insert."""

    def __init__(self, tables: dict[str, Table], conn: Connection | None) -> None:
        super().__init__(tables, conn)
        self.log = self.appends("audit_log")

    def apply(self, event: Any, position: int) -> None:
        row = self._row(event, position)
        if row is not None:
            self.log.pending.append(row)

    @staticmethod
    def _row(event: Any, position: int) -> dict[str, Any] | None:
        aggregate_type, event_type = event_names(event)
        if aggregate_type == "IdempotencyRecord":
            return None
        actor = getattr(event, "actor", None)
        details = {k: v for k, v in vars(event).items() if k not in SKIPPED_FIELDS}
        return {
            "position": position,
            "recorded_at": event.timestamp,
            "aggregate_id": text_id(event.originator_id),
            "aggregate_type": aggregate_type,
            "aggregate_version": event.originator_version,
            "event_type": event_type,
            "actor_id": actor.user_id if actor else None,
            "actor_role": actor.role.value if actor else None,
            "reason": details.get("reason"),
            "rule": details.get("rule") or _calculation_rule(details),
            "details": json_text(details),
        }


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
