"""Budget control: the year's appropriation and what grant decisions reserve of it."""

from uuid import NAMESPACE_URL, uuid5

import pytest

from subsidy.domain import rules
from subsidy.domain.actor import Actor, Role
from subsidy.domain.errors import InvalidValue, PermissionDenied, RuleViolation
from subsidy.domain.fiscal_budget import FiscalBudget, OverBudget

from domain_builders import ADMIN, APPROVER, SCHEME_ID, emitted, names, settled

FINANCE = Actor("finance", Role.FINANCE)
FIRST = uuid5(NAMESPACE_URL, "subsidy:test:approval:1")
SECOND = uuid5(NAMESPACE_URL, "subsidy:test:approval:2")


def appropriated(amount: int = 3_000_000, reserved: int = 0) -> FiscalBudget:
    """FY2024 with ``amount`` appropriated and ``reserved`` of it held by FIRST."""
    budget = FiscalBudget.appropriate(
        scheme_id=SCHEME_ID, fiscal_year=2024, amount=amount, actor=ADMIN
    )
    if reserved:
        budget.reserve(approval_id=FIRST, amount=reserved, actor=APPROVER)
    settled(budget)
    return budget


def test_appropriate_records_the_years_appropriation() -> None:
    budget = FiscalBudget.appropriate(
        scheme_id=SCHEME_ID, fiscal_year=2024, amount=3_000_000, actor=ADMIN
    )

    events = emitted(budget)
    assert names(events) == ["Appropriated"]
    assert (events[0].fiscal_year, events[0].amount, events[0].actor) == (2024, 3_000_000, ADMIN)
    assert budget.id == FiscalBudget.id_for(SCHEME_ID, 2024)
    assert budget.remaining == 3_000_000


@pytest.mark.parametrize("actor", [FINANCE, APPROVER], ids=["finance", "approver"])
def test_only_an_administrator_appropriates(actor: Actor) -> None:
    with pytest.raises(PermissionDenied, match="administrator") as raised:
        FiscalBudget.appropriate(scheme_id=SCHEME_ID, fiscal_year=2024, amount=1, actor=actor)

    assert raised.value.rule == "roles"


def test_reserve_within_what_remains_records_the_reservation() -> None:
    budget = appropriated(reserved=1_500_000)

    budget.reserve(approval_id=SECOND, amount=1_500_000, actor=APPROVER)

    events = emitted(budget)
    assert names(events) == ["Reserved"]
    assert (events[0].approval_id, events[0].amount) == (SECOND, 1_500_000)
    assert events[0].rule == rules.BUDGET
    assert (budget.reserved, budget.remaining) == (3_000_000, 0)


def test_a_second_reservation_for_one_approval_adds_to_the_first() -> None:
    budget = appropriated(reserved=1_000_000)

    budget.reserve(approval_id=FIRST, amount=500_000, actor=APPROVER)

    assert names(emitted(budget)) == ["Reserved"]
    assert budget.reserved_for(FIRST) == 1_500_000


def test_reserve_beyond_what_remains_is_refused() -> None:
    budget = appropriated(reserved=2_500_000)

    with pytest.raises(OverBudget) as raised:
        budget.reserve(approval_id=SECOND, amount=500_001, actor=APPROVER)

    assert raised.value.message == (
        "FY2024: reserving 500,001 yen would exceed the 500,000 yen that remains "
        "of the 3,000,000 yen appropriation"
    )
    assert raised.value.rule == "budget.remaining"
    assert raised.value.field == "amounts.2024"
    assert budget.collect_events() == []
    assert budget.reserved_for(SECOND) == 0


def test_reserve_refuses_a_negative_amount() -> None:
    budget = appropriated(reserved=3_000_000)

    with pytest.raises(RuleViolation):
        budget.reserve(approval_id=SECOND, amount=-1_000_000, actor=APPROVER)

    assert budget.collect_events() == []
    assert budget.remaining == 0


def test_release_gives_back_part_of_a_reservation() -> None:
    budget = appropriated(reserved=1_500_000)

    budget.release(approval_id=FIRST, amount=500_000, reason="額の確定", actor=APPROVER)

    events = emitted(budget)
    assert names(events) == ["Released"]
    assert (events[0].approval_id, events[0].amount, events[0].reason) == (
        FIRST,
        500_000,
        "額の確定",
    )
    assert (budget.reserved_for(FIRST), budget.remaining) == (1_000_000, 2_000_000)


@pytest.mark.parametrize("amount", [0, 1_500_001], ids=["nothing", "more-than-reserved"])
def test_release_is_refused_beyond_the_reservation(amount: int) -> None:
    budget = appropriated(reserved=1_500_000)

    with pytest.raises(RuleViolation, match="reserved for") as raised:
        budget.release(approval_id=FIRST, amount=amount, reason="取消", actor=APPROVER)

    assert raised.value.rule == "budget.release"
    assert budget.collect_events() == []


def test_change_appropriation_down_to_what_is_reserved_is_recorded() -> None:
    budget = appropriated(reserved=2_000_000)

    budget.change_appropriation(amount=2_000_000, reason="補正予算", actor=ADMIN)

    events = emitted(budget)
    assert names(events) == ["AppropriationChanged"]
    assert (events[0].amount, events[0].reason) == (2_000_000, "補正予算")
    assert budget.remaining == 0


def test_change_appropriation_never_goes_below_what_is_reserved() -> None:
    budget = appropriated(reserved=2_000_000)

    with pytest.raises(OverBudget) as raised:
        budget.change_appropriation(amount=1_999_999, reason="補正予算", actor=ADMIN)

    assert raised.value.message == (
        "FY2024: 2,000,000 yen is already reserved, more than the proposed appropriation "
        "of 1,999,999 yen"
    )
    assert raised.value.rule == "budget.not_below_reserved"
    assert budget.collect_events() == []
    assert budget.appropriation == 3_000_000


def test_change_appropriation_needs_a_reason() -> None:
    budget = appropriated()

    with pytest.raises(InvalidValue, match="needs a reason") as raised:
        budget.change_appropriation(amount=4_000_000, reason=" ", actor=ADMIN)

    assert raised.value.field == "reason"
    assert budget.collect_events() == []


def test_change_appropriation_is_refused_to_anyone_but_an_administrator() -> None:
    budget = appropriated()

    with pytest.raises(PermissionDenied):
        budget.change_appropriation(amount=4_000_000, reason="補正予算", actor=FINANCE)

    assert budget.collect_events() == []
