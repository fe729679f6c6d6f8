"""Which role sees which page: one table that both the menu and the access checks read.

A page missing from a role's menu is also refused to that role, so a user never gets a link to,
nor the content of, another role's page. The roles follow the API's (docs/api.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from subsidy.domain.actor import Role

STAFF = frozenset({Role.REVIEWER, Role.APPROVER, Role.FINANCE, Role.AUDITOR, Role.ADMINISTRATOR})
EVERYONE = STAFF | {Role.APPLICANT}
AUDITORS = frozenset({Role.AUDITOR, Role.ADMINISTRATOR})


@dataclass(frozen=True)
class Page:
    """A console page: its menu label (a catalogue key), its path and who may open it."""

    label: str
    path: str
    roles: frozenset[Role]

    def open_to(self, role: Role) -> bool:
        """Whether ``role`` may open the page."""
        return role in self.roles


DASHBOARD = Page("page.dashboard", "/dashboard", STAFF)
APPLICATIONS = Page("page.applications", "/applications", EVERYONE)
REVIEW_QUEUE = Page(
    "page.review_queue", "/reviews", frozenset({Role.REVIEWER, Role.AUDITOR, Role.ADMINISTRATOR})
)
FINANCE = Page(
    "page.finance", "/finance", frozenset({Role.FINANCE, Role.AUDITOR, Role.ADMINISTRATOR})
)
AUDIT_LOG = Page("page.audit_log", "/audit", AUDITORS)
AUDIT_STATE = Page("page.audit_state", "/audit/state", AUDITORS)
INTEGRITY = Page("page.integrity", "/audit/integrity", AUDITORS)

MENU = (DASHBOARD, APPLICATIONS, REVIEW_QUEUE, FINANCE, AUDIT_LOG, AUDIT_STATE, INTEGRITY)

# Pages reached from other pages rather than from the menu.
APPLICATION = Page("page.applications", "/applications/{id}", EVERYONE)
REVIEW_FORM = Page("review.title", "/applications/{id}/review", frozenset({Role.REVIEWER}))
DECISION = Page("decision.title", "/applications/{id}/decision", frozenset({Role.APPROVER}))
FINANCE_YEAR = FINANCE
FINANCE_WRITE = Page("page.finance", "/finance/approvals/{id}/{fy}", frozenset({Role.FINANCE}))
NOTICES = Page(
    "notice.decision",
    "/notices/{kind}/{id}",
    frozenset({Role.APPLICANT, Role.APPROVER, Role.FINANCE, Role.AUDITOR, Role.ADMINISTRATOR}),
)


def menu_for(role: Role) -> list[Page]:
    """The menu entries ``role`` may open, in menu order."""
    return [page for page in MENU if page.open_to(role)]


def home_of(role: Role) -> str:
    """Where a user lands after signing in: the first page of their menu."""
    pages = menu_for(role)
    return pages[0].path if pages else "/login"
