"""API users: a token shown once, stored only as a hash, authenticating as its user."""

from __future__ import annotations

import pytest

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor, Role
from subsidy.domain.errors import InvalidValue, RuleViolation

from builders import ADMIN, World, refused
from conftest import ALL_STORES

pytestmark = pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)


def test_a_token_authenticates_as_its_user_and_is_never_stored(engine: SubsidyEngine) -> None:
    world = World.build(engine)

    token = engine.add_user(
        ADMIN, name="tanaka", role=Role.APPLICANT, organisation_id=world.lead_id
    )

    assert engine.authenticate(token) == Actor("tanaka", Role.APPLICANT, world.lead_id)
    assert engine.authenticate(token + "x") is None
    stored = b"".join(n.state for n in engine.recorder.select_notifications(1, 100_000))
    assert token.encode() not in stored


def test_a_revoked_user_no_longer_authenticates(engine: SubsidyEngine) -> None:
    token = engine.add_user(ADMIN, name="sato", role=Role.REVIEWER)

    engine.revoke_user(ADMIN, name="sato", reason="退任")

    assert engine.authenticate(token) is None


def test_an_applicant_needs_an_organisation(engine: SubsidyEngine) -> None:
    refused(
        engine,
        InvalidValue,
        "an applicant acts for an organisation",
        lambda: engine.add_user(ADMIN, name="nobody", role=Role.APPLICANT),
    )


def test_a_name_is_taken_once(engine: SubsidyEngine) -> None:
    engine.add_user(ADMIN, name="kobayashi", role=Role.APPROVER)

    refused(
        engine,
        RuleViolation,
        "a user named kobayashi exists",
        lambda: engine.add_user(ADMIN, name="kobayashi", role=Role.FINANCE),
    )


def test_a_further_token_works_beside_the_first(engine: SubsidyEngine) -> None:
    first = engine.add_user(ADMIN, name="suzuki", role=Role.FINANCE)

    second = engine.issue_token(ADMIN, name="suzuki")

    assert second != first
    assert (
        engine.authenticate(first) == engine.authenticate(second) == Actor("suzuki", Role.FINANCE)
    )
