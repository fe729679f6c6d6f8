"""Each reviewer's queue: the applications assigned to them and not yet reviewed this round.

An assignment opens a row; the reviewer's review closes it; a new round (resubmission) or a
decision on the application (approved, rejected, returned, withdrawn) closes every open row of
the application. Titles and organisation names come from this projection's own copies.
"""

from __future__ import annotations

from datetime import timedelta
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
    func,
    select,
)

from subsidy.domain.grant_application import GrantApplication
from subsidy.domain.organisation import Organisation
from subsidy.domain.review import Reviewer
from subsidy.projections.base import Projection
from subsidy.projections.batch import Batch
from subsidy.projections.support import (
    as_utc,
    event_names,
    organisations_table,
    record_organisation,
    text_id,
)
from subsidy.projections.topics import topics_of

REVIEW_DAYS = 14
"""The Center's standard review period: a review is due this many days after assignment."""

APPLICATION_EVENTS = (
    "Drafted",
    "DraftUpdated",
    "Submitted",
    "Resubmitted",
    "ReviewerAssigned",
    "ReviewRecorded",
    "Approved",
    "Rejected",
    "Returned",
    "Withdrawn",
)
CLOSING_EVENTS = {"Submitted", "Resubmitted", "Approved", "Rejected", "Returned", "Withdrawn"}


class ReviewerQueue(Projection):
    """Open review assignments per reviewer, with what each reviewer has done."""

    name: ClassVar[str] = "reviewer_queue"
    topics = (
        *topics_of(Organisation, "Registered"),
        *topics_of(Reviewer, "Registered"),
        *topics_of(GrantApplication, *APPLICATION_EVENTS),
    )

    def define(self, metadata: MetaData, suffix: str = "") -> dict[str, Table]:
        queue = Table(
            f"rm_reviewer_queue{suffix}",
            metadata,
            Column("reviewer_id", String(200), primary_key=True),
            Column("application_id", String(36), primary_key=True),
            Column("round", Integer, nullable=False),
            Column("assigned_at", DateTime(timezone=True), nullable=False),
            Column("due_on", Date, nullable=False),
            Column("position", BigInteger, nullable=False),
            Index(f"ix_rm_reviewer_queue_due{suffix}", "reviewer_id", "due_on"),
            Index(f"ix_rm_reviewer_queue_application{suffix}", "application_id"),
        )
        applications = Table(
            f"rm_reviewer_queue_applications{suffix}",
            metadata,
            Column("application_id", String(36), primary_key=True),
            Column("organisation_id", String(36), nullable=False),
            Column("title", Text, nullable=False),
            Column("round", Integer, nullable=False),
            Column("reviews", Integer, nullable=False, default=0),
        )
        reviewers = Table(
            f"rm_reviewer_queue_reviewers{suffix}",
            metadata,
            Column("reviewer_id", String(200), primary_key=True),
            Column("name", String(200), nullable=True),
            Column("assignments", Integer, nullable=False, default=0),
            Column("reviews", Integer, nullable=False, default=0),
        )
        return {
            "queue": queue,
            "applications": applications,
            "reviewers": reviewers,
            "organisations": organisations_table(metadata, "rm_reviewer_queue", suffix),
        }

    def open_batch(self, tables: dict[str, Table], conn: Connection | None) -> Batch:
        return _QueueBatch(tables, conn)


class _QueueBatch(Batch):
    """Open assignments (found by reviewer and application, or by application alone)."""

    def __init__(self, tables: dict[str, Table], conn: Connection | None) -> None:
        super().__init__(tables, conn)
        self.queue = self.rows("queue", lookups=("application_id",))
        self.applications = self.rows("applications")
        self.reviewers = self.rows("reviewers")
        self.organisations = self.rows("organisations")

    def apply(self, event: Any, position: int) -> None:
        aggregate, name = event_names(event)
        application_id = text_id(event.originator_id)
        if aggregate == "Organisation":
            record_organisation(self.organisations, event)
        elif aggregate == "Reviewer":
            self.reviewers.insert(
                reviewer_id=event.user_id, name=event.name, assignments=0, reviews=0
            )
        elif name == "Drafted":
            self.applications.insert(
                application_id=application_id,
                organisation_id=text_id(event.organisation_id),
                title=event.title,
                round=0,
                reviews=0,
            )
        elif name == "DraftUpdated":
            self.applications.update((application_id,), title=event.title)
        elif name == "ReviewerAssigned":
            self._assigned(event, application_id, position)
        elif name == "ReviewRecorded":
            reviewer_id = event.review.reviewer_id
            self.queue.delete((reviewer_id, application_id))
            self.applications.add((application_id,), reviews=1)
            self.reviewers.add((reviewer_id,), reviews=1)
        elif name in CLOSING_EVENTS:
            self._close_all(name, application_id)

    def _assigned(self, event: Any, application_id: str, position: int) -> None:
        self.queue.insert(
            reviewer_id=event.reviewer_id,
            application_id=application_id,
            round=self.applications.require(application_id)["round"],
            assigned_at=event.timestamp,
            due_on=event.assigned_on + timedelta(days=REVIEW_DAYS),
            position=position,
        )
        self.reviewers.add((event.reviewer_id,), assignments=1)

    def _close_all(self, name: str, application_id: str) -> None:
        for row in self.queue.find("application_id", application_id):
            self.queue.delete((row["reviewer_id"], application_id))
        if name in ("Submitted", "Resubmitted"):
            application = self.applications.get(application_id)
            if application is not None:
                rounds = application["round"] + 1
                self.applications.update((application_id,), round=rounds, reviews=0)


# Queries ---------------------------------------------------------------------------------

_TABLES = ReviewerQueue().define(MetaData())


def queue_for(conn: Connection, reviewer_id: str) -> list[dict[str, Any]]:
    """The reviewer's open assignments, the earliest due first.

    Each row has the application's id, title, organisation, round, when it was assigned, when
    the review is due (:data:`REVIEW_DAYS` after) and the reviews recorded so far this round.
    """
    queue, applications = _TABLES["queue"], _TABLES["applications"]
    organisations = _TABLES["organisations"]
    query = (
        select(
            queue.c.application_id,
            applications.c.title,
            applications.c.organisation_id,
            organisations.c.name.label("organisation_name"),
            queue.c.round,
            queue.c.assigned_at,
            queue.c.due_on,
            applications.c.reviews.label("reviews_so_far"),
        )
        .join(applications, applications.c.application_id == queue.c.application_id)
        .join(organisations, organisations.c.organisation_id == applications.c.organisation_id)
        .where(queue.c.reviewer_id == reviewer_id)
        .order_by(queue.c.due_on, queue.c.assigned_at, queue.c.application_id)
    )
    rows = [dict(row._mapping) for row in conn.execute(query)]
    for row in rows:
        row["assigned_at"] = as_utc(row["assigned_at"])
    return rows


def workload(conn: Connection) -> list[dict[str, Any]]:
    """Per reviewer, by id: open assignments, assignments ever made and reviews recorded."""
    queue, reviewers = _TABLES["queue"], _TABLES["reviewers"]
    open_rows = (
        select(queue.c.reviewer_id, func.count().label("open"))
        .group_by(queue.c.reviewer_id)
        .subquery()
    )
    query = (
        select(
            reviewers.c.reviewer_id,
            reviewers.c.name,
            func.coalesce(open_rows.c.open, 0).label("open"),
            reviewers.c.assignments,
            reviewers.c.reviews,
        )
        .outerjoin(open_rows, open_rows.c.reviewer_id == reviewers.c.reviewer_id)
        .order_by(reviewers.c.reviewer_id)
    )
    return [dict(row._mapping) for row in conn.execute(query)]
