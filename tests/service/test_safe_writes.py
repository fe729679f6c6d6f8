"""Idempotency keys, expected versions and concurrent commands on one aggregate."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor, Role
from subsidy.domain.errors import ConcurrencyConflict, IdempotencyKeyReused

from builders import ADMIN, APPROVER, SUBMITTED_ON, World, amounts, event_count, year
from conftest import ALL_STORES, DURABLE_STORES, make_engine

SECOND_APPROVER = Actor("approver-2", Role.APPROVER)
PAID_ON = date(2024, 6, 3)


def granted_events(engine: SubsidyEngine, application_id: UUID) -> int:
    return sum(
        1
        for notification in engine.recorder.select_notifications(1, 10_000)
        if notification.topic.endswith("Approval.Granted")
        and engine.mapper.to_domain_event(notification).application_id == application_id
    )


def hold_saves_until(engine: SubsidyEngine, barrier: Any) -> None:
    """Make every save wait until all parties have decided, so their saves truly race."""
    original: Callable[..., Any] = engine.save

    def save(*objs: Any, **kwargs: Any) -> Any:
        barrier.wait(timeout=30)
        return original(*objs, **kwargs)

    object.__setattr__(engine, "save", save)


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
class TestIdempotency:
    def test_repeating_a_key_returns_the_first_outcome_and_records_nothing(
        self, engine: SubsidyEngine
    ) -> None:
        world = World.build(engine)
        first = world.engine.draft_application(
            world.applicant,
            organisation_id=world.lead_id,
            title="研修",
            plan_id=world.plan_id,
            plan_version=1,
            years=(year(2024),),
            idempotency_key="draft-1",
        )
        before = event_count(engine)

        again = world.engine.draft_application(
            world.applicant,
            organisation_id=world.lead_id,
            title="研修",
            plan_id=world.plan_id,
            plan_version=1,
            years=(year(2024),),
            idempotency_key="draft-1",
        )

        assert again == first
        assert event_count(engine) == before

    def test_a_key_reused_for_another_command_is_refused(self, engine: SubsidyEngine) -> None:
        world = World.build(engine)
        application_id = world.draft(year(2024))
        engine.submit_application(
            world.applicant, application_id, on=SUBMITTED_ON, idempotency_key="k"
        )
        before = event_count(engine)

        with pytest.raises(IdempotencyKeyReused, match="already used for submit_application"):
            engine.withdraw_application(
                world.applicant, application_id, reason="取下げ", idempotency_key="k"
            )

        assert event_count(engine) == before

    def test_a_key_reused_with_other_arguments_is_refused(self, engine: SubsidyEngine) -> None:
        world = World.build(engine)
        approval_id = world.approved()
        finance = Actor("finance", Role.FINANCE)
        engine.record_advance(
            finance, approval_id, 2024, amount=300_000, paid_on=PAID_ON, idempotency_key="a"
        )
        before = event_count(engine)

        with pytest.raises(IdempotencyKeyReused, match="with other arguments"):
            engine.record_advance(
                finance,
                approval_id,
                2025,
                amount=400_000,
                paid_on=SUBMITTED_ON,
                idempotency_key="a",
            )

        assert event_count(engine) == before

    def test_keys_are_scoped_to_the_user_presenting_them(self, engine: SubsidyEngine) -> None:
        world = World.build(engine)
        first = world.draft(year(2024))
        engine.submit_application(world.applicant, first, on=SUBMITTED_ON, idempotency_key="same")
        other = Actor("applicant-2", Role.APPLICANT, world.lead_id)
        second = world.draft(year(2024))

        engine.submit_application(other, second, on=SUBMITTED_ON, idempotency_key="same")

        assert engine.application(second).status == "submitted"

    def test_a_stale_expected_version_is_refused(self, engine: SubsidyEngine) -> None:
        world = World.build(engine)
        application_id = world.draft(year(2024))
        read_version = engine.application(application_id).version
        engine.withdraw_application(world.applicant, application_id, reason="誤登録")
        before = event_count(engine)

        with pytest.raises(ConcurrencyConflict, match="changed since you read it"):
            engine.submit_application(
                world.applicant, application_id, expected_version=read_version
            )

        assert event_count(engine) == before

    def test_a_current_expected_version_is_accepted(self, engine: SubsidyEngine) -> None:
        world = World.build(engine)
        application_id = world.draft(year(2024))
        version = engine.application(application_id).version

        engine.submit_application(
            world.applicant, application_id, on=SUBMITTED_ON, expected_version=version
        )

        assert engine.application(application_id).version == version + 1


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
class TestConcurrentThreads:
    def test_two_threads_approving_one_application_exactly_one_succeeds(
        self, engine: SubsidyEngine
    ) -> None:
        world = World.build(engine)
        application_id = world.reviewed(year(2024))
        hold_saves_until(engine, threading.Barrier(2))
        outcomes: list[object] = []

        def approve(approver: Actor) -> None:
            try:
                outcomes.append(
                    engine.approve_application(
                        approver, application_id, amounts=amounts((2024, 1_000_000)), reason="可"
                    )
                )
            except ConcurrencyConflict as conflict:
                outcomes.append(conflict)

        threads = [threading.Thread(target=approve, args=(a,)) for a in (APPROVER, SECOND_APPROVER)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert sorted(type(o).__name__ for o in outcomes) == ["ConcurrencyConflict", "UUID"]
        assert granted_events(engine, application_id) == 1
        assert engine.application(application_id).status == "approved"

    def test_two_threads_repeating_one_key_record_the_command_once(
        self, engine: SubsidyEngine
    ) -> None:
        world = World.build(engine)
        application_id = world.reviewed(year(2024))
        hold_saves_until(engine, threading.Barrier(2))
        outcomes: list[UUID] = []

        def approve() -> None:
            outcomes.append(
                engine.approve_application(
                    APPROVER,
                    application_id,
                    amounts=amounts((2024, 1_000_000)),
                    reason="可",
                    idempotency_key="approve-once",
                )
            )

        threads = [threading.Thread(target=approve) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert len(outcomes) == 2
        assert outcomes[0] == outcomes[1]
        assert granted_events(engine, application_id) == 1


def _approve_in_child(
    url: str, application_id: UUID, user_id: str, barrier: Any, results: Any
) -> None:
    try:
        engine = make_engine(url)
    except Exception as error:
        barrier.abort()
        results.put(f"unexpected {type(error).__name__}: {error}")
        return
    hold_saves_until(engine, barrier)
    try:
        engine.approve_application(
            Actor(user_id, Role.APPROVER),
            application_id,
            amounts=amounts((2024, 1_500_000)),
            reason="可",
        )
        results.put("approved")
    except ConcurrencyConflict:
        results.put("conflict")
    except Exception as error:
        results.put(f"unexpected {type(error).__name__}: {error}")
    finally:
        engine.close()


@pytest.mark.slow
@pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True)
def test_two_processes_approving_one_application_exactly_one_succeeds(
    engine: SubsidyEngine, store_url: str
) -> None:
    world = World.build(engine)
    application_id = world.reviewed(year(2024))
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    processes = [
        context.Process(
            target=_approve_in_child, args=(store_url, application_id, user, barrier, results)
        )
        for user in (APPROVER.user_id, SECOND_APPROVER.user_id)
    ]

    for process in processes:
        process.start()
    outcomes = sorted(results.get(timeout=60) for _ in processes)
    for process in processes:
        process.join(timeout=60)

    assert outcomes == ["approved", "conflict"]
    assert granted_events(engine, application_id) == 1


def reserved_events(engine: SubsidyEngine) -> int:
    return sum(
        1
        for notification in engine.recorder.select_notifications(1, 10_000)
        if notification.topic.endswith("FiscalBudget.Reserved")
    )


def two_applications_for_the_last_budget(engine: SubsidyEngine) -> list[UUID]:
    world = World.build(engine)
    engine.set_appropriation(ADMIN, fiscal_year=2024, amount=1_500_000, reason="補正後の残額")
    return [world.reviewed(year(2024)), world.reviewed(year(2024))]


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_two_threads_approving_for_the_last_yen_exactly_one_wins(engine: SubsidyEngine) -> None:
    applications = two_applications_for_the_last_budget(engine)
    hold_saves_until(engine, threading.Barrier(2))
    outcomes: list[object] = []

    def approve(application_id: UUID) -> None:
        try:
            outcomes.append(
                engine.approve_application(
                    APPROVER, application_id, amounts=amounts((2024, 1_500_000)), reason="可"
                )
            )
        except ConcurrencyConflict as conflict:
            outcomes.append(conflict)

    threads = [threading.Thread(target=approve, args=(a,)) for a in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(type(o).__name__ for o in outcomes) == ["ConcurrencyConflict", "UUID"]
    assert reserved_events(engine) == 1
    assert engine.fiscal_budget(2024) == (1_500_000, 1_500_000, 0)


@pytest.mark.slow
@pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True)
def test_two_processes_approving_for_the_last_yen_exactly_one_wins(
    engine: SubsidyEngine, store_url: str
) -> None:
    applications = two_applications_for_the_last_budget(engine)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    processes = [
        context.Process(
            target=_approve_in_child, args=(store_url, a, APPROVER.user_id, barrier, results)
        )
        for a in applications
    ]

    for process in processes:
        process.start()
    outcomes = sorted(results.get(timeout=60) for _ in processes)
    for process in processes:
        process.join(timeout=60)

    assert outcomes == ["approved", "conflict"]
    assert reserved_events(engine) == 1
    assert engine.fiscal_budget(2024) == (1_500_000, 1_500_000, 0)
