"""One grant's money in one fiscal year, and finance's forms for it.

Finance records advances (概算払), the determination (額の確定), the settlement (精算払) and
repayments received; auditors and administrators see the same page without the forms.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import Path, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from subsidy.application import SubsidyEngine
from subsidy.application.views import DisbursementView
from subsidy.domain.actor import Actor, Role
from subsidy.web.access import EngineDep, PostedForm, ViewerDep, allowed, caught_up
from subsidy.web.forms import FormErrors, Reader
from subsidy.web.pages import FINANCE_WRITE, FINANCE_YEAR
from subsidy.web.rendering import render
from subsidy.web.routing import console_router

router = console_router()
FiscalYear = Annotated[int, Path(ge=2000, le=2100)]
ACTIONS = ("advance", "settlement", "determination", "repayment")
FIELDS = {
    "advance": {"amount", "paid_on"},
    "settlement": {"paid_on"},
    "determination": {"on", "repayment_due_on"},
    "repayment": {"amount", "received_on"},
}


@router.get("/finance/approvals/{approval_id}/{fiscal_year}")
def year_page(
    request: Request,
    approval_id: UUID,
    fiscal_year: FiscalYear,
    engine: EngineDep,
    user: Annotated[Actor, allowed(FINANCE_YEAR)],
) -> HTMLResponse:
    """The year's money, its repayment orders, the arithmetic, and finance's forms."""
    return render(request, "money.html", year_context(engine, user, approval_id, fiscal_year))


@router.post("/finance/approvals/{approval_id}/{fiscal_year}/{action}")
def record(
    request: Request,
    *,
    approval_id: UUID,
    fiscal_year: FiscalYear,
    action: str,
    viewer: ViewerDep,
    engine: EngineDep,
    form: PostedForm,
    user: Annotated[Actor, allowed(FINANCE_WRITE)],
) -> Response:
    """Record a payment, a determination or a repayment; errors appear next to the field."""
    if action not in ACTIONS:
        return Response(status_code=404)
    reader = Reader(form, viewer.t)
    command = _command(
        action,
        engine=engine,
        user=user,
        approval_id=approval_id,
        fiscal_year=fiscal_year,
        reader=reader,
    )
    reader.run(command, FIELDS[action])
    if reader.errors:
        context = year_context(engine, user, approval_id, fiscal_year)
        context.update(errors={action: reader.errors}, values={action: reader.values()})
        return render(request, "money.html", context, status=422)
    caught_up(request)
    target = f"/finance/approvals/{approval_id}/{fiscal_year}?saved=1"
    return RedirectResponse(target, status_code=303)


def _command(
    action: str,
    *,
    engine: SubsidyEngine,
    user: Actor,
    approval_id: UUID,
    fiscal_year: int,
    reader: Reader,
) -> Callable[[], object]:
    """The engine command the posted form asks for (its values read, and checked, now)."""
    safe = reader.safe_write()
    if action == "advance":
        amount, paid_on = reader.yen("amount") or 0, reader.day("paid_on")
        return lambda: engine.record_advance(
            user, approval_id, fiscal_year, amount=amount, paid_on=paid_on, **safe
        )
    if action == "settlement":
        paid_on = reader.day("paid_on")
        return lambda: engine.pay_settlement(
            user, approval_id, fiscal_year, paid_on=paid_on, **safe
        )
    if action == "determination":
        on, due_on = reader.day("on"), reader.day("repayment_due_on")
        return lambda: engine.determine_amount(
            user, approval_id, fiscal_year, on=on, repayment_due_on=due_on, **safe
        )
    amount, received_on = reader.yen("amount") or 0, reader.day("received_on")
    return lambda: engine.record_repayment(
        user, approval_id, fiscal_year, amount=amount, received_on=received_on, **safe
    )


def year_context(
    engine: SubsidyEngine, user: Actor, approval_id: UUID, fiscal_year: int
) -> dict[str, Any]:
    """What the year page shows, and which of finance's forms apply now."""
    year = engine.disbursement(approval_id, fiscal_year)
    approval = engine.approval(approval_id)
    application = engine.application(approval.application_id)
    forms = available_forms(year) if user.role is Role.FINANCE else ()
    return {
        "year": year,
        "approval": approval,
        "application": application,
        "organisation": engine.organisation(approval.organisation_id),
        "trail": engine.money_trail(approval_id, fiscal_year),
        "forms": forms,
        "errors": {form: FormErrors() for form in ACTIONS},
        "values": {
            form: {"version": str(year.version), "idempotency_key": str(uuid.uuid4())}
            for form in ACTIONS
        },
    }


def available_forms(year: DisbursementView) -> tuple[str, ...]:
    """The forms that can apply to the year as it stands (the engine has the last word)."""
    if year.ended is not None and year.owed == 0:
        return ()
    forms = []
    if year.determined is None and year.ended is None and not year.closed:
        forms.append("advance")
        if year.reported:
            forms.append("determination")
    if year.determined is not None and year.paid < year.determined and not year.closed:
        forms.append("settlement")
    if year.owed > 0:
        forms.append("repayment")
    return tuple(forms)
