"""Grant decisions (交付決定) and the fiscal budgets they draw on.

Each decision's money, year by year, is served by :mod:`subsidy.api.routes.disbursements`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field

from subsidy.api.bodies import RequestBody
from subsidy.api.deps import (
    CurrentUser,
    EngineDep,
    ExpectedVersion,
    IdempotencyKey,
    require_role,
    set_etag,
)
from subsidy.api.routes.disbursements import TODAY, Applicant, FiscalYear, Yen, visible_approval
from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Role
from subsidy.domain.budget import YearAmount
from subsidy.domain.fiscal_budget import FiscalBudget
from subsidy.domain.scheme import DEFAULT_SCHEME_CODE, Scheme

router = APIRouter(prefix="/api/v1", tags=["approvals"])
Approver = Annotated[object, require_role(Role.APPROVER)]
Admin = Annotated[object, require_role(Role.ADMINISTRATOR)]
NotApplicant = Annotated[
    object,
    require_role(Role.REVIEWER, Role.APPROVER, Role.FINANCE, Role.AUDITOR, Role.ADMINISTRATOR),
]


class YearAmountIn(RequestBody):
    """A decided amount for one fiscal year."""

    fiscal_year: int = Field(ge=2000, le=2100, description="The fiscal year", examples=[2024])
    amount: Yen = Field(description="Decided yen, a whole number of ¥1,000", examples=[1_500_000])


class YearAmountOut(BaseModel):
    """A decided amount for one fiscal year."""

    fiscal_year: int = Field(description="The fiscal year")
    amount: int = Field(description="Decided yen")


class ApprovalOut(BaseModel):
    """A grant decision (交付決定) and its amounts."""

    id: UUID = Field(description="The approval's id")
    version: int = Field(description="The approval's version, also its ETag")
    application_id: UUID = Field(description="The grant application decided")
    organisation_id: UUID = Field(description="The lead organisation")
    status: str = Field(description="in_force, revoked or withdrawn")
    amounts: list[YearAmountOut] = Field(description="Decided yen per fiscal year")
    conditions: list[str] = Field(description="Conditions attached to the decision")
    notice_date: date = Field(description="The date of the notice of decision")
    total: int = Field(description="Decided yen over all years")


class AmendmentIn(RequestBody):
    """A change of the decided amounts (変更承認)."""

    multiline_fields = frozenset({"reason"})

    amounts: list[YearAmountIn] = Field(min_length=1, description="Every year's new amount")
    reason: str = Field(min_length=1, description="Why the amounts change")


class RevocationIn(RequestBody):
    """Revoking a decision (取消); everything paid is ordered back with 加算金."""

    multiline_fields = frozenset({"ground"})

    ground: str = Field(min_length=1, description="The ground for revocation")
    on: date | None = Field(default=None, description=f"The day of revocation. {TODAY}")
    repayment_due_on: date | None = Field(
        default=None, description="When repayment is due; the scheme's period after `on` if omitted"
    )


class WithdrawalIn(RequestBody):
    """The applicant withdraws (取下げ) within the scheme's period after the notice."""

    multiline_fields = frozenset({"reason"})

    reason: str = Field(min_length=1, description="Why the applicant withdraws")
    on: date | None = Field(
        default=None, description="Today; only an administrator records another day"
    )


class BudgetIn(RequestBody):
    """A fiscal year's appropriation (予算) for the scheme."""

    multiline_fields = frozenset({"reason"})

    amount: Yen = Field(description="Appropriated yen")
    reason: str = Field(default="当初予算", min_length=1, description="Why, e.g. 補正予算")


class FiscalBudgetOut(BaseModel):
    """A fiscal year's budget."""

    fiscal_year: int = Field(description="The fiscal year")
    appropriated: int = Field(description="Appropriated yen")
    reserved: int = Field(description="Yen reserved by grant decisions")
    remaining: int = Field(description="Appropriated less reserved")


@router.get("/approvals/{approval_id}", response_model=ApprovalOut)
def get_approval(
    approval_id: UUID, engine: EngineDep, user: CurrentUser, response: Response
) -> ApprovalOut:
    """A grant decision and its amounts, with its version as ETag."""
    view = visible_approval(engine, user, approval_id)
    set_etag(response, view.version)
    return ApprovalOut.model_validate(
        {**vars(view), "amounts": [vars(a) for a in view.amounts], "conditions": view.conditions}
    )


@router.post("/approvals/{approval_id}/amendments", status_code=204)
def amend_approval(
    approval_id: UUID,
    body: AmendmentIn,
    engine: EngineDep,
    user: CurrentUser,
    _: Approver,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> None:
    """Change the decided amounts (approvers; If-Match: the approval's ETag)."""
    engine.amend_approval(
        user,
        approval_id,
        amounts=tuple(YearAmount(a.fiscal_year, a.amount) for a in body.amounts),
        reason=body.reason,
        expected_version=version,
        idempotency_key=key,
    )


@router.post("/approvals/{approval_id}/revocation", status_code=204)
def revoke_approval(
    approval_id: UUID,
    body: RevocationIn,
    engine: EngineDep,
    user: CurrentUser,
    _: Approver,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> None:
    """Revoke the decision (approvers; If-Match: the approval's ETag)."""
    engine.revoke_approval(
        user,
        approval_id,
        ground=body.ground,
        on=body.on,
        repayment_due_on=body.repayment_due_on,
        expected_version=version,
        idempotency_key=key,
    )


@router.post("/approvals/{approval_id}/withdrawal", status_code=204)
def withdraw_approval(
    approval_id: UUID,
    body: WithdrawalIn,
    engine: EngineDep,
    user: CurrentUser,
    _: Applicant,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> None:
    """Withdraw the application after the decision (applicants; If-Match: the approval's ETag)."""
    visible_approval(engine, user, approval_id)
    engine.withdraw_approval(
        user,
        approval_id,
        reason=body.reason,
        on=body.on,
        expected_version=version,
        idempotency_key=key,
    )


@router.put("/fiscal-budgets/{fiscal_year}", response_model=FiscalBudgetOut, tags=["budgets"])
def set_budget(
    fiscal_year: FiscalYear,
    body: BudgetIn,
    engine: EngineDep,
    user: CurrentUser,
    _: Admin,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> FiscalBudgetOut:
    """Set or change the year's appropriation (administrators; If-Match: the budget's ETag)."""
    engine.set_appropriation(
        user,
        fiscal_year=fiscal_year,
        amount=body.amount,
        reason=body.reason,
        expected_version=version,
        idempotency_key=key,
    )
    return _budget(engine, fiscal_year)


@router.get("/fiscal-budgets/{fiscal_year}", response_model=FiscalBudgetOut, tags=["budgets"])
def get_budget(
    fiscal_year: FiscalYear, engine: EngineDep, _: NotApplicant, response: Response
) -> FiscalBudgetOut:
    """The year's appropriation, what grant decisions reserve of it and what remains."""
    budget_id = FiscalBudget.id_for(Scheme.id_for(DEFAULT_SCHEME_CODE), fiscal_year)
    if budget_id not in engine.repository:
        raise HTTPException(status_code=404, detail=f"no appropriation is set for FY{fiscal_year}")
    set_etag(response, engine.repository.get(budget_id).version)
    return _budget(engine, fiscal_year)


def _budget(engine: SubsidyEngine, fiscal_year: int) -> FiscalBudgetOut:
    appropriated, reserved, remaining = engine.fiscal_budget(fiscal_year)
    return FiscalBudgetOut(
        fiscal_year=fiscal_year, appropriated=appropriated, reserved=reserved, remaining=remaining
    )
