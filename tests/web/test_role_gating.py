"""Each page shows only what the user's role may see: every page × every role.

A role outside a page's list gets 403 (another organisation's applicant gets 404, as from the
API), a visitor who is not signed in is sent to the sign-in page, and no page a role can open
links to a page that role may not open. The table here is written independently of
``subsidy.web.pages``, so a change there that opens a page to the wrong role fails a test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from web_helpers import Scene, browser, build_scene, catch_up, console_app, sign_in

from conftest import CLOCK, FIXED_NOW, make_engine

APPLICANT, OTHER = "applicant", "other-applicant"
REVIEWER, APPROVER, FINANCE = "reviewer", "approver", "finance"
AUDITOR, ADMINISTRATOR = "auditor", "administrator"
STAFF = frozenset({REVIEWER, APPROVER, FINANCE, AUDITOR, ADMINISTRATOR})
EVERYONE = STAFF | {APPLICANT, OTHER}
OWN_RECORD = STAFF | {APPLICANT}
BOOKS = frozenset({FINANCE, AUDITOR, ADMINISTRATOR})
AUDITORS = frozenset({AUDITOR, ADMINISTRATOR})
QUEUE = frozenset({REVIEWER, AUDITOR, ADMINISTRATOR})
NOTICE_READERS = frozenset({APPLICANT, APPROVER, FINANCE, AUDITOR, ADMINISTRATOR})
ROLES = [APPLICANT, OTHER, REVIEWER, APPROVER, FINANCE, AUDITOR, ADMINISTRATOR]


@dataclass(frozen=True)
class PageRule:
    """A page, the roles that may open it, and whether other applicants get 404 (not 403)."""

    name: str
    path: str
    roles: frozenset[str]
    own_record: bool = False


PAGES = [
    PageRule("dashboard", "/dashboard", STAFF),
    PageRule("applications", "/applications", EVERYONE),
    PageRule("application", "/applications/{approved}", OWN_RECORD, own_record=True),
    PageRule("review form", "/applications/{under_review}/review", frozenset({REVIEWER})),
    PageRule("review queue", "/reviews", QUEUE),
    PageRule("finance", "/finance?fiscal_year=2024", BOOKS),
    PageRule("finance year", "/finance/approvals/{approval}/2024", BOOKS),
    PageRule("ledger csv", "/finance/ledger.csv?fiscal_year=2024", BOOKS),
    PageRule("ledger xlsx", "/finance/ledger.xlsx?fiscal_year=2024", BOOKS),
    PageRule("audit log", "/audit", AUDITORS),
    PageRule("state as of", "/audit/state", AUDITORS),
    PageRule("integrity", "/audit/integrity", AUDITORS),
    PageRule("decision notice", "/notices/decision/{approval}", NOTICE_READERS, own_record=True),
    PageRule(
        "repayment notice",
        "/notices/repayment/{approval}/2024/1",
        NOTICE_READERS,
        own_record=True,
    ),
]
# Who may follow a link, by the link's path: the first match decides.
LINK_RULES = [
    (re.compile(r"^/dashboard"), STAFF),
    (re.compile(r"^/applications/[^/?]+/review"), frozenset({REVIEWER})),
    (re.compile(r"^/applications"), EVERYONE),
    (re.compile(r"^/reviews"), QUEUE),
    (re.compile(r"^/finance"), BOOKS),
    (re.compile(r"^/audit"), AUDITORS),
    (re.compile(r"^/notices"), NOTICE_READERS),
]
MENU_PATHS = ["/dashboard", "/applications", "/reviews", "/finance", "/audit", "/audit/state"]
HREF = re.compile(r'href="([^"#]*)"')
MENU = re.compile(r'<nav class="menu".*?</nav>', re.DOTALL)


@dataclass
class Signed:
    """The scene and one signed-in browser per role."""

    scene: Scene
    clients: dict[str, TestClient]
    anonymous: TestClient

    def path(self, rule: PageRule) -> str:
        return rule.path.format(
            approved=self.scene.approved_id,
            under_review=self.scene.under_review_id,
            approval=self.scene.approval_id,
        )


@pytest.fixture(scope="module")
def signed() -> Iterator[Signed]:
    CLOCK.now = FIXED_NOW
    engine = make_engine("memory://")
    scene = build_scene(engine)
    app = console_app(engine, "memory://")
    catch_up(app)
    clients = {role: browser(app) for role in ROLES}
    tokens = {**scene.tokens, OTHER: scene.other_applicant}
    for role, client in clients.items():
        assert sign_in(client, tokens[role]).status_code == 303
    yield Signed(scene, clients, browser(app))
    engine.close()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rule", PAGES, ids=[p.name for p in PAGES])
def test_a_page_opens_only_for_the_roles_it_is_for(
    signed: Signed, rule: PageRule, role: str
) -> None:
    response = signed.clients[role].get(signed.path(rule))

    if role in rule.roles:
        assert response.status_code == 200, response.text[:500]
    elif role == OTHER and rule.own_record:
        assert response.status_code == 404
    else:
        assert response.status_code == 403
        assert "このページを表示する権限がありません" in response.text


@pytest.mark.parametrize("rule", PAGES, ids=[p.name for p in PAGES])
def test_a_visitor_who_has_not_signed_in_is_sent_to_the_sign_in_page(
    signed: Signed, rule: PageRule
) -> None:
    response = signed.anonymous.get(signed.path(rule))

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_links_exactly_the_pages_the_role_may_open(signed: Signed, role: str) -> None:
    page = signed.clients[role].get("/applications")

    [menu] = MENU.findall(page.text)
    linked = set(HREF.findall(menu))

    expected = {path for path in MENU_PATHS if role in _roles_of_link(path)}
    expected |= {"/audit/integrity"} if role in AUDITORS else set()
    assert linked == expected


@pytest.mark.parametrize("role", ROLES)
def test_no_page_links_to_a_page_the_role_may_not_open(signed: Signed, role: str) -> None:
    client = signed.clients[role]
    opened = [signed.path(r) for r in PAGES if role in r.roles and "ledger." not in r.path]

    links = {link for path in opened for link in HREF.findall(client.get(path).text)}

    forbidden = sorted(link for link in links if role not in _roles_of_link(link))
    assert forbidden == []


def _roles_of_link(link: str) -> frozenset[str]:
    for pattern, roles in LINK_RULES:
        if pattern.match(link):
            return roles
    return EVERYONE  # sign-in, sign-out, language, static files


def test_only_approvers_are_shown_the_decision_form(signed: Signed) -> None:
    path = f"/applications/{signed.scene.under_review_id}"

    shown = {
        role: 'action="' + path + '/decision"' in signed.clients[role].get(path).text
        for role in (REVIEWER, APPROVER, FINANCE, AUDITOR, ADMINISTRATOR)
    }

    assert shown == {
        REVIEWER: False,
        APPROVER: True,
        FINANCE: False,
        AUDITOR: False,
        ADMINISTRATOR: False,
    }


def test_only_finance_is_shown_the_money_forms(signed: Signed) -> None:
    path = f"/finance/approvals/{signed.scene.approval_id}/2024"

    shown = {
        role: 'method="post" action="' + path in signed.clients[role].get(path).text
        for role in BOOKS
    }

    assert shown == {FINANCE: True, AUDITOR: False, ADMINISTRATOR: False}
