"""The ledger read model as the exports read it: in short keyset pages, constant memory.

Every page is its own short read. On SQLite the read-model engine begins each transaction
IMMEDIATE (see ``projections.database``), so one long cursor over a large export would hold the
database's write lock, and stall the projections and the event store, for the whole download.
Keyset paging (``(position, line) > last seen``) costs one index seek per page instead of an
OFFSET scan, and a page never holds more than ``chunk`` rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    MetaData,
    Select,
    Table,
    func,
    select,
    tuple_,
)

from subsidy.projections.applications import Applications
from subsidy.projections.ledger import Ledger
from subsidy.projections.support import as_utc

CHUNK = 1_000
GRANTS_PER_PAGE = 200


@cache
def _tables() -> tuple[Table, Table, Table]:
    """The ledger's rows and years, and the applications list, as the projections define them."""
    ledger = Ledger().define(MetaData())
    return ledger["ledger"], ledger["years"], Applications().define(MetaData())["applications"]


class LedgerKind(Enum):
    """What a ledger row records."""

    DECISION = "decision"
    AMENDMENT = "amendment"
    ADVANCE = "advance"
    SETTLEMENT = "settlement"
    DETERMINATION = "determination"
    REPAYMENT_ORDER = "repayment_order"
    REPAYMENT = "repayment"
    ADDITIONAL_CHARGE = "additional_charge"
    LATE_CHARGE = "late_charge"


KIND_LABELS = {
    LedgerKind.DECISION: "交付決定",
    LedgerKind.AMENDMENT: "変更承認",
    LedgerKind.ADVANCE: "概算払",
    LedgerKind.SETTLEMENT: "精算払",
    LedgerKind.DETERMINATION: "額の確定",
    LedgerKind.REPAYMENT_ORDER: "返還命令",
    LedgerKind.REPAYMENT: "返還金",
    LedgerKind.ADDITIONAL_CHARGE: "加算金",
    LedgerKind.LATE_CHARGE: "延滞金",
}
LABELS_BY_CODE = {kind.value: label for kind, label in KIND_LABELS.items()}
"""The Japanese label of each kind code, in the ledger's order of kinds."""


@dataclass(frozen=True)
class LedgerFilter:
    """Which ledger rows an export holds; ``None`` leaves a criterion out."""

    fiscal_year: int | None = None
    approval_id: str | None = None
    organisation_id: str | None = None
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One money movement, with the grantee's name from the applications read model."""

    position: int
    line: int
    recorded_at: datetime
    occurred_on: date
    fiscal_year: int
    approval_id: str
    organisation_id: str
    organisation_name: str
    kind: str
    amount: int
    balance: int
    rule: str
    actor_id: str


@dataclass(frozen=True)
class GrantYear:
    """One approval's money in one fiscal year: what 360Giving publishes as one grant."""

    approval_id: str
    fiscal_year: int
    organisation_id: str
    organisation_name: str
    prefecture: str | None
    title: str | None
    approval_status: str | None
    lines: tuple[LedgerLine, ...]


def count_lines(db: Engine, where: LedgerFilter) -> int:
    """How many ledger rows match ``where``: the length of a progress bar."""
    lines, _, _ = _tables()
    with db.connect() as conn:
        query = select(func.count()).select_from(lines).where(*_criteria(lines, where))
        return int(conn.execute(query).scalar_one())


def ledger_lines(db: Engine, where: LedgerFilter, *, chunk: int = CHUNK) -> Iterator[LedgerLine]:
    """Every matching ledger row in log order, read ``chunk`` rows at a time."""
    lines, _, _ = _tables()
    after = (-1, -1)
    while True:
        query = (
            _lines_query()
            .where(*_criteria(lines, where), tuple_(lines.c.position, lines.c.line) > after)
            .order_by(lines.c.position, lines.c.line)
            .limit(chunk)
        )
        with db.connect() as conn:
            page = [_line(row._mapping) for row in conn.execute(query)]
        yield from page
        if len(page) < chunk:
            return
        after = (page[-1].position, page[-1].line)


def has_grant_years(db: Engine, where: LedgerFilter) -> bool:
    """Whether any approval has a year matching ``where``."""
    _, years, _ = _tables()
    with db.connect() as conn:
        query = select(years.c.approval_id).where(*_criteria(years, where)).limit(1)
        return conn.execute(query).first() is not None


def grant_years(
    db: Engine, where: LedgerFilter, *, per_page: int = GRANTS_PER_PAGE
) -> Iterator[GrantYear]:
    """Every approval's year matching ``where``, ordered by approval and year, with its rows."""
    after = ("", -1)
    while True:
        with db.connect() as conn:
            heads = conn.execute(_heads_query(where, after, per_page)).all()
            lines = _lines_of(conn, [head.approval_id for head in heads], where.fiscal_year)
        yield from (_grant_year(head._mapping, lines) for head in heads)
        if len(heads) < per_page:
            return
        after = (heads[-1].approval_id, heads[-1].fiscal_year)


def _heads_query(where: LedgerFilter, after: tuple[str, int], limit: int) -> Select[Any]:
    """A page of approval years after ``after``, with the application's title and grantee."""
    _, years, applications = _tables()
    return (
        select(
            years.c.approval_id,
            years.c.fiscal_year,
            years.c.organisation_id,
            applications.c.organisation_name,
            applications.c.prefecture,
            applications.c.title,
            applications.c.approval_status,
        )
        .outerjoin(applications, applications.c.approval_id == years.c.approval_id)
        .where(*_criteria(years, where), tuple_(years.c.approval_id, years.c.fiscal_year) > after)
        .order_by(years.c.approval_id, years.c.fiscal_year)
        .limit(limit)
    )


def _lines_of(
    conn: Connection, approval_ids: Sequence[str], fiscal_year: int | None
) -> dict[tuple[str, int], list[LedgerLine]]:
    """The rows of a page of approvals, per (approval, fiscal year), each in log order."""
    lines, _, _ = _tables()
    grouped: dict[tuple[str, int], list[LedgerLine]] = {}
    if not approval_ids:
        return grouped
    query = (
        _lines_query()
        .where(lines.c.approval_id.in_(sorted(set(approval_ids))))
        .order_by(lines.c.position, lines.c.line)
    )
    if fiscal_year is not None:
        query = query.where(lines.c.fiscal_year == fiscal_year)
    for row in conn.execute(query):
        line = _line(row._mapping)
        grouped.setdefault((line.approval_id, line.fiscal_year), []).append(line)
    return grouped


def _grant_year(head: Any, lines: dict[tuple[str, int], list[LedgerLine]]) -> GrantYear:
    return GrantYear(
        approval_id=head["approval_id"],
        fiscal_year=head["fiscal_year"],
        organisation_id=head["organisation_id"],
        organisation_name=head["organisation_name"] or "",
        prefecture=head["prefecture"],
        title=head["title"],
        approval_status=head["approval_status"],
        lines=tuple(lines.get((head["approval_id"], head["fiscal_year"]), ())),
    )


def _lines_query() -> Select[Any]:
    """The ledger's columns and the grantee's name, which the applications read model holds."""
    lines, _, applications = _tables()
    return select(*lines.c, applications.c.organisation_name).outerjoin(
        applications, applications.c.approval_id == lines.c.approval_id
    )


def _criteria(table: Table, where: LedgerFilter) -> list[ColumnElement[bool]]:
    criteria = [
        table.c[name] == value
        for name, value in (
            ("fiscal_year", where.fiscal_year),
            ("approval_id", where.approval_id),
            ("organisation_id", where.organisation_id),
        )
        if value is not None
    ]
    if where.kind is not None and "kind" in table.c:
        criteria.append(table.c.kind == where.kind)
    return criteria


def _line(row: Any) -> LedgerLine:
    return LedgerLine(
        position=row["position"],
        line=row["line"],
        recorded_at=as_utc(row["recorded_at"]),
        occurred_on=row["occurred_on"],
        fiscal_year=row["fiscal_year"],
        approval_id=row["approval_id"],
        organisation_id=row["organisation_id"],
        # The applications read model may not have caught up with a brand-new approval yet.
        organisation_name=row["organisation_name"] or "",
        kind=row["kind"],
        amount=int(row["amount"]),
        balance=int(row["balance"]),
        rule=row["rule"] or "",
        actor_id=row["actor_id"],
    )
