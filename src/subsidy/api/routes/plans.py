"""Action Plans: applicants draft, adopt and revise their own; administrators grant exceptions."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Response
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
from subsidy.api.routes.organisations import Created
from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from subsidy.domain.plan_content import (
    Component,
    DeliveryMode,
    Indicator,
    Measure,
    ParticipantGroup,
    PlanContent,
    TargetRole,
)

router = APIRouter(prefix="/api/v1", tags=["action-plans"])
Admin = Annotated[object, require_role(Role.ADMINISTRATOR)]
Drafter = Annotated[object, require_role(Role.APPLICANT, Role.ADMINISTRATOR)]


class MeasureBody(RequestBody):
    """One training measure in one fiscal year."""

    fiscal_year: int = Field(
        ge=FIRST_FISCAL_YEAR,
        le=LAST_FISCAL_YEAR,
        description="The fiscal year it runs in",
        examples=[2024],
    )
    component: Component = Field(description="The programme component (プログラムの構成要素)")
    delivery_mode: DeliveryMode = Field(description="How it is delivered")
    description: str = Field(description="What the measure is", examples=["基礎研修"])
    planned_participants: int = Field(description="People expected to take part (at least 1)")


class IndicatorBody(RequestBody):
    """A target the plan measures itself by, e.g. 研修修了者数 40 人."""

    name: str = Field(description="What is counted", examples=["研修修了者数"])
    target: int = Field(description="The number aimed for (zero or more)", examples=[40])
    unit: str = Field(description="The unit of the target", examples=["人"])


class PlanContentBody(RequestBody):
    """One version of an Action Plan's content."""

    title: str = Field(max_length=200, description="The plan's title")
    first_fiscal_year: int = Field(
        ge=FIRST_FISCAL_YEAR,
        le=LAST_FISCAL_YEAR,
        description="The first fiscal year covered",
        examples=[2024],
    )
    last_fiscal_year: int = Field(
        ge=FIRST_FISCAL_YEAR,
        le=LAST_FISCAL_YEAR,
        description="The last fiscal year covered",
        examples=[2028],
    )
    target_roles: list[TargetRole] = Field(
        description="The roles the people trained are meant to take (目指すべき人物像)"
    )
    participant_groups: list[ParticipantGroup] = Field(description="Who takes part")
    measures: list[MeasureBody] = Field(description="The training measures, per fiscal year")
    indicators: list[IndicatorBody] = Field(
        default_factory=list, description="Targets the plan measures itself by"
    )
    member_ids: list[UUID] = Field(
        default_factory=list, description="Constituent bodies sharing the plan, besides the owner"
    )

    def to_domain(self) -> PlanContent:
        """The domain's value."""
        return PlanContent(
            title=self.title,
            first_fiscal_year=self.first_fiscal_year,
            last_fiscal_year=self.last_fiscal_year,
            target_roles=tuple(self.target_roles),
            participant_groups=tuple(self.participant_groups),
            measures=tuple(Measure(**m.model_dump()) for m in self.measures),
            indicators=tuple(Indicator(**i.model_dump()) for i in self.indicators),
            member_ids=tuple(self.member_ids),
        )


class PlanIn(PlanContentBody):
    """A plan to draft for an organisation."""

    owner_id: UUID = Field(description="The organisation whose plan it is")


class AdoptionIn(RequestBody):
    """Adopting a draft plan."""

    on: date | None = Field(
        default=None,
        description="The adoption date; today unless an administrator records a paper adoption",
    )


class RevisionIn(RequestBody):
    """A new version of an adopted plan."""

    multiline_fields = frozenset({"reason"})

    content: PlanContentBody = Field(description="The revised content")
    reason: str = Field(description="Why the plan changes")
    on: date | None = Field(
        default=None,
        description="The revision date; today unless an administrator records another",
    )


class ExceptionIn(RequestBody):
    """An exception to the scheme's minimum plan length."""

    multiline_fields = frozenset({"reason"})

    reason: str = Field(description="Why this plan may be shorter than the scheme's minimum")


class AdoptedVersion(BaseModel):
    """The plan version a write adopted."""

    adopted_version: int = Field(description="The number of the adopted version (1 = first)")


class PlanOut(BaseModel):
    """An Action Plan with its latest content."""

    id: UUID = Field(description="The plan's id")
    version: int = Field(description="The aggregate version, as in the ETag")
    owner_id: UUID = Field(description="The organisation whose plan it is")
    status: str = Field(description="draft, adopted or revised")
    content: PlanContentBody = Field(description="The latest content (the draft, or last adopted)")
    adopted_versions: int = Field(description="How many versions have been adopted (0 = draft)")
    exception_reason: str | None = Field(
        description="The administrator's reason for allowing a shorter plan, if any"
    )


def _own_plan(engine: SubsidyEngine, user: Actor, plan_id: UUID) -> None:
    """404 before any work when an applicant names another organisation's plan."""
    if user.role is Role.APPLICANT:
        plan = engine.action_plan(plan_id)
        visible_to(user, plan.owner_id, *plan.content.member_ids)


@router.post("/action-plans", status_code=201, response_model=Created)
def draft_action_plan(
    body: PlanIn, engine: EngineDep, user: CurrentUser, _: Drafter, key: IdempotencyKey
) -> Created:
    """Draft a plan (applicants for their own organisation, or administrators)."""
    plan_id = engine.draft_action_plan(
        user, owner_id=body.owner_id, content=body.to_domain(), idempotency_key=key
    )
    return Created(id=plan_id)


@router.get("/action-plans/{plan_id}", response_model=PlanOut)
def get_action_plan(
    plan_id: UUID, engine: EngineDep, user: CurrentUser, response: Response
) -> PlanOut:
    """One plan; applicants see only their own organisation's."""
    view = engine.action_plan(plan_id)
    visible_to(user, view.owner_id, *view.content.member_ids)
    set_etag(response, view.version)
    return PlanOut.model_validate(view, from_attributes=True)


@router.put("/action-plans/{plan_id}", status_code=204)
def update_action_plan_draft(
    plan_id: UUID,
    body: PlanContentBody,
    engine: EngineDep,
    user: CurrentUser,
    _: Drafter,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> None:
    """Replace the content of a draft plan."""
    _own_plan(engine, user, plan_id)
    engine.update_action_plan_draft(
        user, plan_id, content=body.to_domain(), expected_version=version, idempotency_key=key
    )


@router.post("/action-plans/{plan_id}/adopt", response_model=AdoptedVersion)
def adopt_action_plan(
    plan_id: UUID,
    engine: EngineDep,
    user: CurrentUser,
    _: Drafter,
    key: IdempotencyKey,
    version: ExpectedVersion,
    body: AdoptionIn | None = None,
) -> AdoptedVersion:
    """Adopt a draft plan as version 1."""
    _own_plan(engine, user, plan_id)
    adopted = engine.adopt_action_plan(
        user,
        plan_id,
        on=body.on if body else None,
        expected_version=version,
        idempotency_key=key,
    )
    return AdoptedVersion(adopted_version=adopted)


@router.post("/action-plans/{plan_id}/revisions", response_model=AdoptedVersion)
def revise_action_plan(
    plan_id: UUID,
    body: RevisionIn,
    engine: EngineDep,
    user: CurrentUser,
    _: Drafter,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> AdoptedVersion:
    """Adopt a new version of an adopted plan, with the reason for the change."""
    _own_plan(engine, user, plan_id)
    adopted = engine.revise_action_plan(
        user,
        plan_id,
        content=body.content.to_domain(),
        reason=body.reason,
        on=body.on,
        expected_version=version,
        idempotency_key=key,
    )
    return AdoptedVersion(adopted_version=adopted)


@router.post("/action-plans/{plan_id}/exception", status_code=204)
def grant_plan_exception(
    plan_id: UUID,
    body: ExceptionIn,
    engine: EngineDep,
    user: CurrentUser,
    _: Admin,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> None:
    """Let a plan be shorter than the scheme's minimum (administrators)."""
    engine.grant_plan_exception(
        user, plan_id, reason=body.reason, expected_version=version, idempotency_key=key
    )
