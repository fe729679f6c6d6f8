"""A scenario with every kind of money movement, and the figures its events add up to.

The reference figures come from the aggregates and their money trail (the events), never from
the read models the exports read, so an export that drifted from the history fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import Engine

from subsidy.application import SubsidyEngine
from subsidy.application.organisations import AgreementRow
from subsidy.bootstrap import build_read_models, build_runners
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import CostCategory, CostLine
from subsidy.domain.codes import corporate_number_check_digit
from subsidy.domain.organisation import Organisation
from subsidy.domain.organisation_names import OrganisationKind
from subsidy.domain.review import Recommendation
from subsidy.settings import Settings

from builders import (
    ADMIN,
    APPROVER,
    GOOD_SCORES,
    REVIEWER_A,
    REVIEWER_B,
    SUBMITTED_ON,
    World,
    amounts,
    plan_content,
    year,
)
from conftest import make_engine, travel_to

FINANCE = Actor("finance", Role.FINANCE)
ATAMI = "静岡県熱海市"
ATAMI_CORPORATE_NUMBER = f"{corporate_number_check_digit('000020222054')}000020222054"
SCHEMAS = Path(__file__).with_name("data")
BUCKET_OF_KIND = {
    "decision": "decided",
    "amendment": "decided",
    "advance": "paid",
    "settlement": "paid",
    "determination": "determined",
    "repayment_order": "ordered",
    "repayment": "repaid",
    "additional_charge": "charged",
    "late_charge": "charged",
}
"""Which figure of the events each kind of ledger row adds to."""


@dataclass(frozen=True)
class Scenario:
    """The approvals of :func:`money_moved` and the fiscal years each was granted."""

    world: World
    isumi: UUID
    atami: UUID

    def years(self, fiscal_year: int) -> list[tuple[UUID, int]]:
        """The (approval, fiscal year) pairs with money in ``fiscal_year``."""
        granted = {self.isumi: (2024, 2025, 2026), self.atami: (2024,)}
        return [(a, fiscal_year) for a, years in granted.items() if fiscal_year in years]


def atami_approved(engine: SubsidyEngine) -> UUID:
    """A second body, in Shizuoka, with a corporate number, granted 1,500,000 yen for FY2024."""
    engine.register_organisation(
        ADMIN,
        name=ATAMI,
        kind=OrganisationKind.MUNICIPALITY,
        prefecture="静岡県",
        corporate_number=ATAMI_CORPORATE_NUMBER,
    )
    engine.import_agreements(ADMIN, [AgreementRow((ATAMI,), date(2019, 3, 1), False, 1)])
    organisation_id = Organisation.id_for(ATAMI)
    applicant = Actor("applicant-atami", Role.APPLICANT, organisation_id)
    plan_id = engine.draft_action_plan(applicant, owner_id=organisation_id, content=plan_content())
    travel_to(date(2024, 3, 1))
    engine.adopt_action_plan(applicant, plan_id, on=date(2024, 3, 1))
    travel_to(SUBMITTED_ON)
    application_id = engine.draft_application(
        applicant,
        organisation_id=organisation_id,
        title="観光ＤＸ人材育成",
        plan_id=plan_id,
        plan_version=1,
        years=(year(2024),),
    )
    engine.submit_application(applicant, application_id, on=SUBMITTED_ON)
    for reviewer in (REVIEWER_A, REVIEWER_B):
        engine.assign_reviewer(ADMIN, application_id, reviewer_user_id=reviewer.user_id)
        engine.record_review(
            reviewer,
            application_id,
            scores=GOOD_SCORES,
            recommendation=Recommendation.APPROVE,
            comment="妥当",
        )
    return engine.approve_application(
        APPROVER,
        application_id,
        amounts=amounts((2024, 1_500_000)),
        reason="妥当",
        notice_date=date(2024, 5, 20),
    )


def money_moved(engine: SubsidyEngine) -> Scenario:
    """Isumi: FY2024 advanced, determined and settled, FY2025 cut; Atami: revoked and repaid."""
    world = World.build(engine)
    isumi = world.approved()
    atami = atami_approved(engine)
    engine.record_advance(FINANCE, atami, 2024, amount=600_000, paid_on=date(2024, 6, 10))
    engine.record_advance(FINANCE, isumi, 2024, amount=1_000_000, paid_on=date(2024, 6, 3))
    travel_to(date(2024, 7, 1))
    engine.revoke_approval(
        Actor("approver-2", Role.APPROVER),
        atami,
        ground="目的外使用",
        on=date(2024, 7, 1),
        repayment_due_on=date(2024, 7, 31),
    )
    travel_to(date(2024, 7, 15))
    owed = engine.disbursement(atami, 2024, as_of=date(2024, 7, 15)).owed
    engine.record_repayment(FINANCE, atami, 2024, amount=owed, received_on=date(2024, 7, 15))
    engine.amend_approval(
        APPROVER,
        isumi,
        amounts=amounts((2024, 1_500_000), (2025, 1_200_000), (2026, 1_500_000)),
        reason="事業縮小",
    )
    travel_to(date(2025, 4, 10))
    lines = (CostLine(CostCategory.HONORARIA, "講師謝金", 1_250_500),)
    engine.submit_performance_report(world.applicant, isumi, 2024, cost_lines=lines)
    engine.determine_amount(FINANCE, isumi, 2024, on=date(2025, 4, 20))
    engine.pay_settlement(FINANCE, isumi, 2024, paid_on=date(2025, 4, 25))
    return Scenario(world, isumi, atami)


@dataclass(frozen=True)
class Books:
    """An engine with the scenario recorded, and the read models the exports read."""

    engine: SubsidyEngine
    db: Engine
    scenario: Scenario


@dataclass(frozen=True)
class Figures:
    """One approval's year as its events have it."""

    decided: int
    paid: int
    determined: int
    ordered: int
    repaid: int
    charged: int
    payments: int

    def by_bucket(self) -> dict[str, int]:
        return {
            "decided": self.decided,
            "paid": self.paid,
            "determined": self.determined,
            "ordered": self.ordered,
            "repaid": self.repaid,
            "charged": self.charged,
        }


@contextmanager
def recorded_books(store_url: str) -> Iterator[Books]:
    """The money scenario on ``store_url``, its ledger and applications read models caught up."""
    engine = make_engine(store_url)
    db = build_read_models(Settings(database_url=store_url))
    scenario = money_moved(engine)
    for runner in build_runners(engine, db, ["ledger", "applications"]):
        runner.catch_up()
    yield Books(engine, db, scenario)
    engine.close()


def figures(engine: SubsidyEngine, approval_id: UUID, fiscal_year: int) -> Figures:
    """The year's figures from the aggregate and the arithmetic its events carry."""
    view = engine.disbursement(approval_id, fiscal_year)
    trail = engine.money_trail(approval_id, fiscal_year)
    received = sum(step.amount for step in trail if step.event == "RepaymentReceived")
    repaid = view.paid - view.held  # principal back; what is held is what was paid and kept
    return Figures(
        decided=view.decided,
        paid=view.paid,
        determined=view.determined or 0,
        ordered=sum(step.amount for step in trail if step.event == "RepaymentOrdered"),
        repaid=repaid,
        charged=received - repaid,
        payments=sum(1 for step in trail if step.event == "PaymentRecorded"),
    )


def event_totals(engine: SubsidyEngine, years: Iterable[tuple[UUID, int]]) -> dict[str, int]:
    """The figures of several approval years, added up per bucket."""
    totals: dict[str, int] = dict.fromkeys(BUCKET_OF_KIND.values(), 0)
    for approval_id, fiscal_year in years:
        for bucket, amount in figures(engine, approval_id, fiscal_year).by_bucket().items():
            totals[bucket] += amount
    return totals


def bucket_totals(rows: Iterable[tuple[str, int]]) -> dict[str, int]:
    """(kind code, amount) rows of an export added up per bucket."""
    totals: dict[str, int] = dict.fromkeys(BUCKET_OF_KIND.values(), 0)
    for kind, amount in rows:
        totals[BUCKET_OF_KIND[kind]] += amount
    return totals


def giving_validator() -> Draft202012Validator:
    """The 360Giving 1.4.3 package schema, its grant schema registered, formats checked."""
    package = json.loads((SCHEMAS / "360-giving-package-schema.json").read_text("utf-8"))
    grant = json.loads((SCHEMAS / "360-giving-schema.json").read_text("utf-8"))
    resource = DRAFT202012.create_resource(grant)
    grant_ref: str = package["properties"]["grants"]["items"]["$ref"]
    registry: Registry[Any] = Registry().with_resources(
        [(grant_ref, resource), (grant["$id"], resource)]
    )
    return Draft202012Validator(package, registry=registry, format_checker=FormatChecker())
