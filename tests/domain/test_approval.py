"""Grant decisions after the notice: amendment, revocation and withdrawal within the period."""

from datetime import date, timedelta

import pytest

from subsidy.domain import rules
from subsidy.domain.actor import Actor
from subsidy.domain.approval import Approval, ApprovalStatus, OverCap
from subsidy.domain.budget import YearAmount
from subsidy.domain.errors import (
    InvalidValue,
    PermissionDenied,
    RuleViolation,
    TransitionNotAllowed,
)

from domain_builders import (
    ADMIN,
    APPLICANT,
    APPROVER,
    FULL_GRANT,
    NOTICE_DATE,
    OTHER_APPLICANT,
    PARAMS,
    emitted,
    granted_approval,
    names,
)

LOWER = (YearAmount(2024, 1_000_000), YearAmount(2025, 1_500_000), YearAmount(2026, 1_500_000))


REQUESTED = dict.fromkeys(range(2024, 2030), 1_500_000)


def amend(
    approval: Approval, amounts: tuple[YearAmount, ...], reason: str = "経費配分の変更"
) -> None:
    approval.amend(
        amounts=amounts, reason=reason, parameters=PARAMS, requested=REQUESTED, actor=APPROVER
    )


def withdraw(approval: Approval, on: date, actor: Actor = APPLICANT) -> None:
    approval.withdraw(on=on, reason="事業実施体制が整わないため", parameters=PARAMS, actor=actor)


def revoked_approval() -> Approval:
    approval = granted_approval()
    approval.revoke(on=date(2025, 1, 10), ground="補助金の目的外使用", actor=APPROVER)
    approval.collect_events()
    return approval


def test_amend_records_the_new_amounts_reason_and_ground() -> None:
    approval = granted_approval()

    amend(approval, LOWER)

    events = emitted(approval)
    assert names(events) == ["Amended"]
    assert events[0].amounts == list(LOWER)
    assert events[0].reason == "経費配分の変更"
    assert events[0].rule == rules.AMENDMENT
    assert events[0].actor == APPROVER
    assert approval.total == 4_000_000


def test_amend_refuses_an_amount_over_the_annual_cap() -> None:
    approval = granted_approval()
    over = (YearAmount(2024, 1_501_000), YearAmount(2025, 1_500_000), YearAmount(2026, 1_500_000))

    with pytest.raises(OverCap, match="annual cap of 1,500,000 yen") as raised:
        amend(approval, over)

    assert raised.value.field == "amounts.2024"
    assert raised.value.rule == "scheme.max_annual_amount"
    assert approval.collect_events() == []
    assert approval.amounts == list(FULL_GRANT)


def test_amend_refuses_more_years_than_the_maximum() -> None:
    approval = granted_approval()
    four_years = (*FULL_GRANT, YearAmount(2027, 1_000_000))

    with pytest.raises(OverCap, match="4 grant years") as raised:
        amend(approval, four_years)

    assert raised.value.rule == "scheme.max_grant_years"
    assert approval.collect_events() == []


def test_amend_refuses_the_same_amounts() -> None:
    approval = granted_approval()

    with pytest.raises(InvalidValue, match="changes no amount") as raised:
        amend(approval, FULL_GRANT)

    assert raised.value.field == "amounts"
    assert approval.collect_events() == []


def test_amend_refuses_the_same_amounts_listed_in_another_order() -> None:
    approval = granted_approval(LOWER)

    with pytest.raises(InvalidValue, match="changes no amount"):
        amend(approval, tuple(reversed(LOWER)))

    assert approval.collect_events() == []


@pytest.mark.parametrize("reason", ["", " "])
def test_amend_refuses_a_blank_reason(reason: str) -> None:
    approval = granted_approval()

    with pytest.raises(InvalidValue, match="needs a reason") as raised:
        amend(approval, LOWER, reason=reason)

    assert raised.value.field == "reason"
    assert approval.collect_events() == []


@pytest.mark.parametrize("actor", [ADMIN, APPLICANT], ids=["administrator", "applicant"])
def test_amend_refuses_anyone_but_an_approver(actor: Actor) -> None:
    approval = granted_approval()

    with pytest.raises(PermissionDenied, match="approver"):
        approval.amend(
            amounts=LOWER, reason="変更", parameters=PARAMS, requested=REQUESTED, actor=actor
        )

    assert approval.collect_events() == []


def test_revoke_records_the_date_ground_and_legal_basis() -> None:
    approval = granted_approval()

    approval.revoke(on=date(2025, 1, 10), ground="補助金の目的外使用", actor=APPROVER)

    events = emitted(approval)
    assert names(events) == ["Revoked"]
    assert events[0].revoked_on == date(2025, 1, 10)
    assert events[0].reason == "補助金の目的外使用"
    assert events[0].rule == rules.REVOCATION
    assert events[0].actor == APPROVER
    assert approval.status is ApprovalStatus.REVOKED


def test_revoke_refuses_a_revocation_without_a_ground() -> None:
    approval = granted_approval()

    with pytest.raises(InvalidValue, match="must state its ground") as raised:
        approval.revoke(on=date(2025, 1, 10), ground=" ", actor=APPROVER)

    assert raised.value.field == "ground"
    assert raised.value.rule == "approval.revocation_ground"
    assert approval.collect_events() == []
    assert approval.status is ApprovalStatus.IN_FORCE


def test_a_revoked_decision_cannot_be_amended() -> None:
    approval = revoked_approval()

    with pytest.raises(
        TransitionNotAllowed, match="cannot amend a grant decision that is revoked"
    ) as raised:
        amend(approval, LOWER)

    assert raised.value.rule == "approval.status"
    assert approval.collect_events() == []


def test_a_revoked_decision_cannot_be_withdrawn() -> None:
    approval = revoked_approval()

    with pytest.raises(
        TransitionNotAllowed, match="cannot withdraw a grant decision that is revoked"
    ):
        withdraw(approval, NOTICE_DATE)

    assert approval.collect_events() == []


def test_a_revoked_decision_cannot_be_revoked_again() -> None:
    approval = revoked_approval()

    with pytest.raises(TransitionNotAllowed, match="cannot revoke"):
        approval.revoke(on=date(2025, 2, 1), ground="再度", actor=APPROVER)

    assert approval.collect_events() == []


@pytest.mark.parametrize("days_after_notice", [0, 10], ids=["notice-day", "day-10"])
def test_withdraw_is_allowed_from_the_notice_until_the_last_day_of_the_period(
    days_after_notice: int,
) -> None:
    approval = granted_approval()
    on = NOTICE_DATE + timedelta(days=days_after_notice)

    withdraw(approval, on)

    events = emitted(approval)
    assert names(events) == ["Withdrawn"]
    assert events[0].withdrawn_on == on
    assert events[0].reason == "事業実施体制が整わないため"
    assert events[0].rule == rules.WITHDRAWAL
    assert events[0].actor == APPLICANT
    assert approval.status is ApprovalStatus.WITHDRAWN


@pytest.mark.parametrize("days_after_notice", [11, -1], ids=["day-11", "before-notice"])
def test_withdraw_is_refused_outside_the_withdrawal_period(days_after_notice: int) -> None:
    approval = granted_approval()
    on = NOTICE_DATE + timedelta(days=days_after_notice)

    with pytest.raises(RuleViolation, match="until 2024-05-30 \\(10 days\\)") as raised:
        withdraw(approval, on)

    assert raised.value.field == "on"
    assert raised.value.rule == "scheme.withdrawal_period_days"
    assert approval.collect_events() == []
    assert approval.status is ApprovalStatus.IN_FORCE


def test_withdraw_follows_the_period_of_the_scheme_version_given() -> None:
    approval = granted_approval()
    five_days = PARAMS.changed({"withdrawal_period_days": 5})

    with pytest.raises(RuleViolation, match="5 days"):
        approval.withdraw(
            on=NOTICE_DATE + timedelta(days=6), reason="辞退", parameters=five_days, actor=APPLICANT
        )

    assert approval.collect_events() == []


@pytest.mark.parametrize("actor", [OTHER_APPLICANT, APPROVER], ids=["other-applicant", "approver"])
def test_withdraw_is_refused_to_anyone_but_the_applicant_of_that_organisation(actor: Actor) -> None:
    approval = granted_approval()

    with pytest.raises(PermissionDenied):
        withdraw(approval, NOTICE_DATE, actor=actor)

    assert approval.collect_events() == []


def test_withdraw_refuses_a_blank_reason() -> None:
    approval = granted_approval()

    with pytest.raises(InvalidValue, match="needs a reason"):
        approval.withdraw(on=NOTICE_DATE, reason="", parameters=PARAMS, actor=APPLICANT)

    assert approval.collect_events() == []


def test_a_withdrawn_decision_cannot_be_amended() -> None:
    approval = granted_approval()
    withdraw(approval, NOTICE_DATE)
    approval.collect_events()

    with pytest.raises(TransitionNotAllowed, match="withdrawn"):
        amend(approval, LOWER)

    assert approval.collect_events() == []
