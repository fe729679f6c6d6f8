"""dashboard counts by status and by prefecture, kept as the events arrive

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 19:50:00.000000

Both tables are filled from the dashboard's application rows in the migration's transaction,
so they agree with the projection's position as a rebuild would leave them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NO_PREFECTURE = ""  # subsidy.projections.dashboard.NO_PREFECTURE, as of this revision


def upgrade() -> None:
    statuses = op.create_table(
        "rm_dashboard_statuses",
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("applications", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("status"),
    )
    prefectures = op.create_table(
        "rm_dashboard_prefectures",
        sa.Column("prefecture", sa.String(length=8), nullable=False),
        sa.Column("applications", sa.BigInteger(), nullable=False),
        sa.Column("approved", sa.BigInteger(), nullable=False),
        sa.Column("approved_total", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("prefecture"),
    )
    applications = sa.table(
        "rm_dashboard_applications",
        sa.column("prefecture", sa.String()),
        sa.column("status", sa.String()),
        sa.column("submitted_on", sa.Date()),
        sa.column("approval_status", sa.String()),
        sa.column("decided_total", sa.BigInteger()),
    )
    a = applications.c
    op.execute(
        statuses.insert().from_select(
            ["status", "applications"],
            sa.select(a.status, sa.func.count()).group_by(a.status),
        )
    )
    in_force = sa.and_(a.status == "approved", a.approval_status == "in_force")
    prefecture = sa.func.coalesce(a.prefecture, NO_PREFECTURE)
    op.execute(
        prefectures.insert().from_select(
            ["prefecture", "applications", "approved", "approved_total"],
            sa.select(
                prefecture,
                sa.func.count(),
                sa.func.sum(sa.case((in_force, 1), else_=0)),
                sa.func.sum(sa.case((in_force, sa.func.coalesce(a.decided_total, 0)), else_=0)),
            )
            .where(a.submitted_on.is_not(None))
            .group_by(prefecture),
        )
    )


def downgrade() -> None:
    op.drop_table("rm_dashboard_prefectures")
    op.drop_table("rm_dashboard_statuses")
