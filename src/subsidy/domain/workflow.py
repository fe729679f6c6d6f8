"""The grant application's workflow: one table of allowed transitions.

The aggregate consults this table before every command, and docs/domain.md draws it.
"""

from __future__ import annotations

from enum import Enum

from subsidy.domain.errors import TransitionNotAllowed


class ApplicationStatus(Enum):
    """Where a grant application stands."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


class Command(Enum):
    """The commands that move an application (or keep it where it is)."""

    EDIT = "edit"
    SUBMIT = "submit"
    ASSIGN_REVIEWER = "assign_reviewer"
    REVIEW = "review"
    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"
    RESUBMIT = "resubmit"
    WITHDRAW = "withdraw"


S = ApplicationStatus
C = Command

TRANSITIONS: dict[tuple[ApplicationStatus, Command], ApplicationStatus] = {
    (S.DRAFT, C.EDIT): S.DRAFT,
    (S.DRAFT, C.SUBMIT): S.SUBMITTED,
    (S.DRAFT, C.WITHDRAW): S.WITHDRAWN,
    (S.SUBMITTED, C.ASSIGN_REVIEWER): S.UNDER_REVIEW,
    (S.SUBMITTED, C.RETURN): S.RETURNED,
    (S.SUBMITTED, C.WITHDRAW): S.WITHDRAWN,
    (S.UNDER_REVIEW, C.ASSIGN_REVIEWER): S.UNDER_REVIEW,
    (S.UNDER_REVIEW, C.REVIEW): S.UNDER_REVIEW,
    (S.UNDER_REVIEW, C.APPROVE): S.APPROVED,
    (S.UNDER_REVIEW, C.REJECT): S.REJECTED,
    (S.UNDER_REVIEW, C.RETURN): S.RETURNED,
    (S.UNDER_REVIEW, C.WITHDRAW): S.WITHDRAWN,
    (S.RETURNED, C.EDIT): S.RETURNED,
    (S.RETURNED, C.RESUBMIT): S.SUBMITTED,
    (S.RETURNED, C.WITHDRAW): S.WITHDRAWN,
}


def next_status(status: ApplicationStatus, command: Command) -> ApplicationStatus:
    """The status ``command`` leads to from ``status``, or a refusal naming what is allowed."""
    try:
        return TRANSITIONS[(status, command)]
    except KeyError:
        allowed = sorted(c.value for (s, c) in TRANSITIONS if s is status)
        options = ", ".join(allowed) if allowed else "nothing (the application is closed)"
        msg = f"cannot {command.value} an application that is {status.value}; allowed: {options}"
        raise TransitionNotAllowed(msg, rule="workflow") from None
