"""Yen arithmetic: the ¥1,000 floor, the grant ceiling and whole-yen amounts."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subsidy.domain.errors import InvalidValue
from subsidy.domain.money import floor_to_thousand, grant_ceiling, require_thousands, require_yen

costs = st.integers(min_value=0, max_value=10**11)
rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(1), places=4, allow_nan=False)


@given(cost=costs, rate=rates)
def test_grant_ceiling_is_a_whole_number_of_thousands(cost: int, rate: Decimal) -> None:
    ceiling = grant_ceiling(cost, rate)

    assert isinstance(ceiling, int)
    assert ceiling % 1_000 == 0


@given(cost=costs, rate=rates)
def test_grant_ceiling_never_exceeds_cost_times_rate(cost: int, rate: Decimal) -> None:
    ceiling = grant_ceiling(cost, rate)

    assert Decimal(ceiling) <= Decimal(cost) * rate


@given(cost=costs, rate=rates)
def test_grant_ceiling_drops_less_than_a_thousand_yen(cost: int, rate: Decimal) -> None:
    ceiling = grant_ceiling(cost, rate)

    assert Decimal(ceiling) > Decimal(cost) * rate - 1_000


@given(cost=costs, extra=costs, rate=rates)
def test_grant_ceiling_grows_with_the_cost(cost: int, extra: int, rate: Decimal) -> None:
    smaller = grant_ceiling(cost, rate)

    larger = grant_ceiling(cost + extra, rate)

    assert smaller <= larger


def test_grant_ceiling_floors_half_of_an_odd_cost_to_the_thousand() -> None:
    rate = Decimal("0.5")

    ceiling = grant_ceiling(1_234_567, rate)

    assert ceiling == 617_000


def test_grant_ceiling_at_the_full_rate_is_the_cost_floored_to_the_thousand() -> None:
    ceiling = grant_ceiling(1_600_999, Decimal(1))

    assert ceiling == 1_600_000


@given(amount=costs)
def test_floor_to_thousand_drops_only_the_part_below_a_thousand(amount: int) -> None:
    floored = floor_to_thousand(amount)

    assert floored % 1_000 == 0
    assert amount - 1_000 < floored <= amount
    assert floor_to_thousand(floored) == floored


@pytest.mark.parametrize(
    ("amount", "floored"), [(0, 0), (999, 0), (1_000, 1_000), (1_999, 1_000), (617_283, 617_000)]
)
def test_floor_to_thousand_examples(amount: int, floored: int) -> None:
    result = floor_to_thousand(amount)

    assert result == floored


@pytest.mark.parametrize("amount", [0, 1, 1_500_000])
def test_require_yen_accepts_a_whole_non_negative_number(amount: int) -> None:
    accepted = require_yen(amount, "amount")

    assert accepted == amount


@pytest.mark.parametrize("amount", [1.0, 1_500_000.0, Decimal(1000), "1000", None])
def test_require_yen_refuses_anything_but_an_int(amount: object) -> None:
    with pytest.raises(InvalidValue, match="whole number of yen") as raised:
        require_yen(amount, "requested")

    assert raised.value.field == "requested"
    assert raised.value.rule == "money.integer_yen"


@pytest.mark.parametrize("amount", [True, False])
def test_require_yen_refuses_a_bool(amount: bool) -> None:
    with pytest.raises(InvalidValue, match="whole number of yen") as raised:
        require_yen(amount, "requested")

    assert raised.value.rule == "money.integer_yen"


@pytest.mark.parametrize("amount", [-1, -1_000])
def test_require_yen_refuses_a_negative_amount(amount: int) -> None:
    with pytest.raises(InvalidValue, match="zero or more") as raised:
        require_yen(amount, "requested")

    assert raised.value.field == "requested"
    assert raised.value.rule == "money.non_negative"


def test_require_yen_refuses_zero_when_a_positive_amount_is_needed() -> None:
    with pytest.raises(InvalidValue, match="must be positive") as raised:
        require_yen(0, "amount", positive=True)

    assert raised.value.rule == "money.non_negative"


def test_require_thousands_refuses_an_amount_with_yen_below_a_thousand() -> None:
    with pytest.raises(InvalidValue, match="would be 1,499,000") as raised:
        require_thousands(1_499_999, "amounts.2024")

    assert raised.value.field == "amounts.2024"
    assert raised.value.rule == "money.floor_to_thousand"
