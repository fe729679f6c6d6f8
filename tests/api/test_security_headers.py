"""Every response carries the security headers: answers, errors, 404s, metrics and the docs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from api_helpers import api, bearer, broken_listing_answer
from fastapi import FastAPI, Response
from fastapi.testclient import TestClient

from subsidy.api.security import API_CSP, DOCS_CSP
from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_app
from subsidy.domain.actor import Role
from subsidy.settings import Settings

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


@pytest.fixture
def scene() -> Iterator[tuple[TestClient, SubsidyEngine]]:
    with api("memory://") as (client, engine):
        yield client, engine


REQUESTS = {
    "health": ("GET", "/healthz", False, b""),
    "readiness": ("GET", "/readyz", False, b""),
    "metrics": ("GET", "/metrics", False, b""),
    "openapi": ("GET", "/openapi.json", False, b""),
    "authenticated-read": ("GET", "/api/v1/me", True, b""),
    "no-token": ("GET", "/api/v1/me", False, b""),
    "no-such-path": ("GET", "/api/v1/nowhere", True, b""),
    "wrong-method": ("DELETE", "/healthz", False, b""),
    "malformed-body": ("POST", "/api/v1/organisations", True, b"{"),
    "body-too-large": ("POST", "/api/v1/organisations", True, b" " * (2 * 1024 * 1024)),
}


@pytest.mark.parametrize(("method", "path", "token", "body"), REQUESTS.values(), ids=REQUESTS)
def test_every_answer_carries_the_security_headers(
    scene: tuple[TestClient, SubsidyEngine], method: str, path: str, token: bool, body: bytes
) -> None:
    client, engine = scene
    headers = bearer(engine, "sato", Role.ADMINISTRATOR) if token else {}

    response = client.request(method, path, content=body or None, headers=headers)

    assert {name: response.headers.get(name) for name in EXPECTED} == EXPECTED
    assert response.headers["content-security-policy"] == API_CSP
    assert "strict-transport-security" not in response.headers  # not served over TLS by default


def test_an_unexpected_error_carries_the_security_headers_too(
    scene: tuple[TestClient, SubsidyEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, engine = scene
    headers = bearer(engine, "kimura", Role.AUDITOR)

    response = broken_listing_answer(client, engine, monkeypatch, headers)

    assert response.status_code == 500
    assert {name: response.headers.get(name) for name in EXPECTED} == EXPECTED
    assert response.headers["content-security-policy"] == API_CSP


class _Assets(HTMLParser):
    """The URLs a page loads: (CSP directive, URL) for scripts, stylesheets and images."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.loads.append(("script-src", str(found["src"])))
        if tag == "link" and found.get("href"):
            kind = "style-src" if found.get("rel") == "stylesheet" else "img-src"
            self.loads.append((kind, str(found["href"])))


def allowed_sources(policy: str, directive: str) -> list[str]:
    for part in policy.split(";"):
        name, *sources = part.split()
        if name == directive:
            return sources
    return []


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_policy_allows_exactly_the_assets_the_docs_page_loads(
    scene: tuple[TestClient, SubsidyEngine], path: str
) -> None:
    client, _ = scene
    assets = _Assets()

    response = client.get(path)
    assets.feed(response.text)

    assert response.headers["content-security-policy"] == DOCS_CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert assets.loads  # the page loads something from the CDN, which the policy must allow
    for directive, url in assets.loads:
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        assert origin in allowed_sources(DOCS_CSP, directive), (directive, url)


def test_a_route_that_sets_its_own_policy_keeps_it(
    scene: tuple[TestClient, SubsidyEngine],
) -> None:
    client, _ = scene
    app: FastAPI = client.app  # type: ignore[assignment]

    @app.get("/console-page")
    def page() -> Response:
        own = {"Content-Security-Policy": "default-src 'self'", "Cache-Control": "private"}
        return Response("<p>console</p>", media_type="text/html", headers=own)

    response = client.get("/console-page")

    assert response.headers["content-security-policy"] == "default-src 'self'"
    assert response.headers["cache-control"] == "private"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_settings_turn_on_hsts_and_set_the_body_limit() -> None:
    settings = Settings(database_url="memory://", hsts_max_age=31_536_000, max_request_bytes=2048)
    with TestClient(build_app(settings, follow=False)) as client:
        health = client.get("/healthz")
        large = client.post("/api/v1/organisations", content=b" " * 2049)

    assert health.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert large.status_code == 413
    assert "2,048 bytes" in large.json()["detail"]


@pytest.mark.parametrize(
    ("supplied", "kept"),
    [
        ("3f2b9c1e-8d4a-4b7e-9f10-2a6c5d8e7b11", True),
        ("a3c9f0e1b2d4c6e8a0b1c2d3e4f5a6b7", True),  # nginx's $request_id
        ("not a request id\x1b[2J", False),
        ("Bearer Zm9vYmFyYmF6cXV4", False),
        ("x" * 65, False),
    ],
    ids=["uuid", "hex", "escape-codes", "secret-like", "too-long"],
)
def test_only_a_request_id_that_looks_like_one_is_kept(
    scene: tuple[TestClient, SubsidyEngine], supplied: str, kept: bool
) -> None:
    client, _ = scene

    response = client.get("/healthz", headers={"X-Request-Id": supplied})

    assert (response.headers["x-request-id"] == supplied) is kept
    assert re.fullmatch(r"[0-9a-fA-F-]{8,64}", response.headers["x-request-id"])
