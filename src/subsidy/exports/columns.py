"""The ledger's columns, shared by the CSV and the workbook's 明細 sheet.

Dates come twice, ISO and 和暦, and so does the fiscal year (2024 and 令和6年度): accountants in
Japan read the era, software reads ISO. Yen are whole numbers without separators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from subsidy.domain.wareki import format_fiscal_year, format_wareki
from subsidy.exports.reading import LABELS_BY_CODE, LedgerLine

JAPAN = ZoneInfo("Asia/Tokyo")
YEN = '#,##0"円"'
DAY = "yyyy-mm-dd"
INSTANT = "yyyy-mm-dd hh:mm:ss"
Value = str | int | date | datetime | None
"""What a ledger cell holds."""


@dataclass(frozen=True)
class Column:
    """A ledger column: its heading, its width in Excel, and its Excel number format."""

    heading: str
    width: int
    number_format: str | None = None


COLUMNS = (
    Column("記録番号", 10),
    Column("明細行", 8),
    Column("記録日時", 20, INSTANT),
    Column("発生日", 12, DAY),
    Column("発生日（和暦）", 18),
    Column("年度", 8),
    Column("年度（和暦）", 14),
    Column("交付決定ID", 38),
    Column("団体ID", 38),
    Column("団体名", 24),
    Column("区分", 10),
    Column("区分コード", 18),
    Column("金額（円）", 16, YEN),
    Column("残高（円）", 16, YEN),
    Column("根拠規定", 48),
    Column("記録者", 20),
)
HEADINGS = tuple(column.heading for column in COLUMNS)
KIND_CODE_COLUMN = HEADINGS.index("区分コード") + 1
AMOUNT_COLUMN = HEADINGS.index("金額（円）") + 1


def ledger_values(line: LedgerLine) -> tuple[Value, ...]:
    """The row's values in column order; the instant is Japan time, as the Center keeps books."""
    return (
        line.position,
        line.line,
        line.recorded_at.astimezone(JAPAN),
        line.occurred_on,
        _wareki(line.occurred_on),
        line.fiscal_year,
        _fiscal_year(line.fiscal_year),
        line.approval_id,
        line.organisation_id,
        line.organisation_name,
        LABELS_BY_CODE.get(line.kind, line.kind),
        line.kind,
        line.amount,
        line.balance,
        line.rule,
        line.actor_id,
    )


def csv_text(value: Value) -> str | int | None:
    """A value as the CSV writes it: instants to the second with their offset, dates ISO."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


# Dates repeat across thousands of rows; a bounded cache keeps memory constant.
@lru_cache(maxsize=4_096)
def _wareki(day: date) -> str:
    return format_wareki(day)


@lru_cache(maxsize=64)
def _fiscal_year(fiscal_year: int) -> str:
    return format_fiscal_year(fiscal_year)
