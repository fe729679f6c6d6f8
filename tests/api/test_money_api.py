"""Grant decisions and their money over HTTP: payments, reports, determinations, budgets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from uuid import UUID, uuid4

import pytest
from api_helpers import bearer
from fastapi.testclient import TestClient

from subsidy.api import problems
from subsidy.api.app import create_app, routers
from subsidy.api.routes import disbursements, money
from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_read_models, build_runners
from subsidy.domain.actor import Role
from subsidy.settings import Settings

from builders import APPROPRIATION, World, event_count
from conftest import ALL_STORES, make_engine, travel_to

ADVANCE_PAID_ON = date(2024, 6, 3)
REPORTED_ON = date(2025, 4, 10)
REPORT = {
    "cost_lines": [
        {"category": "謝金", "description": "講師謝金", "amount": 1_150_500},
        {"category": "旅費", "description": "講師旅費", "amount": 100_000},
    ]
}


@contextmanager
def money_api(store_url: str) -> Iterator[tuple[TestClient, SubsidyEngine]]:
    """``api_helpers.api`` with the money routes, until ``routers()`` serves them itself."""
    engine = make_engine(store_url)
    db = build_read_models(Settings(database_url=store_url))
    app = create_app(engine, db, build_runners(engine, db))
    for router in (money.router, disbursements.router):
        if router not in routers():
            app.include_router(router, responses=problems.RESPONSES)
    with TestClient(app) as client:
        yield client, engine
    engine.close()


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    with money_api(store_url) as (client, _):
        yield client


def engine_of(client: TestClient) -> SubsidyEngine:
    engine: SubsidyEngine = client.app.state.engine
    return engine


def approved(client: TestClient) -> tuple[World, UUID]:
    world = World.build(engine_of(client))
    return world, world.approved()


def finance(client: TestClient) -> dict[str, str]:
    return bearer(engine_of(client), "finance-sato", Role.FINANCE)


def applicant(client: TestClient, world: World) -> dict[str, str]:
    return bearer(engine_of(client), "applicant-isumi", Role.APPLICANT, world.lead_id)


def year_url(approval_id: UUID, fiscal_year: int = 2024) -> str:
    return f"/api/v1/approvals/{approval_id}/years/{fiscal_year}"


def advance(amount: int, paid_on: date = ADVANCE_PAID_ON) -> dict[str, object]:
    return {"kind": "advance", "amount": amount, "paid_on": paid_on.isoformat()}


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_a_year_walks_from_advance_to_settlement_and_shows_its_trail(client: TestClient) -> None:
    world, approval_id = approved(client)
    money_people, grantee = finance(client), applicant(client, world)
    url = year_url(approval_id)

    paid = client.post(f"{url}/payments", json=advance(1_000_000), headers=money_people)
    travel_to(REPORTED_ON)
    reported = client.post(f"{url}/report", json=REPORT, headers=grantee)
    determined = client.post(
        f"{url}/determination", json={"on": "2025-04-20"}, headers=money_people
    )
    settled = client.post(
        f"{url}/payments",
        json={"kind": "settlement", "paid_on": "2025-04-25"},
        headers=money_people,
    )
    year = client.get(url, headers=grantee)
    trail = client.get(f"{url}/trail", headers=grantee)

    assert paid.json() == {"kind": "advance", "amount": 1_000_000}
    assert reported.status_code == 204
    assert determined.json() == {"determined": 1_250_000}  # floor to ¥1,000 of 1,250,500
    assert settled.json() == {"kind": "settlement", "amount": 250_000}
    assert year.json()["paid"] == year.json()["determined"] == 1_250_000
    assert year.json()["closed"] is True
    assert year.json()["owed"] == 0
    assert year.headers["etag"] == f'"{year.json()["version"]}"'
    steps = [(s["event"], s["amount"], s["calculation"]["rule"]) for s in trail.json()]
    assert [(event, amount) for event, amount, _ in steps] == [
        ("PaymentRecorded", 1_000_000),
        ("Determined", 1_250_000),
        ("PaymentRecorded", 250_000),
    ]
    assert trail.json()[1]["calculation"]["inputs"]["eligible_cost"] == "1250500"
    assert all(rule for _, _, rule in steps)


def test_an_advance_above_the_decided_amount_is_a_422_naming_the_rule(
    client: TestClient,
) -> None:
    _, approval_id = approved(client)
    money_people = finance(client)
    before = event_count(engine_of(client))

    response = client.post(
        f"{year_url(approval_id)}/payments", json=advance(1_500_001), headers=money_people
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["rule"] == "disbursement.advance_within_decision"
    assert response.json()["field"] == "amount"
    assert "above the decided 1,500,000 yen" in response.json()["detail"]
    assert event_count(engine_of(client)) == before


def test_an_advance_without_an_amount_names_the_missing_field(client: TestClient) -> None:
    _, approval_id = approved(client)

    response = client.post(
        f"{year_url(approval_id)}/payments", json={"kind": "advance"}, headers=finance(client)
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "advance.amount"


def test_a_payment_by_an_approver_is_forbidden(client: TestClient) -> None:
    _, approval_id = approved(client)
    approver = bearer(engine_of(client), "approver", Role.APPROVER)

    response = client.post(
        f"{year_url(approval_id)}/payments", json=advance(100_000), headers=approver
    )

    assert response.status_code == 403
    assert response.json()["rule"] == "roles"


def test_another_organisations_applicant_finds_no_approval(client: TestClient) -> None:
    world, approval_id = approved(client)
    stranger = bearer(engine_of(client), "applicant-otaki", Role.APPLICANT, world.member_id)

    responses = [
        client.get(f"/api/v1/approvals/{approval_id}", headers=stranger),
        client.get(year_url(approval_id), headers=stranger),
        client.get(f"{year_url(approval_id)}/trail", headers=stranger),
        client.post(f"{year_url(approval_id)}/report", json=REPORT, headers=stranger),
        client.post(
            f"/api/v1/approvals/{approval_id}/withdrawal", json={"reason": "x"}, headers=stranger
        ),
    ]

    assert [r.status_code for r in responses] == [404] * 5


def test_an_applicant_reads_its_own_approval_with_an_etag(client: TestClient) -> None:
    world, approval_id = approved(client)

    response = client.get(f"/api/v1/approvals/{approval_id}", headers=applicant(client, world))

    assert response.status_code == 200
    assert response.headers["etag"] == f'"{response.json()["version"]}"'
    assert response.json()["organisation_id"] == str(world.lead_id)
    assert response.json()["total"] == 4_500_000
    assert response.json()["amounts"][0] == {"fiscal_year": 2024, "amount": 1_500_000}


def test_an_amendment_with_a_stale_if_match_is_refused_with_412(client: TestClient) -> None:
    _, approval_id = approved(client)
    approver = bearer(engine_of(client), "approver", Role.APPROVER)
    etag = client.get(f"/api/v1/approvals/{approval_id}", headers=approver).headers["etag"]
    body = {
        "amounts": [
            {"fiscal_year": 2024, "amount": 1_200_000},
            {"fiscal_year": 2025, "amount": 1_500_000},
            {"fiscal_year": 2026, "amount": 1_500_000},
        ],
        "reason": "事業計画の縮小",
    }

    first = client.post(
        f"/api/v1/approvals/{approval_id}/amendments",
        json=body,
        headers={**approver, "If-Match": etag},
    )
    second = client.post(
        f"/api/v1/approvals/{approval_id}/amendments",
        json={**body, "reason": "さらに縮小"},
        headers={**approver, "If-Match": etag},
    )

    assert first.status_code == 204
    assert second.status_code == 412
    assert second.json()["rule"] == "optimistic_concurrency"
    assert client.get(f"/api/v1/approvals/{approval_id}", headers=approver).json()["total"] == (
        4_200_000
    )


def test_a_payment_with_a_stale_if_match_on_the_year_is_refused_with_412(
    client: TestClient,
) -> None:
    _, approval_id = approved(client)
    money_people = finance(client)
    etag = client.get(year_url(approval_id), headers=money_people).headers["etag"]
    client.post(f"{year_url(approval_id)}/payments", json=advance(100_000), headers=money_people)

    response = client.post(
        f"{year_url(approval_id)}/payments",
        json=advance(100_000),
        headers={**money_people, "If-Match": etag},
    )

    assert response.status_code == 412
    assert client.get(year_url(approval_id), headers=money_people).json()["paid"] == 100_000


def test_a_retried_payment_with_one_idempotency_key_is_recorded_once(client: TestClient) -> None:
    _, approval_id = approved(client)
    headers = {**finance(client), "Idempotency-Key": str(uuid4())}
    url = f"{year_url(approval_id)}/payments"

    first = client.post(url, json=advance(300_000), headers=headers)
    events = event_count(engine_of(client))
    retry = client.post(url, json=advance(300_000), headers=headers)

    assert retry.json() == first.json() == {"kind": "advance", "amount": 300_000}
    assert event_count(engine_of(client)) == events
    assert client.get(year_url(approval_id), headers=headers).json()["paid"] == 300_000


def test_a_revocation_orders_the_advance_back_and_the_repayment_settles_it(
    client: TestClient,
) -> None:
    _, approval_id = approved(client)
    money_people = finance(client)
    approver = bearer(engine_of(client), "approver", Role.APPROVER)
    client.post(f"{year_url(approval_id)}/payments", json=advance(500_000), headers=money_people)

    revoked = client.post(
        f"/api/v1/approvals/{approval_id}/revocation",
        json={"ground": "目的外使用", "on": "2024-07-01", "repayment_due_on": "2024-07-31"},
        headers=approver,
    )
    owed = client.get(year_url(approval_id), params={"as_of": "2024-07-15"}, headers=approver)
    repaid = client.post(
        f"/api/v1/approvals/{approval_id}/repayments",
        json={"fiscal_year": 2024, "amount": owed.json()["owed"], "received_on": "2024-07-15"},
        headers=money_people,
    )
    after = client.get(year_url(approval_id), params={"as_of": "2024-07-15"}, headers=approver)

    assert revoked.status_code == 204
    assert client.get(f"/api/v1/approvals/{approval_id}", headers=approver).json()["status"] == (
        "revoked"
    )
    order = owed.json()["orders"][0]
    assert order["principal_ordered"] == order["principal_owed"] == 500_000
    assert order["additional_charge_owed"] > 0  # 加算金 runs from the day paid
    assert owed.json()["owed"] == 500_000 + order["additional_charge_owed"]
    assert repaid.status_code == 204
    assert after.json()["owed"] == 0
    assert after.json()["held"] == 0


def test_the_applicant_withdraws_within_the_period_after_the_notice(client: TestClient) -> None:
    world, approval_id = approved(client)
    travel_to(date(2024, 5, 25))

    response = client.post(
        f"/api/v1/approvals/{approval_id}/withdrawal",
        json={"reason": "事業体制が整わないため"},
        headers=applicant(client, world),
    )

    assert response.status_code == 204
    assert engine_of(client).approval(approval_id).status == "withdrawn"


def test_declaring_the_activity_end_answers_the_report_due_date(client: TestClient) -> None:
    world, approval_id = approved(client)

    response = client.post(
        f"{year_url(approval_id)}/activity-end",
        json={"ends_on": "2024-12-20"},
        headers=applicant(client, world),
    )

    assert response.json() == {"report_due_on": "2025-01-19"}


def test_an_administrator_sets_a_budget_and_finance_reads_it(client: TestClient) -> None:
    approved(client)
    admin = bearer(engine_of(client), "admin", Role.ADMINISTRATOR)
    etag = client.get("/api/v1/fiscal-budgets/2024", headers=admin).headers["etag"]

    changed = client.put(
        "/api/v1/fiscal-budgets/2024",
        json={"amount": APPROPRIATION + 5_000_000, "reason": "補正予算"},
        headers={**admin, "If-Match": etag},
    )
    stale = client.put(
        "/api/v1/fiscal-budgets/2024",
        json={"amount": APPROPRIATION, "reason": "再補正"},
        headers={**admin, "If-Match": etag},
    )
    read = client.get("/api/v1/fiscal-budgets/2024", headers=finance(client))

    expected = {
        "fiscal_year": 2024,
        "appropriated": 35_000_000,
        "reserved": 1_500_000,
        "remaining": 33_500_000,
    }
    assert changed.json() == read.json() == expected
    assert stale.status_code == 412
    assert read.headers["etag"] != etag


def test_budgets_are_refused_to_applicants_and_written_by_administrators_only(
    client: TestClient,
) -> None:
    world, _ = approved(client)
    money_people = finance(client)

    applicant_read = client.get("/api/v1/fiscal-budgets/2024", headers=applicant(client, world))
    finance_write = client.put(
        "/api/v1/fiscal-budgets/2030", json={"amount": 1_000_000}, headers=money_people
    )
    unknown_year = client.get("/api/v1/fiscal-budgets/2040", headers=money_people)

    assert applicant_read.status_code == 403
    assert finance_write.status_code == 403
    assert unknown_year.status_code == 404
    assert unknown_year.json()["detail"] == "no appropriation is set for FY2040"
