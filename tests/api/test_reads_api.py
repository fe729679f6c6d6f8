"""The read side over HTTP: lists, the review queue, the dashboard, the ledger and the audit."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from api_helpers import bearer, catch_up
from fastapi.testclient import TestClient

from subsidy.api import problems
from subsidy.api.app import create_app, routers
from subsidy.api.routes import ledger, reads
from subsidy.application import SubsidyEngine
from subsidy.application.accounts import ApiUser
from subsidy.application.organisations import AgreementRow
from subsidy.bootstrap import build_read_models, build_runners
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import CostCategory, CostLine
from subsidy.domain.organisation import Organisation
from subsidy.settings import Settings

from builders import ADMIN, REVIEWER_A, World, plan_content, year
from conftest import make_engine, travel_to

FINANCE = Actor("finance", Role.FINANCE)
ATAMI = "静岡県熱海市"


@contextmanager
def reads_api(store_url: str) -> Iterator[tuple[TestClient, SubsidyEngine]]:
    """``api_helpers.api`` with the read routes, until ``routers()`` serves them itself."""
    engine = make_engine(store_url)
    db = build_read_models(Settings(database_url=store_url))
    app = create_app(engine, db, build_runners(engine, db))
    for router in (reads.router, ledger.router):
        if router not in routers():
            app.include_router(router, responses=problems.RESPONSES)
    with TestClient(app) as client:
        yield client, engine
    engine.close()


@pytest.fixture
def api(store_url: str) -> Iterator[tuple[TestClient, SubsidyEngine]]:
    with reads_api(store_url) as (client, engine):
        yield client, engine


def atami(engine: SubsidyEngine) -> tuple[UUID, Actor, UUID]:
    """A second body in another prefecture, with an agreement and an adopted plan."""
    engine.import_agreements(ADMIN, [AgreementRow((ATAMI,), date(2019, 3, 1), False, 1)])
    organisation_id = Organisation.id_for(ATAMI)
    applicant = Actor("applicant-atami", Role.APPLICANT, organisation_id)
    plan_id = engine.draft_action_plan(applicant, owner_id=organisation_id, content=plan_content())
    travel_to(date(2024, 3, 1))
    engine.adopt_action_plan(applicant, plan_id, on=date(2024, 3, 1))
    travel_to(date(2024, 4, 15))
    return organisation_id, applicant, plan_id


def a_few_applications(engine: SubsidyEngine) -> dict[str, Any]:
    """Isumi: a draft for FY2024, one under review and one approved; Atami: a FY2025 draft."""
    world = World.build(engine)
    ids: dict[str, Any] = {"world": world}
    ids["bousai"] = engine.draft_application(
        world.applicant,
        organisation_id=world.lead_id,
        title="防災リーダー養成講座",
        plan_id=world.plan_id,
        plan_version=1,
        years=(year(2024),),
    )
    ids["under_review"] = world.submitted()
    engine.assign_reviewer(ADMIN, ids["under_review"], reviewer_user_id=REVIEWER_A.user_id)
    ids["approval"] = world.approved()
    ids["atami_id"], applicant, plan_id = atami(engine)
    ids["atami"] = engine.draft_application(
        applicant,
        organisation_id=ids["atami_id"],
        title="観光ＤＸ人材育成",
        plan_id=plan_id,
        plan_version=1,
        years=(year(2025),),
    )
    return ids


def a_settled_year(engine: SubsidyEngine, world: World, approval_id: UUID) -> None:
    """FY2024: an advance, the report, the determination and the settlement."""
    engine.record_advance(FINANCE, approval_id, 2024, amount=1_000_000, paid_on=date(2024, 6, 3))
    travel_to(date(2025, 4, 10))
    lines = (CostLine(CostCategory.HONORARIA, "講師謝金", 1_250_500),)
    engine.submit_performance_report(world.applicant, approval_id, 2024, cost_lines=lines)
    engine.determine_amount(FINANCE, approval_id, 2024, on=date(2025, 4, 20))
    engine.pay_settlement(FINANCE, approval_id, 2024, paid_on=date(2025, 4, 25))


def listed(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/applications", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids_of(page: dict[str, Any]) -> set[str]:
    return {row["application_id"] for row in page["items"]}


def test_the_applications_list_filters_by_status_year_prefecture_and_text(
    api: tuple[TestClient, SubsidyEngine],
) -> None:
    client, engine = api
    ids = a_few_applications(engine)
    admin = bearer(engine, "admin", Role.ADMINISTRATOR)
    catch_up(client)

    approved = listed(client, admin, status="approved")
    fy2025 = listed(client, admin, fiscal_year=2025)
    shizuoka = listed(client, admin, prefecture="静岡県")
    text = listed(client, admin, q="dx")  # full-width ＤＸ folds to dx
    isumi = listed(client, admin, organisation_id=str(ids["world"].lead_id))

    application_id = engine.approval(ids["approval"]).application_id
    assert ids_of(approved) == {str(application_id)}
    assert approved["items"][0]["decided_total"] == 4_500_000
    assert approved["items"][0]["approval_id"] == str(ids["approval"])
    assert ids_of(fy2025) == {str(ids["under_review"]), str(application_id), str(ids["atami"])}
    assert ids_of(shizuoka) == ids_of(text) == {str(ids["atami"])}
    assert isumi["total"] == 3


def test_the_applications_list_pages_with_a_total(api: tuple[TestClient, SubsidyEngine]) -> None:
    client, engine = api
    a_few_applications(engine)
    admin = bearer(engine, "admin", Role.ADMINISTRATOR)
    catch_up(client)

    first = listed(client, admin, per_page=3)
    second = listed(client, admin, per_page=3, page=2)

    assert (first["total"], second["total"]) == (4, 4)
    assert (len(first["items"]), len(second["items"])) == (3, 1)
    assert not ids_of(first) & ids_of(second)
    assert (second["page"], second["per_page"]) == (2, 3)


def test_an_applicant_lists_only_its_own_organisations_applications(
    api: tuple[TestClient, SubsidyEngine],
) -> None:
    client, engine = api
    ids = a_few_applications(engine)
    atami_applicant = bearer(engine, "applicant-atami", Role.APPLICANT, ids["atami_id"])
    catch_up(client)

    own = listed(client, atami_applicant)
    asking_for_isumi = listed(client, atami_applicant, organisation_id=str(ids["world"].lead_id))

    assert ids_of(own) == ids_of(asking_for_isumi) == {str(ids["atami"])}
    assert own["total"] == asking_for_isumi["total"] == 1


def test_a_reviewer_reads_its_own_queue_and_an_administrator_names_the_reviewer(
    api: tuple[TestClient, SubsidyEngine],
) -> None:
    client, engine = api
    ids = a_few_applications(engine)
    reviewer = bearer(engine, REVIEWER_A.user_id, Role.REVIEWER)
    admin = bearer(engine, "admin", Role.ADMINISTRATOR)
    catch_up(client)

    own = client.get("/api/v1/review-queue", headers=reviewer)
    named = client.get(
        "/api/v1/review-queue", params={"reviewer_id": REVIEWER_A.user_id}, headers=admin
    )

    assert own.json() == named.json()
    assert own.json()["reviewer_id"] == REVIEWER_A.user_id
    item = own.json()["items"][0]
    assert item["application_id"] == str(ids["under_review"])
    assert item["organisation_name"] == "千葉県いすみ市"
    assert item["due_on"] == "2024-04-29"


def test_the_review_queue_is_refused_to_others(api: tuple[TestClient, SubsidyEngine]) -> None:
    client, engine = api
    world = World.build(engine)
    reviewer = bearer(engine, REVIEWER_A.user_id, Role.REVIEWER)
    admin = bearer(engine, "admin", Role.ADMINISTRATOR)
    applicant = bearer(engine, "applicant-isumi", Role.APPLICANT, world.lead_id)

    someone_elses = client.get(
        "/api/v1/review-queue", params={"reviewer_id": "reviewer-b"}, headers=reviewer
    )
    nobody = client.get("/api/v1/review-queue", headers=admin)
    applicants = client.get("/api/v1/review-queue", headers=applicant)

    assert someone_elses.status_code == 403
    assert nobody.status_code == 422
    assert nobody.json()["field"] == "reviewer_id"
    assert applicants.status_code == 403


def test_the_dashboard_counts_applications_and_money_for_everyone_but_applicants(
    api: tuple[TestClient, SubsidyEngine],
) -> None:
    client, engine = api
    ids = a_few_applications(engine)
    approver = bearer(engine, "approver-2", Role.APPROVER)
    applicant = bearer(engine, "applicant-isumi", Role.APPLICANT, ids["world"].lead_id)
    catch_up(client)

    shown = client.get("/api/v1/dashboard", headers=approver)
    refused = client.get("/api/v1/dashboard", headers=applicant)

    figures = shown.json()
    assert figures["applications_by_status"]["draft"] == 2
    assert figures["applications_by_status"]["under_review"] == 1
    assert figures["applications_by_status"]["approved"] == 1
    fy2024 = next(y for y in figures["fiscal_years"] if y["fiscal_year"] == 2024)
    assert fy2024 == {
        "fiscal_year": 2024,
        "appropriated": 30_000_000,
        "reserved": 1_500_000,
        "remaining": 28_500_000,
        "paid": 0,
        "repaid": 0,
    }
    assert figures["decisions"] == 1
    approval = engine.approval(ids["approval"])
    submitted_on = engine.application(approval.application_id).submitted_on
    assert submitted_on is not None
    assert figures["median_days_to_decision"] == (approval.notice_date - submitted_on).days
    assert refused.status_code == 403


def test_the_ledger_lists_money_movements_with_the_years_totals(
    api: tuple[TestClient, SubsidyEngine],
) -> None:
    client, engine = api
    world = World.build(engine)
    approval_id = world.approved()
    a_settled_year(engine, world, approval_id)
    auditor = bearer(engine, "auditor", Role.AUDITOR)
    catch_up(client)

    year = client.get("/api/v1/ledger", params={"fiscal_year": 2024}, headers=auditor)
    payments = client.get(
        "/api/v1/ledger",
        params={"approval_id": str(approval_id), "kind": "advance"},
        headers=auditor,
    )

    assert [row["kind"] for row in year.json()["items"]] == [
        "decision",
        "advance",
        "determination",
        "settlement",
    ]
    assert year.json()["items"][-1]["balance"] == 1_250_000
    assert year.json()["fiscal_year_totals"] == {
        "decision": 1_500_000,
        "advance": 1_000_000,
        "determination": 1_250_000,
        "settlement": 250_000,
    }
    assert [(r["kind"], r["amount"]) for r in payments.json()["items"]] == [("advance", 1_000_000)]
    assert payments.json()["fiscal_year_totals"] is None


def test_the_ledger_downloads_as_csv_whose_totals_equal_the_events(
    api: tuple[TestClient, SubsidyEngine],
) -> None:
    client, engine = api
    world = World.build(engine)
    approval_id = world.approved()
    a_settled_year(engine, world, approval_id)
    finance = bearer(engine, "finance-sato", Role.FINANCE)
    catch_up(client)

    response = client.get("/api/v1/ledger", params={"format": "csv"}, headers=finance)

    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    rows = list(csv.DictReader(text.splitlines()))
    assert list(rows[0]) == list(ledger.CSV_HEADINGS)
    totals: Counter[str] = Counter()
    for row in rows:
        totals[row["区分"]] += int(row["金額（円）"])
    year = engine.disbursement(approval_id, 2024)
    trail = {step.event: step.amount for step in engine.money_trail(approval_id, 2024)}
    assert totals["交付決定"] == engine.approval(approval_id).total
    assert totals["概算払"] + totals["精算払"] == year.paid == 1_250_000
    assert totals["額の確定"] == trail["Determined"] == year.determined


def test_the_ledger_is_refused_to_approvers_and_applicants(
    api: tuple[TestClient, SubsidyEngine],
) -> None:
    client, engine = api
    world = World.build(engine)
    approver = bearer(engine, "approver-2", Role.APPROVER)
    applicant = bearer(engine, "applicant-isumi", Role.APPLICANT, world.lead_id)

    responses = [client.get("/api/v1/ledger", headers=h) for h in (approver, applicant)]

    assert [r.status_code for r in responses] == [403, 403]


def test_the_audit_log_filters_by_aggregate_actor_type_and_time(
    api: tuple[TestClient, SubsidyEngine],
) -> None:
    client, engine = api
    world = World.build(engine)
    approval_id = world.approved()
    application_id = engine.approval(approval_id).application_id
    auditor = bearer(engine, "auditor", Role.AUDITOR)
    catch_up(client)

    def events(**params: Any) -> list[dict[str, Any]]:
        response = client.get("/api/v1/audit/events", params=params, headers=auditor)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    application = events(aggregate_id=str(application_id))
    reviews = events(type="ReviewRecorded")
    by_reviewer = events(actor="reviewer-a")
    approved_at = datetime.fromisoformat(events(type="Approved")[0]["recorded_at"])
    until_decision = events(aggregate_id=str(application_id), until=approved_at.isoformat())
    since_decision = events(aggregate_id=str(application_id), since=approved_at.isoformat())

    assert [e["event_type"] for e in application] == [
        "Drafted",
        "Submitted",
        "ReviewerAssigned",
        "ReviewRecorded",
        "ReviewerAssigned",
        "ReviewRecorded",
        "Approved",
    ]
    assert {e["actor_id"] for e in reviews} == {"reviewer-a", "reviewer-b"}
    assert [e["event_type"] for e in by_reviewer] == ["ReviewRecorded"]
    assert by_reviewer[0]["details"]["review"]["recommendation"] == "approve"
    assert [e["event_type"] for e in since_decision] == ["Approved"]
    assert len(until_decision) == 6


def test_the_audit_log_refuses_an_instant_without_a_zone(
    api: tuple[TestClient, SubsidyEngine],
) -> None:
    client, engine = api
    auditor = bearer(engine, "auditor", Role.AUDITOR)

    response = client.get(
        "/api/v1/audit/events", params={"since": "2024-04-15T10:00:00"}, headers=auditor
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.since"


def test_the_state_as_of_an_instant_before_and_after_the_decision(
    api: tuple[TestClient, SubsidyEngine],
) -> None:
    client, engine = api
    world = World.build(engine)
    approval_id = world.approved()
    application_id = engine.approval(approval_id).application_id
    auditor = bearer(engine, "auditor", Role.AUDITOR)
    decided = engine.state_as_of(application_id, version=7)
    url = f"/api/v1/audit/aggregates/{application_id}/state"

    before = client.get(
        url,
        params={"as_of": (decided.recorded_at - timedelta(microseconds=1)).isoformat()},
        headers=auditor,
    )
    after = client.get(url, params={"as_of": decided.recorded_at.isoformat()}, headers=auditor)
    by_version = client.get(url, params={"version": 1}, headers=auditor)

    assert before.json()["state"]["status"] == "under_review"
    assert before.json()["version"] == 6
    assert after.json()["state"]["status"] == "approved"
    assert after.json()["state"]["approval_id"] == str(approval_id)
    assert after.json()["latest_version"] == after.json()["version"] == 7
    assert by_version.json()["state"]["status"] == "draft"
    first_year = after.json()["state"]["years"][0]
    assert first_year["fiscal_year"] == 2024
    assert first_year["cost_lines"][0]["category"] == "謝金"


def test_the_state_as_of_needs_one_instant_with_a_zone_and_an_auditor(
    api: tuple[TestClient, SubsidyEngine],
) -> None:
    client, engine = api
    world = World.build(engine)
    auditor = bearer(engine, "auditor", Role.AUDITOR)
    finance = bearer(engine, "finance-sato", Role.FINANCE)
    url = f"/api/v1/audit/aggregates/{world.plan_id}/state"

    naive = client.get(url, params={"as_of": "2024-04-15T10:00:00"}, headers=auditor)
    neither = client.get(url, headers=auditor)
    unknown = client.get(
        "/api/v1/audit/aggregates/00000000-0000-0000-0000-000000000001/state",
        params={"version": 1},
        headers=auditor,
    )
    refused = client.get(url, params={"version": 1}, headers=finance)

    assert naive.status_code == neither.status_code == 422
    assert "time zone" in naive.json()["detail"]
    assert unknown.status_code == 404
    assert refused.status_code == 403


def test_auditors_never_see_an_api_users_token_hashes(
    api: tuple[TestClient, SubsidyEngine],
) -> None:
    client, engine = api
    auditor = bearer(engine, "auditor", Role.AUDITOR)
    user_id = ApiUser.id_for("auditor")
    catch_up(client)

    events = client.get(
        "/api/v1/audit/events", params={"aggregate_id": str(user_id)}, headers=auditor
    )
    state = client.get(
        f"/api/v1/audit/aggregates/{user_id}/state", params={"version": 1}, headers=auditor
    )

    assert "token_hash" not in events.json()["items"][0]["details"]
    assert state.json()["state"]["token_hashes"] == "[redacted]"
    assert state.json()["state"]["role"] == "auditor"
