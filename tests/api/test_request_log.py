"""One log line per request, whatever the answer: streamed downloads, static files, errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from api_helpers import api, audited_ledger, bearer, broken_listing_answer
from fastapi.testclient import TestClient

from subsidy.api.security import API_CSP
from subsidy.bootstrap import build_app, configure_logging
from subsidy.domain.actor import Role
from subsidy.settings import Settings

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
    "content-security-policy": API_CSP,
}
REQUEST_ID = "3f2b9c1e-8d4a-4b7e-9f10-2a6c5d8e7b11"


@pytest.fixture
def logs(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The request lines logged so far, as the JSON lines a log collector reads."""
    configure_logging(Settings(log_level="INFO", log_format="json"))

    def request_lines() -> list[dict[str, Any]]:
        entries = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
        return [entry for entry in entries if entry["event"] == "request"]

    try:
        yield request_lines
    finally:
        configure_logging(Settings(log_level="WARNING"))


@pytest.fixture
def ledger() -> Iterator[tuple[TestClient, dict[str, str]]]:
    with audited_ledger() as answer:
        yield answer


@pytest.mark.parametrize("answer_as", ["csv", "xlsx", "360giving"])
def test_a_streamed_download_carries_the_headers_and_is_logged_once(
    ledger: tuple[TestClient, dict[str, str]],
    logs: Callable[[], list[dict[str, Any]]],
    answer_as: str,
) -> None:
    client, auditor = ledger
    headers = {**auditor, "X-Request-Id": REQUEST_ID}

    response = client.get(
        "/api/v1/ledger", params={"fiscal_year": 2024, "format": answer_as}, headers=headers
    )

    assert response.status_code == 200, response.text
    assert response.content
    assert {name: response.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
    assert response.headers["x-request-id"] == REQUEST_ID
    [line] = logs()
    assert line["route"] == "/api/v1/ledger"
    assert (line["status"], line["user"], line["role"]) == (200, "auditor", "auditor")
    assert line["request_id"] == REQUEST_ID
    assert auditor["Authorization"].removeprefix("Bearer ") not in repr(line)


def test_a_static_file_carries_the_headers_and_is_logged_once(
    logs: Callable[[], list[dict[str, Any]]],
) -> None:
    with TestClient(build_app(Settings(database_url="memory://"), follow=False)) as client:
        response = client.get("/static/console.css")

    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-request-id"]
    [line] = logs()
    assert (line["route"], line["status"], line["user"]) == ("/static/console.css", 200, None)


def test_a_request_is_logged_under_its_route_with_the_record_it_names(
    logs: Callable[[], list[dict[str, Any]]],
) -> None:
    with api("memory://") as (client, engine):
        headers = bearer(engine, "sato", Role.ADMINISTRATOR)
        missing = "0f8fad5b-d9cb-469f-a165-70867728950e"

        response = client.get(f"/api/v1/applications/{missing}?note=x", headers=headers)

    assert response.status_code == 404
    [line] = logs()
    assert line["route"] == "/api/v1/applications/{application_id}"
    assert (line["status"], line["aggregate"], line["user"]) == (404, missing, "sato")
    assert line["request_id"] == response.headers["x-request-id"]


def test_a_path_no_route_matches_is_logged_under_its_path_without_the_query(
    logs: Callable[[], list[dict[str, Any]]],
) -> None:
    with api("memory://") as (client, _):
        response = client.get("/api/v1/nowhere?token=secret-looking")

    assert response.status_code == 404
    [line] = logs()
    assert (line["route"], line["status"], line["aggregate"]) == ("/api/v1/nowhere", 404, None)
    assert "secret-looking" not in repr(line)


def test_an_unexpected_error_is_logged_once_as_a_500(
    logs: Callable[[], list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    with api("memory://") as (client, engine):
        headers = bearer(engine, "kimura", Role.AUDITOR)

        response = broken_listing_answer(client, engine, monkeypatch, headers)
        metrics = client.get("/metrics").text

    assert response.status_code == 500
    [line, _] = logs()  # and the metrics' own
    assert (line["route"], line["status"], line["level"]) == ("/api/v1/organisations", 500, "error")
    assert line["request_id"] == response.headers["x-request-id"]
    assert 'route="/api/v1/organisations",status="500"} 1.0' in metrics
