"""Yen, 和暦 dates and fiscal years as the console writes them; chart geometry; the catalogue."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from importlib.resources import files

import pytest
from markupsafe import Markup

from subsidy.web.charts import PLOT_WIDTH, grouped_columns, horizontal_bars, nice_ceiling
from subsidy.web.formatting import (
    day_text,
    days,
    fiscal_year,
    instant,
    parse_yen,
    wareki_date,
    yen,
    yen_short,
)
from subsidy.web.i18n import Translator
from subsidy.web.messages import MESSAGES


@pytest.mark.parametrize(
    ("amount", "lang", "text"),
    [
        (1_500_000, "ja", "1,500,000円"),
        (0, "ja", "0円"),
        (-20_000, "ja", "-20,000円"),
        (1_500_000, "en", "¥1,500,000"),
        (None, "ja", "—"),
    ],
)
def test_yen_are_written_with_separators_and_the_yen_sign(
    amount: int | None, lang: str, text: str
) -> None:
    assert yen(amount, lang) == text


@pytest.mark.parametrize(
    ("amount", "lang", "text"),
    [(20_000_000, "ja", "2,000万円"), (150_000_000, "ja", "1.5億円"), (20_000_000, "en", "¥20.0M")],
)
def test_chart_axes_write_large_amounts_short(amount: int, lang: str, text: str) -> None:
    assert yen_short(amount, lang) == text


@pytest.mark.parametrize(
    ("year", "lang", "text"),
    [
        (2024, "ja", "令和6年度"),
        (2019, "ja", "令和元年度"),
        (1988, "ja", "昭和63年度"),
        (2024, "en", "FY2024"),
    ],
)
def test_fiscal_years_are_written_in_the_era(year: int, lang: str, text: str) -> None:
    assert fiscal_year(year, lang) == text


def test_a_date_shows_wareki_with_the_iso_date_on_hover() -> None:
    shown = wareki_date(date(2019, 5, 8))

    assert isinstance(shown, Markup)
    assert shown == '<time datetime="2019-05-08" title="2019-05-08">令和元年5月8日</time>'


def test_english_pages_show_iso_dates() -> None:
    assert day_text(date(2024, 5, 20), "en") == "2024-05-20"


def test_an_instant_is_shown_on_japans_calendar() -> None:
    late_in_utc = datetime(2024, 3, 31, 15, 30, tzinfo=UTC)

    shown = instant(late_in_utc)

    assert "令和6年4月1日 00:30" in shown
    assert 'title="2024-04-01T00:30:00+09:00"' in shown


def test_days_to_decision_are_counted_in_days() -> None:
    assert (days(35.0), days(35.5, "en"), days(None)) == ("35日", "35.5 days", "—")


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1500000", 1_500_000),
        ("1,500,000円", 1_500_000),
        ("１，５００，０００円", 1_500_000),
        ("¥750,000", 750_000),
        (" 0 ", 0),
    ],
)
def test_yen_may_be_typed_with_separators_full_width_digits_and_yen_signs(
    typed: str, amount: int
) -> None:
    assert parse_yen(typed) == amount


@pytest.mark.parametrize("typed", ["", "1.5", "-1", "百万", "١٢٣", "1e6"])
def test_anything_but_whole_yen_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="not whole yen"):
        parse_yen(typed)


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [(0, 1), (1, 1), (7, 10), (12, 20), (20_000_000, 20_000_000), (2_100, 5_000)],
)
def test_chart_axes_end_on_a_round_number(value: int, ceiling: int) -> None:
    assert nice_ceiling(value) == ceiling


def test_the_longest_bar_fills_the_plot_and_the_others_are_in_proportion() -> None:
    chart = horizontal_bars([("交付決定", 10), ("審査中", 5), ("取下げ", 0)], str)

    widths = [bar.width for bar in chart.bars]

    assert widths == [PLOT_WIDTH, PLOT_WIDTH / 2, 0]
    assert [c.text for c in chart.captions] == ["交付決定", "審査中", "取下げ"]


def test_grouped_columns_share_one_axis_and_label_every_bar() -> None:
    chart = grouped_columns(
        ["令和6年度", "令和7年度"], ["予算額", "残額"], [[20, 10], [20, 5]], str, str
    )

    heights = [bar.height for bar in chart.bars]

    assert heights[0] == heights[2] == 2 * heights[1] == 4 * heights[3]
    assert chart.bars[3].label == "令和7年度 残額: 5"
    assert [tick.label for tick in chart.ticks] == ["0", "10", "20"]


def test_the_catalogue_has_both_languages_for_every_message() -> None:
    missing = [key for key, (ja, en) in MESSAGES.items() if not ja.strip() or not en.strip()]

    assert missing == []


def test_translated_messages_escape_values_but_keep_markup() -> None:
    t = Translator("ja")

    text = t("review.queue_for", who="<script>")
    dated = t("finance.as_of", day=wareki_date(date(2024, 5, 20)))

    assert "&lt;script&gt;" in text
    assert "<time" in dated


def test_every_label_a_template_asks_for_is_in_the_catalogue() -> None:
    templates = files("subsidy.web").joinpath("templates")
    text = "".join(t.read_text(encoding="utf-8") for t in templates.iterdir())

    asked = set(re.findall(r"""t\(\s*["']([a-z_]+\.[a-z_]+)["']""", text))

    assert asked
    assert sorted(asked - MESSAGES.keys()) == []
