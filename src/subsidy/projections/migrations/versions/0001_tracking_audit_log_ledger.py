"""projection tracking, audit log and finance ledger

Revision ID: 0001
Revises:
Create Date: 2026-11-28 00:31:02.549247
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projection_parked_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("projection", sa.String(length=64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("projection_parked_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_projection_parked_events_projection"), ["projection"], unique=False
        )

    op.create_table(
        "projection_positions",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "rm_audit_log",
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("aggregate_id", sa.String(length=36), nullable=False),
        sa.Column("aggregate_type", sa.String(length=64), nullable=False),
        sa.Column("aggregate_version", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.String(length=200), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("rule", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("position"),
    )
    with op.batch_alter_table("rm_audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_rm_audit_log_actor", ["actor_id"], unique=False)
        batch_op.create_index(
            "ix_rm_audit_log_aggregate", ["aggregate_id", "aggregate_version"], unique=False
        )
        batch_op.create_index("ix_rm_audit_log_recorded_at", ["recorded_at"], unique=False)
        batch_op.create_index("ix_rm_audit_log_type", ["event_type"], unique=False)

    op.create_table(
        "rm_ledger",
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("approval_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("position", "line"),
    )
    with op.batch_alter_table("rm_ledger", schema=None) as batch_op:
        batch_op.create_index("ix_rm_ledger_approval", ["approval_id", "position"], unique=False)
        batch_op.create_index("ix_rm_ledger_year", ["fiscal_year", "position"], unique=False)

    op.create_table(
        "rm_ledger_balances",
        sa.Column("approval_id", sa.String(length=36), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("approval_id"),
    )
    op.create_table(
        "rm_ledger_years",
        sa.Column("disbursement_id", sa.String(length=36), nullable=False),
        sa.Column("approval_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("decided", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("disbursement_id"),
    )


def downgrade() -> None:
    op.drop_table("rm_ledger_years")
    op.drop_table("rm_ledger_balances")
    with op.batch_alter_table("rm_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_rm_ledger_year")
        batch_op.drop_index("ix_rm_ledger_approval")

    op.drop_table("rm_ledger")
    with op.batch_alter_table("rm_audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_rm_audit_log_type")
        batch_op.drop_index("ix_rm_audit_log_recorded_at")
        batch_op.drop_index("ix_rm_audit_log_aggregate")
        batch_op.drop_index("ix_rm_audit_log_actor")

    op.drop_table("rm_audit_log")
    op.drop_table("projection_positions")
    with op.batch_alter_table("projection_parked_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projection_parked_events_projection"))

    op.drop_table("projection_parked_events")
