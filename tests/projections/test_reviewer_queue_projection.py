"""Reviewers' queues: open assignments, closed by a review, a new round or a decision."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from sqlalchemy import Engine, MetaData, update

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor, Role
from subsidy.domain.review import Recommendation
from subsidy.projections.reviewer_queue import REVIEW_DAYS, ReviewerQueue, queue_for, workload

from builders import ADMIN, APPROVER, GOOD_SCORES, REVIEWER_A, REVIEWER_B, World, amounts
from conftest import ALL_STORES, travel_to
from read_model_helpers import caught_up, demo_engine, query

REVIEWER_C = Actor("reviewer-c", Role.REVIEWER)


def assign(world: World, application_id: UUID, *reviewers: Actor) -> None:
    for reviewer in reviewers:
        world.engine.assign_reviewer(ADMIN, application_id, reviewer_user_id=reviewer.user_id)


def review(world: World, application_id: UUID, *reviewers: Actor) -> None:
    for reviewer in reviewers:
        world.engine.record_review(
            reviewer,
            application_id,
            scores=GOOD_SCORES,
            recommendation=Recommendation.APPROVE,
            comment="妥当",
        )


def queued(db: Engine, reviewer: Actor) -> list[str]:
    return [row["application_id"] for row in query(db, queue_for, reviewer.user_id)]


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_an_assignment_is_queued_with_the_application_and_due_after_the_review_period(
    engine: SubsidyEngine, store_url: str
) -> None:
    world = World.build(engine)
    application_id = world.submitted()
    before = datetime.now(UTC)
    travel_to(date(2024, 4, 20))
    assign(world, application_id, REVIEWER_A)
    after = datetime.now(UTC)

    db = caught_up(engine, store_url, ReviewerQueue())

    [row] = query(db, queue_for, REVIEWER_A.user_id)
    assert (row["application_id"], row["title"], row["organisation_name"]) == (
        str(application_id),
        "横串人材育成プログラム",
        "千葉県いすみ市",
    )
    assert (row["round"], row["reviews_so_far"]) == (1, 0)
    assert before <= row["assigned_at"] <= after
    assert row["due_on"] == date(2024, 4, 20) + timedelta(days=REVIEW_DAYS)
    assert query(db, queue_for, REVIEWER_B.user_id) == []


def test_a_review_closes_the_reviewers_row_and_counts_on_the_others(
    engine: SubsidyEngine, store_url: str
) -> None:
    world = World.build(engine)
    application_id = world.submitted()
    assign(world, application_id, REVIEWER_A, REVIEWER_B)
    review(world, application_id, REVIEWER_A)

    db = caught_up(engine, store_url, ReviewerQueue())

    assert queued(db, REVIEWER_A) == []
    [row] = query(db, queue_for, REVIEWER_B.user_id)
    assert (row["application_id"], row["reviews_so_far"]) == (str(application_id), 1)


def test_a_resubmission_starts_a_round_with_no_reviews(
    engine: SubsidyEngine, store_url: str
) -> None:
    world = World.build(engine)
    application_id = world.submitted()
    assign(world, application_id, REVIEWER_A, REVIEWER_B)
    review(world, application_id, REVIEWER_A)
    engine.return_application(APPROVER, application_id, reason="内訳を明記してください")
    travel_to(date(2024, 6, 3))
    engine.submit_application(world.applicant, application_id)
    assign(world, application_id, REVIEWER_A)

    db = caught_up(engine, store_url, ReviewerQueue())

    [row] = query(db, queue_for, REVIEWER_A.user_id)
    assert (row["round"], row["reviews_so_far"]) == (2, 0)
    assert queued(db, REVIEWER_B) == []


DECISIONS: dict[str, Callable[[World, UUID], object]] = {
    "approved": lambda w, a: w.engine.approve_application(
        APPROVER, a, amounts=amounts((2024, 1_500_000)), reason="妥当"
    ),
    "rejected": lambda w, a: w.engine.reject_application(APPROVER, a, reason="効果が不明確"),
    "returned": lambda w, a: w.engine.return_application(APPROVER, a, reason="内訳の明記"),
    "withdrawn": lambda w, a: w.engine.withdraw_application(w.applicant, a, reason="辞退"),
}


@pytest.mark.parametrize("decision", DECISIONS)
def test_a_decision_closes_every_open_assignment_of_the_application(
    engine: SubsidyEngine, store_url: str, decision: str
) -> None:
    world = World.build(engine)
    engine.register_reviewer(ADMIN, user_id=REVIEWER_C.user_id, name="審査員C")
    decided, other = world.submitted(), world.submitted()
    assign(world, decided, REVIEWER_A, REVIEWER_B, REVIEWER_C)
    review(world, decided, REVIEWER_A, REVIEWER_B)
    assign(world, other, REVIEWER_C)

    DECISIONS[decision](world, decided)
    db = caught_up(engine, store_url, ReviewerQueue())

    assert engine.application(decided).status == decision
    assert queued(db, REVIEWER_C) == [str(other)]


def test_the_queue_lists_the_earliest_due_first(engine: SubsidyEngine, store_url: str) -> None:
    world = World.build(engine)
    first, second = world.submitted(), world.submitted()
    assign(world, first, REVIEWER_A)
    assign(world, second, REVIEWER_A)
    db = caught_up(engine, store_url, ReviewerQueue())
    queue = ReviewerQueue().define(MetaData())["queue"]
    with db.begin() as conn:  # the later assignment falls due first
        conn.execute(
            update(queue)
            .where(queue.c.application_id == str(second))
            .values(due_on=date(2024, 4, 1))
        )

    rows = query(db, queue_for, REVIEWER_A.user_id)

    assert [r["application_id"] for r in rows] == [str(second), str(first)]


def test_the_workload_counts_open_assignments_and_reviews_per_reviewer(
    engine: SubsidyEngine, store_url: str
) -> None:
    world = World.build(engine)
    engine.register_reviewer(ADMIN, user_id=REVIEWER_C.user_id, name="審査員C")
    one, two = world.submitted(), world.submitted()
    assign(world, one, REVIEWER_A, REVIEWER_B)
    assign(world, two, REVIEWER_A)
    review(world, one, REVIEWER_A)

    db = caught_up(engine, store_url, ReviewerQueue())

    assert query(db, workload) == [
        {
            "reviewer_id": "reviewer-a",
            "name": "reviewer-a",
            "open": 1,
            "assignments": 2,
            "reviews": 1,
        },
        {
            "reviewer_id": "reviewer-b",
            "name": "reviewer-b",
            "open": 1,
            "assignments": 1,
            "reviews": 0,
        },
        {"reviewer_id": "reviewer-c", "name": "審査員C", "open": 0, "assignments": 0, "reviews": 0},
    ]


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_the_demo_leaves_one_assignment_open(store_url: str) -> None:
    with demo_engine(store_url) as engine:
        db = caught_up(engine, store_url, ReviewerQueue())

    [row] = query(db, queue_for, "reviewer-sato")
    assert (row["organisation_name"], row["title"], row["reviews_so_far"]) == (
        "高知県高知市",
        "こうちみませ楽舎",
        0,
    )
    assert {
        r["reviewer_id"]: (r["open"], r["assignments"], r["reviews"]) for r in query(db, workload)
    } == {
        "reviewer-sato": (1, 3, 2),
        "reviewer-suzuki": (0, 2, 2),
        "reviewer-takahashi": (0, 2, 2),
    }
