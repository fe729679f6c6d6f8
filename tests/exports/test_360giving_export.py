"""The 360Giving package: valid against the 1.4.3 schemas, identifiers right, sums the events'."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from exports.export_helpers import (
    ATAMI,
    ATAMI_CORPORATE_NUMBER,
    SCHEMAS,
    Books,
    figures,
    giving_validator,
    recorded_books,
)
from subsidy.domain.codes import validate_corporate_number
from subsidy.domain.errors import RuleViolation
from subsidy.domain.organisation import Organisation
from subsidy.exports import ExportFormat, LedgerExport, LedgerFilter
from subsidy.exports.files import engine_corporate_numbers
from subsidy.exports.giving360 import EmptyGrantsPackage

from builders import LEAD

ISSUED = date(2025, 5, 1)
UUID_TEXT = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
GRANT_ID = re.compile(rf"360G-JCRD-({UUID_TEXT})-FY(\d{{4}})")
ORG_ID = re.compile(rf"JP-JCN-\d{{13}}|360G-JCRD-ORG-{UUID_TEXT}")
URI_FIELDS = {"url", "dataSource", "website", "logo", "downloadURL", "accessURL", "license"}


@pytest.fixture
def books(store_url: str) -> Iterator[Books]:
    with recorded_books(store_url) as books:
        yield books


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return giving_validator()


def giving(books: Books, **where: Any) -> LedgerExport:
    return LedgerExport(
        ExportFormat.GIVING_360,
        LedgerFilter(**where),
        corporate_number=engine_corporate_numbers(books.engine),
        issued=ISSUED,
    )


def package(books: Books, fiscal_year: int | None = 2024) -> dict[str, Any]:
    export = giving(books, fiscal_year=fiscal_year)
    export.check(books.db)
    data: dict[str, Any] = json.loads(b"".join(export.chunks(books.db)))
    return data


def keys_anywhere(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_anywhere(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_anywhere(v)}
    return set()


def test_the_package_is_valid_against_the_360giving_schemas_with_formats_checked(
    books: Books, validator: Draft202012Validator
) -> None:
    data = package(books)

    assert list(validator.iter_errors(data)) == []
    assert "date-time" in validator.format_checker.checkers  # else every date passes oneOf
    assert not keys_anywhere(data) & URI_FIELDS  # formats the checker could not check
    assert data["version"] == "1.4"
    assert data["issued"] == "2025-05-01"


def test_the_schema_check_refuses_what_breaks_the_standard(
    books: Books, validator: Draft202012Validator
) -> None:
    data = package(books)
    broken = []
    for change in (
        lambda g: g.pop("currency"),
        lambda g: g.update(awardDate="2024-13-01"),
        lambda g: g.update(amountAwarded="1500000"),
        lambda g: g.update(dateModified="yesterday"),
        lambda g: g["recipientOrganization"][0].pop("id"),
        lambda g: g["disbursementTransaction"][0].update(currency="YEN"),
    ):
        grant = copy.deepcopy(data["grants"][0])
        change(grant)
        broken.append({**data, "grants": [grant]})

    assert all(not validator.is_valid(package) for package in broken)
    assert not validator.is_valid({**data, "grants": []})


def test_every_grant_has_the_required_fields_with_their_types(books: Books) -> None:
    schema = json.loads((SCHEMAS / "360-giving-schema.json").read_text("utf-8"))
    required = set(schema["oneOf"][0]["required"])

    grants = package(books)["grants"]

    assert len(grants) == 2
    for grant in grants:
        assert required <= set(grant)
        assert all(isinstance(grant[field], str) for field in ("id", "title", "description"))
        assert grant["currency"] == "JPY"
        amounts = ("amountAwarded", "amountDisbursed", "amountRepaid", "amountCharged")
        assert all(type(grant[field]) is int for field in amounts)
        date.fromisoformat(grant["awardDate"])
        transactions = (
            grant["disbursementTransaction"]
            + grant["repaymentTransaction"]
            + grant["chargeTransaction"]
        )
        assert all(t["currency"] == "JPY" and type(t["value"]) is int for t in transactions)


def test_identifiers_follow_the_360giving_and_org_id_rules(books: Books) -> None:
    grants = package(books, fiscal_year=None)["grants"]

    ids = [grant["id"] for grant in grants]
    assert len(set(ids)) == len(ids) == 4  # Isumi's three years and Atami's one
    matches = [GRANT_ID.fullmatch(grant_id) for grant_id in ids]
    assert all(matches)
    assert {(m[1], int(m[2])) for m in matches if m} == {
        (str(books.scenario.isumi), 2024),
        (str(books.scenario.isumi), 2025),
        (str(books.scenario.isumi), 2026),
        (str(books.scenario.atami), 2024),
    }
    transactions = [
        t["id"]
        for grant in grants
        for field in ("disbursementTransaction", "repaymentTransaction", "chargeTransaction")
        for t in grant[field]
    ]
    assert len(set(transactions)) == len(transactions)
    recipients = {
        g["recipientOrganization"][0]["name"]: g["recipientOrganization"][0] for g in grants
    }
    assert all(ORG_ID.fullmatch(r["id"]) for r in recipients.values())
    assert recipients[ATAMI]["id"] == f"JP-JCN-{ATAMI_CORPORATE_NUMBER}"
    validate_corporate_number(recipients[ATAMI]["id"].removeprefix("JP-JCN-"))
    assert recipients[LEAD]["id"] == f"360G-JCRD-ORG-{Organisation.id_for(LEAD)}"
    assert {g["fundingOrganization"][0]["id"] for g in grants} == {"360G-JCRD"}


def test_each_grant_holds_its_years_figures_from_the_events(books: Books) -> None:
    approvals = {str(a): a for a in (books.scenario.isumi, books.scenario.atami)}

    grants = package(books)["grants"]

    for grant in grants:
        match = GRANT_ID.fullmatch(grant["id"])
        assert match
        expected = figures(books.engine, approvals[match[1]], int(match[2]))
        payments = grant["disbursementTransaction"]
        assert len(payments) == expected.payments  # one transaction per payment
        assert grant["amountDisbursed"] == sum(t["value"] for t in payments) == expected.paid
        assert grant["amountAwarded"] == expected.decided
        assert grant["amountRepaid"] == sum(t["value"] for t in grant["repaymentTransaction"])
        assert grant["amountRepaid"] == expected.repaid
        assert grant["amountCharged"] == sum(t["value"] for t in grant["chargeTransaction"])
        assert grant["amountCharged"] == expected.charged
        assert grant["plannedDates"] == [
            {
                "title": "令和6年度",
                "startDate": "2024-04-01",
                "endDate": "2025-03-31",
                "duration": 12,
            }
        ]
        assert grant["awardDate"] == "2024-05-20"
        assert grant["grantProgramme"][0]["title"] == "地方創生人材育成伴走型支援事業"


def test_a_revoked_grant_shows_what_was_paid_and_what_came_back(books: Books) -> None:
    grants = {g["recipientOrganization"][0]["name"]: g for g in package(books)["grants"]}

    revoked = grants[ATAMI]
    assert (revoked["amountAwarded"], revoked["amountDisbursed"]) == (1_500_000, 600_000)
    assert revoked["amountRepaid"] == 600_000
    assert [t["description"] for t in revoked["repaymentTransaction"]] == ["返還金"]
    assert [t["description"] for t in revoked["chargeTransaction"]] == ["加算金"]
    assert revoked["amountCharged"] > 0
    assert "取り消" in revoked["description"]
    assert grants[LEAD]["amountRepaid"] == 0


def test_a_kind_filter_is_refused_before_anything_is_written(books: Books) -> None:
    export = giving(books, fiscal_year=2024, kind="advance")

    with pytest.raises(RuleViolation, match="kind filter") as refused:
        export.check(books.db)

    assert refused.value.field == "kind"


def test_a_year_without_grants_is_refused_as_an_empty_package(books: Books) -> None:
    export = giving(books, fiscal_year=2030)

    with pytest.raises(EmptyGrantsPackage, match="令和12年度") as refused:
        export.check(books.db)

    assert refused.value.field == "fiscal_year"
