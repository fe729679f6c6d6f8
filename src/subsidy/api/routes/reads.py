"""The read side: lists, queues, the dashboard and the audit trail, from the read models.

Every route here reads the projections' tables (``app.state.db``) and never loads aggregates,
except the auditor's as-of state, which replays one aggregate's history from the event store.
The ledger, with its CSV download, is served by :mod:`subsidy.api.routes.ledger`.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime, BaseModel, Field

from subsidy.api.deps import CurrentUser, EngineDep, require_role
from subsidy.api.payloads import json_response
from subsidy.api.routes.ledger import FiscalYearFilter, Page, PerPage, ReadModels
from subsidy.domain.actor import Role
from subsidy.domain.errors import InvalidValue, PermissionDenied
from subsidy.domain.workflow import ApplicationStatus
from subsidy.projections import applications, audit_log, dashboard, reviewer_queue
from subsidy.projections.support import as_utc, json_safe

router = APIRouter(prefix="/api/v1", tags=["read models"])
Reviewers = Annotated[object, require_role(Role.REVIEWER, Role.ADMINISTRATOR, Role.AUDITOR)]
NotApplicant = Annotated[
    object,
    require_role(Role.REVIEWER, Role.APPROVER, Role.FINANCE, Role.AUDITOR, Role.ADMINISTRATOR),
]
Auditors = Annotated[object, require_role(Role.AUDITOR, Role.ADMINISTRATOR)]
# Auditors read every event and every aggregate, API accounts included, but not their tokens.
CREDENTIAL_FIELDS = frozenset({"token_hash", "token_hashes"})
REDACTED = "[redacted]"


class ApplicationRow(BaseModel):
    """One grant application in a list."""

    application_id: UUID = Field(description="The application's id")
    organisation_id: UUID = Field(description="The lead organisation")
    organisation_name: str = Field(description="The lead organisation's name")
    prefecture: str | None = Field(description="The lead organisation's prefecture")
    member_count: int = Field(description="How many member bodies apply with the lead")
    title: str = Field(description="The application's title")
    status: str = Field(description="Where the application stands in the workflow")
    first_fiscal_year: int | None = Field(description="The budget's first fiscal year")
    last_fiscal_year: int | None = Field(description="The budget's last fiscal year")
    requested_total: int = Field(description="Yen requested over all years")
    decided_total: int | None = Field(description="Yen decided over all years, once approved")
    drafted_at: datetime = Field(description="When the draft was recorded")
    submitted_on: date | None = Field(description="The first submission's date")
    decided_on: date | None = Field(description="The decision's date")
    round: int = Field(description="The review round (1 after the first submission)")
    approval_id: UUID | None = Field(description="The grant decision, once approved")
    approval_status: str | None = Field(description="in_force, revoked or withdrawn")
    version: int = Field(description="The application's version when the row was last moved")


class ApplicationPage(BaseModel):
    """A page of applications and how many match in all."""

    items: list[ApplicationRow] = Field(description="The page's rows, newest draft first")
    total: int = Field(description="How many applications match the filters")
    page: int = Field(description="This page's number, from 1")
    per_page: int = Field(description="Rows per page")


class QueueItem(BaseModel):
    """An application waiting for a reviewer's review."""

    application_id: UUID = Field(description="The application")
    title: str = Field(description="Its title")
    organisation_id: UUID = Field(description="The lead organisation")
    organisation_name: str = Field(description="The lead organisation's name")
    round: int = Field(description="The review round")
    assigned_at: datetime = Field(description="When the reviewer was assigned")
    due_on: date = Field(description="When the review is due")
    reviews_so_far: int = Field(description="Reviews recorded this round, by anyone")


class ReviewQueue(BaseModel):
    """A reviewer's open assignments, the earliest due first."""

    reviewer_id: str = Field(description="The reviewer")
    items: list[QueueItem] = Field(description="Open assignments")


class FiscalYearFigures(BaseModel):
    """A fiscal year's money."""

    fiscal_year: int = Field(description="The fiscal year")
    appropriated: int = Field(description="Appropriated yen")
    reserved: int = Field(description="Yen reserved by grant decisions")
    remaining: int = Field(description="Appropriated less reserved")
    paid: int = Field(description="Yen paid to grantees")
    repaid: int = Field(description="Principal repaid by grantees")


class PrefectureFigures(BaseModel):
    """Submitted applications and decisions in force for one prefecture."""

    prefecture: str | None = Field(description="The lead organisations' prefecture")
    applications: int = Field(description="Applications ever submitted")
    approved: int = Field(description="Approvals in force")
    approved_total: int = Field(description="Yen decided by approvals in force")


class ReviewerFigures(BaseModel):
    """One reviewer's work."""

    reviewer_id: str = Field(description="The reviewer")
    assignments: int = Field(description="Assignments ever made")
    reviews: int = Field(description="Reviews recorded")


class Dashboard(BaseModel):
    """The scheme at a glance."""

    applications_by_status: dict[str, int] = Field(description="Applications per status")
    fiscal_years: list[FiscalYearFigures] = Field(description="Money per fiscal year")
    prefectures: list[PrefectureFigures] = Field(description="Figures per prefecture")
    median_days_to_decision: float | None = Field(
        description="Median days from first submission to decision; null before any decision"
    )
    decisions: int = Field(description="Decisions the median is taken over")
    reviewers: list[ReviewerFigures] = Field(description="Each reviewer's work")


class AuditEvent(BaseModel):
    """One stored event: who, when, what, why and under which rule."""

    position: int = Field(description="The event's position in the log")
    recorded_at: datetime = Field(description="When it was recorded (UTC)")
    aggregate_id: UUID = Field(description="The aggregate it belongs to")
    aggregate_type: str = Field(description="The aggregate's type, e.g. Approval")
    aggregate_version: int = Field(description="The aggregate's version after the event")
    event_type: str = Field(description="The event's name, e.g. Granted")
    actor_id: str | None = Field(description="Who acted")
    actor_role: str | None = Field(description="The role they acted in")
    reason: str | None = Field(description="The reason given, if any")
    rule: str | None = Field(description="The rule invoked, if any")
    details: dict[str, Any] = Field(description="Every other field the event carries")


class AuditPage(BaseModel):
    """A page of the audit log."""

    items: list[AuditEvent] = Field(description="Events in log order")
    page: int = Field(description="This page's number, from 1")
    per_page: int = Field(description="Rows per page")


class AggregateState(BaseModel):
    """An aggregate as it stood after one of its events, replayed from the event store."""

    id: UUID = Field(description="The aggregate's id")
    type: str = Field(description="The aggregate's type")
    version: int = Field(description="The version the state is after")
    recorded_at: datetime = Field(description="When that version's event was recorded")
    latest_version: int = Field(description="The aggregate's version now")
    state: dict[str, Any] = Field(description="Every attribute, as JSON values")


@router.get("/applications", response_model=ApplicationPage)
def list_applications(
    db: ReadModels,
    user: CurrentUser,
    status: Annotated[ApplicationStatus | None, Query(description="Only this status")] = None,
    fiscal_year: FiscalYearFilter = None,
    prefecture: Annotated[str | None, Query(description="The lead's prefecture")] = None,
    organisation_id: Annotated[UUID | None, Query(description="The lead organisation")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Part of the title or lead's name")
    ] = None,
    page: Page = 1,
    per_page: PerPage = 20,
) -> Response:
    """Applications matching every filter; applicants see their own organisation's only."""
    if user.role is Role.APPLICANT:
        organisation_id = user.organisation_id
    filters: dict[str, Any] = {
        "status": status.value if status else None,
        "fiscal_year": fiscal_year,
        "prefecture": prefecture,
        "organisation_id": organisation_id,
        "text": q,
    }
    offset = (page - 1) * per_page
    with db.connect() as conn:
        rows = applications.list_applications(conn, **filters, limit=per_page, offset=offset)
        total = applications.count_applications(conn, **filters)
    items = [ApplicationRow.model_validate(row) for row in rows]
    return json_response(ApplicationPage(items=items, total=total, page=page, per_page=per_page))


@router.get("/review-queue", response_model=ReviewQueue)
def review_queue(
    db: ReadModels,
    user: CurrentUser,
    _: Reviewers,
    reviewer_id: Annotated[
        str | None,
        Query(max_length=200, description="Whose queue (named by administrators and auditors)"),
    ] = None,
) -> Response:
    """A reviewer's own open assignments; administrators and auditors name the reviewer."""
    if user.role is Role.REVIEWER and reviewer_id not in (None, user.user_id):
        msg = f"{user.user_id} sees only its own review queue"
        raise PermissionDenied(msg, field="reviewer_id", rule="roles")
    whose = user.user_id if user.role is Role.REVIEWER else reviewer_id
    if whose is None:
        raise InvalidValue("name the reviewer whose queue to show", field="reviewer_id")
    with db.connect() as conn:
        rows = reviewer_queue.queue_for(conn, whose)
    return json_response(
        ReviewQueue(reviewer_id=whose, items=[QueueItem.model_validate(r) for r in rows])
    )


@router.get("/dashboard", response_model=Dashboard)
def show_dashboard(db: ReadModels, _: NotApplicant) -> Response:
    """Applications by status and prefecture, money per fiscal year, time to decision."""
    with db.connect() as conn:
        figures = dashboard.dashboard(conn)
    return json_response(Dashboard.model_validate(figures))


@router.get("/audit/events", response_model=AuditPage, tags=["audit"])
def audit_events(
    db: ReadModels,
    _: Auditors,
    aggregate_id: Annotated[UUID | None, Query(description="Only this aggregate")] = None,
    actor: Annotated[str | None, Query(max_length=200, description="Only this user")] = None,
    event_type: Annotated[
        str | None, Query(alias="type", max_length=64, description="Only this event, e.g. Granted")
    ] = None,
    since: Annotated[AwareDatetime | None, Query(description="Recorded at or after")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Recorded before")] = None,
    page: Page = 1,
    per_page: PerPage = 100,
) -> Response:
    """Every stored event in log order, filtered by aggregate, actor, type and time."""
    since, until = _in_utc(since, "since"), _in_utc(until, "until")
    with db.connect() as conn:
        rows = audit_log.audit_events(
            conn,
            aggregate_id=str(aggregate_id) if aggregate_id else None,
            actor_id=actor,
            event_type=event_type,
            # SQLite keeps instants without a zone, in UTC: compare like with like.
            since=since,
            until=until,
            limit=per_page,
            offset=(page - 1) * per_page,
        )
    items = [
        AuditEvent.model_validate(
            {
                **r,
                "recorded_at": as_utc(r["recorded_at"]),
                "details": redacted(json.loads(r["details"])),
            }
        )
        for r in rows
    ]
    return json_response(AuditPage(items=items, page=page, per_page=per_page))


@router.get("/audit/aggregates/{aggregate_id}/state", response_model=AggregateState, tags=["audit"])
def aggregate_state(
    aggregate_id: UUID,
    engine: EngineDep,
    _: Auditors,
    as_of: Annotated[
        datetime | None, Query(description="An instant with its zone, e.g. 2024-05-20T09:00+09:00")
    ] = None,
    version: Annotated[int | None, Query(ge=1, description="An event number instead")] = None,
) -> AggregateState:
    """Any aggregate as it stood at an instant or after one of its events (give one)."""
    replayed = engine.state_as_of(aggregate_id, at=as_of, version=version)
    return AggregateState.model_validate(
        {**vars(replayed), "state": redacted(json_safe(replayed.state))}
    )


def redacted(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` without credentials: an API user's token hashes never leave the server."""
    return {k: REDACTED if k in CREDENTIAL_FIELDS else v for k, v in values.items()}


def _in_utc(instant: datetime | None, field: str) -> datetime | None:
    """The instant in UTC (SQLite keeps instants without a zone, in UTC: compare like with like)."""
    if instant is None:
        return None
    try:
        return instant.astimezone(UTC)
    except (OverflowError, ValueError):
        msg = f"{field} {instant.isoformat()} is outside the range of instants"
        raise InvalidValue(msg, field=field, rule="dates.range") from None
