"""Japanese era dates (和暦) and fiscal years (年度).

The engine stores ISO dates and integer fiscal years; 和暦 appears only at the edges, where people
read and type it. An era begins on the day of an accession, so a year number only means something
together with the era's first and last day: 令和元年4月30日 and 平成31年5月1日 do not exist.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date

from subsidy.domain.errors import InvalidValue

# Era years above this are almost always a Gregorian year typed after an era name (令和2024年).
MAX_ERA_YEAR = 99


@dataclass(frozen=True, slots=True)
class Era:
    """One Japanese era.

    Attributes:
        name: The era name as written, e.g. 令和.
        initial: The romanised initial used in short forms such as R6.3.8.
        first_day: The first day of the era (its 元年).
        last_day: The last day of the era, or None for the current era.
        offset: Gregorian year minus era year.
    """

    name: str
    initial: str
    first_day: date
    last_day: date | None
    offset: int

    def contains(self, day: date) -> bool:
        """Return whether the day falls within the era."""
        return self.first_day <= day and (self.last_day is None or day <= self.last_day)

    def overlaps_fiscal_year(self, fiscal_year: int) -> bool:
        """Return whether any day of the fiscal year falls within the era."""
        return self.first_day <= fiscal_year_end(fiscal_year) and (
            self.last_day is None or fiscal_year_start(fiscal_year) <= self.last_day
        )


# 明治 is left out: before 明治6年 Japan used the lunisolar calendar, so its month and day
# numbers do not map to Gregorian dates by an offset, and no grant record reaches back that far.
# 大正 and 昭和 share 1926-12-25 because the accession happened on that day.
ERAS: tuple[Era, ...] = (
    Era("大正", "T", date(1912, 7, 30), date(1926, 12, 25), 1911),
    Era("昭和", "S", date(1926, 12, 25), date(1989, 1, 7), 1925),
    Era("平成", "H", date(1989, 1, 8), date(2019, 4, 30), 1988),
    Era("令和", "R", date(2019, 5, 1), None, 2018),
)

_ERA_NAMES = ", ".join(f"{era.name} ({era.initial})" for era in ERAS)
_ERA_DATE = re.compile(
    r"(?P<era>[^0-9]*?)(?P<year>元|[0-9]{1,4})年(?P<month>[0-9]{1,2})月(?P<day>[0-9]{1,2})日"
)
_INITIAL_DATE = re.compile(
    r"(?P<era>[A-Za-z])(?P<year>元|[0-9]{1,4})[./](?P<month>[0-9]{1,2})[./](?P<day>[0-9]{1,2})"
)
_ISO_DATE = re.compile(r"(?P<year>[0-9]{4})[-/](?P<month>[0-9]{1,2})[-/](?P<day>[0-9]{1,2})")
_ERA_FISCAL_YEAR = re.compile(r"(?P<era>[^0-9]+?)(?P<year>元|[0-9]{1,4})年度")
_GREGORIAN_FISCAL_YEAR = re.compile(r"(?:(?P<year>[0-9]{4})年度|FY(?P<fy>[0-9]{4}))", re.IGNORECASE)


def parse_wareki_date(text: str, *, field: str = "date") -> date:
    """Parse a Japanese era date such as 令和6年3月8日, 令和元年5月8日 or R6.3.8.

    Full-width digits and spaces are accepted.

    Args:
        text: The date as typed or printed.
        field: The field named in the error, so that an importer can point at its column.

    Returns:
        The Gregorian date.

    Raises:
        InvalidValue: The text is not an era date, names an unknown era, or names a day that does
            not exist in that era.
    """
    return _parse(text, field, gregorian=False)


def parse_date(text: str, *, field: str = "date") -> date:
    """Parse an ISO date (2024-03-08, also 2024/3/8 or 2024年3月8日) or a Japanese era date.

    Args:
        text: The date as typed or imported.
        field: The field named in the error.

    Returns:
        The Gregorian date.

    Raises:
        InvalidValue: The text is neither form, or names a day that does not exist.
    """
    return _parse(text, field, gregorian=True)


def format_wareki(day: date) -> str:
    """Write a date in the era in force on that day, e.g. 令和6年3月8日 or 令和元年5月8日.

    Raises:
        InvalidValue: The date is before the earliest supported era.
    """
    era = _era_of(day)
    return f"{era.name}{_year_text(day.year - era.offset)}年{day.month}月{day.day}日"


def fiscal_year_of(day: date) -> int:
    """Return the fiscal year (April 1 to March 31) a day belongs to: 2025-03-31 is in 2024."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_start(fiscal_year: int) -> date:
    """Return April 1 of the fiscal year."""
    _check_fiscal_year(fiscal_year)
    return date(fiscal_year, 4, 1)


def fiscal_year_end(fiscal_year: int) -> date:
    """Return March 31 that closes the fiscal year."""
    _check_fiscal_year(fiscal_year)
    return date(fiscal_year + 1, 3, 31)


def format_fiscal_year(fiscal_year: int) -> str:
    """Write a fiscal year in 和暦, e.g. 令和6年度 for 2024.

    A fiscal year that spans a change of era takes the newer era once its year number is at least
    1: 2019 is 令和元年度, 1989 is 平成元年度, but 1988 stays 昭和63年度.

    Raises:
        InvalidValue: The fiscal year is before the earliest supported era.
    """
    for era in reversed(ERAS):
        era_year = fiscal_year - era.offset
        if era_year >= 1 and era.overlaps_fiscal_year(fiscal_year):
            return f"{era.name}{_year_text(era_year)}年度"
    raise InvalidValue(
        f"Fiscal year {fiscal_year} is before {ERAS[0].name}, the earliest era this engine writes; "
        f"use a fiscal year from {ERAS[0].first_day.year} on.",
        field="fiscal_year",
        rule="wareki_fiscal_year",
    )


def parse_fiscal_year(text: str, *, field: str = "fiscal_year") -> int:
    """Parse a fiscal year written 令和6年度, 平成31年度, 2024年度 or FY2024.

    Args:
        text: The fiscal year as typed or printed.
        field: The field named in the error.

    Returns:
        The fiscal year as the Gregorian year in which it starts.

    Raises:
        InvalidValue: The text is not a fiscal year, or the era did not run during that year.
    """
    compact = _compact(text)
    if match := _GREGORIAN_FISCAL_YEAR.fullmatch(compact):
        fiscal_year = int(match["year"] or match["fy"])
        _check_fiscal_year(fiscal_year, field)
        return fiscal_year
    match = _ERA_FISCAL_YEAR.fullmatch(compact)
    if match is None:
        raise InvalidValue(
            f"{text!r} is not a fiscal year; write it like 令和6年度, 2024年度 or FY2024.",
            field=field,
            rule="wareki_fiscal_year",
        )
    era = _era_named(match["era"], text, field)
    fiscal_year = era.offset + _era_year(match["year"], era, text, field)
    if not era.overlaps_fiscal_year(fiscal_year):
        raise InvalidValue(
            f"{text!r} does not exist: {_span(era)}, outside fiscal year {fiscal_year}; "
            f"write it as {format_fiscal_year(fiscal_year)} "
            f"or {fiscal_year}年度.",
            field=field,
            rule="wareki_fiscal_year",
        )
    return fiscal_year


def _parse(text: str, field: str, *, gregorian: bool) -> date:
    compact = _compact(text)
    if gregorian and (match := _ISO_DATE.fullmatch(compact)):
        return _calendar_date(int(match["year"]), match, text, field)
    match = _ERA_DATE.fullmatch(compact) or _INITIAL_DATE.fullmatch(compact)
    if match is not None and not match["era"] and gregorian and len(match["year"]) == 4:
        return _calendar_date(int(match["year"]), match, text, field)
    if match is None or not match["era"]:
        expected = "an ISO date like 2024-03-08 or " if gregorian else ""
        raise InvalidValue(
            f"{text!r} is not a date; write {expected}a Japanese era date like 令和6年3月8日, "
            "令和元年5月8日 or R6.3.8.",
            field=field,
            rule="date_format",
        )
    era = _era_named(match["era"], text, field)
    day = _calendar_date(
        era.offset + _era_year(match["year"], era, text, field), match, text, field
    )
    if not era.contains(day):
        hint = f"; that day is written {format_wareki(day)}" if day >= ERAS[0].first_day else ""
        raise InvalidValue(
            f"{text!r} does not exist: {_span(era)}{hint}.",
            field=field,
            rule="wareki_date",
        )
    return day


def _calendar_date(year: int, match: re.Match[str], text: str, field: str) -> date:
    month, day = int(match["month"]), int(match["day"])
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidValue(
            f"{text!r} names a day that does not exist (year {year}, month {month}, day {day}); "
            "check the month and the day.",
            field=field,
            rule="calendar_date",
        ) from None


def _compact(text: str) -> str:
    # NFKC turns full-width digits, letters and spaces into their ASCII forms.
    return "".join(unicodedata.normalize("NFKC", text).split())


def _era_named(name: str, text: str, field: str) -> Era:
    for era in ERAS:
        if name in (era.name, era.initial, era.initial.lower()):
            return era
    raise InvalidValue(
        f"{text!r} has an unknown era {name!r}; use one of {_ERA_NAMES}.",
        field=field,
        rule="wareki_era",
    )


def _era_year(digits: str, era: Era, text: str, field: str) -> int:
    era_year = 1 if digits == "元" else int(digits)
    if not 1 <= era_year <= MAX_ERA_YEAR:
        raise InvalidValue(
            f"{text!r} has era year {era_year}; an era year runs from 元年 (1) to "
            f"{MAX_ERA_YEAR}, e.g. {era.name}元年 or {era.name}2年.",
            field=field,
            rule="wareki_year",
        )
    return era_year


def _era_of(day: date) -> Era:
    for era in reversed(ERAS):
        if era.contains(day):
            return era
    raise InvalidValue(
        f"{day} is before {ERAS[0].name} began on {ERAS[0].first_day}; it cannot be written in "
        "an era this engine supports.",
        field="date",
        rule="wareki_date",
    )


def _span(era: Era) -> str:
    if era.last_day is None:
        return f"{era.name} runs from {era.first_day} onward"
    return f"{era.name} ran from {era.first_day} to {era.last_day}"


def _year_text(era_year: int) -> str:
    return "元" if era_year == 1 else str(era_year)


def _check_fiscal_year(fiscal_year: int, field: str = "fiscal_year") -> None:
    if not MINYEAR <= fiscal_year < MAXYEAR:
        raise InvalidValue(
            f"Fiscal year {fiscal_year} is out of range; use a year from {MINYEAR} to "
            f"{MAXYEAR - 1}.",
            field=field,
            rule="fiscal_year_range",
        )
