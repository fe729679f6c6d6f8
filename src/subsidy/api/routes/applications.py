"""Grant applications: applicants draft and submit, reviewers review, approvers decide."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, ValidationInfo, field_validator

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
from subsidy.api.routes.organisations import Created
from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import (
    FIRST_FISCAL_YEAR,
    LAST_FISCAL_YEAR,
    CostCategory,
    CostLine,
    YearAmount,
    YearBudget,
)
from subsidy.domain.money import MAX_YEN
from subsidy.domain.review import Recommendation

router = APIRouter(prefix="/api/v1", tags=["applications"])
Admin = Annotated[object, require_role(Role.ADMINISTRATOR)]
Drafter = Annotated[object, require_role(Role.APPLICANT, Role.ADMINISTRATOR)]
ReviewerRole = Annotated[object, require_role(Role.REVIEWER)]
Approver = Annotated[object, require_role(Role.APPROVER)]
Yen = Annotated[int, Field(ge=0, le=MAX_YEN, strict=True, description="Whole yen")]


class CostLineBody(RequestBody):
    """One line of eligible cost in one fiscal year."""

    category: CostCategory = Field(description="The cost category (経費区分)")
    description: str = Field(description="What the cost is for", examples=["講師謝金"])
    amount: Yen


class YearBudgetBody(RequestBody):
    """One fiscal year of the application: its cost lines and the grant requested."""

    fiscal_year: int = Field(
        ge=FIRST_FISCAL_YEAR,
        le=LAST_FISCAL_YEAR,
        description="The fiscal year (April–March)",
        examples=[2024],
    )
    cost_lines: list[CostLineBody] = Field(description="The year's eligible costs")
    requested: Yen = Field(description="The grant requested for the year, in yen")

    def to_domain(self) -> YearBudget:
        """The domain's value."""
        lines = tuple(CostLine(c.category, c.description, c.amount) for c in self.cost_lines)
        return YearBudget(self.fiscal_year, lines, self.requested)


class ApplicationContent(RequestBody):
    """What an applicant writes and may change while the application is a draft or returned."""

    multiline_fields = frozenset({"purpose"})

    title: str = Field(max_length=200, description="The programme's title")
    purpose: str = Field(default="", description="What the programme is for")
    plan_id: UUID = Field(description="The lead organisation's Action Plan")
    plan_version: int = Field(description="The adopted version of that plan the application pins")
    years: list[YearBudgetBody] = Field(description="The budget, one entry per fiscal year")

    def budget(self) -> tuple[YearBudget, ...]:
        """The years as domain values."""
        return tuple(y.to_domain() for y in self.years)


class ApplicationIn(ApplicationContent):
    """A new draft application."""

    organisation_id: UUID = Field(description="The lead organisation that applies")
    member_ids: list[UUID] = Field(
        default_factory=list, description="Member bodies applying with the lead organisation"
    )


class SubmissionIn(RequestBody):
    """Submitting (or resubmitting) an application."""

    on: date | None = Field(
        default=None,
        description="The submission date; today unless an administrator records a paper one",
    )


class ApplicationWithdrawalIn(RequestBody):
    """Withdrawing an application before the decision."""

    multiline_fields = frozenset({"reason"})

    reason: str = Field(description="Why the application is withdrawn")


class ReviewerAssignmentIn(RequestBody):
    """A registered reviewer to assign."""

    reviewer_user_id: str = Field(description="The reviewer's user name", examples=["reviewer-a"])


class ReviewIn(RequestBody):
    """The acting reviewer's review."""

    multiline_fields = frozenset({"comment"})

    scores: dict[str, int] = Field(
        description="A score from 0 to 5 for each rubric criterion",
        examples=[{"necessity": 5, "feasibility": 4}],
    )
    recommendation: Recommendation = Field(description="The reviewer's recommendation")
    comment: str = Field(default="", description="The reviewer's comment")


class YearAmountBody(RequestBody):
    """A decided grant amount for one fiscal year."""

    fiscal_year: int = Field(
        ge=FIRST_FISCAL_YEAR, le=LAST_FISCAL_YEAR, description="The fiscal year", examples=[2024]
    )
    amount: Yen = Field(description="The grant decided for the year, in yen")


class DecisionIn(RequestBody):
    """The approver's decision; amounts, conditions and notice date only when approving."""

    multiline_fields = frozenset({"conditions", "reason"})

    outcome: Literal["approved", "rejected", "returned"] = Field(
        description="Grant (交付決定), refuse, or return to the applicant for revision"
    )
    amounts: list[YearAmountBody] = Field(
        default_factory=list, description="The grant decided per fiscal year (approved only)"
    )
    conditions: list[str] = Field(
        default_factory=list, description="Conditions attached to the grant (approved only)"
    )
    reason: str = Field(description="The reason the applicant is told")
    notice_date: date | None = Field(
        default=None, description="The date of the decision notice; today if omitted"
    )

    @field_validator("amounts", "conditions", "notice_date")
    @classmethod
    def _only_when_approving(cls, value: object, info: ValidationInfo) -> object:
        outcome = info.data.get("outcome")  # absent when the outcome itself was invalid
        if value and outcome not in (None, "approved"):
            msg = f"{info.field_name} belong only to an approval"
            raise ValueError(msg)
        return value


class Decided(BaseModel):
    """What a decision created: an approval's id when it granted, nothing otherwise."""

    approval_id: UUID | None = Field(default=None, description="The approval (交付決定) created")


class Submitted(BaseModel):
    """The scheme version the application was submitted under."""

    scheme_version: int = Field(description="The scheme's parameter version it is judged under")


class YearBudgetOut(YearBudgetBody):
    """A budget year with its total eligible cost."""

    eligible_cost: int = Field(description="The sum of the year's cost lines, in yen")


class ReviewOut(BaseModel):
    """One reviewer's review in the current round."""

    reviewer_id: str = Field(description="The reviewer's user name")
    scores: dict[str, int] = Field(description="The score per rubric criterion")
    recommendation: Recommendation = Field(description="The reviewer's recommendation")
    comment: str = Field(description="The reviewer's comment")
    total: int = Field(description="The sum of the scores")


class ApplicationOut(BaseModel):
    """A grant application as its applicant, reviewers and approvers see it."""

    id: UUID = Field(description="The application's id")
    version: int = Field(description="The aggregate version, as in the ETag")
    organisation_id: UUID = Field(description="The lead organisation")
    member_ids: list[UUID] = Field(description="Member bodies applying with it")
    title: str = Field(description="The programme's title")
    status: str = Field(description="Where the application stands in the workflow")
    plan_id: UUID = Field(description="The Action Plan it pins")
    plan_version: int = Field(description="The adopted plan version it pins")
    years: list[YearBudgetOut] = Field(description="The budget per fiscal year")
    scheme_version: int | None = Field(description="The scheme version it was submitted under")
    submitted_on: date | None = Field(description="The date of the latest submission")
    round: int = Field(description="The review round (1 after the first submission)")
    reviewer_ids: list[str] = Field(description="Reviewers assigned in this round")
    reviews: list[ReviewOut] = Field(description="Reviews recorded in this round")
    approval_id: UUID | None = Field(description="The approval, once granted")
    decision_reason: str | None = Field(description="The reason given with the latest decision")


def _own_application(engine: SubsidyEngine, user: Actor, application_id: UUID) -> None:
    """404 before any work when an applicant names another organisation's application."""
    if user.role is Role.APPLICANT:
        view = engine.application(application_id)
        visible_to(user, view.organisation_id, *view.member_ids)


@router.post("/applications", status_code=201, response_model=Created)
def draft_application(
    body: ApplicationIn, engine: EngineDep, user: CurrentUser, _: Drafter, key: IdempotencyKey
) -> Created:
    """Draft an application (applicants for their own organisation, or administrators)."""
    application_id = engine.draft_application(
        user,
        organisation_id=body.organisation_id,
        member_ids=tuple(body.member_ids),
        title=body.title,
        purpose=body.purpose,
        plan_id=body.plan_id,
        plan_version=body.plan_version,
        years=body.budget(),
        idempotency_key=key,
    )
    return Created(id=application_id)


@router.get("/applications/{application_id}", response_model=ApplicationOut)
def get_application(
    application_id: UUID, engine: EngineDep, user: CurrentUser, response: Response
) -> ApplicationOut:
    """One application with its budget and reviews; applicants see only their own."""
    view = engine.application(application_id)
    visible_to(user, view.organisation_id, *view.member_ids)
    set_etag(response, view.version)
    return ApplicationOut.model_validate(view, from_attributes=True)


@router.put("/applications/{application_id}", status_code=204)
def update_application_draft(
    application_id: UUID,
    body: ApplicationContent,
    engine: EngineDep,
    user: CurrentUser,
    _: Drafter,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> None:
    """Change a draft or returned application (its bodies stay as drafted)."""
    _own_application(engine, user, application_id)
    engine.update_application_draft(
        user,
        application_id,
        title=body.title,
        purpose=body.purpose,
        plan_id=body.plan_id,
        plan_version=body.plan_version,
        years=body.budget(),
        expected_version=version,
        idempotency_key=key,
    )


@router.post("/applications/{application_id}/submit", response_model=Submitted)
def submit_application(
    application_id: UUID,
    engine: EngineDep,
    user: CurrentUser,
    _: Drafter,
    key: IdempotencyKey,
    version: ExpectedVersion,
    body: SubmissionIn | None = None,
) -> Submitted:
    """Submit (or resubmit) under the scheme version in force today."""
    _own_application(engine, user, application_id)
    scheme_version = engine.submit_application(
        user,
        application_id,
        on=body.on if body else None,
        expected_version=version,
        idempotency_key=key,
    )
    return Submitted(scheme_version=scheme_version)


@router.post("/applications/{application_id}/withdraw", status_code=204)
def withdraw_application(
    application_id: UUID,
    body: ApplicationWithdrawalIn,
    engine: EngineDep,
    user: CurrentUser,
    _: Drafter,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> None:
    """Withdraw an application before it is decided."""
    _own_application(engine, user, application_id)
    engine.withdraw_application(
        user, application_id, reason=body.reason, expected_version=version, idempotency_key=key
    )


@router.post("/applications/{application_id}/reviewers", status_code=204)
def assign_reviewer(
    application_id: UUID,
    body: ReviewerAssignmentIn,
    engine: EngineDep,
    user: CurrentUser,
    _: Admin,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> None:
    """Assign a registered reviewer, refused on a conflict of interest (administrators)."""
    engine.assign_reviewer(
        user,
        application_id,
        reviewer_user_id=body.reviewer_user_id,
        expected_version=version,
        idempotency_key=key,
    )


@router.post("/applications/{application_id}/reviews", status_code=204)
def record_review(
    application_id: UUID,
    body: ReviewIn,
    engine: EngineDep,
    user: CurrentUser,
    _: ReviewerRole,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> None:
    """Record the calling reviewer's review of an application assigned to them."""
    engine.record_review(
        user,
        application_id,
        scores=body.scores,
        recommendation=body.recommendation,
        comment=body.comment,
        expected_version=version,
        idempotency_key=key,
    )


@router.post(
    "/applications/{application_id}/decision",
    response_model=Decided,
    response_model_exclude_none=True,
)
def decide_application(
    application_id: UUID,
    body: DecisionIn,
    engine: EngineDep,
    user: CurrentUser,
    _: Approver,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> Decided:
    """Approve with amounts and conditions, reject, or return for revision (approvers)."""
    if body.outcome == "approved":
        approval_id = engine.approve_application(
            user,
            application_id,
            amounts=tuple(YearAmount(a.fiscal_year, a.amount) for a in body.amounts),
            reason=body.reason,
            conditions=tuple(body.conditions),
            notice_date=body.notice_date,
            expected_version=version,
            idempotency_key=key,
        )
        return Decided(approval_id=approval_id)
    decide = engine.reject_application if body.outcome == "rejected" else engine.return_application
    decide(user, application_id, reason=body.reason, expected_version=version, idempotency_key=key)
    return Decided()
