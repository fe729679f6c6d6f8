"""Signing in with a token, the session cookie's flags, signing out and the language switch."""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import SimpleCookie

import pytest
from fastapi.testclient import TestClient
from web_helpers import browser, console, csrf_of, post_form, sign_in

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Role
from subsidy.web.session import SESSION_COOKIE, SESSION_SECONDS, Session, SessionCodec

from builders import ADMIN


@pytest.fixture
def client() -> Iterator[tuple[TestClient, SubsidyEngine]]:
    with console("memory://") as opened:
        yield opened


def _token(engine: SubsidyEngine, role: Role = Role.AUDITOR, name: str = "auditor-1") -> str:
    return engine.add_user(ADMIN, name=name, role=role)


def _session_cookie(set_cookie: str) -> SimpleCookie:
    cookie = SimpleCookie()
    cookie.load(set_cookie)
    assert SESSION_COOKIE in cookie
    return cookie


def test_a_valid_token_signs_in_and_lands_on_the_roles_first_page(
    client: tuple[TestClient, SubsidyEngine],
) -> None:
    http, engine = client

    response = sign_in(http, _token(engine))

    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    assert "auditor-1" in http.get("/dashboard").text


def test_the_session_cookie_is_secure_http_only_same_site_and_host_only(
    client: tuple[TestClient, SubsidyEngine],
) -> None:
    http, engine = client

    response = sign_in(http, _token(engine))

    morsel = _session_cookie(response.headers["set-cookie"])[SESSION_COOKIE]
    assert morsel["secure"] is True
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "lax"
    assert morsel["path"] == "/"
    assert morsel["domain"] == ""
    assert int(morsel["max-age"]) == SESSION_SECONDS


def test_the_cookie_does_not_reveal_the_token(client: tuple[TestClient, SubsidyEngine]) -> None:
    http, engine = client
    token = _token(engine)

    response = sign_in(http, token)

    assert token not in response.headers["set-cookie"]


def test_an_unknown_token_is_refused_next_to_the_field_and_no_session_starts(
    client: tuple[TestClient, SubsidyEngine],
) -> None:
    http, _ = client

    response = sign_in(http, "not-a-token")

    assert response.status_code == 422
    assert 'id="error-token"' in response.text
    assert "トークンが無効か、利用停止されています。" in response.text
    assert http.get("/dashboard").status_code == 303


def test_a_revoked_user_is_signed_out_on_the_next_page(
    client: tuple[TestClient, SubsidyEngine],
) -> None:
    http, engine = client
    sign_in(http, _token(engine))

    engine.revoke_user(ADMIN, name="auditor-1", reason="異動")
    response = http.get("/audit")

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/audit"


def test_signing_in_returns_to_the_page_asked_for_but_never_to_another_site(
    client: tuple[TestClient, SubsidyEngine],
) -> None:
    http, engine = client
    token = _token(engine)
    form = http.get("/login")

    inside = http.post(
        "/login", data={"token": token, "next": "/audit", "csrf_token": csrf_of(form)}
    )
    http.cookies.clear()
    form = http.get("/login")
    outside = http.post(
        "/login",
        data={"token": token, "next": "//evil.example/", "csrf_token": csrf_of(form)},
    )

    assert inside.headers["location"] == "/audit"
    assert outside.headers["location"] == "/dashboard"


def test_signing_out_ends_the_session(client: tuple[TestClient, SubsidyEngine]) -> None:
    http, engine = client
    sign_in(http, _token(engine))

    response = post_form(http, "/dashboard", "/logout", {})

    assert response.status_code == 303
    assert http.get("/dashboard").status_code == 303


def test_a_cookie_sealed_by_another_process_or_altered_is_no_session() -> None:
    codec, other = SessionCodec(), SessionCodec()
    sealed = codec.seal(Session.start("token"))

    opened = codec.open(sealed)

    assert opened is not None
    assert opened.token == "token"
    assert other.open(sealed) is None
    assert codec.open(sealed[:-4] + "AAAA") is None
    assert codec.open("") is None


def test_the_english_switch_is_remembered_and_pages_follow_it(
    client: tuple[TestClient, SubsidyEngine],
) -> None:
    http, engine = client
    sign_in(http, _token(engine))

    switched = http.get("/language", params={"to": "en", "next": "/audit"})
    page = http.get("/audit")

    assert switched.headers["location"] == "/audit"
    assert '<html lang="en">' in page.text
    assert "<h1>Audit log</h1>" in page.text
    assert '<html lang="ja">' in http.get("/audit", params={"lang": "ja"}).text


def test_the_language_switch_goes_back_only_to_pages_of_this_site(
    client: tuple[TestClient, SubsidyEngine],
) -> None:
    http, _ = client

    response = http.get("/language", params={"to": "en", "next": "https://evil.example/"})

    assert response.headers["location"] == "/"


def test_pages_forbid_framing_and_inline_script(client: tuple[TestClient, SubsidyEngine]) -> None:
    http, engine = client
    sign_in(http, _token(engine))

    headers = http.get("/audit").headers

    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"


def test_a_second_browser_does_not_share_the_first_ones_session(
    client: tuple[TestClient, SubsidyEngine],
) -> None:
    http, engine = client
    sign_in(http, _token(engine))

    stranger = browser(http.app)

    assert stranger.get("/dashboard").status_code == 303
