"""Instalments (端数は初回に) and the calculation recorded on money events."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subsidy.domain.errors import InvalidValue
from subsidy.domain.money import Calculation, split_instalments

totals = st.integers(min_value=0, max_value=10**11)
counts = st.integers(min_value=1, max_value=48)


@pytest.mark.parametrize(
    ("total", "count", "expected"),
    [
        (1_000_000, 3, [333_334, 333_333, 333_333]),
        (1_500_000, 4, [375_000, 375_000, 375_000, 375_000]),
        (100, 7, [16, 14, 14, 14, 14, 14, 14]),
        (2, 3, [2, 0, 0]),
        (1_500_000, 1, [1_500_000]),
    ],
)
def test_split_instalments_puts_the_remainder_on_the_first_instalment(
    total: int, count: int, expected: list[int]
) -> None:
    instalments = split_instalments(total, count)

    assert instalments == expected


@given(total=totals, count=counts)
def test_split_instalments_preserves_the_total(total: int, count: int) -> None:
    instalments = split_instalments(total, count)

    assert sum(instalments) == total
    assert len(instalments) == count


@given(total=totals, count=counts)
def test_split_instalments_pays_equal_yen_after_a_first_that_carries_the_remainder(
    total: int, count: int
) -> None:
    first, *rest = split_instalments(total, count)

    assert all(isinstance(amount, int) for amount in (first, *rest))
    assert len(set(rest)) <= 1
    assert 0 <= first - (rest[0] if rest else first) < count


@pytest.mark.parametrize("count", [0, -1])
def test_split_instalments_refuses_fewer_than_one_instalment(count: int) -> None:
    with pytest.raises(InvalidValue, match="at least one instalment") as raised:
        split_instalments(1_000_000, count)

    assert raised.value.field == "count"


@pytest.mark.parametrize("total", [-1, 1_000_000.0])
def test_split_instalments_refuses_a_total_that_is_not_whole_yen(total: int) -> None:
    with pytest.raises(InvalidValue) as raised:
        split_instalments(total, 2)

    assert raised.value.field == "total"


def test_calculation_explain_states_formula_inputs_result_and_rule() -> None:
    calculation = Calculation(
        rule="適正化法第15条準拠",
        formula="min(decided, floor_1000(eligible cost × rate))",
        inputs={"decided": "1500000", "eligible_cost": "1234567", "rate": "0.9"},
        result=1_111_000,
    )

    text = calculation.explain()

    assert text == (
        "min(decided, floor_1000(eligible cost × rate)) with decided = 1500000, "
        "eligible_cost = 1234567, rate = 0.9 → 1,111,000 yen (適正化法第15条準拠)"
    )


def test_calculation_explain_lists_each_step_on_its_own_indented_line() -> None:
    calculation = Calculation(
        rule="R",
        formula="principal first",
        inputs={"received": "201200"},
        result=201_200,
        steps=("加算金 total 0 yen", "延滞金 total 1,200 yen"),
    )

    lines = calculation.explain().splitlines()

    assert lines == [
        "principal first with received = 201200 → 201,200 yen (R)",
        "  加算金 total 0 yen",
        "  延滞金 total 1,200 yen",
    ]
