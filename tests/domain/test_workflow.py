"""The workflow table: every pair outside it is refused, and closed states allow nothing."""

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subsidy.domain.errors import TransitionNotAllowed
from subsidy.domain.workflow import TRANSITIONS, ApplicationStatus, Command, next_status

S = ApplicationStatus
C = Command

FORBIDDEN = [
    pytest.param(status, command, id=f"{status.value}-{command.value}")
    for status in ApplicationStatus
    for command in Command
    if (status, command) not in TRANSITIONS
]
CLOSED = [S.WITHDRAWN, S.APPROVED, S.REJECTED]


@pytest.mark.parametrize(("status", "command"), FORBIDDEN)
def test_a_command_outside_the_table_is_refused_naming_the_allowed_commands(
    status: ApplicationStatus, command: Command
) -> None:
    allowed = [c.value for (s, c) in TRANSITIONS if s is status]

    with pytest.raises(
        TransitionNotAllowed, match=f"cannot {command.value} .* {status.value}"
    ) as raised:
        next_status(status, command)

    assert raised.value.rule == "workflow"
    for name in allowed:
        assert name in raised.value.message


@pytest.mark.parametrize("status", CLOSED)
def test_a_closed_application_allows_nothing(status: ApplicationStatus) -> None:
    commands = [c for (s, c) in TRANSITIONS if s is status]

    with pytest.raises(TransitionNotAllowed, match="the application is closed"):
        next_status(status, Command.EDIT)

    assert commands == []


@pytest.mark.parametrize(
    ("status", "command", "expected"),
    [
        (S.DRAFT, C.SUBMIT, S.SUBMITTED),
        (S.SUBMITTED, C.ASSIGN_REVIEWER, S.UNDER_REVIEW),
        (S.UNDER_REVIEW, C.APPROVE, S.APPROVED),
        (S.UNDER_REVIEW, C.REJECT, S.REJECTED),
        (S.UNDER_REVIEW, C.RETURN, S.RETURNED),
        (S.RETURNED, C.RESUBMIT, S.SUBMITTED),
        (S.RETURNED, C.WITHDRAW, S.WITHDRAWN),
    ],
)
def test_the_table_moves_the_application_as_drawn(
    status: ApplicationStatus, command: Command, expected: ApplicationStatus
) -> None:
    result = next_status(status, command)

    assert result is expected


def test_only_an_application_under_review_can_be_decided() -> None:
    deciding = {(s, c) for (s, c) in TRANSITIONS if c in (C.APPROVE, C.REJECT)}

    assert deciding == {(S.UNDER_REVIEW, C.APPROVE), (S.UNDER_REVIEW, C.REJECT)}


@given(st.lists(st.sampled_from(list(Command)), max_size=30))
def test_any_command_sequence_only_visits_states_the_table_reaches(commands: list[Command]) -> None:
    status = S.DRAFT
    visited = [status]

    for command in commands:
        try:
            status = next_status(status, command)
        except TransitionNotAllowed:
            continue
        visited.append(status)

    reachable = {S.DRAFT, *TRANSITIONS.values()}
    assert set(visited) <= reachable
    for before, after in pairwise(visited):
        assert any(TRANSITIONS.get((before, c)) is after for c in Command)
