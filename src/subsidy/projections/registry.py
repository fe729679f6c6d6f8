"""Every projection the engine keeps, and the metadata of all read-model tables."""

from __future__ import annotations

from sqlalchemy import MetaData

from subsidy.projections import tracking
from subsidy.projections.applications import Applications
from subsidy.projections.audit_log import AuditLog
from subsidy.projections.base import Projection
from subsidy.projections.dashboard import Dashboard
from subsidy.projections.ledger import Ledger
from subsidy.projections.reviewer_queue import ReviewerQueue


def all_projections() -> list[Projection]:
    """The projections, in the order they are run and listed."""
    return [AuditLog(), Ledger(), Applications(), ReviewerQueue(), Dashboard()]


def read_model_metadata() -> MetaData:
    """The live tables of every projection, plus the runner's own tracking tables."""
    metadata = MetaData()
    for table in tracking.metadata.tables.values():
        table.to_metadata(metadata)
    for projection in all_projections():
        projection.define(metadata)
    return metadata
