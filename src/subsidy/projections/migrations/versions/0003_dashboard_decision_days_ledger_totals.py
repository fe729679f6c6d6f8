"""dashboard days to decision and ledger totals, kept as the events arrive

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 11:05:00.000000

Both tables are filled from the rows the read models already hold, in the migration's
transaction, so they agree with the projections' positions as a rebuild would leave them.
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    decision_days = op.create_table(
        "rm_dashboard_decision_days",
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("decisions", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("days"),
    )
    totals = op.create_table(
        "rm_ledger_totals",
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("fiscal_year", "kind"),
    )
    _fill_decision_days(decision_days)
    _fill_totals(totals)


def _fill_decision_days(decision_days: sa.Table) -> None:
    applications = sa.table(
        "rm_dashboard_applications",
        sa.column("submitted_on", sa.Date()),
        sa.column("decided_on", sa.Date()),
    )
    query = sa.select(applications.c.submitted_on, applications.c.decided_on).where(
        applications.c.submitted_on.is_not(None), applications.c.decided_on.is_not(None)
    )
    # Days are counted in Python, as the projection counts them, not by each dialect's dates.
    days = Counter(
        (decided - submitted).days for submitted, decided in op.get_bind().execute(query)
    )
    rows = [{"days": d, "decisions": n} for d, n in sorted(days.items())]
    if rows:
        op.bulk_insert(decision_days, rows)


def _fill_totals(totals: sa.Table) -> None:
    ledger = sa.table(
        "rm_ledger",
        sa.column("fiscal_year", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("amount", sa.BigInteger()),
    )
    query = sa.select(ledger.c.fiscal_year, ledger.c.kind, sa.func.sum(ledger.c.amount))
    op.execute(
        totals.insert().from_select(
            ["fiscal_year", "kind", "amount"], query.group_by(ledger.c.fiscal_year, ledger.c.kind)
        )
    )


def downgrade() -> None:
    op.drop_table("rm_ledger_totals")
    op.drop_table("rm_dashboard_decision_days")
