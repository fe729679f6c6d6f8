from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subsidy.domain.codes import (
    corporate_number_check_digit,
    local_government_check_digit,
    validate_corporate_number,
    validate_local_government_code,
)
from subsidy.domain.errors import InvalidValue

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("011002", id="札幌市"),
        pytest.param("130001", id="東京都"),
        pytest.param("131032", id="東京都港区"),
        pytest.param("122386", id="千葉県いすみ市"),
    ],
)
def test_local_government_code_with_a_correct_check_digit_is_accepted(code: str) -> None:
    validated = validate_local_government_code(code)

    assert validated == code


def test_local_government_code_with_a_wrong_check_digit_is_rejected_with_the_expected_digit() -> (
    None
):
    code = "011003"

    with pytest.raises(InvalidValue) as raised:
        validate_local_government_code(code)

    assert raised.value.field == "local_government_code"
    assert raised.value.rule == "check_digit"
    assert "give 2" in raised.value.message


@pytest.mark.parametrize(
    "code", ["", "01100", "0110020", "01100a", "011-002", " 011002", "０１１００２"]
)
def test_local_government_code_must_be_six_ascii_digits(code: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        validate_local_government_code(code)

    assert raised.value.field == "local_government_code"
    assert raised.value.rule == "format"


@pytest.mark.parametrize(("first_five", "expected"), [("00006", 0), ("00000", 1)])
def test_local_government_check_digit_reduces_eleven_minus_remainder_modulo_ten(
    first_five: str, expected: int
) -> None:
    check_digit = local_government_check_digit(first_five)

    assert check_digit == expected


@given(st.text(alphabet="0123456789", min_size=5, max_size=5), digits)
def test_local_government_code_is_accepted_only_with_its_own_check_digit(
    first_five: str, last: str
) -> None:
    code = first_five + last

    accepted = _accepts(validate_local_government_code, code)

    assert accepted == (int(last) == local_government_check_digit(first_five))


def test_corporate_number_with_a_correct_check_digit_is_accepted() -> None:
    number = "7000012050002"

    validated = validate_corporate_number(number)

    assert validated == number


def test_corporate_number_with_a_wrong_check_digit_is_rejected_with_the_expected_digit() -> None:
    number = "1000012050002"

    with pytest.raises(InvalidValue) as raised:
        validate_corporate_number(number)

    assert raised.value.field == "corporate_number"
    assert raised.value.rule == "check_digit"
    assert "give 7" in raised.value.message


@pytest.mark.parametrize(
    "number",
    ["", "700001205000", "70000120500020", "7-0000-1205-0002", "７０００００１２０５０００２"],
)
def test_corporate_number_must_be_thirteen_ascii_digits(number: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        validate_corporate_number(number)

    assert raised.value.field == "corporate_number"
    assert raised.value.rule == "format"


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), digits)
def test_corporate_number_is_accepted_only_with_its_own_check_digit(base: str, first: str) -> None:
    number = first + base

    accepted = _accepts(validate_corporate_number, number)

    assert accepted == (int(first) == corporate_number_check_digit(base))


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_corporate_number_check_digit_is_never_zero(base: str) -> None:
    check_digit = corporate_number_check_digit(base)

    assert 1 <= check_digit <= 9


def _accepts(validate: Callable[[str], str], value: str) -> bool:
    try:
        validate(value)
    except InvalidValue:
        return False
    return True
