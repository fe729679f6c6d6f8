"""Check digits of the public identifiers that name Japanese organisations.

A wrong digit in an identifier would silently attach a grant to the wrong body in every export,
so both identifiers are checked where they enter the engine.
"""

from __future__ import annotations

from subsidy.domain.errors import InvalidValue

LOCAL_GOVERNMENT_CODE_LENGTH = 6
CORPORATE_NUMBER_LENGTH = 13


def local_government_check_digit(first_five: str) -> int:
    """Return the check digit of a 全国地方公共団体コード from its first five digits.

    Args:
        first_five: The five ASCII digits before the check digit.

    Raises:
        ValueError: `first_five` is not five digits; validate the code instead for user input.

    Returns:
        (11 − r) mod 10, where r = (6·d1 + 5·d2 + 4·d3 + 3·d4 + 2·d5) mod 11.
    """
    weighted = sum(
        weight * int(digit) for weight, digit in zip((6, 5, 4, 3, 2), first_five, strict=True)
    )
    return (11 - weighted % 11) % 10


def validate_local_government_code(code: str) -> str:
    """Check a 6-digit 全国地方公共団体コード, e.g. 011002 (札幌市) or 130001 (東京都).

    Args:
        code: The code as given.

    Returns:
        The code, unchanged.

    Raises:
        InvalidValue: The code is not six ASCII digits or its last digit is not the check digit.
    """
    _require_digits(
        code, LOCAL_GOVERNMENT_CODE_LENGTH, "local_government_code", "地方公共団体コード"
    )
    expected = local_government_check_digit(code[:5])
    if int(code[5]) != expected:
        raise InvalidValue(
            f"Local government code {code!r} has check digit {code[5]}, but its first five digits "
            f"give {expected}; check the code against the 全国地方公共団体コード list.",
            field="local_government_code",
            rule="check_digit",
        )
    return code


def corporate_number_check_digit(base: str) -> int:
    """Return the check digit of a 法人番号 from its 12-digit base.

    Args:
        base: The twelve ASCII digits after the check digit.

    Returns:
        9 − (Σ P_i·Q_i mod 9), where P_i is the i-th digit counted from the right and Q_i is 1
        for odd i and 2 for even i.
    """
    weighted = sum(
        int(digit) * (1 if position % 2 else 2)
        for position, digit in enumerate(reversed(base), start=1)
    )
    return 9 - weighted % 9


def validate_corporate_number(number: str) -> str:
    """Check a 13-digit 法人番号 whose first digit is the check digit, e.g. 7000012050002.

    Args:
        number: The corporate number as given.

    Returns:
        The number, unchanged.

    Raises:
        InvalidValue: The number is not thirteen ASCII digits or its first digit is not the
            check digit.
    """
    _require_digits(number, CORPORATE_NUMBER_LENGTH, "corporate_number", "Corporate number")
    expected = corporate_number_check_digit(number[1:])
    if int(number[0]) != expected:
        raise InvalidValue(
            f"Corporate number {number!r} starts with check digit {number[0]}, but its other "
            f"twelve digits give {expected}; check the number at the 法人番号公表サイト.",
            field="corporate_number",
            rule="check_digit",
        )
    return number


def _require_digits(value: str, length: int, field: str, label: str) -> None:
    # isdigit() alone would let full-width and other scripts' digits through.
    if len(value) != length or not (value.isascii() and value.isdigit()):
        raise InvalidValue(
            f"{label} {value!r} must be exactly {length} ASCII digits (0-9), "
            f"without spaces or hyphens; {len(value)} characters were given.",
            field=field,
            rule="format",
        )
