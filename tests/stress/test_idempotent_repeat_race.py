"""A repeat of a keyed command that is judged while the first call is being recorded.

The race test found it on PostgreSQL: a call checks its key (not yet used), another call with
the same key and arguments is recorded, and the first call then loads the state the other one
changed and is refused (the application is already approved, or the budget is now full). The
client was told "refused" for a command that had been recorded. Here the interleaving is forced
in one thread: the check of the key runs the competing call before it answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from subsidy.application import SubsidyEngine
from subsidy.application.core import event_topic
from subsidy.domain.approval import Approval
from subsidy.domain.errors import IdempotencyKeyReused

from builders import APPROVER, World, amounts, year
from conftest import ALL_STORES


def granted(engine: SubsidyEngine) -> int:
    topic = event_topic(Approval, "Granted")
    return sum(1 for n in engine.recorder.select_notifications(1, 10_000) if n.topic == topic)


def competing_call_during_the_key_check(
    engine: SubsidyEngine, competitor: Callable[[], Any]
) -> list[Any]:
    """Make the next key check find nothing, then let ``competitor`` run to the end first."""
    original = engine._previous_outcome
    outcomes: list[Any] = []

    def check_then_lose_the_race(*args: Any) -> Any:
        object.__setattr__(engine, "_previous_outcome", original)
        found = original(*args)
        outcomes.append(competitor())
        return found

    object.__setattr__(engine, "_previous_outcome", check_then_lose_the_race)
    return outcomes


def approve(engine: SubsidyEngine, application_id: UUID, reason: str = "可") -> Callable[[], UUID]:
    return lambda: engine.approve_application(
        APPROVER,
        application_id,
        amounts=amounts((2024, 1_500_000)),
        reason=reason,
        idempotency_key="approve-once",
    )


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_a_repeat_judged_while_its_key_was_recorded_returns_the_first_outcome(
    engine: SubsidyEngine,
) -> None:
    application_id = World.build(engine).reviewed(year(2024))
    first = competing_call_during_the_key_check(engine, approve(engine, application_id))

    repeat = approve(engine, application_id)()

    assert repeat == first[0]
    assert granted(engine) == 1


def test_a_key_recorded_meanwhile_for_other_arguments_is_refused_as_reused(
    engine: SubsidyEngine,
) -> None:
    application_id = World.build(engine).reviewed(year(2024))
    competing_call_during_the_key_check(engine, approve(engine, application_id, reason="別の理由"))

    with pytest.raises(IdempotencyKeyReused, match="other arguments"):
        approve(engine, application_id)()

    assert granted(engine) == 1
