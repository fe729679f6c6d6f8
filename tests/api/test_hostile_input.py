"""Input meant to break the API gets a precise refusal and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_helpers import bearer
from fastapi.testclient import TestClient

from subsidy.api.app import create_app
from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_read_models, build_runners
from subsidy.domain.actor import Role
from subsidy.domain.organisation_names import OrganisationKind
from subsidy.projections import tracking
from subsidy.settings import Settings

from builders import ADMIN, World, event_count, plan_content
from conftest import make_engine


@pytest.fixture
def scene() -> Iterator[tuple[TestClient, SubsidyEngine, World]]:
    engine = make_engine("memory://")
    world = World.build(engine)
    db = build_read_models(Settings(database_url="memory://"))
    with TestClient(create_app(engine, db, build_runners(engine, db))) as client:
        yield client, engine, world
    engine.close()


def draft_body(world: World, amount: int, fiscal_year: int = 2024) -> dict[str, Any]:
    line = {"category": "謝金", "description": "講師", "amount": amount}
    year = {"fiscal_year": fiscal_year, "cost_lines": [line], "requested": amount}
    return {
        "organisation_id": str(world.lead_id),
        "plan_id": str(world.plan_id),
        "plan_version": 1,
        "title": "巨額試験",
        "years": [year],
    }


@pytest.mark.parametrize(
    ("amount", "fiscal_year"), [(10**23, 2024), (1_000, 99_999)], ids=["huge-yen", "far-year"]
)
def test_amounts_and_years_beyond_range_are_refused_at_the_edge(
    scene: tuple[TestClient, SubsidyEngine, World], amount: int, fiscal_year: int
) -> None:
    client, engine, world = scene
    applicant = bearer(engine, "applicant-isumi", Role.APPLICANT, world.lead_id)
    before = event_count(engine)

    response = client.post(
        "/api/v1/applications", json=draft_body(world, amount, fiscal_year), headers=applicant
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert event_count(engine) == before


def test_another_organisations_plan_is_as_missing_as_a_made_up_one(
    scene: tuple[TestClient, SubsidyEngine, World],
) -> None:
    client, engine, world = scene
    other_id = engine.register_organisation(
        ADMIN, name="静岡県三島市", kind=OrganisationKind.MUNICIPALITY, prefecture="静岡県"
    )
    other = bearer(engine, "applicant-mishima", Role.APPLICANT, other_id)
    foreign_plan = {**draft_body(world, 1_000_000), "organisation_id": str(other_id)}
    made_up = {**foreign_plan, "plan_id": "00000000-0000-0000-0000-000000000001"}

    foreign = client.post("/api/v1/applications", json=foreign_plan, headers=other)
    missing = client.post("/api/v1/applications", json=made_up, headers=other)

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


def test_an_instant_beyond_range_is_a_422_naming_the_field(
    scene: tuple[TestClient, SubsidyEngine, World],
) -> None:
    client, engine, _ = scene
    auditor = bearer(engine, "kato", Role.AUDITOR)

    response = client.get(
        "/api/v1/audit/events", params={"since": "9999-12-31T23:59:59-23:59"}, headers=auditor
    )

    assert response.status_code == 422
    assert response.json()["field"] == "since"


def test_readiness_reports_a_read_model_stopped_on_a_parked_event(
    scene: tuple[TestClient, SubsidyEngine, World],
) -> None:
    client, engine, world = scene
    engine.draft_action_plan(world.applicant, owner_id=world.lead_id, content=plan_content())
    runner = client.app.state.runners[0]
    with runner.db.begin() as conn:
        tracking.park(conn, runner.projection.name, 1, "topic", "ValueError: broken")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["parked"] == {runner.projection.name: 1}


def test_if_match_star_writes_and_a_weak_tag_is_refused(
    scene: tuple[TestClient, SubsidyEngine, World],
) -> None:
    client, engine, world = scene
    applicant = bearer(engine, "applicant-isumi", Role.APPLICANT, world.lead_id)
    application_id = client.post(
        "/api/v1/applications", json=draft_body(world, 1_000_000), headers=applicant
    ).json()["id"]
    url = f"/api/v1/applications/{application_id}/submit"

    weak = client.post(url, headers={**applicant, "If-Match": 'W/"1"'})
    star = client.post(url, headers={**applicant, "If-Match": "*"})

    assert weak.status_code == 412
    assert star.status_code == 200
