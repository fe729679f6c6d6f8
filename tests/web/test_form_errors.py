"""Forms work without JavaScript: a refused form comes back with the message next to the field,
what was typed kept, and nothing recorded; an accepted one redirects to a page that shows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from web_helpers import catch_up, console, post_form, sign_in

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Role
from subsidy.domain.review import Recommendation

from builders import ADMIN, GOOD_SCORES, REVIEWER_A, REVIEWER_B, World, event_count, year
from conftest import travel_to

APPROVE = Recommendation.APPROVE
AFTER_THE_NOTICE = date(2024, 6, 1)  # the approved grant's notice is dated 2024-05-20


@dataclass
class Desk:
    """A signed-in browser over a world with one application under review and one approved."""

    http: TestClient
    engine: SubsidyEngine
    under_review_id: UUID
    approval_id: UUID

    def sign_in_as(self, role: Role) -> None:
        token = self.engine.add_user(ADMIN, name=f"web-{role.value}", role=role)
        assert sign_in(self.http, token).status_code == 303

    def post(self, page: str, action: str, data: dict[str, str]) -> tuple[int, str, int]:
        """Post the form; (status, page text, events recorded by the post)."""
        before = event_count(self.engine)
        response = post_form(self.http, page, action, data)
        return response.status_code, response.text, event_count(self.engine) - before


@pytest.fixture
def desk() -> Iterator[Desk]:
    with console("memory://") as (http, engine):
        world = World.build(engine)
        under_review_id = world.submitted(year(2025))
        for reviewer in (REVIEWER_A, REVIEWER_B):
            engine.assign_reviewer(ADMIN, under_review_id, reviewer_user_id=reviewer.user_id)
            engine.record_review(
                reviewer, under_review_id, scores=GOOD_SCORES, recommendation=APPROVE, comment=""
            )
        approval_id = world.approved()
        travel_to(AFTER_THE_NOTICE)
        engine.register_reviewer(ADMIN, user_id="reviewer-c", name="reviewer-c")
        catch_up(http.app)
        yield Desk(http, engine, under_review_id, approval_id)


def error_next_to(text: str, field: str) -> str:
    """The message shown beside ``field`` (the element the field's aria-describedby names)."""
    match = re.search(rf'<p class="field-error" id="error-{re.escape(field)}">([^<]*)</p>', text)
    assert match is not None, f"no error shown next to {field}"
    described = re.search(rf'id="f-{re.escape(field)}"[^>]*aria-describedby="[^"]*error-', text)
    assert described is not None, f"{field} is not described by its error"
    return match.group(1)


def test_a_decision_beyond_the_request_shows_the_engines_message_by_the_amount(
    desk: Desk,
) -> None:
    desk.sign_in_as(Role.APPROVER)
    page = f"/applications/{desk.under_review_id}"
    data = {"outcome": "approved", "amounts.2025": "1,600,000", "reason": "妥当"}

    status, text, recorded = desk.post(page, f"{page}/decision", data)

    assert (status, recorded) == (422, 0)
    assert "exceeds" in error_next_to(text, "amounts.2025")
    assert 'value="1,600,000"' in text


def test_an_amount_that_is_not_yen_is_refused_before_the_engine(desk: Desk) -> None:
    desk.sign_in_as(Role.APPROVER)
    page = f"/applications/{desk.under_review_id}"
    data = {"outcome": "approved", "amounts.2025": "百万円", "reason": "妥当"}

    status, text, recorded = desk.post(page, f"{page}/decision", data)

    assert (status, recorded) == (422, 0)
    assert error_next_to(text, "amounts.2025") == "円単位の整数で入力してください（例: 1,500,000）"


def test_a_decision_needs_an_outcome(desk: Desk) -> None:
    desk.sign_in_as(Role.APPROVER)
    page = f"/applications/{desk.under_review_id}"

    status, text, recorded = desk.post(page, f"{page}/decision", {"reason": "妥当"})

    assert (status, recorded) == (422, 0)
    assert error_next_to(text, "outcome") == "いずれかを選んでください"


def test_a_decision_on_a_changed_application_is_refused_as_stale(desk: Desk) -> None:
    desk.sign_in_as(Role.APPROVER)
    page = f"/applications/{desk.under_review_id}"
    form = desk.http.get(page).text
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version is not None
    stale = str(int(version.group(1)) - 1)

    status, text, recorded = desk.post(
        page, f"{page}/decision", {"outcome": "rejected", "reason": "不十分", "version": stale}
    )

    assert (status, recorded) == (422, 0)
    assert '<div class="error-summary" role="alert">' in text


def test_an_accepted_decision_redirects_to_the_page_that_shows_it(desk: Desk) -> None:
    desk.sign_in_as(Role.APPROVER)
    page = f"/applications/{desk.under_review_id}"
    status, _, recorded = desk.post(
        page, f"{page}/decision", {"outcome": "rejected", "reason": "計画が不十分"}
    )
    shown = desk.http.get(f"{page}?saved=1").text

    assert (status, recorded > 0) == (303, True)
    assert "記録しました。" in shown
    assert "不採択" in shown


def test_a_score_out_of_range_is_shown_by_its_criterion(desk: Desk) -> None:
    desk.engine.assign_reviewer(ADMIN, desk.under_review_id, reviewer_user_id="reviewer-c")
    token = desk.engine.add_user(ADMIN, name="reviewer-c", role=Role.REVIEWER)
    sign_in(desk.http, token)
    page = f"/applications/{desk.under_review_id}/review"
    scores = {f"scores.{c}": str(s) for c, s in GOOD_SCORES.items()}

    status, text, recorded = desk.post(
        page, page, {**scores, "scores.cost": "7", "recommendation": "approve"}
    )

    assert (status, recorded) == (422, 0)
    assert error_next_to(text, "scores.cost") == "0から5の整数で入力してください"


def test_a_review_by_a_reviewer_not_assigned_shows_the_engines_refusal(desk: Desk) -> None:
    token = desk.engine.add_user(ADMIN, name="reviewer-c", role=Role.REVIEWER)
    sign_in(desk.http, token)
    page = f"/applications/{desk.under_review_id}/review"
    scores = {f"scores.{c}": str(s) for c, s in GOOD_SCORES.items()}

    status, text, recorded = desk.post(page, page, {**scores, "recommendation": "approve"})

    assert (status, recorded) == (422, 0)
    assert "reviewer-c is not assigned" in text


def test_an_advance_beyond_the_decision_is_shown_by_the_amount(desk: Desk) -> None:
    desk.sign_in_as(Role.FINANCE)
    page = f"/finance/approvals/{desk.approval_id}/2024"

    status, text, recorded = desk.post(page, f"{page}/advance", {"amount": "2,000,000"})

    assert (status, recorded) == (422, 0)
    assert "decided" in error_next_to(text, "advance-amount")


def test_an_impossible_wareki_date_is_shown_by_its_field(desk: Desk) -> None:
    desk.sign_in_as(Role.FINANCE)
    page = f"/finance/approvals/{desk.approval_id}/2024"
    data = {"amount": "500,000", "paid_on": "令和元年4月30日"}

    status, text, recorded = desk.post(page, f"{page}/advance", data)

    assert (status, recorded) == (422, 0)
    assert "does not exist" in error_next_to(text, "advance-paid_on")


def test_an_accepted_advance_shows_on_the_years_page(desk: Desk) -> None:
    desk.sign_in_as(Role.FINANCE)
    page = f"/finance/approvals/{desk.approval_id}/2024"

    status, _, recorded = desk.post(
        page, f"{page}/advance", {"amount": "７５０，０００円", "paid_on": "令和6年6月3日"}
    )

    assert (status, recorded > 0) == (303, True)
    assert desk.engine.disbursement(desk.approval_id, 2024).paid == 750_000


def test_the_as_of_view_explains_a_date_it_cannot_read(desk: Desk) -> None:
    desk.sign_in_as(Role.AUDITOR)

    response = desk.http.get(
        "/audit/state", params={"aggregate_id": str(desk.approval_id), "date": "2024年13月1日"}
    )

    assert response.status_code == 422
    assert "does not exist" in error_next_to(response.text, "date")


def test_the_audit_log_explains_an_id_it_cannot_read(desk: Desk) -> None:
    desk.sign_in_as(Role.AUDITOR)

    response = desk.http.get("/audit", params={"aggregate_id": "not-an-id"})

    assert response.status_code == 422
    assert error_next_to(response.text, "aggregate_id") == "IDの形式が正しくありません"


@pytest.mark.parametrize("path", ["/applications/not-an-id", f"/applications/{UUID(int=7)}"])
def test_a_missing_record_is_a_page_not_a_problem_document(desk: Desk, path: str) -> None:
    desk.sign_in_as(Role.AUDITOR)

    response = desk.http.get(path)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "該当する記録がありません。" in response.text


def test_a_form_sent_twice_records_once(desk: Desk) -> None:
    desk.sign_in_as(Role.FINANCE)
    page = f"/finance/approvals/{desk.approval_id}/2024"
    form = desk.http.get(page).text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form)
    assert key is not None
    data = {"amount": "500,000", "idempotency_key": key.group(1)}

    first = desk.post(page, f"{page}/advance", data)
    second = desk.post(page, f"{page}/advance", data)

    assert (first[0], second[0], second[2]) == (303, 303, 0)
    assert desk.engine.disbursement(desk.approval_id, 2024).paid == 500_000
