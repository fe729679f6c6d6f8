from __future__ import annotations

import pytest

from subsidy.application import SubsidyEngine

from builders import World, event_count
from conftest import ALL_STORES

pytestmark = pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)


def test_a_granted_application_is_approved(engine: SubsidyEngine) -> None:
    world = World.build(engine)

    approval_id = world.approved()

    view = engine.approval(approval_id)
    assert view.total == 4_500_000
    assert engine.application(view.application_id).status == "approved"
    assert event_count(engine) > 10
