"""Talking to the API in tests: a client on a fresh store and tokens for each role."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from fastapi.testclient import TestClient

from exports.export_helpers import money_moved
from subsidy.api.app import create_app
from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_read_models, build_runners
from subsidy.domain.actor import Role
from subsidy.settings import Settings

from builders import ADMIN
from conftest import make_engine


@contextmanager
def api(store_url: str) -> Iterator[tuple[TestClient, SubsidyEngine]]:
    """A client over a fresh engine on ``store_url`` (the test clock), read models migrated."""
    engine = make_engine(store_url)
    db = build_read_models(Settings(database_url=store_url))
    app: FastAPI = create_app(engine, db, build_runners(engine, db))
    with TestClient(app) as client:
        yield client, engine
    engine.close()


def bearer(
    engine: SubsidyEngine, name: str, role: Role, organisation_id: UUID | None = None
) -> dict[str, str]:
    """Headers that authenticate as a new user ``name`` with ``role``."""
    token = engine.add_user(ADMIN, name=name, role=role, organisation_id=organisation_id)
    return {"Authorization": f"Bearer {token}"}


def catch_up(client: TestClient) -> None:
    """Bring every read model up to the log (the tests run no background worker)."""
    for runner in client.app.state.runners:
        runner.catch_up()


@contextmanager
def audited_ledger() -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A client on a ledger where money has moved, and an auditor's headers to read it."""
    with api("memory://") as (client, engine):
        money_moved(engine)
        auditor = bearer(engine, "auditor", Role.AUDITOR)
        catch_up(client)
        yield client, auditor


def broken_listing_answer(
    client: TestClient, engine: SubsidyEngine, monkeypatch: Any, headers: dict[str, str]
) -> Any:
    """``GET /api/v1/organisations`` answered while listing raises an unexpected error."""

    def broken() -> list[object]:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(engine, "list_organisations", broken)
    raw = TestClient(client.app, raise_server_exceptions=False)
    return raw.get("/api/v1/organisations", headers=headers)
