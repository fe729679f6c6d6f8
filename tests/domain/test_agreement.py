"""Partnership agreements: in force from the signing day until the termination date."""

from datetime import date

import pytest

from subsidy.domain import rules
from subsidy.domain.agreement import PartnershipAgreement
from subsidy.domain.errors import (
    InvalidValue,
    PermissionDenied,
    RuleViolation,
    TransitionNotAllowed,
)

from domain_builders import ADMIN, APPLICANT, LEAD_ID, MEMBER_ID, agreement, emitted, names

SIGNED = date(2020, 7, 1)


def test_sign_records_parties_date_flag_and_ground() -> None:
    signed = PartnershipAgreement.sign(
        party_ids=(LEAD_ID, MEMBER_ID), signed_on=SIGNED, flagged=True, actor=ADMIN
    )

    events = emitted(signed)
    assert names(events) == ["Signed"]
    assert events[0].party_ids == [LEAD_ID, MEMBER_ID]
    assert events[0].signed_on == SIGNED
    assert events[0].flagged is True
    assert events[0].rule == rules.AGREEMENT
    assert events[0].actor == ADMIN


def test_sign_refuses_a_party_listed_twice() -> None:
    with pytest.raises(InvalidValue, match="appears twice") as raised:
        PartnershipAgreement.sign(
            party_ids=(LEAD_ID, LEAD_ID), signed_on=SIGNED, flagged=False, actor=ADMIN
        )

    assert raised.value.field == "party_ids"


def test_sign_refuses_an_agreement_without_parties() -> None:
    with pytest.raises(InvalidValue, match="at least one party"):
        PartnershipAgreement.sign(party_ids=(), signed_on=SIGNED, flagged=False, actor=ADMIN)


def test_an_agreement_is_in_force_from_its_signing_day() -> None:
    signed = agreement(signed_on=SIGNED)

    assert signed.is_in_force(SIGNED)
    assert signed.is_in_force(date(2030, 1, 1))


def test_an_agreement_is_not_in_force_before_its_signing_day() -> None:
    signed = agreement(signed_on=SIGNED)

    in_force = signed.is_in_force(date(2020, 6, 30))

    assert not in_force


def test_terminate_records_the_date_and_reason() -> None:
    signed = agreement(signed_on=SIGNED)

    signed.terminate(on=date(2023, 4, 1), reason="合併による解消", actor=ADMIN)

    events = emitted(signed)
    assert names(events) == ["Terminated"]
    assert events[0].on == date(2023, 4, 1)
    assert events[0].reason == "合併による解消"
    assert events[0].actor == ADMIN


def test_a_terminated_agreement_is_not_in_force_on_and_after_the_termination_date() -> None:
    signed = agreement(signed_on=SIGNED)

    signed.terminate(on=date(2023, 4, 1), reason="合併による解消", actor=ADMIN)

    assert signed.is_in_force(date(2023, 3, 31))
    assert not signed.is_in_force(date(2023, 4, 1))
    assert not signed.is_in_force(date(2024, 4, 15))


@pytest.mark.parametrize("on", [date(2020, 6, 30), SIGNED])
def test_terminate_refuses_a_date_not_after_the_signing_day(on: date) -> None:
    signed = agreement(signed_on=SIGNED)

    with pytest.raises(RuleViolation, match="must be after signing") as raised:
        signed.terminate(on=on, reason="誤登録", actor=ADMIN)

    assert raised.value.field == "on"
    assert signed.collect_events() == []
    assert signed.terminated_on is None


def test_terminate_refuses_an_agreement_already_terminated() -> None:
    signed = agreement(signed_on=SIGNED, terminated_on=date(2023, 4, 1))

    with pytest.raises(TransitionNotAllowed, match="already terminated on 2023-04-01"):
        signed.terminate(on=date(2024, 4, 1), reason="再度の解消", actor=ADMIN)

    assert signed.collect_events() == []
    assert signed.terminated_on == date(2023, 4, 1)


def test_terminate_refuses_a_blank_reason() -> None:
    signed = agreement(signed_on=SIGNED)

    with pytest.raises(InvalidValue, match="needs a reason") as raised:
        signed.terminate(on=date(2023, 4, 1), reason=" ", actor=ADMIN)

    assert raised.value.field == "reason"
    assert signed.collect_events() == []


def test_terminate_refuses_an_applicant() -> None:
    signed = agreement(signed_on=SIGNED)

    with pytest.raises(PermissionDenied):
        signed.terminate(on=date(2023, 4, 1), reason="解消", actor=APPLICANT)

    assert signed.collect_events() == []
