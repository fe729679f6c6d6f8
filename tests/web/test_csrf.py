"""Every form that changes anything carries the session's CSRF token; without it, nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from web_helpers import Scene, browser, build_scene, catch_up, console, csrf_of, sign_in

from subsidy.application import SubsidyEngine

from builders import event_count


@pytest.fixture
def scene() -> Iterator[tuple[TestClient, Scene]]:
    with console("memory://") as (http, engine):
        built = build_scene(engine)
        catch_up(http.app)
        yield http, built


def _decision(scene: Scene) -> tuple[str, dict[str, str]]:
    action = f"/applications/{scene.under_review_id}/decision"
    return action, {"outcome": "returned", "reason": "予算の内訳を見直してください"}


def _refused(engine: SubsidyEngine, http: TestClient, action: str, data: dict[str, str]) -> str:
    before = event_count(engine)

    response = http.post(action, data=data)

    assert response.status_code == 403
    assert event_count(engine) == before
    return response.text


def test_a_form_without_the_token_is_refused_and_records_nothing(
    scene: tuple[TestClient, Scene],
) -> None:
    http, built = scene
    sign_in(http, built.tokens["approver"])
    action, data = _decision(built)

    text = _refused(built.engine, http, action, data)

    assert "フォームの有効期限が切れました" in text


def test_a_wrong_token_is_refused(scene: tuple[TestClient, Scene]) -> None:
    http, built = scene
    sign_in(http, built.tokens["approver"])
    action, data = _decision(built)

    _refused(built.engine, http, action, {**data, "csrf_token": "guessed"})


def test_another_sessions_token_is_refused(scene: tuple[TestClient, Scene]) -> None:
    http, built = scene
    attacker = browser(http.app)
    sign_in(attacker, built.tokens["finance"])
    stolen = csrf_of(attacker.get("/finance"))
    sign_in(http, built.tokens["approver"])
    action, data = _decision(built)

    _refused(built.engine, http, action, {**data, "csrf_token": stolen})


def test_the_token_changes_at_sign_in(scene: tuple[TestClient, Scene]) -> None:
    http, built = scene
    before = csrf_of(http.get("/login"))

    sign_in(http, built.tokens["approver"])
    after = csrf_of(http.get("/applications"))

    assert before != after


def test_signing_in_needs_the_token_of_the_sign_in_page(
    scene: tuple[TestClient, Scene],
) -> None:
    http, built = scene

    response = http.post("/login", data={"token": built.tokens["approver"]})

    assert response.status_code == 403
    assert http.get("/applications").status_code == 303


def test_signing_out_needs_the_token(scene: tuple[TestClient, Scene]) -> None:
    http, built = scene
    sign_in(http, built.tokens["approver"])

    response = http.post("/logout")

    assert response.status_code == 403
    assert http.get("/applications").status_code == 200


def test_the_same_form_with_the_token_is_recorded(scene: tuple[TestClient, Scene]) -> None:
    http, built = scene
    sign_in(http, built.tokens["approver"])
    action, data = _decision(built)
    token = csrf_of(http.get(f"/applications/{built.under_review_id}"))

    response = http.post(action, data={**data, "csrf_token": token})

    assert response.status_code == 303
    assert built.engine.application(built.under_review_id).status == "returned"
