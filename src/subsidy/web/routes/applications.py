"""The applications list, one application's page and the approver's decision form."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Engine

from subsidy.api.deps import visible_to
from subsidy.api.routes.reads import redacted
from subsidy.application import SubsidyEngine
from subsidy.application.views import ApplicationView
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import YearAmount
from subsidy.domain.workflow import ApplicationStatus
from subsidy.projections import applications, audit_log
from subsidy.projections.support import as_utc
from subsidy.web.access import (
    EngineDep,
    PostedForm,
    ReadModels,
    Viewer,
    ViewerDep,
    allowed,
    caught_up,
)
from subsidy.web.forms import FormErrors, Reader
from subsidy.web.pages import APPLICATION, APPLICATIONS, DECISION
from subsidy.web.rendering import render
from subsidy.web.routing import console_router

router = console_router()
PER_PAGE = 50
OUTCOMES = ("approved", "rejected", "returned")
DECIDABLE = {ApplicationStatus.SUBMITTED.value, ApplicationStatus.UNDER_REVIEW.value}


@router.get("/applications")
def list_applications(
    request: Request,
    *,
    db: ReadModels,
    user: Annotated[Actor, allowed(APPLICATIONS)],
    status: str = "",
    q: str = "",
    page: int = 1,
) -> HTMLResponse:
    """Applications, newest first; applicants see their own organisation's only."""
    statuses = [s.value for s in ApplicationStatus]
    filters: dict[str, Any] = {
        "status": status if status in statuses else None,
        "text": q.strip()[:200] or None,
        "organisation_id": user.organisation_id if user.role is Role.APPLICANT else None,
    }
    page = max(page, 1)
    with db.connect() as conn:
        rows = applications.list_applications(
            conn, **filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
        )
        total = applications.count_applications(conn, **filters)
    context = {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
        "statuses": statuses,
        "filters": {"status": filters["status"] or "", "q": q},
    }
    return render(request, "applications.html", context)


@router.get("/applications/{application_id}")
def show_application(
    request: Request,
    *,
    application_id: UUID,
    viewer: ViewerDep,
    engine: EngineDep,
    db: ReadModels,
    user: Annotated[Actor, allowed(APPLICATION)],
) -> HTMLResponse:
    """Plan, budget, reviews, the decision form for approvers and the timeline."""
    context = application_page(engine, db, viewer, user, application_id)
    return render(request, "application.html", context)


@router.post("/applications/{application_id}/decision")
def decide(
    request: Request,
    *,
    application_id: UUID,
    viewer: ViewerDep,
    engine: EngineDep,
    db: ReadModels,
    form: PostedForm,
    user: Annotated[Actor, allowed(DECISION)],
) -> Response:
    """Grant, reject or return the application; shown again with errors if refused."""
    view = engine.application(application_id)
    reader = Reader(form, viewer.t)
    command = _decision(engine, user, view, reader)
    names = {"outcome", "reason", "notice_date", "conditions", "amounts"}
    names |= {f"amounts.{year.fiscal_year}" for year in view.years}
    reader.run(command, names)
    if reader.errors:
        context = application_page(engine, db, viewer, user, application_id)
        context.update(errors=reader.errors, values=reader.values())
        return render(request, "application.html", context, status=422)
    caught_up(request)
    return RedirectResponse(f"/applications/{application_id}?saved=1", status_code=303)


def _decision(
    engine: SubsidyEngine, user: Actor, view: ApplicationView, reader: Reader
) -> Callable[[], object] | None:
    """The engine command the form asks for, or ``None`` when no outcome was chosen."""
    outcome = reader.choice("outcome", OUTCOMES)
    common: dict[str, Any] = {"reason": reader.text("reason"), **reader.safe_write()}
    if outcome == "approved":
        amounts = tuple(
            YearAmount(year.fiscal_year, amount)
            for year in view.years
            if (amount := reader.yen(f"amounts.{year.fiscal_year}", required=False)) is not None
        )
        conditions, notice_date = reader.lines("conditions"), reader.day("notice_date")
        return lambda: engine.approve_application(
            user, view.id, amounts=amounts, conditions=conditions, notice_date=notice_date, **common
        )
    if outcome == "rejected":
        return lambda: engine.reject_application(user, view.id, **common)
    if outcome == "returned":
        return lambda: engine.return_application(user, view.id, **common)
    return None


def application_page(
    engine: SubsidyEngine, db: Engine, viewer: Viewer, user: Actor, application_id: UUID
) -> dict[str, Any]:
    """Everything the application page shows, for this user."""
    view = engine.application(application_id)
    visible_to(user, view.organisation_id, *view.member_ids)
    approval = engine.approval(view.approval_id) if view.approval_id else None
    decidable = user.role is Role.APPROVER and view.status in DECIDABLE
    reviewed = {review.reviewer_id for review in view.reviews}
    return {
        "view": view,
        "organisation": engine.organisation(view.organisation_id),
        "members": [engine.organisation(member).name for member in view.member_ids],
        "plan": engine.action_plan(view.plan_id),
        "approval": approval,
        "timeline": timeline(db, view.id, view.approval_id),
        "decidable": decidable,
        "may_review": user.role is Role.REVIEWER
        and user.user_id in view.reviewer_ids
        and user.user_id not in reviewed,
        "may_print": user.role is not Role.REVIEWER,
        "criteria": list(engine.scheme().parameters.review_criteria),
        "errors": FormErrors(),
        "values": _decision_defaults(view) if decidable else {},
    }


def _decision_defaults(view: ApplicationView) -> dict[str, str]:
    """The decision form as first shown: the requested amounts, a fresh idempotency key."""
    values = {f"amounts.{y.fiscal_year}": f"{y.requested:,}" for y in view.years}
    values.update(version=str(view.version), idempotency_key=str(uuid.uuid4()))
    return values


def timeline(db: Engine, application_id: UUID, approval_id: UUID | None) -> list[dict[str, Any]]:
    """The application's events and its decision's, in the order they were recorded."""
    ids = [str(application_id)] + ([str(approval_id)] if approval_id else [])
    rows: list[dict[str, Any]] = []
    with db.connect() as conn:
        for aggregate_id in ids:
            rows += audit_log.audit_events(conn, aggregate_id=aggregate_id, limit=500)
    for row in rows:
        row["recorded_at"] = as_utc(row["recorded_at"])
        row["details"] = redacted(json.loads(row["details"]))
    return sorted(rows, key=lambda row: row["position"])
