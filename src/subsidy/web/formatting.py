"""How the console writes money, dates and fiscal years: as Center staff write them on paper.

Yen are ``1,500,000円``; dates are 和暦 (``令和6年5月20日``) inside a ``<time>`` element whose
``title`` shows the ISO date on hover; fiscal years are ``令和6年度``. English pages write ISO
dates, ``¥1,500,000`` and ``FY2024``.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

from subsidy.domain.errors import InvalidValue
from subsidy.domain.wareki import format_fiscal_year, format_wareki

JAPAN = ZoneInfo("Asia/Tokyo")
MAN = 10_000
OKU = 100_000_000


def yen(amount: int | None, lang: str = "ja") -> str:
    """``1,500,000円`` (``¥1,500,000`` in English); a dash for no amount."""
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    if lang == "en":
        return f"{sign}¥{abs(amount):,}"
    return f"{sign}{abs(amount):,}円"


def yen_short(amount: int, lang: str = "ja") -> str:
    """A yen amount for a chart's axis: ``2,000万円`` or ``¥20.0M``."""
    if lang == "en":
        if amount >= 1_000_000:
            return f"¥{amount / 1_000_000:,.1f}M"
        return f"¥{amount:,}"
    if amount >= OKU:
        return f"{amount / OKU:,.1f}億円"
    if amount >= MAN:
        return f"{amount // MAN:,}万円"
    return f"{amount:,}円"


def fiscal_year(value: int | None, lang: str = "ja") -> str:
    """``令和6年度`` (``FY2024`` in English)."""
    if value is None:
        return "—"
    if lang == "en":
        return f"FY{value}"
    try:
        return format_fiscal_year(value)
    except InvalidValue:
        return f"{value}年度"


def day_text(day: date, lang: str = "ja") -> str:
    """A date as text: 和暦 in Japanese, ISO in English."""
    if lang == "en":
        return day.isoformat()
    try:
        return format_wareki(day)
    except InvalidValue:
        return day.isoformat()


def wareki_date(day: date | str | None, lang: str = "ja") -> Markup:
    """A ``<time>`` element: 和暦 shown, the ISO date in ``datetime`` and on hover."""
    if day is None or day == "":
        return Markup("—")
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    iso = day.isoformat()
    return Markup('<time datetime="{0}" title="{0}">{1}</time>').format(iso, day_text(day, lang))


def instant(moment: datetime | str | None, lang: str = "ja") -> Markup:
    """A recorded instant in Japan's time: ``令和6年5月20日 10:00``, ISO on hover."""
    if moment is None or moment == "":
        return Markup("—")
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = moment.astimezone(JAPAN)
    iso = local.isoformat(timespec="seconds")
    shown = f"{day_text(local.date(), lang)} {local:%H:%M}"
    return Markup('<time datetime="{0}" title="{0}">{1}</time>').format(iso, shown)


def days(value: float | None, lang: str = "ja") -> str:
    """A number of days: ``35日`` (``35 days``)."""
    if value is None:
        return "—"
    text = f"{value:g}"
    return f"{text} days" if lang == "en" else f"{text}日"


def parse_yen(text: str) -> int:
    """Yen as typed: full-width digits, separators, ``円`` and ``¥`` are accepted.

    Raises:
        ValueError: The text is not a whole, non-negative number of yen.
    """
    compact = unicodedata.normalize("NFKC", text).strip()
    for mark in (",", "円", "¥", "￥", " "):
        compact = compact.replace(mark, "")
    if not compact.isdigit() or not compact.isascii():
        raise ValueError(f"not whole yen: {text!r}")
    return int(compact)


def short_id(value: object) -> str:
    """The first eight characters of an id, for tables."""
    return str(value)[:8]
