"""One grant from the first plan to the settled year, over HTTP only, on every store.

The engine is called directly only for what no endpoint does: issuing tokens, registering the
reviewers, and moving the clock (applicants may only act today).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from api_helpers import api, bearer, catch_up
from fastapi.testclient import TestClient

from subsidy.domain.actor import Role

from builders import ADMIN, GOOD_SCORES
from conftest import ALL_STORES, travel_to

V1 = "/api/v1"
LEAD = "千葉県いすみ市"
APPLICANT = "applicant-isumi"
REVIEWERS = ("reviewer-a", "reviewer-b")
PLAN = {
    "title": "まちづくり人材育成アクションプラン",
    "first_fiscal_year": 2024,
    "last_fiscal_year": 2028,
    "target_roles": ["regional_leader"],
    "participant_groups": ["local_government_staff", "residents"],
    "measures": [
        {
            "fiscal_year": 2024,
            "component": "basic_qualities",
            "delivery_mode": "on_site",
            "description": "基礎研修",
            "planned_participants": 30,
        }
    ],
    "indicators": [{"name": "研修修了者数", "target": 40, "unit": "人"}],
}
COSTS = [
    {"category": "謝金", "description": "講師謝金", "amount": 1_500_000},
    {"category": "旅費", "description": "講師旅費", "amount": 100_000},
]
YEARS = [{"fiscal_year": fy, "cost_lines": COSTS, "requested": 1_500_000} for fy in (2024, 2025)]
DRAFT = {"title": "横串人材育成プログラム", "years": YEARS}
REVIEW = {"scores": GOOD_SCORES, "recommendation": "approve", "comment": "妥当"}
DECISION = {
    "outcome": "approved",
    "amounts": [{"fiscal_year": fy, "amount": 1_500_000} for fy in (2024, 2025)],
    "conditions": ["年度末に実績報告を提出すること"],
    "reason": "審査の結果、妥当と認める",
}
REPORT = {
    "cost_lines": [
        {"category": "謝金", "description": "講師謝金", "amount": 1_150_500},
        {"category": "旅費", "description": "講師旅費", "amount": 100_000},
    ]
}


def call(client: TestClient, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
    """The JSON body of a successful call (the test fails with the problem otherwise)."""
    response = client.request(method, f"{V1}{path}", headers=headers, **kwargs)
    assert 200 <= response.status_code < 300, f"{method} {path}: {response.text}"
    return response.json() if response.content else None


@dataclass
class Scheme:
    """A client on a fresh store where the lead body has an agreement and budgets are set."""

    client: TestClient
    lead: str
    tokens: dict[str, dict[str, str]]

    def __call__(self, method: str, path: str, who: str, **kwargs: Any) -> Any:
        return call(self.client, method, path, self.tokens[who], **kwargs)


@pytest.fixture
def scheme(store_url: str) -> Iterator[Scheme]:
    with api(store_url) as (client, engine):
        admin = bearer(engine, ADMIN.user_id, Role.ADMINISTRATOR)
        body = {"name": LEAD, "kind": "municipality", "prefecture": "千葉県"}
        lead = call(client, "POST", "/organisations", admin, json=body)["id"]
        agreement = {"party_ids": [lead], "signed_on": "2018-01-17", "flagged": True}
        call(client, "POST", "/agreements", admin, json=agreement)
        for fiscal_year in (2024, 2025):
            budget = {"amount": 30_000_000}
            call(client, "PUT", f"/fiscal-budgets/{fiscal_year}", admin, json=budget)
        for name in REVIEWERS:  # no endpoint registers reviewers
            engine.register_reviewer(ADMIN, user_id=name, name=name)
        tokens = {"admin": admin, APPLICANT: bearer(engine, APPLICANT, Role.APPLICANT, UUID(lead))}
        tokens |= {name: bearer(engine, name, Role.REVIEWER) for name in REVIEWERS}
        for name, role in (("approver", Role.APPROVER), ("finance", Role.FINANCE)):
            tokens[name] = bearer(engine, name, role)
        tokens["auditor"] = bearer(engine, "auditor", Role.AUDITOR)
        yield Scheme(client, lead, tokens)


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_a_grant_from_plan_to_settlement_and_its_audit_over_http(scheme: Scheme) -> None:
    http = scheme

    # The applicant drafts and adopts a plan, then drafts and submits an application.
    travel_to(date(2024, 3, 1))
    plan = http("POST", "/action-plans", APPLICANT, json={**PLAN, "owner_id": scheme.lead})
    http("POST", f"/action-plans/{plan['id']}/adopt", APPLICANT)
    travel_to(date(2024, 4, 15))
    body = {"organisation_id": scheme.lead, "plan_id": plan["id"], "plan_version": 1, **DRAFT}
    application = http("POST", "/applications", APPLICANT, json=body)["id"]
    submission = http("POST", f"/applications/{application}/submit", APPLICANT)

    # An administrator assigns two reviewers; both review.
    travel_to(date(2024, 4, 22))
    for name in REVIEWERS:
        assignment = {"reviewer_user_id": name}
        http("POST", f"/applications/{application}/reviewers", "admin", json=assignment)
        http("POST", f"/applications/{application}/reviews", name, json=REVIEW)

    # The approver reads the application and decides.
    travel_to(date(2024, 5, 20))
    read = scheme.client.get(f"{V1}/applications/{application}", headers=scheme.tokens["approver"])
    version_before_decision = int(read.headers["ETag"].strip('"'))
    decided = http("POST", f"/applications/{application}/decision", "approver", json=DECISION)
    year = f"/approvals/{decided['approval_id']}/years/2024"

    # Finance advances money; the applicant reports; finance determines and settles.
    travel_to(date(2024, 6, 3))
    advance = http(
        "POST", f"{year}/payments", "finance", json={"kind": "advance", "amount": 1_000_000}
    )
    travel_to(date(2025, 4, 10))
    http("POST", f"{year}/report", APPLICANT, json=REPORT)
    travel_to(date(2025, 4, 20))
    determined = http("POST", f"{year}/determination", "finance", json={})
    settled = http("POST", f"{year}/payments", "finance", json={"kind": "settlement"})
    money = http("GET", year, APPLICANT)

    # An auditor reads the whole history and the application as it stood before the decision.
    catch_up(scheme.client)
    history = http("GET", "/audit/events", "auditor", params={"per_page": 200})["items"]
    state = f"/audit/aggregates/{application}/state"
    by_version = http("GET", state, "auditor", params={"version": version_before_decision})
    granted = next(e for e in history if e["event_type"] == "Approved")
    instant = datetime.fromisoformat(granted["recorded_at"]) - timedelta(microseconds=1)
    by_instant = http("GET", state, "auditor", params={"as_of": instant.isoformat()})

    assert submission == {"scheme_version": 1}
    assert advance == {"kind": "advance", "amount": 1_000_000}
    assert determined == {"determined": 1_250_000}  # 1,250,500 floored to ¥1,000
    assert settled == {"kind": "settlement", "amount": 250_000}
    assert (money["paid"], money["determined"], money["owed"]) == (1_250_000, 1_250_000, 0)
    assert money["closed"] is True
    assert len(history) < 200  # one page holds the whole log
    assert [e["position"] for e in history] == list(range(1, len(history) + 1))
    assert {e["actor_id"] for e in history} == {"system", *scheme.tokens} - {"auditor"}
    of_plan = [(e["event_type"], e["actor_id"]) for e in history if e["aggregate_id"] == plan["id"]]
    assert of_plan == [("Drafted", APPLICANT), ("Adopted", APPLICANT)]
    of_application = [
        (e["event_type"], e["actor_id"]) for e in history if e["aggregate_id"] == application
    ]
    assert of_application == [
        ("Drafted", APPLICANT),
        ("Submitted", APPLICANT),
        ("ReviewerAssigned", "admin"),
        ("ReviewRecorded", "reviewer-a"),
        ("ReviewerAssigned", "admin"),
        ("ReviewRecorded", "reviewer-b"),
        ("Approved", "approver"),
    ]
    money_events = [
        (e["event_type"], e["actor_id"])
        for e in history
        if e["aggregate_type"] == "AnnualDisbursement" and e["event_type"] != "Opened"
    ]
    assert money_events == [
        ("PaymentRecorded", "finance"),
        ("ReportSubmitted", APPLICANT),
        ("Determined", "finance"),
        ("PaymentRecorded", "finance"),
        ("Closed", "finance"),
    ]
    assert by_version["version"] == version_before_decision
    assert by_version["latest_version"] == version_before_decision + 1
    assert by_version["state"]["status"] == "under_review"
    assert by_instant["version"] == version_before_decision
    assert by_instant["state"]["status"] == "under_review"
