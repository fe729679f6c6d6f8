"""Printable notices, laid out for A4: the grant decision (交付決定通知書) and repayment orders
(返還命令書). The applicant sees its own organisation's; staff who decide, pay or audit see all.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from uuid import UUID

from fastapi import Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine

from subsidy.api.deps import visible_to
from subsidy.domain.actor import Actor
from subsidy.domain.errors import NotFound
from subsidy.projections import audit_log
from subsidy.web.access import EngineDep, ReadModels, allowed
from subsidy.web.pages import NOTICES
from subsidy.web.rendering import render
from subsidy.web.routing import console_router

router = console_router()
FiscalYear = Annotated[int, Path(ge=2000, le=2100)]


@router.get("/notices/decision/{approval_id}")
def decision_notice(
    request: Request,
    approval_id: UUID,
    engine: EngineDep,
    user: Annotated[Actor, allowed(NOTICES)],
) -> HTMLResponse:
    """交付決定通知書: the amounts per year, their total and the conditions."""
    approval = engine.approval(approval_id)
    visible_to(user, approval.organisation_id)
    context = {
        "approval": approval,
        "application": engine.application(approval.application_id),
        "organisation": engine.organisation(approval.organisation_id),
    }
    return render(request, "notice_decision.html", context)


@router.get("/notices/repayment/{approval_id}/{fiscal_year}/{number}")
def repayment_notice(
    request: Request,
    *,
    approval_id: UUID,
    fiscal_year: FiscalYear,
    number: int,
    engine: EngineDep,
    db: ReadModels,
    user: Annotated[Actor, allowed(NOTICES)],
) -> HTMLResponse:
    """返還命令書: the amount ordered back, its due date, and the charges that may run."""
    approval = engine.approval(approval_id)
    visible_to(user, approval.organisation_id)
    year = engine.disbursement(approval_id, fiscal_year)
    order = next((o for o in year.orders if o.number == number), None)
    if order is None:
        raise NotFound(f"no repayment order {number} in FY{fiscal_year}", field="number")
    context = {
        "approval": approval,
        "year": year,
        "order": order,
        "organisation": engine.organisation(approval.organisation_id),
        "ordered": _ordered(db, year.id, number),
    }
    return render(request, "notice_repayment.html", context)


def _ordered(db: Engine, year_id: UUID, number: int) -> dict[str, Any]:
    """When the order was made and under which rule, from the audit log."""
    with db.connect() as conn:
        rows = audit_log.audit_events(
            conn, aggregate_id=str(year_id), event_type="RepaymentOrdered", limit=1_000
        )
    for row in rows:
        details = json.loads(row["details"])
        order = details.get("order", {})
        if order.get("number") == number:
            calculation = details.get("calculation") or {}
            return {"ordered_on": order.get("ordered_on"), "rule": calculation.get("rule")}
    return {"ordered_on": None, "rule": None}
