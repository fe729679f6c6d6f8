"""One approval's money, a fiscal year at a time: payments, report, determination, repayment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BaseModel, Field

from subsidy.api.bodies import RequestBody
from subsidy.api.deps import (
    CurrentUser,
    EngineDep,
    ExpectedVersion,
    IdempotencyKey,
    require_role,
    set_etag,
    visible_to,
)
from subsidy.application import SubsidyEngine
from subsidy.application.views import ApprovalView
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import CostCategory, CostLine

router = APIRouter(prefix="/api/v1", tags=["disbursements"])
# Administrators may act for an applicant, to record a paper document on the day it arrived.
Applicant = Annotated[object, require_role(Role.APPLICANT, Role.ADMINISTRATOR)]
Finance = Annotated[object, require_role(Role.FINANCE)]

# No amount in this scheme comes near; the bound keeps every sum inside 64-bit columns.
MAX_YEN = 10**15
FiscalYear = Annotated[int, Path(ge=2000, le=2100, description="A fiscal year (April–March)")]
Yen = Annotated[int, Field(ge=0, le=MAX_YEN, strict=True, description="Whole yen")]
PositiveYen = Annotated[
    int, Field(gt=0, le=MAX_YEN, strict=True, description="Whole yen, more than zero")
]
TODAY = "Today in Japan if omitted"


def visible_approval(engine: SubsidyEngine, user: Actor, approval_id: UUID) -> ApprovalView:
    """The approval, if the caller may see it (applicants: their own organisation's)."""
    view = engine.approval(approval_id)
    visible_to(user, view.organisation_id)
    return view


class AdvanceIn(RequestBody):
    """An advance payment (概算払), never beyond the decided amount in total."""

    kind: Literal["advance"] = Field(description="An advance")
    amount: PositiveYen = Field(description="Yen paid")
    paid_on: date | None = Field(default=None, description=f"The day paid. {TODAY}")


class SettlementIn(RequestBody):
    """The settlement (精算払): determined less paid, computed by the engine."""

    kind: Literal["settlement"] = Field(description="A settlement")
    paid_on: date | None = Field(default=None, description=f"The day paid. {TODAY}")


class PaymentOut(BaseModel):
    """A payment recorded."""

    kind: str = Field(description="advance or settlement")
    amount: int = Field(description="Yen paid")


class ActivityEndIn(RequestBody):
    """When the year's activity ends; the report falls due from it."""

    ends_on: date = Field(description="The last day of the year's activity")


class ReportDueOut(BaseModel):
    """The performance report's due date."""

    report_due_on: date = Field(description="The day the performance report is due")


class CostLineIn(RequestBody):
    """One line of actual eligible cost."""

    category: CostCategory = Field(description="The cost category (経費区分)")
    description: str = Field(min_length=1, description="What the money was spent on")
    amount: Yen = Field(description="Yen spent")


class ReportIn(RequestBody):
    """The performance report (実績報告): the year's actual eligible cost."""

    cost_lines: list[CostLineIn] = Field(description="The year's actual cost lines")
    reported_on: date | None = Field(
        default=None, description="Today; only an administrator records another day"
    )


class DeterminationIn(RequestBody):
    """Determining the final amount (額の確定)."""

    on: date | None = Field(default=None, description=f"The day of determination. {TODAY}")
    repayment_due_on: date | None = Field(
        default=None, description="When any overpayment is due back; the scheme's period if omitted"
    )


class DeterminedOut(BaseModel):
    """The final amount."""

    determined: int = Field(description="The determined yen")


class RepaymentIn(RequestBody):
    """Money repaid against a year's repayment orders: principal, then 加算金, then 延滞金."""

    fiscal_year: int = Field(ge=2000, le=2100, description="The fiscal year repaid")
    amount: PositiveYen = Field(description="Yen received")
    received_on: date | None = Field(default=None, description=f"The day received. {TODAY}")


class OrderOut(BaseModel):
    """A repayment order (返還命令) and what is owed on it."""

    number: int = Field(description="The order's number within the year")
    kind: str = Field(description="Why it was ordered (overpayment, revocation)")
    principal_ordered: int = Field(description="Yen ordered back")
    due_on: date = Field(description="When repayment is due")
    principal_owed: int = Field(description="Principal still owed")
    additional_charge_owed: int = Field(description="加算金 owed")
    late_charge_owed: int = Field(description="延滞金 owed")


class DisbursementOut(BaseModel):
    """One approval's money in one fiscal year, as of a day."""

    id: UUID = Field(description="The disbursement year's id")
    version: int = Field(description="Its version, also its ETag")
    approval_id: UUID = Field(description="The approval")
    fiscal_year: int = Field(description="The fiscal year")
    decided: int = Field(description="Decided yen")
    paid: int = Field(description="Yen paid")
    determined: int | None = Field(description="Determined yen, once determined")
    held: int = Field(description="What the grantee holds: paid less principal repaid")
    report_due_on: date = Field(description="When the performance report is due")
    reported: bool = Field(description="Whether the performance report was submitted")
    ended: str | None = Field(description="revoked or withdrawn, if the decision ended")
    closed: bool = Field(description="Whether nothing more will move")
    as_of: date = Field(description="The day the amounts owed are computed for")
    orders: list[OrderOut] = Field(description="Repayment orders")
    owed: int = Field(description="Everything owed back on `as_of`")


class CalculationOut(BaseModel):
    """The arithmetic stored on a money event."""

    rule: str = Field(description="The rule applied")
    formula: str = Field(description="The formula")
    inputs: dict[str, str] = Field(description="The formula's inputs")
    result: int = Field(description="The result in yen")
    steps: list[str] = Field(description="Intermediate steps, if any")


class MoneyStepOut(BaseModel):
    """One money event of a year."""

    version: int = Field(description="The event's version in the year's history")
    event: str = Field(description="The event's name")
    recorded_at: datetime = Field(description="When it was recorded")
    actor: str = Field(description="Who recorded it")
    amount: int = Field(description="The yen it moved or fixed")
    calculation: CalculationOut = Field(description="How the amount was computed")


@router.get("/approvals/{approval_id}/years/{fiscal_year}", response_model=DisbursementOut)
def get_year(
    approval_id: UUID,
    fiscal_year: FiscalYear,
    engine: EngineDep,
    user: CurrentUser,
    response: Response,
    as_of: Annotated[date | None, Query(description=f"Compute what is owed on. {TODAY}")] = None,
) -> DisbursementOut:
    """A year's money: decided, paid, determined, held, orders and what is owed."""
    visible_approval(engine, user, approval_id)
    view = engine.disbursement(approval_id, fiscal_year, as_of=as_of)
    set_etag(response, view.version)
    orders = [OrderOut.model_validate(vars(o)) for o in view.orders]
    return DisbursementOut.model_validate({**vars(view), "orders": orders, "owed": view.owed})


@router.post("/approvals/{approval_id}/years/{fiscal_year}/payments", response_model=PaymentOut)
def record_payment(
    approval_id: UUID,
    fiscal_year: FiscalYear,
    body: Annotated[AdvanceIn | SettlementIn, Body(discriminator="kind")],
    engine: EngineDep,
    user: CurrentUser,
    _: Finance,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> PaymentOut:
    """Pay an advance or the settlement (finance; If-Match: the year's ETag)."""
    if isinstance(body, AdvanceIn):
        engine.record_advance(
            user,
            approval_id,
            fiscal_year,
            amount=body.amount,
            paid_on=body.paid_on,
            expected_version=version,
            idempotency_key=key,
        )
        return PaymentOut(kind=body.kind, amount=body.amount)
    paid = engine.pay_settlement(
        user,
        approval_id,
        fiscal_year,
        paid_on=body.paid_on,
        expected_version=version,
        idempotency_key=key,
    )
    return PaymentOut(kind=body.kind, amount=paid)


@router.post(
    "/approvals/{approval_id}/years/{fiscal_year}/activity-end", response_model=ReportDueOut
)
def declare_activity_end(
    approval_id: UUID,
    fiscal_year: FiscalYear,
    body: ActivityEndIn,
    engine: EngineDep,
    user: CurrentUser,
    _: Applicant,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> ReportDueOut:
    """Say when the year's activity ends; answers the report's new due date (applicants)."""
    visible_approval(engine, user, approval_id)
    due = engine.declare_activity_end(
        user,
        approval_id,
        fiscal_year,
        ends_on=body.ends_on,
        expected_version=version,
        idempotency_key=key,
    )
    return ReportDueOut(report_due_on=due)


@router.post("/approvals/{approval_id}/years/{fiscal_year}/report", status_code=204)
def submit_report(
    approval_id: UUID,
    fiscal_year: FiscalYear,
    body: ReportIn,
    engine: EngineDep,
    user: CurrentUser,
    _: Applicant,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> None:
    """Submit the year's performance report (applicants; If-Match: the year's ETag)."""
    visible_approval(engine, user, approval_id)
    engine.submit_performance_report(
        user,
        approval_id,
        fiscal_year,
        cost_lines=tuple(CostLine(c.category, c.description, c.amount) for c in body.cost_lines),
        reported_on=body.reported_on,
        expected_version=version,
        idempotency_key=key,
    )


@router.post(
    "/approvals/{approval_id}/years/{fiscal_year}/determination", response_model=DeterminedOut
)
def determine_amount(
    approval_id: UUID,
    fiscal_year: FiscalYear,
    body: DeterminationIn,
    engine: EngineDep,
    user: CurrentUser,
    _: Finance,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> DeterminedOut:
    """Determine the final amount; any overpayment is ordered back (finance)."""
    determined = engine.determine_amount(
        user,
        approval_id,
        fiscal_year,
        on=body.on,
        repayment_due_on=body.repayment_due_on,
        expected_version=version,
        idempotency_key=key,
    )
    return DeterminedOut(determined=determined)


@router.post("/approvals/{approval_id}/repayments", status_code=204)
def record_repayment(
    approval_id: UUID,
    body: RepaymentIn,
    engine: EngineDep,
    user: CurrentUser,
    _: Finance,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> None:
    """Record money repaid (finance; If-Match: the ETag of the body's fiscal year)."""
    engine.record_repayment(
        user,
        approval_id,
        body.fiscal_year,
        amount=body.amount,
        received_on=body.received_on,
        expected_version=version,
        idempotency_key=key,
    )


@router.get("/approvals/{approval_id}/years/{fiscal_year}/trail", response_model=list[MoneyStepOut])
def money_trail(
    approval_id: UUID, fiscal_year: FiscalYear, engine: EngineDep, user: CurrentUser
) -> list[MoneyStepOut]:
    """Every money event of the year with the arithmetic it carries, in order."""
    visible_approval(engine, user, approval_id)
    return [
        MoneyStepOut.model_validate({**vars(s), "calculation": vars(s.calculation)})
        for s in engine.money_trail(approval_id, fiscal_year)
    ]
