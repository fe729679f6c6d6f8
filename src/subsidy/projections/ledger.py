"""The finance ledger: one row per money movement, with a running balance per approval.

The balance is what the grantee holds under the approval: payments in, principal repaid out.
Decisions, amendments, determinations and repayment orders are rows without a balance effect;
a repayment is split into its principal and its 加算金 and 延滞金 (interest) rows. Each fiscal
year's total per kind of row is kept beside the rows, moved in the same batch, so the totals
never sum the year's rows on a request.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
)

from subsidy.domain.disbursement import AnnualDisbursement
from subsidy.projections.base import Projection
from subsidy.projections.batch import Batch
from subsidy.projections.support import text_id
from subsidy.projections.topics import topics_of

EVENTS = (
    "Opened",
    "DecidedAmountChanged",
    "PaymentRecorded",
    "Determined",
    "RepaymentOrdered",
    "RepaymentReceived",
)


class Ledger(Projection):
    """Money movements of every annual disbursement, in log order."""

    name: ClassVar[str] = "ledger"
    topics = topics_of(AnnualDisbursement, *EVENTS)

    def define(self, metadata: MetaData, suffix: str = "") -> dict[str, Table]:
        rows = Table(
            f"rm_ledger{suffix}",
            metadata,
            Column("position", BigInteger, primary_key=True),
            Column("line", Integer, primary_key=True),
            Column("recorded_at", DateTime(timezone=True), nullable=False),
            Column("occurred_on", Date, nullable=False),
            Column("fiscal_year", Integer, nullable=False),
            Column("organisation_id", String(36), nullable=False),
            Column("approval_id", String(36), nullable=False),
            Column("kind", String(32), nullable=False),
            Column("amount", BigInteger, nullable=False),
            Column("balance", BigInteger, nullable=False),
            Column("rule", Text, nullable=True),
            Column("actor_id", String(200), nullable=False),
            Index(f"ix_rm_ledger_year{suffix}", "fiscal_year", "position"),
            Index(f"ix_rm_ledger_approval{suffix}", "approval_id", "position"),
        )
        years = Table(
            f"rm_ledger_years{suffix}",
            metadata,
            Column("disbursement_id", String(36), primary_key=True),
            Column("approval_id", String(36), nullable=False),
            Column("organisation_id", String(36), nullable=False),
            Column("fiscal_year", Integer, nullable=False),
            Column("decided", BigInteger, nullable=False),
        )
        balances = Table(
            f"rm_ledger_balances{suffix}",
            metadata,
            Column("approval_id", String(36), primary_key=True),
            Column("balance", BigInteger, nullable=False),
        )
        totals = Table(
            f"rm_ledger_totals{suffix}",
            metadata,
            Column("fiscal_year", Integer, primary_key=True),
            Column("kind", String(32), primary_key=True),
            Column("amount", BigInteger, nullable=False, default=0),
        )
        return {"ledger": rows, "years": years, "balances": balances, "totals": totals}

    def open_batch(self, tables: dict[str, Table], conn: Connection | None) -> Batch:
        return _LedgerBatch(tables, conn)


class _LedgerBatch(Batch):
    """Ledger lines to insert, with the years, balances and totals they read and move."""

    def __init__(self, tables: dict[str, Table], conn: Connection | None) -> None:
        super().__init__(tables, conn)
        self.lines = self.appends("ledger")
        self.years = self.rows("years")
        self.balances = self.rows("balances")
        self.totals = self.rows("totals")

    def apply(self, event: Any, position: int) -> None:
        name = type(event).__name__
        if name == "Opened":
            self._open(event, position)
            return
        disbursement_id = text_id(event.originator_id)
        year = self.years.require(disbursement_id)
        for line, (kind, amount, effect, day, rule) in enumerate(_movements(event, year)):
            self._record(
                position=position,
                line=line,
                recorded_at=event.timestamp,
                occurred_on=day,
                fiscal_year=year["fiscal_year"],
                organisation_id=year["organisation_id"],
                approval_id=year["approval_id"],
                kind=kind,
                amount=amount,
                balance=self._move(year["approval_id"], effect),
                rule=rule,
                actor_id=event.actor.user_id,
            )
        if name == "DecidedAmountChanged":
            self.years.update((disbursement_id,), decided=event.decided)

    def _open(self, event: Any, position: int) -> None:
        approval_id = text_id(event.approval_id)
        self.years.insert(
            disbursement_id=text_id(event.originator_id),
            approval_id=approval_id,
            organisation_id=text_id(event.organisation_id),
            fiscal_year=event.fiscal_year,
            decided=event.decided,
        )
        held = self.balances.get(approval_id)
        if held is None:
            held = self.balances.insert(approval_id=approval_id, balance=0)
        self._record(
            position=position,
            line=0,
            recorded_at=event.timestamp,
            occurred_on=event.decided_on,
            fiscal_year=event.fiscal_year,
            organisation_id=text_id(event.organisation_id),
            approval_id=approval_id,
            kind="decision",
            amount=event.decided,
            balance=held["balance"],
            rule=None,
            actor_id=event.actor.user_id,
        )

    def _record(self, **line: Any) -> None:
        """Add a ledger line and count it in its fiscal year's total of its kind."""
        self.lines.add(**line)
        self.totals.add((line["fiscal_year"], line["kind"]), amount=line["amount"])

    def _move(self, approval_id: str, effect: int) -> int:
        """The approval's balance after ``effect``."""
        balance = int(self.balances.require(approval_id)["balance"]) + effect
        if effect:
            self.balances.update((approval_id,), balance=balance)
        return balance


def _movements(event: Any, year: Any) -> list[tuple[str, int, int, Any, str | None]]:
    """(kind, amount, effect on the balance, business date, rule) for each row."""
    name = type(event).__name__
    if name == "DecidedAmountChanged":
        return [("amendment", event.decided - year["decided"], 0, event.changed_on, event.rule)]
    if name == "PaymentRecorded":
        payment = event.payment
        rule = event.calculation.rule
        return [(payment.kind.value, payment.amount, payment.amount, payment.paid_on, rule)]
    if name == "Determined":
        return [("determination", event.amount, 0, event.determined_on, event.calculation.rule)]
    if name == "RepaymentOrdered":
        order = event.order
        return [("repayment_order", order.principal, 0, order.ordered_on, event.calculation.rule)]
    repayment = event.repayment
    rule = event.calculation.rule
    parts = [
        ("repayment", sum(a.principal for a in repayment.allocations)),
        ("additional_charge", sum(a.additional_charge for a in repayment.allocations)),
        ("late_charge", sum(a.late_charge for a in repayment.allocations)),
    ]
    return [
        (kind, amount, -amount if kind == "repayment" else 0, repayment.received_on, rule)
        for kind, amount in parts
        if amount
    ]


_TABLES = Ledger().define(MetaData())


def ledger_rows(
    conn: Connection,
    *,
    fiscal_year: int | None = None,
    approval_id: str | None = None,
    organisation_id: str | None = None,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Ledger rows in log order, filtered by fiscal year, approval, organisation and kind."""
    table = _TABLES["ledger"]
    query = select(table).order_by(table.c.position, table.c.line).limit(limit).offset(offset)
    for column, value in (
        (table.c.fiscal_year, fiscal_year),
        (table.c.approval_id, approval_id),
        (table.c.organisation_id, organisation_id),
        (table.c.kind, kind),
    ):
        if value is not None:
            query = query.where(column == value)
    return [dict(row._mapping) for row in conn.execute(query)]


def ledger_totals(conn: Connection, fiscal_year: int) -> dict[str, int]:
    """The fiscal year's total per kind of movement (kinds with no row left out)."""
    totals = _TABLES["totals"]
    query = (
        select(totals.c.kind, totals.c.amount)
        .where(totals.c.fiscal_year == fiscal_year)
        .order_by(totals.c.kind)
    )
    return {kind: int(total) for kind, total in conn.execute(query)}
