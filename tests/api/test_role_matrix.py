"""Who may call what: a role × endpoint table, walked for every operation the API serves.

Each row names an operation, the scenario it needs, a valid request for that scenario and the
roles allowed. Every (operation, role) pair is its own test on a fresh memory-store app: allowed
roles succeed, other roles get 403, no token gets 401, and a refused call records nothing.
Where applicants may act, another organisation's applicant gets 404: every such operation names
a record of the lead organisation (or creates one for it), which is not theirs to see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from api_helpers import api, bearer
from fastapi.testclient import TestClient

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import CostCategory, CostLine

from builders import ADMIN, GOOD_SCORES, REVIEWER_A, World, event_count, plan_content
from builders import APPROVER as APPROVER_ACTOR
from conftest import travel_to

Ids = dict[str, Any]

APPLICANT, OTHER, NO_TOKEN = "applicant", "other-applicant", "no-token"
REVIEWER, APPROVER, FINANCE = "reviewer", "approver", "finance"
AUDITOR, ADMINISTRATOR = "auditor", "administrator"
STAFF = frozenset({REVIEWER, APPROVER, FINANCE, AUDITOR, ADMINISTRATOR})
EVERYONE = STAFF | {APPLICANT, OTHER}
OWN_RECORD = STAFF | {APPLICANT}  # another organisation's applicant gets 404
PUBLIC = EVERYONE | {NO_TOKEN}
DRAFTERS = frozenset({APPLICANT, ADMINISTRATOR})
ROLES = [APPLICANT, OTHER, REVIEWER, APPROVER, FINANCE, AUDITOR, ADMINISTRATOR, NO_TOKEN]
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
WITHIN_WITHDRAWAL_PERIOD = date(2024, 5, 25)  # the notice is dated 2024-05-20
FINANCE_ACTOR = Actor("finance", Role.FINANCE)


# Scenarios: the state each operation needs, built on World.build, answering the path's ids.


def world(w: World) -> Ids:
    agreement = w.engine.list_agreements()[0]
    return {
        "organisation_id": w.lead_id,
        "agreement_id": agreement.id,
        "plan_id": w.plan_id,
        "aggregate_id": w.plan_id,
        "fiscal_year": 2024,
    }


def draft_plan(w: World) -> Ids:
    plan_id = w.engine.draft_action_plan(w.applicant, owner_id=w.lead_id, content=plan_content())
    return {**world(w), "plan_id": plan_id}


def drafted(w: World) -> Ids:
    return {**world(w), "application_id": w.draft()}


def submitted(w: World) -> Ids:
    return {**world(w), "application_id": w.submitted()}


def assigned(w: World) -> Ids:
    ids = submitted(w)
    w.engine.assign_reviewer(ADMIN, ids["application_id"], reviewer_user_id=REVIEWER_A.user_id)
    return ids


def reviewed(w: World) -> Ids:
    return {**world(w), "application_id": w.reviewed()}


def approved(w: World) -> Ids:
    approval_id = w.approved()
    travel_to(WITHIN_WITHDRAWAL_PERIOD)
    return {**world(w), "approval_id": approval_id}


def reported(w: World) -> Ids:
    ids = approved(w)
    lines = (CostLine(CostCategory.HONORARIA, "講師謝金", 1_250_500),)
    w.engine.submit_performance_report(w.applicant, ids["approval_id"], 2024, cost_lines=lines)
    return ids


def owed(w: World) -> Ids:
    ids = approved(w)
    w.engine.record_advance(FINANCE_ACTOR, ids["approval_id"], 2024, amount=500_000)
    w.engine.revoke_approval(APPROVER_ACTOR, ids["approval_id"], ground="目的外使用")
    return ids


# Request bodies, valid for their operation's scenario.


def plan_json(ids: Ids, with_owner: bool = True) -> dict[str, Any]:
    content = {
        "title": "人材育成アクションプラン",
        "first_fiscal_year": 2024,
        "last_fiscal_year": 2028,
        "target_roles": ["regional_leader"],
        "participant_groups": ["local_government_staff"],
        "measures": [
            {
                "fiscal_year": 2024,
                "component": "basic_qualities",
                "delivery_mode": "on_site",
                "description": "基礎研修",
                "planned_participants": 30,
            }
        ],
    }
    return {**content, "owner_id": str(ids["organisation_id"])} if with_owner else content


def application_json(ids: Ids, with_organisation: bool = True) -> dict[str, Any]:
    lines = [
        {"category": "謝金", "description": "講師謝金", "amount": 1_500_000},
        {"category": "旅費", "description": "講師旅費", "amount": 100_000},
    ]
    years = [
        {"fiscal_year": fy, "cost_lines": lines, "requested": 1_500_000} for fy in (2024, 2025)
    ]
    content = {"title": "横串人材育成プログラム", "plan_id": str(ids["plan_id"]), "plan_version": 1}
    content["years"] = years
    if with_organisation:
        content["organisation_id"] = str(ids["organisation_id"])
    return content


AMOUNTS = [{"fiscal_year": fy, "amount": 1_500_000} for fy in (2024, 2025, 2026)]
DECISION = {
    "outcome": "approved",
    "amounts": AMOUNTS,
    "reason": "妥当",
    "notice_date": "2024-05-20",
}
AMENDMENT = {"amounts": [{**AMOUNTS[0], "amount": 1_200_000}, *AMOUNTS[1:]], "reason": "縮小"}
REVIEW = {"scores": GOOD_SCORES, "recommendation": "approve", "comment": "妥当"}
REPORT = {"cost_lines": [{"category": "謝金", "description": "講師謝金", "amount": 1_250_500}]}
ORGANISATION = {"name": "千葉県勝浦市", "kind": "municipality", "prefecture": "千葉県"}
TERMINATION = {"on": "2024-04-15", "reason": "解消"}
ASSIGNMENT = {"reviewer_user_id": REVIEWER_A.user_id}
ASSIGNMENT_QUEUE = {"reviewer_id": REVIEWER_A.user_id}
REASON = {"reason": "体制変更"}
ADVANCE = {"kind": "advance", "amount": 500_000}
REPAYMENT = {"fiscal_year": 2024, "amount": 100_000}


def agreement(ids: Ids) -> dict[str, Any]:
    return {"party_ids": [str(ids["organisation_id"])], "signed_on": "2024-04-01"}


def plan_update(ids: Ids) -> dict[str, Any]:
    return plan_json(ids, with_owner=False)


def revision(ids: Ids) -> dict[str, Any]:
    return {"content": plan_json(ids, with_owner=False), "reason": "指標の見直し"}


def application_update(ids: Ids) -> dict[str, Any]:
    return application_json(ids, with_organisation=False)


Body = dict[str, Any] | Callable[[Ids], dict[str, Any]] | None


@dataclass(frozen=True)
class Op:
    """One operation: its route, who may call it, the scenario it needs and a valid request."""

    method: str
    path: str
    allowed: frozenset[str]
    scenario: Callable[[World], Ids] = world
    body: Body = None
    params: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    def json(self, ids: Ids) -> dict[str, Any] | None:
        return self.body(ids) if callable(self.body) else self.body


V1 = "/api/v1"
PLAN = f"{V1}/action-plans/{{plan_id}}"
APP = f"{V1}/applications/{{application_id}}"
APPROVAL = f"{V1}/approvals/{{approval_id}}"
YEAR = f"{APPROVAL}/years/{{fiscal_year}}"
ADMINS, REVIEWERS, APPROVERS = (
    frozenset({ADMINISTRATOR}),
    frozenset({REVIEWER}),
    frozenset({APPROVER}),
)
FINANCE_ONLY, AUDITORS = frozenset({FINANCE}), frozenset({AUDITOR, ADMINISTRATOR})
TABLE = [
    Op("GET", "/healthz", PUBLIC),
    Op("GET", "/readyz", PUBLIC),
    Op("GET", "/metrics", PUBLIC),
    Op("GET", f"{V1}/me", EVERYONE),
    Op("POST", f"{V1}/organisations", ADMINS, body=ORGANISATION),
    Op("GET", f"{V1}/organisations", EVERYONE),
    Op("GET", f"{V1}/organisations/{{organisation_id}}", EVERYONE),
    Op("POST", f"{V1}/agreements", ADMINS, body=agreement),
    Op("GET", f"{V1}/agreements", EVERYONE),
    Op("POST", f"{V1}/agreements/{{agreement_id}}/termination", ADMINS, body=TERMINATION),
    Op("POST", f"{V1}/action-plans", DRAFTERS, body=plan_json),
    Op("GET", PLAN, OWN_RECORD),
    Op("PUT", PLAN, DRAFTERS, draft_plan, plan_update),
    Op("POST", f"{PLAN}/adopt", DRAFTERS, draft_plan),
    Op("POST", f"{PLAN}/revisions", DRAFTERS, body=revision),
    Op("POST", f"{PLAN}/exception", ADMINS, body={"reason": "合併協議中のため"}),
    Op("POST", f"{V1}/applications", DRAFTERS, body=application_json),
    Op("GET", f"{V1}/applications", EVERYONE, drafted),
    Op("GET", APP, OWN_RECORD, drafted),
    Op("PUT", APP, DRAFTERS, drafted, application_update),
    Op("POST", f"{APP}/submit", DRAFTERS, drafted),
    Op("POST", f"{APP}/withdraw", DRAFTERS, submitted, REASON),
    Op("POST", f"{APP}/reviewers", ADMINS, submitted, ASSIGNMENT),
    Op("POST", f"{APP}/reviews", REVIEWERS, assigned, REVIEW),
    Op("POST", f"{APP}/decision", APPROVERS, reviewed, DECISION),
    Op("GET", APPROVAL, OWN_RECORD, approved),
    Op("POST", f"{APPROVAL}/amendments", APPROVERS, approved, AMENDMENT),
    Op("POST", f"{APPROVAL}/revocation", APPROVERS, approved, {"ground": "目的外使用"}),
    Op("POST", f"{APPROVAL}/withdrawal", DRAFTERS, approved, REASON),
    Op("POST", f"{APPROVAL}/repayments", FINANCE_ONLY, owed, REPAYMENT),
    Op("GET", YEAR, OWN_RECORD, approved),
    Op("POST", f"{YEAR}/payments", FINANCE_ONLY, approved, ADVANCE),
    Op("POST", f"{YEAR}/activity-end", DRAFTERS, approved, {"ends_on": "2024-12-20"}),
    Op("POST", f"{YEAR}/report", DRAFTERS, approved, REPORT),
    Op("POST", f"{YEAR}/determination", FINANCE_ONLY, reported, {}),
    Op("GET", f"{YEAR}/trail", OWN_RECORD, approved),
    Op("PUT", f"{V1}/fiscal-budgets/{{fiscal_year}}", ADMINS, body={"amount": 40_000_000}),
    Op("GET", f"{V1}/fiscal-budgets/{{fiscal_year}}", STAFF),
    # Issue 5: "auditors read everything"; like an administrator, an auditor names the reviewer.
    Op("GET", f"{V1}/review-queue", REVIEWERS | AUDITORS, assigned, params=ASSIGNMENT_QUEUE),
    Op("GET", f"{V1}/dashboard", STAFF),
    Op("GET", f"{V1}/ledger", FINANCE_ONLY | AUDITORS, approved),
    Op("GET", f"{V1}/audit/events", AUDITORS),
    Op("GET", f"{V1}/audit/aggregates/{{aggregate_id}}/state", AUDITORS, params={"version": 1}),
    Op("GET", f"{V1}/audit/digest", AUDITORS),
]


def headers_for(engine: SubsidyEngine, w: World, role: str) -> dict[str, str]:
    """A token for ``role``, named as the scenario's actors are, so identity checks pass."""
    users: dict[str, tuple[str, Role, UUID | None]] = {
        APPLICANT: (w.applicant.user_id, Role.APPLICANT, w.lead_id),
        OTHER: ("applicant-otaki", Role.APPLICANT, w.member_id),
        REVIEWER: (REVIEWER_A.user_id, Role.REVIEWER, None),
        APPROVER: (APPROVER_ACTOR.user_id, Role.APPROVER, None),
        FINANCE: (FINANCE_ACTOR.user_id, Role.FINANCE, None),
        AUDITOR: ("auditor", Role.AUDITOR, None),
        ADMINISTRATOR: (ADMIN.user_id, Role.ADMINISTRATOR, None),
    }
    if role == NO_TOKEN:
        return {}
    return bearer(engine, *users[role])


def refusal_for(op: Op, role: str) -> int:
    """The status a caller outside ``op.allowed`` gets."""
    if role == NO_TOKEN:
        return 401
    if role == OTHER and APPLICANT in op.allowed:
        return 404  # the lead organisation's record, or one created for it: not theirs
    return 403


@pytest.fixture
def app(store_url: str) -> Iterator[tuple[TestClient, SubsidyEngine]]:
    with api(store_url) as (client, engine):
        yield client, engine


def test_the_table_has_one_row_for_every_operation_the_api_serves(
    app: tuple[TestClient, SubsidyEngine],
) -> None:
    client, _ = app

    spec = client.get("/openapi.json").json()

    served = {
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    rows = [op.key for op in TABLE]
    assert len(rows) == len(set(rows)), "a row appears twice"
    assert served - set(rows) == set(), "operations without a row in the role table"
    assert set(rows) - served == set(), "rows for operations the API no longer serves"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("op", TABLE, ids=lambda op: op.key)
def test_each_role_is_allowed_or_refused_as_the_table_says(
    app: tuple[TestClient, SubsidyEngine], op: Op, role: str
) -> None:
    client, engine = app
    w = World.build(engine)
    ids = op.scenario(w)
    headers = headers_for(engine, w, role)
    before = event_count(engine)

    response = client.request(
        op.method,
        op.path.format_map(ids),
        json=op.json(ids),
        params=op.params,
        headers=headers,
    )

    recorded = event_count(engine) - before
    if role in op.allowed:
        assert 200 <= response.status_code < 300, response.text
        assert recorded > 0 if op.method != "GET" else recorded == 0
    else:
        assert response.status_code == refusal_for(op, role), response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert recorded == 0, "a refused call recorded events"
