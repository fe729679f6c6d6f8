"""One API user per demo role, with a fresh token each time the demo is served."""

from __future__ import annotations

from subsidy.application import SubsidyEngine
from subsidy.application.accounts import ApiUser
from subsidy.domain.actor import Actor, Role
from subsidy.domain.organisation import Organisation

ADMIN = Actor("admin-yamada", Role.ADMINISTRATOR)
DEMO_USERS: tuple[tuple[str, Role, str | None], ...] = (
    ("admin-yamada", Role.ADMINISTRATOR, None),
    ("applicant@千葉県いすみ市", Role.APPLICANT, "千葉県いすみ市"),
    ("reviewer-sato", Role.REVIEWER, None),
    ("approver-kobayashi", Role.APPROVER, None),
    ("finance-ito", Role.FINANCE, None),
    ("auditor-kato", Role.AUDITOR, None),
)


def demo_tokens(engine: SubsidyEngine) -> list[tuple[str, Role, str]]:
    """(user, role, token) for each demo role; existing users get a further token."""
    tokens = []
    for name, role, organisation in DEMO_USERS:
        if ApiUser.id_for(name) in engine.repository:
            token = engine.issue_token(ADMIN, name=name)
        else:
            organisation_id = Organisation.id_for(organisation) if organisation else None
            token = engine.add_user(ADMIN, name=name, role=role, organisation_id=organisation_id)
        tokens.append((name, role, token))
    return tokens
