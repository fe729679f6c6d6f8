"""Input meant to break the API gets a precise refusal and changes nothing.

Each hostile request is answered 4xx with a problem+json body that names the field and the rule,
and the event store's last position does not move.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from api_helpers import bearer
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hostile_cases import DECIDE, HOSTILE, Hostile, draft_body
from pydantic import BaseModel
from starlette.types import Message, Receive, Scope, Send

from subsidy.api.app import create_app, routers
from subsidy.api.bodies import RequestBody
from subsidy.api.security import MIB, BodyLimit
from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_read_models, build_runners
from subsidy.domain.actor import Role
from subsidy.domain.organisation_names import OrganisationKind
from subsidy.projections import tracking
from subsidy.settings import Settings

from builders import ADMIN, APPROVER, World, event_count, plan_content, year
from conftest import make_engine


@pytest.fixture
def scene() -> Iterator[tuple[TestClient, SubsidyEngine, World]]:
    engine = make_engine("memory://")
    world = World.build(engine)
    db = build_read_models(Settings(database_url="memory://"))
    with TestClient(create_app(engine, db, build_runners(engine, db))) as client:
        yield client, engine, world
    engine.close()


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


@pytest.fixture
def ids(scene: tuple[TestClient, SubsidyEngine, World]) -> dict[str, str]:
    _, _, world = scene
    approval_id = world.approved()
    return {"approval": str(approval_id), "reviewed": str(world.reviewed(year(2024)))}


def tokens_for(engine: SubsidyEngine, world: World, role: Role) -> dict[str, str]:
    organisation = world.lead_id if role is Role.APPLICANT else None
    name = APPROVER.user_id if role is Role.APPROVER else f"hostile-{role.value}"
    return bearer(engine, name, role, organisation)


@pytest.mark.parametrize("case", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_is_refused_naming_field_and_rule_and_records_nothing(
    scene: tuple[TestClient, SubsidyEngine, World], ids: dict[str, str], case: Hostile
) -> None:
    client, engine, world = scene
    headers = {**tokens_for(engine, world, case.target.role), "Content-Type": "application/json"}
    body = case.spoil(case.target.body(world))
    before = event_count(engine)

    response = client.post(case.target.path(world, ids), content=body, headers=headers)

    assert response.status_code == case.status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert (response.json()["field"], response.json()["rule"]) == (case.field, case.rule)
    assert event_count(engine) == before


def test_a_chunked_body_over_the_limit_is_refused_without_reading_the_rest() -> None:
    received: list[int] = []
    sent: list[Message] = []

    async def endless_body() -> Message:  # no Content-Length: only reading tells the size
        received.append(1)
        return {"type": "http.request", "body": b" " * (MIB // 2), "more_body": True}

    async def send(message: Message) -> None:
        sent.append(message)

    async def never_called(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("the app saw a body over the limit")

    limit = BodyLimit(never_called, max_bytes=MIB)
    scope = {"type": "http", "method": "POST", "path": "/api/v1/applications", "headers": []}
    asyncio.run(limit(scope, endless_body, send))

    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["rule"] == "body.max_bytes"
    assert len(received) == 3  # 1.5 MiB read, then no more


def test_multiline_text_keeps_its_line_breaks_and_tabs(
    scene: tuple[TestClient, SubsidyEngine, World], ids: dict[str, str]
) -> None:
    client, engine, world = scene
    reason = "計画が具体的でない。\r\n\t・指標が未設定"

    response = client.post(
        DECIDE.path(world, ids),
        json={"outcome": "rejected", "reason": reason},
        headers=tokens_for(engine, world, Role.APPROVER),
    )

    assert response.status_code == 200, response.text
    assert engine.application(UUID(ids["reviewed"])).decision_reason == reason


def test_every_request_body_forbids_unknown_fields_and_checks_its_text() -> None:
    bodies = [
        model
        for router in routers()
        for route in router.routes
        if isinstance(route, APIRoute) and route.body_field is not None
        for model in body_models(route.body_field.field_info.annotation)
    ]

    loose = [model.__name__ for model in bodies if not issubclass(model, RequestBody)]

    assert len(bodies) >= 20
    assert loose == []


def body_models(annotation: Any) -> list[type[BaseModel]]:
    """The models a body annotation names (a union names several)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in body_models(arg)]
