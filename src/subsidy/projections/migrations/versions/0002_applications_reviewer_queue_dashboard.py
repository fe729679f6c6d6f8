"""applications list, reviewer queue and dashboard

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 00:41:13.875432
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rm_applications",
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_name", sa.String(length=200), nullable=False),
        sa.Column("prefecture", sa.String(length=8), nullable=True),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_fiscal_year", sa.Integer(), nullable=True),
        sa.Column("last_fiscal_year", sa.Integer(), nullable=True),
        sa.Column("requested_total", sa.BigInteger(), nullable=False),
        sa.Column("decided_total", sa.BigInteger(), nullable=True),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("approval_id", sa.String(length=36), nullable=True),
        sa.Column("approval_status", sa.String(length=16), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("title_key", sa.Text(), nullable=False),
        sa.Column("organisation_key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("application_id"),
    )
    with op.batch_alter_table("rm_applications", schema=None) as batch_op:
        batch_op.create_index("ix_rm_applications_approval", ["approval_id"], unique=False)
        batch_op.create_index("ix_rm_applications_drafted_at", ["drafted_at"], unique=False)
        batch_op.create_index("ix_rm_applications_organisation", ["organisation_id"], unique=False)
        batch_op.create_index("ix_rm_applications_prefecture", ["prefecture"], unique=False)
        batch_op.create_index("ix_rm_applications_status", ["status"], unique=False)
        batch_op.create_index(
            "ix_rm_applications_years", ["first_fiscal_year", "last_fiscal_year"], unique=False
        )

    op.create_table(
        "rm_applications_organisations",
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefecture", sa.String(length=8), nullable=True),
        sa.PrimaryKeyConstraint("organisation_id"),
    )
    op.create_table(
        "rm_dashboard_aggregates",
        sa.Column("aggregate_id", sa.String(length=36), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("appropriated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("aggregate_id"),
    )
    op.create_table(
        "rm_dashboard_applications",
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("prefecture", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("approval_id", sa.String(length=36), nullable=True),
        sa.Column("approval_status", sa.String(length=16), nullable=True),
        sa.Column("decided_total", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("application_id"),
    )
    with op.batch_alter_table("rm_dashboard_applications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rm_dashboard_applications_approval", ["approval_id"], unique=False
        )

    op.create_table(
        "rm_dashboard_fiscal_years",
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("appropriated", sa.BigInteger(), nullable=False),
        sa.Column("reserved", sa.BigInteger(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("repaid", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("fiscal_year"),
    )
    op.create_table(
        "rm_dashboard_organisations",
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefecture", sa.String(length=8), nullable=True),
        sa.PrimaryKeyConstraint("organisation_id"),
    )
    op.create_table(
        "rm_dashboard_reviewers",
        sa.Column("reviewer_id", sa.String(length=200), nullable=False),
        sa.Column("assignments", sa.BigInteger(), nullable=False),
        sa.Column("reviews", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("reviewer_id"),
    )
    op.create_table(
        "rm_reviewer_queue",
        sa.Column("reviewer_id", sa.String(length=200), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("reviewer_id", "application_id"),
    )
    with op.batch_alter_table("rm_reviewer_queue", schema=None) as batch_op:
        batch_op.create_index("ix_rm_reviewer_queue_application", ["application_id"], unique=False)
        batch_op.create_index("ix_rm_reviewer_queue_due", ["reviewer_id", "due_on"], unique=False)

    op.create_table(
        "rm_reviewer_queue_applications",
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("application_id"),
    )
    op.create_table(
        "rm_reviewer_queue_organisations",
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefecture", sa.String(length=8), nullable=True),
        sa.PrimaryKeyConstraint("organisation_id"),
    )
    op.create_table(
        "rm_reviewer_queue_reviewers",
        sa.Column("reviewer_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("assignments", sa.Integer(), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("reviewer_id"),
    )


def downgrade() -> None:
    op.drop_table("rm_reviewer_queue_reviewers")
    op.drop_table("rm_reviewer_queue_organisations")
    op.drop_table("rm_reviewer_queue_applications")
    with op.batch_alter_table("rm_reviewer_queue", schema=None) as batch_op:
        batch_op.drop_index("ix_rm_reviewer_queue_due")
        batch_op.drop_index("ix_rm_reviewer_queue_application")

    op.drop_table("rm_reviewer_queue")
    op.drop_table("rm_dashboard_reviewers")
    op.drop_table("rm_dashboard_organisations")
    op.drop_table("rm_dashboard_fiscal_years")
    with op.batch_alter_table("rm_dashboard_applications", schema=None) as batch_op:
        batch_op.drop_index("ix_rm_dashboard_applications_approval")

    op.drop_table("rm_dashboard_applications")
    op.drop_table("rm_dashboard_aggregates")
    op.drop_table("rm_applications_organisations")
    with op.batch_alter_table("rm_applications", schema=None) as batch_op:
        batch_op.drop_index("ix_rm_applications_years")
        batch_op.drop_index("ix_rm_applications_status")
        batch_op.drop_index("ix_rm_applications_prefecture")
        batch_op.drop_index("ix_rm_applications_organisation")
        batch_op.drop_index("ix_rm_applications_drafted_at")
        batch_op.drop_index("ix_rm_applications_approval")

    op.drop_table("rm_applications")
