"""Builders for test scenarios: organisations, agreements, plans and applications."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest

from subsidy.application import SubsidyEngine
from subsidy.application.organisations import AgreementRow
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import CostCategory, CostLine, YearAmount, YearBudget
from subsidy.domain.errors import SubsidyError
from subsidy.domain.organisation import Organisation
from subsidy.domain.organisation_names import OrganisationKind
from subsidy.domain.plan_content import (
    Component,
    DeliveryMode,
    Measure,
    ParticipantGroup,
    PlanContent,
    TargetRole,
)
from subsidy.domain.review import Recommendation

from conftest import travel_to

ADMIN = Actor("admin", Role.ADMINISTRATOR)
APPROVER = Actor("approver", Role.APPROVER)
REVIEWER_A = Actor("reviewer-a", Role.REVIEWER)
REVIEWER_B = Actor("reviewer-b", Role.REVIEWER)
GOOD_SCORES = {"necessity": 5, "feasibility": 4, "effectiveness": 4, "sustainability": 3, "cost": 4}
LEAD = "千葉県いすみ市"
MEMBER = "千葉県大多喜町"
SIGNED_ON = date(2018, 1, 17)
SUBMITTED_ON = date(2024, 4, 15)
APPROPRIATION = 30_000_000
APPROPRIATED_YEARS = range(2024, 2028)


def plan_content(
    first: int = 2024, last: int = 2028, members: tuple[UUID, ...] = ()
) -> PlanContent:
    return PlanContent(
        title="まちづくり人材育成アクションプラン",
        first_fiscal_year=first,
        last_fiscal_year=last,
        target_roles=(TargetRole.REGIONAL_LEADER,),
        participant_groups=(ParticipantGroup.LOCAL_GOVERNMENT_STAFF,),
        measures=(Measure(first, Component.BASIC_QUALITIES, DeliveryMode.ON_SITE, "基礎研修", 30),),
        member_ids=members,
    )


def year(fiscal_year: int, cost: int = 1_600_000, requested: int = 1_500_000) -> YearBudget:
    return YearBudget(
        fiscal_year,
        (
            CostLine(CostCategory.HONORARIA, "講師謝金", cost - 100_000),
            CostLine(CostCategory.TRAVEL, "講師旅費", 100_000),
        ),
        requested,
    )


def amounts(*pairs: tuple[int, int]) -> tuple[YearAmount, ...]:
    return tuple(YearAmount(fy, amount) for fy, amount in pairs)


@dataclass
class World:
    """A lead body with an agreement, a member body, an adopted plan and two reviewers."""

    engine: SubsidyEngine
    lead_id: UUID
    member_id: UUID
    plan_id: UUID
    applicant: Actor

    @classmethod
    def build(cls, engine: SubsidyEngine, *, plan_years: tuple[int, int] = (2024, 2028)) -> World:
        engine.import_agreements(ADMIN, [AgreementRow((LEAD,), SIGNED_ON, True, 2)])
        lead_id = Organisation.id_for(LEAD)
        member_id = engine.register_organisation(
            ADMIN, name=MEMBER, kind=OrganisationKind.MUNICIPALITY, prefecture="千葉県"
        )
        applicant = Actor("applicant-isumi", Role.APPLICANT, lead_id)
        plan_id = engine.draft_action_plan(
            applicant, owner_id=lead_id, content=plan_content(*plan_years)
        )
        if plan_years[1] - plan_years[0] + 1 < 5:
            engine.grant_plan_exception(ADMIN, plan_id, reason="合併協議中のため")
        travel_to(date(2024, 3, 1))
        engine.adopt_action_plan(applicant, plan_id, on=date(2024, 3, 1))
        travel_to(SUBMITTED_ON)
        for fiscal_year in APPROPRIATED_YEARS:
            engine.set_appropriation(ADMIN, fiscal_year=fiscal_year, amount=APPROPRIATION)
        for reviewer in (REVIEWER_A, REVIEWER_B):
            engine.register_reviewer(ADMIN, user_id=reviewer.user_id, name=reviewer.user_id)
        return cls(engine, lead_id, member_id, plan_id, applicant)

    def draft(self, *years: YearBudget, members: tuple[UUID, ...] = ()) -> UUID:
        return self.engine.draft_application(
            self.applicant,
            organisation_id=self.lead_id,
            member_ids=members,
            title="横串人材育成プログラム",
            plan_id=self.plan_id,
            plan_version=1,
            years=years or (year(2024), year(2025), year(2026)),
        )

    def submitted(self, *years: YearBudget, members: tuple[UUID, ...] = ()) -> UUID:
        application_id = self.draft(*years, members=members)
        self.engine.submit_application(self.applicant, application_id, on=SUBMITTED_ON)
        return application_id

    def reviewed(
        self, *years: YearBudget, reviewers: tuple[Actor, ...] = (REVIEWER_A, REVIEWER_B)
    ) -> UUID:
        application_id = self.submitted(*years)
        for reviewer in reviewers:
            self.engine.assign_reviewer(ADMIN, application_id, reviewer_user_id=reviewer.user_id)
            self.engine.record_review(
                reviewer,
                application_id,
                scores=GOOD_SCORES,
                recommendation=Recommendation.APPROVE,
                comment="妥当",
            )
        return application_id

    def approved(self) -> UUID:
        application_id = self.reviewed()
        return self.engine.approve_application(
            APPROVER,
            application_id,
            amounts=amounts((2024, 1_500_000), (2025, 1_500_000), (2026, 1_500_000)),
            reason="妥当",
            notice_date=date(2024, 5, 20),
        )


def event_count(engine: SubsidyEngine) -> int:
    """How many events the store holds (its highest notification id)."""
    return engine.recorder.max_notification_id() or 0


def refused(
    engine: SubsidyEngine, error: type[SubsidyError], match: str, command: Callable[[], object]
) -> SubsidyError:
    """Run ``command``, expect ``error`` matching ``match``, and check nothing was stored."""
    before = event_count(engine)

    with pytest.raises(error, match=match) as raised:
        command()

    assert event_count(engine) == before
    return raised.value
