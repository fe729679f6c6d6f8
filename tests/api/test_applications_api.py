"""Action Plans and grant applications over HTTP: roles, visibility, safe writes, problems."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from api_helpers import bearer
from fastapi import FastAPI
from fastapi.testclient import TestClient

from subsidy.api.app import create_app
from subsidy.api.routes import applications, plans
from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_read_models, build_runners
from subsidy.domain.actor import Role
from subsidy.settings import Settings

from builders import ADMIN, APPROVER, GOOD_SCORES, REVIEWER_A, REVIEWER_B, World, event_count
from conftest import ALL_STORES, make_engine

Headers = dict[str, str]


@dataclass
class Scene:
    """A client over a built World, with a token for each of its actors."""

    client: TestClient
    engine: SubsidyEngine
    world: World
    applicant: Headers
    admin: Headers
    reviewer_a: Headers
    reviewer_b: Headers
    approver: Headers
    auditor: Headers
    finance: Headers
    outsider: Headers  # an applicant of the member body, not a party to the lead's records


@pytest.fixture
def scene(store_url: str) -> Iterator[Scene]:
    engine = make_engine(store_url)
    db = build_read_models(Settings(database_url=store_url))
    app: FastAPI = create_app(engine, db, build_runners(engine, db))
    app.include_router(plans.router)
    app.include_router(applications.router)
    world = World.build(engine)
    with TestClient(app) as client:
        yield Scene(
            client,
            engine,
            world,
            applicant=bearer(engine, world.applicant.user_id, Role.APPLICANT, world.lead_id),
            admin=bearer(engine, ADMIN.user_id, Role.ADMINISTRATOR),
            reviewer_a=bearer(engine, REVIEWER_A.user_id, Role.REVIEWER),
            reviewer_b=bearer(engine, REVIEWER_B.user_id, Role.REVIEWER),
            approver=bearer(engine, APPROVER.user_id, Role.APPROVER),
            auditor=bearer(engine, "auditor", Role.AUDITOR),
            finance=bearer(engine, "finance", Role.FINANCE),
            outsider=bearer(engine, "applicant-otaki", Role.APPLICANT, world.member_id),
        )
    engine.close()


def plan_body(owner_id: UUID, title: str = "人材育成アクションプラン") -> dict[str, Any]:
    return {
        "owner_id": str(owner_id),
        "title": title,
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


def budget_year(fiscal_year: int, requested: int = 1_500_000) -> dict[str, Any]:
    return {
        "fiscal_year": fiscal_year,
        "cost_lines": [
            {"category": "謝金", "description": "講師謝金", "amount": 2_900_000},
            {"category": "旅費", "description": "講師旅費", "amount": 100_000},
        ],
        "requested": requested,
    }


def application_body(scene: Scene, *years: dict[str, Any], plan_id: UUID | None = None) -> Any:
    return {
        "organisation_id": str(scene.world.lead_id),
        "title": "横串人材育成プログラム",
        "purpose": "職員と住民の協働",
        "plan_id": str(plan_id or scene.world.plan_id),
        "plan_version": 1,
        "years": list(years) or [budget_year(2024), budget_year(2025), budget_year(2026)],
    }


def ok(response: Any, status: int = 200) -> Any:
    """The JSON body of a response with ``status`` (the test fails with the body otherwise)."""
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def drafted(scene: Scene, *years: dict[str, Any]) -> str:
    body = application_body(scene, *years)
    created = ok(scene.client.post("/api/v1/applications", json=body, headers=scene.applicant), 201)
    return str(created["id"])


def submitted(scene: Scene) -> str:
    application_id = drafted(scene)
    path = f"/api/v1/applications/{application_id}/submit"
    ok(scene.client.post(path, headers=scene.applicant))
    return application_id


def reviewed(scene: Scene) -> str:
    application_id = submitted(scene)
    path = f"/api/v1/applications/{application_id}"
    review = {"scores": GOOD_SCORES, "recommendation": "approve", "comment": "妥当"}
    for name, headers in (("reviewer-a", scene.reviewer_a), ("reviewer-b", scene.reviewer_b)):
        assignment = {"reviewer_user_id": name}
        ok(scene.client.post(f"{path}/reviewers", json=assignment, headers=scene.admin), 204)
        ok(scene.client.post(f"{path}/reviews", json=review, headers=headers), 204)
    return application_id


APPROVED = {
    "outcome": "approved",
    "amounts": [{"fiscal_year": fy, "amount": 1_500_000} for fy in (2024, 2025, 2026)],
    "conditions": ["年度末に実績報告を提出すること"],
    "reason": "審査の結果、妥当と認める",
    "notice_date": "2024-05-20",
}


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_an_applicant_plans_and_applies_reviewers_review_and_an_approver_grants(
    scene: Scene,
) -> None:
    client, applicant = scene.client, scene.applicant
    plan = ok(
        client.post("/api/v1/action-plans", json=plan_body(scene.world.lead_id), headers=applicant),
        201,
    )
    adopted = ok(client.post(f"/api/v1/action-plans/{plan['id']}/adopt", headers=applicant))
    body = application_body(scene, plan_id=UUID(plan["id"]))
    application = ok(client.post("/api/v1/applications", json=body, headers=applicant), 201)
    path = f"/api/v1/applications/{application['id']}"
    submission = ok(client.post(f"{path}/submit", headers=applicant))
    review = {"scores": GOOD_SCORES, "recommendation": "approve", "comment": "妥当"}
    for name, headers in (("reviewer-a", scene.reviewer_a), ("reviewer-b", scene.reviewer_b)):
        ok(
            client.post(f"{path}/reviewers", json={"reviewer_user_id": name}, headers=scene.admin),
            204,
        )
        ok(client.post(f"{path}/reviews", json=review, headers=headers), 204)

    decided = ok(client.post(f"{path}/decision", json=APPROVED, headers=scene.approver))

    seen = ok(client.get(path, headers=scene.auditor))
    assert adopted == {"adopted_version": 1}
    assert submission == {"scheme_version": 1}
    assert seen["status"] == "approved"
    assert seen["approval_id"] == decided["approval_id"]
    assert seen["plan_id"] == plan["id"]
    assert seen["reviewer_ids"] == ["reviewer-a", "reviewer-b"]
    assert [r["total"] for r in seen["reviews"]] == [20, 20]
    assert seen["years"][0]["cost_lines"][0]["category"] == "謝金"
    assert seen["years"][0]["eligible_cost"] == 3_000_000
    assert seen["decision_reason"] == "審査の結果、妥当と認める"
    approval = scene.engine.approval(UUID(decided["approval_id"]))
    assert (approval.total, approval.conditions) == (4_500_000, ("年度末に実績報告を提出すること",))


def test_a_year_over_the_annual_cap_is_a_problem_naming_the_field(scene: Scene) -> None:
    application_id = drafted(scene, budget_year(2024, requested=2_000_000))

    response = scene.client.post(
        f"/api/v1/applications/{application_id}/submit", headers=scene.applicant
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["field"] == "years[0].requested"
    assert problem["rule"] == "scheme.max_annual_amount"
    assert "annual cap of 1,500,000 yen" in problem["detail"]


def test_a_negative_cost_is_refused_at_the_edge_naming_the_field(scene: Scene) -> None:
    body = application_body(scene, budget_year(2024))
    body["years"][0]["cost_lines"][1]["amount"] = -1

    response = scene.client.post("/api/v1/applications", json=body, headers=scene.applicant)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["years.0.cost_lines.1.amount"]


def test_a_rejection_carrying_amounts_is_refused(scene: Scene) -> None:
    application_id = reviewed(scene)
    body = {**APPROVED, "outcome": "rejected"}

    response = scene.client.post(
        f"/api/v1/applications/{application_id}/decision", json=body, headers=scene.approver
    )

    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"amounts", "conditions", "notice_date"}


@pytest.mark.parametrize(
    ("outcome", "status"), [("rejected", "rejected"), ("returned", "returned")]
)
def test_a_refusal_or_return_answers_an_empty_body_and_records_the_reason(
    scene: Scene, outcome: str, status: str
) -> None:
    application_id = reviewed(scene)
    path = f"/api/v1/applications/{application_id}"

    decided = scene.client.post(
        f"{path}/decision",
        json={"outcome": outcome, "reason": "計画が不十分"},
        headers=scene.approver,
    )

    seen = ok(scene.client.get(path, headers=scene.applicant))
    assert ok(decided) == {}
    assert (seen["status"], seen["decision_reason"]) == (status, "計画が不十分")


def test_a_request_without_a_token_is_refused_with_401(scene: Scene) -> None:
    application_id = drafted(scene)

    read = scene.client.get(f"/api/v1/applications/{application_id}")
    write = scene.client.post("/api/v1/applications", json=application_body(scene))

    assert (read.status_code, write.status_code) == (401, 401)
    assert write.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("caller", "path", "body"),
    [
        ("auditor", "/applications", "draft"),
        ("reviewer_a", "/action-plans", "plan"),
        ("applicant", "/applications/{id}/reviewers", {"reviewer_user_id": "reviewer-a"}),
        ("approver", "/applications/{id}/reviews", {"scores": {}, "recommendation": "approve"}),
        ("reviewer_a", "/applications/{id}/decision", {"outcome": "rejected", "reason": "x"}),
        ("applicant", "/action-plans/{plan}/exception", {"reason": "合併協議中"}),
        ("auditor", "/applications/{id}/withdraw", {"reason": "x"}),
        # The role is checked before the application is looked up.
        ("auditor", "/applications/{missing}/submit", {}),
        ("finance", "/applications/{missing}/withdraw", {"reason": "x"}),
    ],
)
def test_a_caller_without_the_role_is_refused_with_403_and_nothing_recorded(
    scene: Scene, caller: str, path: str, body: Any
) -> None:
    application_id = submitted(scene)
    payload = {"draft": application_body(scene), "plan": plan_body(scene.world.lead_id)}
    missing = "00000000-0000-4000-8000-000000000000"
    url = "/api/v1" + path.format(id=application_id, plan=scene.world.plan_id, missing=missing)
    before = event_count(scene.engine)

    response = scene.client.post(
        url,
        json=payload.get(body, body) if isinstance(body, str) else body,
        headers=getattr(scene, caller),
    )

    assert response.status_code == 403, response.text
    assert response.json()["type"].endswith("/forbidden")
    assert event_count(scene.engine) == before


def test_another_organisations_applicant_gets_404_for_reads_and_writes(scene: Scene) -> None:
    application_id = drafted(scene)
    path = f"/api/v1/applications/{application_id}"
    before = event_count(scene.engine)

    read = scene.client.get(path, headers=scene.outsider)
    plan = scene.client.get(f"/api/v1/action-plans/{scene.world.plan_id}", headers=scene.outsider)
    stale = {**scene.outsider, "If-Match": '"99"'}
    write = scene.client.post(f"{path}/withdraw", json={"reason": "x"}, headers=stale)

    assert [r.status_code for r in (read, plan, write)] == [404, 404, 404]
    assert read.json()["detail"] == "no such record"
    assert event_count(scene.engine) == before


def test_every_other_role_reads_any_application(scene: Scene) -> None:
    application_id = drafted(scene)

    statuses = [
        scene.client.get(f"/api/v1/applications/{application_id}", headers=h).status_code
        for h in (scene.admin, scene.reviewer_a, scene.approver, scene.auditor)
    ]

    assert statuses == [200, 200, 200, 200]


def test_reads_carry_an_etag_and_a_stale_if_match_is_refused_with_412(scene: Scene) -> None:
    application_id = drafted(scene)
    path = f"/api/v1/applications/{application_id}"
    etag = scene.client.get(path, headers=scene.applicant).headers["ETag"]
    body = application_body(scene, budget_year(2024, requested=1_000_000))
    del body["organisation_id"]  # an edit cannot move the application to another body
    first = scene.client.put(path, json=body, headers={**scene.applicant, "If-Match": etag})

    again = scene.client.put(path, json=body, headers={**scene.applicant, "If-Match": etag})

    assert etag == '"1"'
    assert first.status_code == 204
    assert again.status_code == 412
    assert again.headers["content-type"] == "application/problem+json"
    fresh = scene.client.get(path, headers=scene.applicant)
    assert fresh.headers["ETag"] == '"2"'
    assert fresh.json()["years"][0]["requested"] == 1_000_000


def test_a_retry_with_the_same_idempotency_key_returns_the_same_id_and_records_nothing(
    scene: Scene,
) -> None:
    headers = {**scene.applicant, "Idempotency-Key": "draft-2024-0001"}
    body = application_body(scene)
    first = ok(scene.client.post("/api/v1/applications", json=body, headers=headers), 201)
    before = event_count(scene.engine)

    retry = ok(scene.client.post("/api/v1/applications", json=body, headers=headers), 201)

    assert retry == first
    assert event_count(scene.engine) == before


def test_a_retried_approval_returns_the_same_approval(scene: Scene) -> None:
    path = f"/api/v1/applications/{reviewed(scene)}/decision"
    headers = {**scene.approver, "Idempotency-Key": "decide-1"}
    first = ok(scene.client.post(path, json=APPROVED, headers=headers))
    before = event_count(scene.engine)

    retry = ok(scene.client.post(path, json=APPROVED, headers=headers))

    assert retry == first
    assert event_count(scene.engine) == before


def test_a_plan_reads_back_with_its_etag_and_takes_an_exception_and_a_revision(
    scene: Scene,
) -> None:
    client = scene.client
    created = ok(
        client.post(
            "/api/v1/action-plans", json=plan_body(scene.world.lead_id), headers=scene.applicant
        ),
        201,
    )
    path = f"/api/v1/action-plans/{created['id']}"
    ok(
        client.post(f"{path}/exception", json={"reason": "合併協議中のため"}, headers=scene.admin),
        204,
    )
    ok(client.post(f"{path}/adopt", json={}, headers=scene.applicant))
    content = {k: v for k, v in plan_body(scene.world.lead_id, "改訂版").items() if k != "owner_id"}

    revised = client.post(
        f"{path}/revisions",
        json={"content": content, "reason": "指標の見直し"},
        headers=scene.applicant,
    )

    seen = client.get(path, headers=scene.applicant)
    assert ok(revised) == {"adopted_version": 2}
    assert seen.headers["ETag"] == '"4"'
    plan = seen.json()
    assert (plan["status"], plan["adopted_versions"]) == ("revised", 2)
    assert plan["content"]["title"] == "改訂版"
    assert plan["content"]["indicators"] == [{"name": "研修修了者数", "target": 40, "unit": "人"}]
    assert plan["exception_reason"] == "合併協議中のため"


def test_an_applicant_cannot_date_a_submission_other_than_today(scene: Scene) -> None:
    application_id = drafted(scene)

    response = scene.client.post(
        f"/api/v1/applications/{application_id}/submit",
        json={"on": "2024-04-01"},
        headers=scene.applicant,
    )

    assert response.status_code == 403
    assert response.json()["rule"] == "dates.applicant_today"
