"""The ledger as open data: a 360Giving Data Standard (1.4) grants package.

One grant is one approval's money in one fiscal year (an ``AnnualDisbursement``): Japanese
public money is decided, paid and settled year by year (単年度主義), and a year of the scheme is
what the 360Giving fields describe: ``amountAwarded`` is the year's decided amount after any
amendment, ``plannedDates`` the fiscal year (April 1 to March 31), ``awardDate`` the decision's
notice date, one ``disbursementTransaction`` per payment (概算払 and 精算払), and
``amountDisbursed`` their sum. The years of one decision share the approval's id in their grant
ids (``360G-JCRD-<approval id>-FY2024``, under the configured publisher prefix).

360Giving has no field for money coming back. Repayments (返還) are published as additional
fields, which the standard allows beside its own: ``repaymentTransaction`` (one per receipt of
principal) with ``amountRepaid`` their sum, and ``chargeTransaction`` (加算金 and 延滞金, interest
on money repaid, not grant money) with ``amountCharged``. ``amountDisbursed`` stays what was
paid out, so what the grantee kept is ``amountDisbursed - amountRepaid``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from subsidy.domain.errors import RuleViolation
from subsidy.domain.scheme import DEFAULT_SCHEME_CODE, DEFAULT_SCHEME_NAME
from subsidy.domain.wareki import (
    fiscal_year_end,
    fiscal_year_start,
    format_fiscal_year,
    format_wareki,
)
from subsidy.exports.reading import LABELS_BY_CODE, GrantYear, LedgerLine

STANDARD_VERSION = "1.4"
PROGRAMME = {"code": DEFAULT_SCHEME_CODE, "title": DEFAULT_SCHEME_NAME}
CURRENCY = "JPY"
AWARD = ("decision", "amendment")
PAYMENTS = ("advance", "settlement")
CHARGES = ("additional_charge", "late_charge")

CorporateNumbers = Callable[[str], str | None]
"""The 13-digit corporate number (法人番号) of an organisation id, where one is known."""


@dataclass(frozen=True)
class Publisher:
    """Who publishes the package, and funds its grants.

    Attributes:
        prefix: The 360Giving publisher prefix every grant id begins with. 360Giving issues one
            on registration; ``360G-JCRD`` stands in until then (``SUBSIDY_GIVING360_PREFIX``).
        name: The funder's name.
        identifier: The funder's organisation identifier (``JP-JCN-`` and its corporate
            number); the prefix when none is configured (``SUBSIDY_GIVING360_FUNDER_ID``).
    """

    prefix: str = "360G-JCRD"
    name: str = "一般財団法人地域活性化センター"
    identifier: str | None = None

    @property
    def funder(self) -> dict[str, str]:
        """The package's ``fundingOrganization`` entry."""
        return {"id": self.identifier or self.prefix, "name": self.name}


DEFAULT_PUBLISHER = Publisher()


class EmptyGrantsPackage(RuleViolation):
    """A 360Giving package must hold at least one grant."""


def check_publishable(kind: str | None, fiscal_year: int | None, *, any_grant: bool) -> None:
    """Refuse what cannot become a valid package: a kind filter, or no grant at all.

    Raises:
        RuleViolation: A kind was named: a grant needs every movement of its year.
        EmptyGrantsPackage: Nothing matches.
    """
    if kind is not None:
        msg = "a 360Giving grant needs every movement of its year: leave out the kind filter"
        raise RuleViolation(msg, field="kind", rule="360giving.grant")
    if not any_grant:
        year = f" for {format_fiscal_year(fiscal_year)}" if fiscal_year is not None else ""
        msg = f"no grant to publish{year}: a 360Giving package holds at least one grant"
        raise EmptyGrantsPackage(msg, field="fiscal_year", rule="360giving.package.grants")


def grant_id(approval_id: str, fiscal_year: int, prefix: str = DEFAULT_PUBLISHER.prefix) -> str:
    """The grant's identifier: the publisher prefix, the approval and the fiscal year."""
    return f"{prefix}-{approval_id}-FY{fiscal_year}"


def organisation_identifier(
    organisation_id: str, corporate_number: str | None, prefix: str = DEFAULT_PUBLISHER.prefix
) -> str:
    """``JP-JCN-`` and the corporate number where known, else an id under the prefix."""
    if corporate_number:
        return f"JP-JCN-{corporate_number}"
    return f"{prefix}-ORG-{organisation_id}"


def grant(
    year: GrantYear, corporate_number: str | None, publisher: Publisher = DEFAULT_PUBLISHER
) -> dict[str, Any]:
    """One grant of the package, from an approval's year of ledger rows."""
    identifier = grant_id(year.approval_id, year.fiscal_year, publisher.prefix)
    awarded_on = next(line.occurred_on for line in year.lines if line.kind == "decision")
    record: dict[str, Any] = {
        "id": identifier,
        "title": _title(year),
        "description": _description(year, awarded_on),
        "currency": CURRENCY,
        "amountAwarded": sum(line.amount for line in year.lines if line.kind in AWARD),
        "awardDate": awarded_on.isoformat(),
        "plannedDates": [_fiscal_year_dates(year.fiscal_year)],
        "recipientOrganization": [_recipient(year, corporate_number, publisher.prefix)],
        "fundingOrganization": [publisher.funder],
        "grantProgramme": [PROGRAMME],
        **_money(identifier, year.lines),
        "dateModified": _instant(max(line.recorded_at for line in year.lines)),
    }
    if year.prefecture:
        record["beneficiaryLocation"] = [{"name": year.prefecture, "countryCode": "JP"}]
    return record


def package_chunks(
    grants: Iterable[dict[str, Any]],
    *,
    fiscal_year: int | None,
    issued: date,
    publisher: Publisher = DEFAULT_PUBLISHER,
) -> Iterator[bytes]:
    """The package as UTF-8 JSON bytes: its metadata, then one grant per line as it comes."""
    span = format_fiscal_year(fiscal_year) if fiscal_year is not None else "全年度"
    metadata = {
        "version": STANDARD_VERSION,
        "title": f"{DEFAULT_SCHEME_NAME} {span} 助成一覧",
        "description": f"{publisher.name}が{DEFAULT_SCHEME_NAME}で交付決定した助成（{span}）",
        "issued": issued.isoformat(),
        "publisher": {"name": publisher.name, "identifier": publisher.funder["id"]},
    }
    head = json.dumps(metadata, ensure_ascii=False)
    yield (head[:-1] + ', "grants": [\n').encode("utf-8")
    for index, record in enumerate(grants):
        separator = ",\n" if index else ""
        yield (separator + json.dumps(record, ensure_ascii=False)).encode("utf-8")
    yield b"\n]}\n"


def grants_of(
    years: Iterable[GrantYear],
    corporate_number: CorporateNumbers,
    publisher: Publisher = DEFAULT_PUBLISHER,
) -> Iterator[dict[str, Any]]:
    """Each year as a grant; an organisation's corporate number is looked up once."""
    known: dict[str, str | None] = {}  # one entry per organisation, not per row
    for year in years:
        if year.organisation_id not in known:
            known[year.organisation_id] = corporate_number(year.organisation_id)
        yield grant(year, known[year.organisation_id], publisher)


def _recipient(year: GrantYear, corporate_number: str | None, prefix: str) -> dict[str, Any]:
    recipient: dict[str, Any] = {
        "id": organisation_identifier(year.organisation_id, corporate_number, prefix),
        "name": year.organisation_name or year.organisation_id,
        "addressCountry": "JP",
    }
    if year.prefecture:
        recipient["addressRegion"] = year.prefecture
    return recipient


def _money(identifier: str, lines: Sequence[LedgerLine]) -> dict[str, Any]:
    """Payments out, and principal and charges back, each with its transactions and sum."""
    payments = [line for line in lines if line.kind in PAYMENTS]
    repayments = [line for line in lines if line.kind == "repayment"]
    charges = [line for line in lines if line.kind in CHARGES]
    return {
        "amountDisbursed": sum(line.amount for line in payments),
        "disbursementTransaction": _transactions(identifier, payments),
        "amountRepaid": sum(line.amount for line in repayments),
        "repaymentTransaction": _transactions(identifier, repayments),
        "amountCharged": sum(line.amount for line in charges),
        "chargeTransaction": _transactions(identifier, charges),
    }


def _title(year: GrantYear) -> str:
    return year.title or f"{year.organisation_name}への助成"


def _description(year: GrantYear, awarded_on: date) -> str:
    text = (
        f"{DEFAULT_SCHEME_NAME}（{format_fiscal_year(year.fiscal_year)}分）: "
        f"{year.organisation_name}「{_title(year)}」、{format_wareki(awarded_on)}交付決定"
    )
    if year.approval_status == "revoked":
        text += "。交付決定は取り消され、交付済額は返還の対象"
    return text


def _fiscal_year_dates(fiscal_year: int) -> dict[str, Any]:
    return {
        "title": format_fiscal_year(fiscal_year),
        "startDate": fiscal_year_start(fiscal_year).isoformat(),
        "endDate": fiscal_year_end(fiscal_year).isoformat(),
        "duration": 12,
    }


def _transactions(identifier: str, lines: Iterable[LedgerLine]) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{identifier}-{line.position}-{line.line}",
            "transactionDate": line.occurred_on.isoformat(),
            "currency": CURRENCY,
            "value": line.amount,
            "description": LABELS_BY_CODE.get(line.kind, line.kind),
        }
        for line in lines
    ]


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
