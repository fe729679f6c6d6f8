"""Builders for the pure domain tests: aggregates constructed directly, no engine, no store.

Every builder that returns an aggregate has already collected its pending events, so a test
sees only the events its own act emits.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from subsidy.domain.action_plan import ActionPlan
from subsidy.domain.actor import Actor, Role
from subsidy.domain.agreement import PartnershipAgreement
from subsidy.domain.approval import Approval
from subsidy.domain.budget import CostCategory, CostLine, YearAmount, YearBudget
from subsidy.domain.grant_application import GrantApplication
from subsidy.domain.organisation import Organisation
from subsidy.domain.plan_content import (
    Component,
    DeliveryMode,
    Measure,
    ParticipantGroup,
    PlanContent,
    TargetRole,
)
from subsidy.domain.review import ApplyingBody, Recommendation, Reviewer
from subsidy.domain.scheme import DEFAULT_SCHEME_CODE, Scheme, SchemeParameters

ADMIN = Actor("admin", Role.ADMINISTRATOR)
APPROVER = Actor("approver", Role.APPROVER)
REVIEWER_A = Actor("reviewer-a", Role.REVIEWER)
REVIEWER_B = Actor("reviewer-b", Role.REVIEWER)
PARAMS = SchemeParameters()
DECIDED = date(2024, 5, 20)
SCHEME_ID = Scheme.id_for(DEFAULT_SCHEME_CODE)

LEAD_NAME = "千葉県いすみ市"
LEAD_ID = Organisation.id_for(LEAD_NAME)
LEAD_PREFECTURE = "千葉県"
MEMBER_ID = Organisation.id_for("千葉県大多喜町")
OTHER_ID = Organisation.id_for("北海道札幌市")
APPLICANT = Actor("applicant-isumi", Role.APPLICANT, LEAD_ID)
OTHER_APPLICANT = Actor("applicant-sapporo", Role.APPLICANT, OTHER_ID)

SIGNED_ON = date(2018, 1, 17)
ADOPTED_ON = date(2024, 3, 1)
SUBMITTED_ON = date(2024, 4, 15)
NOTICE_DATE = date(2024, 5, 20)
GOOD_SCORES = {"necessity": 5, "feasibility": 4, "effectiveness": 4, "sustainability": 3, "cost": 4}
FULL_GRANT = (
    YearAmount(2024, 1_500_000),
    YearAmount(2025, 1_500_000),
    YearAmount(2026, 1_500_000),
)


def names(events: list[Any]) -> list[str]:
    """The type names of ``events``, in order."""
    return [type(e).__name__ for e in events]


def emitted(aggregate: Aggregate) -> list[Any]:
    """The aggregate's pending events (collected, so a second call returns only newer ones)."""
    return list(aggregate.collect_events())


def settled(aggregate: Aggregate) -> None:
    """Drop the aggregate's pending events, so that a test sees only what its act emits."""
    aggregate.collect_events()


def applicant_for(organisation_id: UUID) -> Actor:
    return Actor(f"applicant-{organisation_id.hex[:8]}", Role.APPLICANT, organisation_id)


def plan_content(
    first: int = 2024, last: int = 2028, members: tuple[UUID, ...] = (), title: str = "人材育成計画"
) -> PlanContent:
    return PlanContent(
        title=title,
        first_fiscal_year=first,
        last_fiscal_year=last,
        target_roles=(TargetRole.REGIONAL_LEADER,),
        participant_groups=(ParticipantGroup.LOCAL_GOVERNMENT_STAFF,),
        measures=(Measure(first, Component.BASIC_QUALITIES, DeliveryMode.ON_SITE, "基礎研修", 30),),
        member_ids=members,
    )


def plan_actor(owner_id: UUID) -> Actor:
    """The applicant who acts for ``owner_id``."""
    return APPLICANT if owner_id == LEAD_ID else applicant_for(owner_id)


def drafted_plan(owner_id: UUID = LEAD_ID, first: int = 2024, last: int = 2028) -> ActionPlan:
    plan = ActionPlan.draft(
        owner_id=owner_id, content=plan_content(first, last), actor=plan_actor(owner_id)
    )
    settled(plan)
    return plan


def adopted_plan(
    owner_id: UUID = LEAD_ID,
    first: int = 2024,
    last: int = 2028,
    *,
    exception: str | None = None,
) -> ActionPlan:
    """An adopted plan (version 1), with an administrator's exception if ``exception``."""
    plan = drafted_plan(owner_id, first, last)
    if exception is not None:
        plan.grant_exception(reason=exception, actor=ADMIN)
    plan.adopt(on=ADOPTED_ON, parameters=PARAMS, actor=plan_actor(owner_id))
    settled(plan)
    return plan


def agreement(
    party_id: UUID = LEAD_ID, signed_on: date = SIGNED_ON, terminated_on: date | None = None
) -> PartnershipAgreement:
    signed = PartnershipAgreement.sign(
        party_ids=(party_id,), signed_on=signed_on, flagged=False, actor=ADMIN
    )
    if terminated_on is not None:
        signed.terminate(on=terminated_on, reason="協定の終了", actor=ADMIN)
    settled(signed)
    return signed


def year(fiscal_year: int, cost: int = 1_600_000, requested: int = 1_500_000) -> YearBudget:
    """A year whose eligible cost is ``cost`` (two lines) and whose request is ``requested``."""
    return YearBudget(
        fiscal_year,
        (
            CostLine(CostCategory.HONORARIA, "講師謝金", cost - 100_000),
            CostLine(CostCategory.TRAVEL, "講師旅費", 100_000),
        ),
        requested,
    )


def three_years() -> tuple[YearBudget, ...]:
    return (year(2024), year(2025), year(2026))


def drafted_application(
    plan: ActionPlan | None = None,
    years: tuple[YearBudget, ...] | None = None,
    *,
    members: tuple[UUID, ...] = (),
    plan_version: int = 1,
) -> GrantApplication:
    plan = plan or adopted_plan()
    application = GrantApplication.draft(
        organisation_id=LEAD_ID,
        member_ids=members,
        title="横串人材育成プログラム",
        purpose="まちづくり人材の育成",
        plan_id=plan.id,
        plan_version=plan_version,
        years=three_years() if years is None else years,
        actor=APPLICANT,
    )
    settled(application)
    return application


def submit(
    application: GrantApplication,
    plan: ActionPlan,
    *,
    on: date = SUBMITTED_ON,
    parameters: SchemeParameters = PARAMS,
    scheme_version: int = 1,
    agreements: list[PartnershipAgreement] | None = None,
    actor: Actor = APPLICANT,
) -> None:
    application.submit(
        on=on,
        scheme_id=SCHEME_ID,
        scheme_version=scheme_version,
        parameters=parameters,
        plan=plan,
        agreements=[agreement()] if agreements is None else agreements,
        actor=actor,
    )


def submitted_application(
    years: tuple[YearBudget, ...] | None = None,
    *,
    members: tuple[UUID, ...] = (),
    plan: ActionPlan | None = None,
) -> GrantApplication:
    """An application submitted on SUBMITTED_ON under PARAMS, for ``plan`` (or a new one)."""
    plan = plan or adopted_plan()
    application = drafted_application(plan, years, members=members)
    submit(application, plan)
    settled(application)
    return application


def reviewer(
    user_id: str, tied_organisations: tuple[UUID, ...] = (), tied_prefectures: tuple[str, ...] = ()
) -> Reviewer:
    registered = Reviewer.register(
        user_id=user_id,
        name=user_id,
        tied_organisation_ids=tied_organisations,
        tied_prefectures=tied_prefectures,
        actor=ADMIN,
    )
    settled(registered)
    return registered


def bodies_of(application: GrantApplication) -> list[ApplyingBody]:
    """Every applying body with its prefecture (all of them in Chiba in these tests)."""
    return [ApplyingBody(b, str(b), LEAD_PREFECTURE) for b in application.bodies()]


def assign(
    application: GrantApplication, user_id: str, parameters: SchemeParameters = PARAMS
) -> None:
    application.assign_reviewer(
        on=DECIDED,
        reviewer=reviewer(user_id),
        bodies=bodies_of(application),
        parameters=parameters,
        actor=ADMIN,
    )


def review(application: GrantApplication, actor: Actor) -> None:
    application.record_review(
        scores=dict(GOOD_SCORES),
        recommendation=Recommendation.APPROVE,
        comment="妥当",
        parameters=PARAMS,
        actor=actor,
    )


def reviewed_application(
    years: tuple[YearBudget, ...] | None = None,
    reviewers: tuple[Actor, ...] = (REVIEWER_A, REVIEWER_B),
    *,
    plan: ActionPlan | None = None,
) -> GrantApplication:
    """A submitted application with each of ``reviewers`` assigned and their review recorded."""
    application = submitted_application(years, plan=plan)
    for actor in reviewers:
        assign(application, actor.user_id)
        review(application, actor)
    settled(application)
    return application


def approve(
    application: GrantApplication,
    amounts: tuple[YearAmount, ...] = FULL_GRANT,
    *,
    actor: Actor = APPROVER,
    parameters: SchemeParameters = PARAMS,
) -> Approval:
    return application.approve(
        amounts=amounts,
        conditions=("実績報告を年度終了後30日以内に提出すること",),
        reason="審査の結果、妥当と認める",
        notice_date=NOTICE_DATE,
        parameters=parameters,
        actor=actor,
    )


def granted_approval(amounts: tuple[YearAmount, ...] = FULL_GRANT) -> Approval:
    """An Approval in force, noticed on NOTICE_DATE, for the lead organisation."""
    approval = approve(reviewed_application(), amounts)
    settled(approval)
    return approval
