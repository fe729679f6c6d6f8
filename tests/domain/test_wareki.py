from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subsidy.domain.errors import InvalidValue
from subsidy.domain.wareki import (
    fiscal_year_end,
    fiscal_year_of,
    fiscal_year_start,
    format_fiscal_year,
    format_wareki,
    parse_date,
    parse_fiscal_year,
    parse_wareki_date,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和3年11月3日", date(2021, 11, 3)),
        ("令和元年5月8日", date(2019, 5, 8)),
        ("平成30年1月17日", date(2018, 1, 17)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("昭和63年12月31日", date(1988, 12, 31)),
        ("大正15年12月25日", date(1926, 12, 25)),
    ],
)
def test_parse_reads_an_era_date(text: str, expected: date) -> None:
    parsed = parse_wareki_date(text)

    assert parsed == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和元年5月1日", date(2019, 5, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("昭和元年12月25日", date(1926, 12, 25)),
    ],
)
def test_parse_accepts_the_first_and_last_day_of_each_era(text: str, expected: date) -> None:
    parsed = parse_wareki_date(text)

    assert parsed == expected


def test_parse_accepts_full_width_digits_and_spaces() -> None:
    text = "令和　３年 １１月　３日"

    parsed = parse_wareki_date(text)

    assert parsed == date(2021, 11, 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("R3.11.3", date(2021, 11, 3)),
        ("H30.1.17", date(2018, 1, 17)),
        ("h30/1/17", date(2018, 1, 17)),
        ("R元.5.8", date(2019, 5, 8)),
        ("Ｒ３．１１．３", date(2021, 11, 3)),
        ("S64.1.7", date(1989, 1, 7)),
    ],
)
def test_parse_accepts_the_short_form_with_the_era_initial(text: str, expected: date) -> None:
    parsed = parse_wareki_date(text)

    assert parsed == expected


def test_parse_rejects_reiwa_before_its_first_day() -> None:
    text = "令和元年4月30日"

    with pytest.raises(InvalidValue) as raised:
        parse_wareki_date(text)

    assert raised.value.field == "date"
    assert "2019-05-01" in raised.value.message
    assert "平成31年4月30日" in raised.value.message


def test_parse_rejects_heisei_after_its_last_day() -> None:
    text = "平成31年5月1日"

    with pytest.raises(InvalidValue) as raised:
        parse_wareki_date(text)

    assert "令和元年5月1日" in raised.value.message


def test_parse_rejects_showa_after_its_last_day() -> None:
    text = "昭和64年1月8日"

    with pytest.raises(InvalidValue) as raised:
        parse_wareki_date(text)

    assert "平成元年1月8日" in raised.value.message


@pytest.mark.parametrize("text", ["平成0年1月17日", "令和0年5月1日", "R0.5.1"])
def test_parse_rejects_year_zero_because_the_first_year_is_gannen(text: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_wareki_date(text)

    assert "元年" in raised.value.message


def test_parse_rejects_a_gregorian_year_typed_after_an_era_name() -> None:
    text = "令和2024年3月8日"

    with pytest.raises(InvalidValue) as raised:
        parse_wareki_date(text)

    assert "2024" in raised.value.message


@pytest.mark.parametrize(
    "text",
    ["令和3年2月30日", "令和4年2月29日", "令和3年4月31日", "令和3年13月1日", "令和3年1月0日"],
)
def test_parse_rejects_a_day_missing_from_the_calendar(text: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_wareki_date(text)

    assert raised.value.rule == "calendar_date"


def test_parse_accepts_february_29_in_a_leap_year() -> None:
    text = "令和2年2月29日"

    parsed = parse_wareki_date(text)

    assert parsed == date(2020, 2, 29)


@pytest.mark.parametrize("text", ["大化3年1月1日", "明治40年1月1日", "X3.1.1"])
def test_parse_rejects_an_unknown_era_and_lists_the_known_ones(text: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_wareki_date(text)

    assert raised.value.rule == "wareki_era"
    assert "令和" in raised.value.message


@pytest.mark.parametrize(
    "text", ["", "garbage", "令和3年11月", "令和3年11月3", "令和三年十一月三日", "2024-03-08"]
)
def test_parse_rejects_text_that_is_not_an_era_date(text: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_wareki_date(text)

    assert raised.value.rule == "date_format"


def test_parse_names_the_field_it_was_given() -> None:
    text = "令和元年4月30日"

    with pytest.raises(InvalidValue) as raised:
        parse_wareki_date(text, field="signed_on")

    assert raised.value.field == "signed_on"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-08", date(2024, 3, 8)),
        ("2024/3/8", date(2024, 3, 8)),
        ("2024年3月8日", date(2024, 3, 8)),
        ("令和6年3月8日", date(2024, 3, 8)),
        ("H30.1.17", date(2018, 1, 17)),
    ],
)
def test_parse_date_reads_iso_and_era_dates(text: str, expected: date) -> None:
    parsed = parse_date(text)

    assert parsed == expected


@pytest.mark.parametrize(
    "text", ["2023-02-29", "2024-13-01", "令和元年4月30日", "元年5月8日", "3/8"]
)
def test_parse_date_rejects_a_day_that_does_not_exist_or_is_ambiguous(text: str) -> None:
    with pytest.raises(InvalidValue):
        parse_date(text)


def test_parse_date_says_both_forms_it_accepts() -> None:
    text = "next tuesday"

    with pytest.raises(InvalidValue) as raised:
        parse_date(text)

    assert "2024-03-08" in raised.value.message
    assert "令和6年3月8日" in raised.value.message


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 3, 8), "令和6年3月8日"),
        (date(2019, 5, 8), "令和元年5月8日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
    ],
)
def test_format_writes_the_era_in_force_on_the_day(day: date, expected: str) -> None:
    text = format_wareki(day)

    assert text == expected


def test_format_rejects_a_date_before_the_earliest_supported_era() -> None:
    day = date(1912, 7, 29)

    with pytest.raises(InvalidValue):
        format_wareki(day)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 3, 31), 2024),
        (date(2025, 4, 1), 2025),
        (date(2024, 4, 1), 2024),
        (date(2024, 12, 31), 2024),
        (date(2025, 1, 1), 2024),
    ],
)
def test_fiscal_year_runs_from_april_to_march(day: date, expected: int) -> None:
    fiscal_year = fiscal_year_of(day)

    assert fiscal_year == expected


def test_fiscal_year_bounds_are_april_first_and_march_thirty_first() -> None:
    fiscal_year = 2024

    bounds = (fiscal_year_start(fiscal_year), fiscal_year_end(fiscal_year))

    assert bounds == (date(2024, 4, 1), date(2025, 3, 31))


@pytest.mark.parametrize("fiscal_year", [0, 9999])
def test_fiscal_year_bounds_reject_a_year_outside_the_calendar(fiscal_year: int) -> None:
    with pytest.raises(InvalidValue) as raised:
        fiscal_year_end(fiscal_year)

    assert raised.value.field == "fiscal_year"


@pytest.mark.parametrize(
    ("fiscal_year", "expected"),
    [
        (2024, "令和6年度"),
        (2020, "令和2年度"),
        (2019, "令和元年度"),
        (2018, "平成30年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
    ],
)
def test_format_fiscal_year_takes_the_newer_era_from_its_first_year(
    fiscal_year: int, expected: str
) -> None:
    text = format_fiscal_year(fiscal_year)

    assert text == expected


def test_format_fiscal_year_rejects_a_year_before_the_earliest_supported_era() -> None:
    fiscal_year = 1911

    with pytest.raises(InvalidValue):
        format_fiscal_year(fiscal_year)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和6年度", 2024),
        ("平成31年度", 2019),
        ("令和元年度", 2019),
        ("平成元年度", 1989),
        ("昭和63年度", 1988),
        ("R6年度", 2024),
        ("2024年度", 2024),
        ("FY2024", 2024),
        ("fy 2024", 2024),
        ("ＦＹ２０２４", 2024),
    ],
)
def test_parse_fiscal_year_reads_era_and_gregorian_forms(text: str, expected: int) -> None:
    fiscal_year = parse_fiscal_year(text)

    assert fiscal_year == expected


@pytest.mark.parametrize(
    ("text", "suggestion"), [("昭和64年度", "平成元年度"), ("平成32年度", "令和2年度")]
)
def test_parse_fiscal_year_rejects_an_era_that_ended_before_the_year_began(
    text: str, suggestion: str
) -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_fiscal_year(text)

    assert suggestion in raised.value.message


@pytest.mark.parametrize("text", ["令和0年度", "令和6年", "FY24", "2024", "令和六年度", ""])
def test_parse_fiscal_year_rejects_malformed_text(text: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_fiscal_year(text)

    assert raised.value.field == "fiscal_year"


@given(st.dates(min_value=date(1927, 1, 1), max_value=date(2100, 12, 31)))
def test_era_date_round_trips_through_format_and_parse(day: date) -> None:
    text = format_wareki(day)

    parsed = parse_wareki_date(text)

    assert parsed == day


@given(st.integers(min_value=1927, max_value=2100))
def test_fiscal_year_round_trips_through_format_and_parse(fiscal_year: int) -> None:
    text = format_fiscal_year(fiscal_year)

    parsed = parse_fiscal_year(text)

    assert parsed == fiscal_year


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_every_day_lies_within_its_fiscal_year(day: date) -> None:
    fiscal_year = fiscal_year_of(day)

    assert fiscal_year_start(fiscal_year) <= day <= fiscal_year_end(fiscal_year)
