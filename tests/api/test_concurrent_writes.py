"""Concurrent writes over HTTP: one Idempotency-Key records once; one If-Match wins once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from api_helpers import bearer
from fastapi.testclient import TestClient

from subsidy.api.app import create_app
from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_read_models, build_runners
from subsidy.domain.actor import Role
from subsidy.settings import Settings

from builders import World, event_count
from conftest import DURABLE_STORES, make_engine

pytestmark = pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True)


@pytest.fixture
def scene(store_url: str) -> Iterator[tuple[TestClient, SubsidyEngine, World]]:
    engine = make_engine(store_url)
    world = World.build(engine)
    db = build_read_models(Settings(database_url=store_url))
    with TestClient(create_app(engine, db, build_runners(engine, db))) as client:
        yield client, engine, world
    engine.close()


def hold_saves(engine: SubsidyEngine, parties: int) -> None:
    """Make each save wait until every request has decided, so their saves truly race."""
    barrier = threading.Barrier(parties)
    original = engine.save

    def save(*objs: Any, **kwargs: Any) -> Any:
        barrier.wait(timeout=30)
        return original(*objs, **kwargs)

    object.__setattr__(engine, "save", save)


def at_once(*requests: Any) -> list[Any]:
    """Send the requests from their own threads at the same moment; their responses in order."""
    responses: list[Any] = [None] * len(requests)

    def send(index: int) -> None:
        responses[index] = requests[index]()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def test_concurrent_writes_with_one_idempotency_key_record_once(
    scene: tuple[TestClient, SubsidyEngine, World],
) -> None:
    client, engine, world = scene
    applicant = bearer(engine, "applicant-isumi", Role.APPLICANT, world.lead_id)
    application_id = world.draft()
    headers = {**applicant, "Idempotency-Key": "submit-once"}
    before = event_count(engine)
    hold_saves(engine, 2)

    first, second = at_once(
        lambda: client.post(f"/api/v1/applications/{application_id}/submit", headers=headers),
        lambda: client.post(f"/api/v1/applications/{application_id}/submit", headers=headers),
    )

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    assert event_count(engine) == before + 2  # one Submitted, one idempotency record


def test_concurrent_writes_with_one_if_match_give_one_success_and_412(
    scene: tuple[TestClient, SubsidyEngine, World],
) -> None:
    client, engine, world = scene
    applicant = bearer(engine, "applicant-isumi", Role.APPLICANT, world.lead_id)
    application_id = world.draft()
    etag = client.get(f"/api/v1/applications/{application_id}", headers=applicant).headers["ETag"]
    headers = {**applicant, "If-Match": etag}
    hold_saves(engine, 2)

    responses = at_once(
        lambda: client.post(f"/api/v1/applications/{application_id}/submit", headers=headers),
        lambda: client.post(
            f"/api/v1/applications/{application_id}/withdraw",
            headers=headers,
            json={"reason": "取り下げます"},
        ),
    )

    codes = sorted(r.status_code for r in responses)
    assert codes[1] == 412
    assert codes[0] in (200, 204)
    failed = next(r for r in responses if r.status_code == 412)
    assert failed.headers["content-type"] == "application/problem+json"
