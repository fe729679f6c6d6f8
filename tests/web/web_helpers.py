"""Driving the console in tests: an app with the console mounted, and a signed-in browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

from subsidy.api.app import create_app
from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_read_models, build_runners
from subsidy.domain.actor import Actor, Role
from subsidy.settings import Settings
from subsidy.web import mount_console

from builders import ADMIN, APPROVER, World, year
from conftest import make_engine, travel_to

# The session cookie is Secure: the test browser must speak https for it to be sent back.
BASE_URL = "https://testserver"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FINANCE = Actor("finance-ito", Role.FINANCE)
ROLES = ("applicant", "reviewer", "approver", "finance", "auditor", "administrator")


def console_app(engine: SubsidyEngine, store_url: str) -> FastAPI:
    """The API app over ``engine`` with the console mounted, as ``bootstrap.build_app`` does."""
    db = build_read_models(Settings(database_url=store_url))
    return mount_console(create_app(engine, db, build_runners(engine, db)))


@contextmanager
def console(store_url: str) -> Iterator[tuple[TestClient, SubsidyEngine]]:
    """A browser-like client (no redirects followed) over a fresh engine on ``store_url``."""
    engine = make_engine(store_url)
    app = console_app(engine, store_url)
    with browser(app) as client:
        yield client, engine
    engine.close()


def browser(app: FastAPI) -> TestClient:
    """A client with its own cookie jar, as a separate browser would have."""
    return TestClient(app, base_url=BASE_URL, follow_redirects=False)


def csrf_of(page: Response) -> str:
    """The CSRF token a page's forms carry."""
    match = CSRF.search(page.text)
    assert match is not None, "the page has no form with a CSRF token"
    return match.group(1)


def sign_in(client: TestClient, token: str) -> Response:
    """Sign in through the form, as a person would; returns the redirect."""
    form = client.get("/login")
    return client.post("/login", data={"token": token, "csrf_token": csrf_of(form)})


def post_form(client: TestClient, page: str, action: str, data: dict[str, str]) -> Response:
    """Open ``page`` and post ``data`` to ``action`` with the page's CSRF token."""
    token = csrf_of(client.get(page))
    return client.post(action, data={**data, "csrf_token": token})


def catch_up(app: FastAPI) -> None:
    """Bring every read model up to the log (no background worker runs in these tests)."""
    for runner in app.state.runners:
        runner.catch_up()


@dataclass
class Scene:
    """A world with an approved grant, money paid and revoked (so a repayment order exists),
    an application under review assigned to a reviewer, and a token per role."""

    engine: SubsidyEngine
    world: World
    approved_id: UUID
    approval_id: UUID
    under_review_id: UUID
    tokens: dict[str, str]
    other_applicant: str


def build_scene(engine: SubsidyEngine) -> Scene:
    """Everything each console page needs to show something."""
    world = World.build(engine)
    under_review_id = world.submitted(year(2025))
    engine.assign_reviewer(ADMIN, under_review_id, reviewer_user_id="reviewer-a")
    approval_id = world.approved()
    approved_id = engine.approval(approval_id).application_id
    engine.record_advance(FINANCE, approval_id, 2024, amount=1_500_000, paid_on=date(2024, 6, 3))
    travel_to(date(2024, 7, 1))
    engine.revoke_approval(APPROVER, approval_id, ground="目的外使用が判明したため")
    tokens = {
        "applicant": engine.add_user(
            ADMIN, name="applicant-isumi", role=Role.APPLICANT, organisation_id=world.lead_id
        ),
        "reviewer": engine.add_user(ADMIN, name="reviewer-a", role=Role.REVIEWER),
        "approver": engine.add_user(ADMIN, name="approver-2", role=Role.APPROVER),
        "finance": engine.add_user(ADMIN, name="finance-ito", role=Role.FINANCE),
        "auditor": engine.add_user(ADMIN, name="auditor-kato", role=Role.AUDITOR),
        "administrator": engine.add_user(ADMIN, name="admin-web", role=Role.ADMINISTRATOR),
    }
    other = engine.add_user(
        ADMIN, name="applicant-member", role=Role.APPLICANT, organisation_id=world.member_id
    )
    return Scene(engine, world, approved_id, approval_id, under_review_id, tokens, other)
