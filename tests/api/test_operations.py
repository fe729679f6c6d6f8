"""The API's front matter: health, readiness, metrics, authentication and problem bodies."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import structlog
import structlog.testing
from fastapi import FastAPI
from fastapi.testclient import TestClient

from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_app, configure_logging
from subsidy.domain.actor import Role
from subsidy.domain.organisation_names import OrganisationKind
from subsidy.projections.runner import wait_until
from subsidy.settings import Settings

from builders import ADMIN
from conftest import DURABLE_STORES

pytestmark = pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True)


def build_engine_of(client: TestClient) -> SubsidyEngine:
    app: FastAPI = client.app  # the TestClient's app is the FastAPI app built above
    engine: SubsidyEngine = app.state.engine
    return engine


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    app = build_app(Settings(database_url=store_url), follow=False)
    with TestClient(app) as client:
        yield client


def test_health_and_readiness_report_the_projection_lag(client: TestClient) -> None:
    health = client.get("/healthz")
    ready = client.get("/readyz")

    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert set(body["projection_lag"]) == {
        "audit_log",
        "ledger",
        "applications",
        "reviewer_queue",
        "dashboard",
    }
    assert body["projection_lag"]["audit_log"] >= 1  # the default scheme, not yet projected


def test_readiness_answers_while_every_api_thread_is_busy(store_url: str) -> None:
    app = build_app(Settings(database_url=store_url, api_threads=2), follow=False)
    held, release = threading.Semaphore(0), threading.Event()

    def hold_a_thread() -> dict[str, str]:  # a long export, or a command waiting for a lock
        held.release()
        release.wait(timeout=30)
        return {}

    app.add_api_route("/test/hold", hold_a_thread)
    with TestClient(app) as client:
        holders = [threading.Thread(target=client.get, args=("/test/hold",)) for _ in range(2)]
        for holder in holders:
            holder.start()
        try:
            assert all(held.acquire(timeout=10) for _ in holders)  # both API threads taken
            answers: list[int] = []
            probe = threading.Thread(
                target=lambda: answers.append(client.get("/readyz").status_code)
            )
            probe.start()
            probe.join(timeout=10)
            assert answers == [200]
        finally:
            release.set()
            for holder in holders:
                holder.join()


def test_a_request_without_a_token_gets_a_401_problem(client: TestClient) -> None:
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"] == "a valid bearer token is required"
    assert response.headers["x-request-id"]


def test_a_token_identifies_its_user(client: TestClient) -> None:
    engine = build_engine_of(client)
    token = engine.add_user(ADMIN, name="ito", role=Role.FINANCE)

    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert response.json() == {"user": "ito", "role": "finance", "organisation_id": None}


def test_metrics_count_requests_by_route_and_status(client: TestClient) -> None:
    client.get("/healthz")
    client.get("/api/v1/me")

    text = client.get("/metrics").text

    assert 'subsidy_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'route="/api/v1/me",status="401"' in text


def test_the_api_process_keeps_the_read_models_following_the_log(store_url: str) -> None:
    app = build_app(Settings(database_url=store_url), follow=True)
    with TestClient(app) as client:
        engine = build_engine_of(client)
        engine.add_user(ADMIN, name="yamada", role=Role.ADMINISTRATOR)
        position = engine.last_position() or 0

        reached = wait_until(app.state.runners, position, timeout=15)

        assert reached
        assert client.get("/readyz").json()["projection_lag"]["audit_log"] == 0


def test_each_request_is_logged_with_who_what_and_how_long_but_no_token(
    client: TestClient,
) -> None:
    engine = build_engine_of(client)
    token = engine.add_user(ADMIN, name="kato", role=Role.AUDITOR)

    configure_logging(Settings(log_level="INFO"))
    try:
        with structlog.testing.capture_logs() as logs:
            client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    finally:
        configure_logging(Settings(log_level="WARNING"))

    [entry] = [e for e in logs if e["event"] == "request"]
    assert entry["user"] == "kato"
    assert entry["role"] == "auditor"
    assert entry["route"] == "/api/v1/me"
    assert entry["status"] == 200
    assert entry["duration_ms"] >= 0
    assert token not in repr(logs)


def test_an_unexpected_error_answers_500_with_the_request_id_and_nothing_inside(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = build_engine_of(client)
    token = engine.add_user(ADMIN, name="kimura", role=Role.AUDITOR)

    def broken() -> list[object]:
        raise RuntimeError("SELECT secret FROM somewhere failed")

    monkeypatch.setattr(engine, "list_organisations", broken)
    raw = TestClient(client.app, raise_server_exceptions=False)
    response = raw.get("/api/v1/organisations", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 500
    body = response.json()
    assert body["request_id"] == response.headers["x-request-id"]
    assert "SELECT" not in response.text
    assert "Traceback" not in response.text


def test_every_organisation_is_listed(client: TestClient) -> None:
    engine = build_engine_of(client)
    token = engine.add_user(ADMIN, name="mori", role=Role.REVIEWER)
    for name in ("千葉県いすみ市", "千葉県大多喜町"):
        engine.register_organisation(
            ADMIN, name=name, kind=OrganisationKind.MUNICIPALITY, prefecture="千葉県"
        )

    response = client.get("/api/v1/organisations", headers={"Authorization": f"Bearer {token}"})

    assert [o["name"] for o in response.json()] == ["千葉県いすみ市", "千葉県大多喜町"]
