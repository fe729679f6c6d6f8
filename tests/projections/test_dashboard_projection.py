"""The dashboard's figures against what the service computes from the aggregates."""

from __future__ import annotations

from collections import Counter
from datetime import date
from statistics import median
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor, Role
from subsidy.domain.review import Recommendation
from subsidy.projections.applications import Applications, list_applications
from subsidy.projections.dashboard import Dashboard, dashboard, median_of

from builders import (
    ADMIN,
    APPROVER,
    GOOD_SCORES,
    REVIEWER_A,
    REVIEWER_B,
    SUBMITTED_ON,
    World,
    amounts,
    year,
)
from conftest import ALL_STORES, travel_to
from projection_helpers import median_days_from_rows
from read_model_helpers import another_applicant, caught_up, demo_engine, query

DEMO_ADMIN = Actor("admin-yamada", Role.ADMINISTRATOR)


def demo_approvals(engine: SubsidyEngine, store_url: str) -> list[UUID]:
    """The demo's approvals (いすみ市, then 三島市), found through the applications list."""
    db = caught_up(engine, store_url, Applications())
    rows = query(db, list_applications, status="approved")
    return [UUID(r["approval_id"]) for r in sorted(rows, key=lambda r: r["decided_on"])]


def reviews_in_this_round(world: World, application_id: UUID) -> None:
    for reviewer in (REVIEWER_A, REVIEWER_B):
        world.engine.assign_reviewer(ADMIN, application_id, reviewer_user_id=reviewer.user_id)
        world.engine.record_review(
            reviewer,
            application_id,
            scores=GOOD_SCORES,
            recommendation=Recommendation.APPROVE,
            comment="妥当",
        )


def approve_on(world: World, application_id: UUID, notice_date: date, amount: int) -> UUID:
    """The approver decides on ``notice_date``, the day the notice is dated."""
    travel_to(notice_date)
    return world.engine.approve_application(
        APPROVER,
        application_id,
        amounts=amounts((2024, amount)),
        reason="妥当",
        notice_date=notice_date,
    )


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_the_money_of_each_fiscal_year_agrees_with_the_budgets_and_disbursements(
    store_url: str,
) -> None:
    with demo_engine(store_url) as engine:
        engine.set_appropriation(DEMO_ADMIN, fiscal_year=2025, amount=25_000_000, reason="補正")
        years = [
            (approval_id, a.fiscal_year)
            for approval_id in demo_approvals(engine, store_url)
            for a in engine.approval(approval_id).amounts
        ]

        db = caught_up(engine, store_url, Dashboard())

        figures = query(db, dashboard)["fiscal_years"]
        assert [f["fiscal_year"] for f in figures] == list(range(2024, 2030))
        for f in figures:
            budget = engine.fiscal_budget(f["fiscal_year"])
            views = [engine.disbursement(a, fy) for a, fy in years if fy == f["fiscal_year"]]
            assert (f["appropriated"], f["reserved"], f["remaining"]) == budget
            assert f["paid"] == sum(v.paid for v in views)
            assert f["repaid"] == sum(v.paid - v.held for v in views)
        assert (figures[0]["paid"], figures[0]["repaid"]) == (2_300_000, 800_000 + 20_000)
        assert figures[1]["appropriated"] == 25_000_000


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_the_demo_is_counted_by_status_prefecture_and_reviewer(store_url: str) -> None:
    with demo_engine(store_url) as engine:
        isumi, mishima = demo_approvals(engine, store_url)

        db = caught_up(engine, store_url, Dashboard())

        figures = query(db, dashboard)
        assert figures["applications_by_status"] == {
            "draft": 0,
            "submitted": 0,
            "under_review": 1,
            "approved": 2,
            "rejected": 1,
            "returned": 0,
            "withdrawn": 0,
        }
        assert engine.approval(isumi).total == 4_100_000
        assert engine.approval(mishima).status == "revoked"
        assert figures["prefectures"] == [
            {"prefecture": "千葉県", "applications": 1, "approved": 1, "approved_total": 4_100_000},
            {"prefecture": "島根県", "applications": 1, "approved": 0, "approved_total": 0},
            {"prefecture": "静岡県", "applications": 1, "approved": 0, "approved_total": 0},
            {"prefecture": "高知県", "applications": 1, "approved": 0, "approved_total": 0},
        ]
        assert figures["reviewers"] == [
            {"reviewer_id": "reviewer-sato", "assignments": 3, "reviews": 2},
            {"reviewer_id": "reviewer-suzuki", "assignments": 2, "reviews": 2},
            {"reviewer_id": "reviewer-takahashi", "assignments": 2, "reviews": 2},
        ]
        assert figures["decisions"] == 3
        assert figures["median_days_to_decision"] == median_days_from_rows(db)


def test_the_median_runs_from_the_first_submission_to_the_notice_of_the_decision(
    engine: SubsidyEngine, store_url: str
) -> None:
    world = World.build(engine)
    early, middle, late = (world.reviewed(year(2024)) for _ in range(3))
    resubmitted = world.submitted(year(2024))
    engine.return_application(APPROVER, resubmitted, reason="内訳を明記してください")
    world.submitted(year(2024))  # submitted, never decided
    world.draft()
    approve_on(world, early, date(2024, 5, 1), 1_000_000)  # 16 days
    approve_on(world, middle, date(2024, 5, 20), 1_000_000)  # 35 days
    travel_to(date(2024, 6, 3))
    engine.submit_application(world.applicant, resubmitted)
    reviews_in_this_round(world, resubmitted)
    approve_on(world, late, date(2024, 6, 14), 1_000_000)  # 60 days
    approve_on(world, resubmitted, date(2024, 7, 15), 1_000_000)  # 91 days from the first

    db = caught_up(engine, store_url, Dashboard())

    figures = query(db, dashboard)
    assert engine.application(resubmitted).submitted_on == date(2024, 6, 3)
    assert (date(2024, 7, 15) - SUBMITTED_ON).days == 91
    assert (figures["decisions"], figures["median_days_to_decision"]) == (4, 47.5)
    assert median_days_from_rows(db) == 47.5


def test_before_any_decision_the_median_is_empty(engine: SubsidyEngine, store_url: str) -> None:
    world = World.build(engine)
    world.submitted()

    db = caught_up(engine, store_url, Dashboard())

    figures = query(db, dashboard)
    assert (figures["decisions"], figures["median_days_to_decision"]) == (0, None)
    assert median_days_from_rows(db) is None
    assert figures["applications_by_status"]["submitted"] == 1


def test_an_amendment_moves_the_approved_total_and_the_years_reservation(
    engine: SubsidyEngine, store_url: str
) -> None:
    world = World.build(engine)
    isumi = world.reviewed(year(2024))
    organisation_id, applicant, plan_id = another_applicant(engine, "静岡県三島市")
    mishima = engine.draft_application(
        applicant,
        organisation_id=organisation_id,
        title="三島市 若手職員政策形成研修",
        plan_id=plan_id,
        plan_version=1,
        years=(year(2024),),
    )
    engine.submit_application(applicant, mishima)
    reviews_in_this_round(world, mishima)
    approve_on(world, isumi, date(2024, 5, 20), 1_500_000)
    approval_id = approve_on(world, mishima, date(2024, 5, 20), 1_000_000)
    engine.amend_approval(
        APPROVER, approval_id, amounts=amounts((2024, 800_000)), reason="事業規模の縮小"
    )

    db = caught_up(engine, store_url, Dashboard())

    figures = query(db, dashboard)
    totals = [(p["prefecture"], p["approved"], p["approved_total"]) for p in figures["prefectures"]]
    assert totals == [("千葉県", 1, 1_500_000), ("静岡県", 1, 800_000)]
    fy2024 = figures["fiscal_years"][0]
    assert (fy2024["appropriated"], fy2024["reserved"], fy2024["remaining"]) == (
        engine.fiscal_budget(2024)
    )
    assert fy2024["reserved"] == 2_300_000


def test_one_decision_is_its_own_median(engine: SubsidyEngine, store_url: str) -> None:
    world = World.build(engine)
    application_id = world.reviewed(year(2024))
    approve_on(world, application_id, date(2024, 5, 1), 1_000_000)  # 16 days

    db = caught_up(engine, store_url, Dashboard())

    figures = query(db, dashboard)
    assert (figures["decisions"], figures["median_days_to_decision"]) == (1, 16.0)
    assert median_days_from_rows(db) == 16.0


@given(st.lists(st.integers(min_value=-400, max_value=4_000), max_size=60))
def test_the_median_of_a_histogram_is_the_median_of_the_values_it_counts(
    values: list[int],
) -> None:
    histogram = sorted(Counter(values).items())

    found = median_of(histogram)

    assert found == (float(median(values)) if values else None)
    assert found is None or isinstance(found, float)
