"""The aggregate cache: never ahead of the store, never behind it, whoever wrote to it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Repository

from subsidy.application import SubsidyEngine
from subsidy.application.accounts import ApiToken, ApiUser, TokenOwners, token_hash
from subsidy.application.repository import CachingRepository
from subsidy.domain.actor import Actor, Role
from subsidy.domain.approval import Approval
from subsidy.domain.disbursement import AnnualDisbursement
from subsidy.domain.errors import ConcurrencyConflict, RuleViolation
from subsidy.domain.fiscal_budget import FiscalBudget
from subsidy.domain.scheme import DEFAULT_SCHEME_CODE, Scheme

from builders import ADMIN, APPROPRIATION, APPROVER, World, amounts, event_count
from conftest import ALL_STORES, DURABLE_STORES, make_engine

FINANCE = Actor("finance", Role.FINANCE)
SMALLER = amounts((2024, 1_000_000), (2025, 1_500_000), (2026, 1_500_000))
MIDDLE = amounts((2024, 1_300_000), (2025, 1_500_000), (2026, 1_500_000))
APPROVED = amounts((2024, 1_500_000), (2025, 1_500_000), (2026, 1_500_000))
PAID_ON = date(2024, 6, 1)


def as_stored(engine: SubsidyEngine, aggregate_id: UUID) -> dict[str, Any]:
    """The aggregate replayed from the store, bypassing every cache."""
    uncached = Repository[UUID](engine.events, snapshot_store=engine.snapshots)
    return vars(uncached.get(aggregate_id))


def as_loaded(engine: SubsidyEngine, aggregate_id: UUID) -> dict[str, Any]:
    """The aggregate as the engine loads it for a command (through its cache)."""
    return vars(engine.repository.get(aggregate_id))


def budget_id(fiscal_year: int) -> UUID:
    return FiscalBudget.id_for(Scheme.id_for(DEFAULT_SCHEME_CODE), fiscal_year)


def year_id(approval_id: UUID, fiscal_year: int) -> UUID:
    return AnnualDisbursement.id_for(approval_id, fiscal_year)


def before_first_save(engine: SubsidyEngine, intrude: Callable[[], object]) -> None:
    """Run ``intrude`` (another engine's write) just before ``engine``'s next save."""
    original: Callable[..., Any] = engine.save
    pending = [intrude]

    def save(*objs: Any, **kwargs: Any) -> Any:
        while pending:
            pending.pop()()
        return original(*objs, **kwargs)

    object.__setattr__(engine, "save", save)


@pytest.fixture
def other_engine(store_url: str) -> Iterator[SubsidyEngine]:
    """A second engine (another process, as far as caches go) on the same store."""
    other = make_engine(store_url)
    yield other
    other.close()


def test_the_engine_caches_by_default_and_the_setting_turns_it_off(store_url: str) -> None:
    cached = make_engine(store_url)
    uncached = make_engine(store_url, aggregate_cache_size=0)

    try:
        assert isinstance(cached.repository, CachingRepository)
        assert cached.repository.cache is not None
        assert not isinstance(uncached.repository, CachingRepository)
        assert uncached.repository.cache is None
    finally:
        cached.close()
        uncached.close()


def paid_approval(engine: SubsidyEngine) -> UUID:
    """An approval whose FY2024 year has been paid 1,200,000 yen in advance."""
    approval_id = World.build(engine).approved()
    engine.record_advance(FINANCE, approval_id, 2024, amount=1_200_000, paid_on=date(2024, 6, 1))
    return approval_id


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
class TestRefusedAndFailedCommands:
    def test_a_command_refused_after_changing_an_aggregate_leaves_it_as_stored(
        self, engine: SubsidyEngine
    ) -> None:
        approval_id = paid_approval(engine)
        stored = as_stored(engine, approval_id)

        # The approval is amended first; the year then refuses to go below what was paid.
        with pytest.raises(RuleViolation, match="already paid"):
            engine.amend_approval(APPROVER, approval_id, amounts=SMALLER, reason="事業縮小")

        assert as_loaded(engine, approval_id) == stored
        assert as_stored(engine, approval_id) == stored

    def test_a_command_after_a_refused_one_is_recorded_at_the_next_version(
        self, engine: SubsidyEngine
    ) -> None:
        approval_id = paid_approval(engine)
        version = as_stored(engine, approval_id)["_version"]
        with pytest.raises(RuleViolation, match="already paid"):
            engine.amend_approval(APPROVER, approval_id, amounts=SMALLER, reason="事業縮小")

        engine.amend_approval(APPROVER, approval_id, amounts=MIDDLE, reason="事業縮小")

        stored = as_stored(engine, approval_id)
        assert stored["_version"] == version + 1
        assert stored["amounts"] == list(MIDDLE)
        assert as_loaded(engine, approval_id) == stored

    def test_a_refusal_by_the_last_of_several_aggregates_leaves_every_one_as_stored(
        self, engine: SubsidyEngine
    ) -> None:
        world = World.build(engine)
        approval_id = world.approved()
        budget = budget_id(2024)
        engine.amend_approval(APPROVER, approval_id, amounts=SMALLER, reason="事業縮小")
        engine.set_appropriation(ADMIN, fiscal_year=2024, amount=1_200_000, reason="補正")
        year = year_id(approval_id, 2024)
        stored = {i: as_stored(engine, i) for i in (approval_id, budget, year)}

        # Approval and year change; the budget then refuses the larger reservation.
        with pytest.raises(RuleViolation, match="that remains"):
            engine.amend_approval(APPROVER, approval_id, amounts=APPROVED, reason="事業拡大")

        assert {i: as_loaded(engine, i) for i in stored} == stored


@pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True)
class TestTwoEnginesOnOneStore:
    def test_a_save_that_loses_a_race_keeps_none_of_its_aggregates_unsaved_state(
        self, engine: SubsidyEngine, other_engine: SubsidyEngine
    ) -> None:
        world = World.build(engine)
        approval_id = world.approved()
        budget = budget_id(2024)
        year = year_id(approval_id, 2024)
        before_first_save(
            engine,
            lambda: other_engine.set_appropriation(
                ADMIN, fiscal_year=2024, amount=APPROPRIATION + 1, reason="補正"
            ),
        )
        recorded = event_count(engine)

        # Approval, budget and year are saved together; the budget was changed meanwhile.
        with pytest.raises(ConcurrencyConflict):
            engine.amend_approval(APPROVER, approval_id, amounts=SMALLER, reason="事業縮小")

        assert event_count(engine) == recorded + 1  # the other engine's change alone
        for aggregate_id in (approval_id, budget, year):
            assert as_loaded(engine, aggregate_id) == as_stored(engine, aggregate_id)
        assert engine.fiscal_budget(2024)[0] == APPROPRIATION + 1

    def test_the_command_tried_again_after_a_lost_race_is_recorded_once(
        self, engine: SubsidyEngine, other_engine: SubsidyEngine
    ) -> None:
        world = World.build(engine)
        approval_id = world.approved()
        version = as_stored(engine, approval_id)["_version"]
        before_first_save(
            engine,
            lambda: other_engine.set_appropriation(
                ADMIN, fiscal_year=2024, amount=APPROPRIATION + 1, reason="補正"
            ),
        )
        with pytest.raises(ConcurrencyConflict):
            engine.amend_approval(APPROVER, approval_id, amounts=SMALLER, reason="事業縮小")

        engine.amend_approval(APPROVER, approval_id, amounts=SMALLER, reason="事業縮小")

        assert as_loaded(other_engine, approval_id)["_version"] == version + 1
        assert as_loaded(other_engine, approval_id)["amounts"] == list(SMALLER)
        assert other_engine.fiscal_budget(2024) == engine.fiscal_budget(2024)

    def test_a_change_made_by_another_engine_is_loaded_at_once(
        self, engine: SubsidyEngine, other_engine: SubsidyEngine
    ) -> None:
        world = World.build(engine)
        approval_id = world.approved()
        cached_version = as_loaded(engine, approval_id)["_version"]

        other_engine.amend_approval(APPROVER, approval_id, amounts=SMALLER, reason="事業縮小")

        loaded = engine.repository.get(approval_id)
        assert isinstance(loaded, Approval)
        assert loaded.version == cached_version + 1
        assert loaded.amounts == list(SMALLER)
        assert engine.fiscal_budget(2024) == other_engine.fiscal_budget(2024)

    def test_a_command_on_an_aggregate_another_engine_changed_builds_on_that_change(
        self, engine: SubsidyEngine, other_engine: SubsidyEngine
    ) -> None:
        world = World.build(engine)
        approval_id = world.approved()
        engine.fiscal_budget(2024)  # cached in this engine
        other_engine.amend_approval(APPROVER, approval_id, amounts=SMALLER, reason="事業縮小")
        version = as_stored(engine, approval_id)["_version"]

        engine.amend_approval(
            APPROVER, approval_id, amounts=MIDDLE, reason="事業拡大", expected_version=version
        )

        reserved_2024 = other_engine.fiscal_budget(2024)[1]
        assert reserved_2024 == 1_300_000
        assert as_loaded(other_engine, approval_id) == as_stored(engine, approval_id)

    def test_a_user_revoked_by_another_engine_no_longer_authenticates(
        self, engine: SubsidyEngine, other_engine: SubsidyEngine
    ) -> None:
        token = engine.add_user(ADMIN, name="sato", role=Role.REVIEWER)
        assert engine.authenticate(token) == Actor("sato", Role.REVIEWER)

        other_engine.revoke_user(ADMIN, name="sato", reason="退任")

        assert engine.authenticate(token) is None
        assert other_engine.authenticate(token) is None

    def test_a_token_issued_by_another_engine_authenticates_at_once(
        self, engine: SubsidyEngine, other_engine: SubsidyEngine
    ) -> None:
        first = engine.add_user(ADMIN, name="suzuki", role=Role.FINANCE)
        engine.authenticate(first)

        second = other_engine.issue_token(ADMIN, name="suzuki")

        assert engine.authenticate(second) == Actor("suzuki", Role.FINANCE)
        assert engine.authenticate(first) == Actor("suzuki", Role.FINANCE)


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_threads_loading_while_others_change_an_aggregate_see_whole_states(
    engine: SubsidyEngine,
) -> None:
    engine.add_user(ADMIN, name="ito", role=Role.FINANCE)
    user_id = ApiUser.id_for("ito")
    issued: list[str] = []
    torn: list[tuple[int, int]] = []
    writers_done = threading.Event()

    def write() -> None:
        for _ in range(15):
            try:
                issued.append(engine.issue_token(ADMIN, name="ito"))
            except ConcurrencyConflict:
                continue

    def read() -> None:
        while not writers_done.is_set():
            user = engine.repository.get(user_id)
            assert isinstance(user, ApiUser)
            # One hash from the start and one per token issued: one per version, always.
            if len(user.token_hashes) != user.version:
                torn.append((user.version, len(user.token_hashes)))

    writers = [threading.Thread(target=write) for _ in range(3)]
    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    writers_done.set()
    for thread in readers:
        thread.join(timeout=120)

    assert not torn
    assert as_loaded(engine, user_id) == as_stored(engine, user_id)
    assert as_stored(engine, user_id)["_version"] == 1 + len(issued)
    assert all(engine.authenticate(token) is not None for token in issued)


@pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True)
@pytest.mark.parametrize("cache_size", [1_000, 0], ids=["cached", "uncached"])
def test_a_token_already_used_is_refused_once_another_engine_revokes_its_user(
    store_url: str, cache_size: int
) -> None:
    # The engine remembers which user a token belongs to, never whether that user may act.
    engine = make_engine(store_url, aggregate_cache_size=cache_size)
    other = make_engine(store_url)
    try:
        token = engine.add_user(ADMIN, name="kato", role=Role.FINANCE)
        for _ in range(3):
            assert engine.authenticate(token) == Actor("kato", Role.FINANCE)

        other.revoke_user(ADMIN, name="kato", reason="退任")

        assert engine.authenticate(token) is None
    finally:
        engine.close()
        other.close()


def test_the_remembered_token_owners_are_bounded_and_the_least_recently_used_go_first() -> None:
    owners = TokenOwners(maxsize=2)
    first, second, third = uuid4(), uuid4(), uuid4()
    owners.put(first, ApiUser.id_for("a"))
    owners.put(second, ApiUser.id_for("b"))

    assert owners.get(first) == ApiUser.id_for("a")  # now the most recently used
    owners.put(third, ApiUser.id_for("c"))

    assert owners.get(second) is None
    assert owners.get(first) == ApiUser.id_for("a")
    assert owners.get(third) == ApiUser.id_for("c")


def test_an_unknown_token_is_not_remembered(engine: SubsidyEngine) -> None:
    assert engine.authenticate("not-a-token") is None
    assert engine.authenticate("not-a-token") is None

    assert engine._token_owners.get(ApiToken.id_for(token_hash("not-a-token"))) is None


@pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True)
def test_a_read_sees_another_engines_change_and_leaves_the_cached_aggregate_whole(
    engine: SubsidyEngine, other_engine: SubsidyEngine
) -> None:
    engine.add_user(ADMIN, name="mori", role=Role.REVIEWER)
    user_id = ApiUser.id_for("mori")
    repository = engine.repository
    assert isinstance(repository, CachingRepository)
    assert repository.read(user_id, lambda user: user.revoked) is False

    other_engine.revoke_user(ADMIN, name="mori", reason="退任")

    assert repository.read(user_id, lambda user: (user.revoked, user.version)) == (True, 2)
    assert as_loaded(engine, user_id) == as_stored(engine, user_id)
