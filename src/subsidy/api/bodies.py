"""What every request body shares: no unknown fields, clean text, integers and dates in range.

Every request model derives from :class:`RequestBody`. The rules here hold for every field of
every body, so a field added later is covered without anyone remembering to cover it:

* a field the model does not declare is refused (``schema.extra_forbidden``);
* text holds no control characters (C0, DEL, C1) and no lone surrogates, which cannot be stored
  or shown; fields named in ``multiline_fields`` may hold tab, line feed and carriage return
  (``text.control_character``);
* no integer is larger than 10¹⁵ in magnitude, so no read-model column can overflow
  (``numbers.magnitude``);
* every date falls within the fiscal years the engine keeps, FY1989 to FY2200
  (``dates.range``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from subsidy.domain.budget import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from subsidy.domain.money import MAX_YEN

FIRST_DAY = date(FIRST_FISCAL_YEAR, 4, 1)
LAST_DAY = date(LAST_FISCAL_YEAR + 1, 3, 31)
MULTILINE_CONTROLS = frozenset("\t\n\r")


def forbidden_character(text: str, *, multiline: bool) -> tuple[int, str] | None:
    """The first character ``text`` may not hold and its position, or ``None`` if it is clean.

    Control characters (U+0000–U+001F, U+007F, U+0080–U+009F) have no place in names, titles or
    reasons and can forge lines in logs and exports; lone surrogates (U+D800–U+DFFF) cannot be
    encoded at all. Multi-line text may keep tab, line feed and carriage return.
    """
    for position, char in enumerate(text):
        code = ord(char)
        control = code < 0x20 or 0x7F <= code <= 0x9F
        if control and not (multiline and char in MULTILINE_CONTROLS):
            return position, char
        if 0xD800 <= code <= 0xDFFF:
            return position, char
    return None


class RequestBody(BaseModel):
    """The base of every request model: see the module's rules."""

    model_config = ConfigDict(extra="forbid")

    #: Fields whose text may run over several lines (reasons, comments, purposes).
    multiline_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _clean_values(cls, value: Any, info: ValidationInfo) -> Any:
        _check(value, "the value", multiline=info.field_name in cls.multiline_fields)
        return value


def _check(value: Any, where: str, *, multiline: bool) -> None:
    """Apply the text, number and date rules to ``value`` and everything inside it."""
    if isinstance(value, BaseModel):
        return  # a nested body checked itself
    if isinstance(value, str):
        _check_text(value, where, multiline=multiline)
    elif isinstance(value, int) and not isinstance(value, bool):
        _check_magnitude(value, where)
    elif isinstance(value, date) and not isinstance(value, datetime):
        _check_day(value, where)
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            _check(item, f"item {index}", multiline=multiline)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, "a key", multiline=False)
            _check(item, f"the value of {key!r}", multiline=multiline)


def _check_text(text: str, where: str, *, multiline: bool) -> None:
    found = forbidden_character(text, multiline=multiline)
    if found is None:
        return
    position, char = found
    allowed = "tab, line feed and carriage return only" if multiline else "none"
    raise PydanticCustomError(
        "text.control_character",
        "{where} holds U+{code} at position {position}: text may not hold control characters "
        "or lone surrogates (allowed here: {allowed})",
        {"where": where, "code": f"{ord(char):04X}", "position": position, "allowed": allowed},
    )


def _check_magnitude(number: int, where: str) -> None:
    if abs(number) > MAX_YEN:
        raise PydanticCustomError(
            "numbers.magnitude",
            "{where} must lie between -10^15 and 10^15",
            {"where": where},
        )


def _check_day(day: date, where: str) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PydanticCustomError(
            "dates.range",
            "{where} must fall between {first} and {last} (fiscal years {fy1} to {fy2}), not {day}",
            {
                "where": where,
                "first": FIRST_DAY.isoformat(),
                "last": LAST_DAY.isoformat(),
                "fy1": FIRST_FISCAL_YEAR,
                "fy2": LAST_FISCAL_YEAR,
                "day": day.isoformat(),
            },
        )
