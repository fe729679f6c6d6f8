"""Grant applications: drafting, submission under a scheme version, resubmission, withdrawal."""

from datetime import date
from typing import cast

import pytest

from subsidy.domain import rules
from subsidy.domain.action_plan import ActionPlan
from subsidy.domain.errors import (
    InvalidValue,
    PermissionDenied,
    RuleViolation,
    TransitionNotAllowed,
)
from subsidy.domain.grant_application import GrantApplication
from subsidy.domain.workflow import ApplicationStatus

from domain_builders import (
    ADMIN,
    APPLICANT,
    APPROVER,
    DECIDED,
    LEAD_ID,
    MEMBER_ID,
    OTHER_APPLICANT,
    REVIEWER_A,
    REVIEWER_B,
    SCHEME_ID,
    SUBMITTED_ON,
    adopted_plan,
    agreement,
    approve,
    drafted_application,
    emitted,
    names,
    reviewed_application,
    submit,
    submitted_application,
    year,
)


def test_draft_records_the_lead_members_plan_and_budget() -> None:
    plan = adopted_plan()
    years = (year(2025), year(2024))

    application = GrantApplication.draft(
        organisation_id=LEAD_ID,
        member_ids=(MEMBER_ID,),
        title="横串人材育成プログラム",
        purpose="まちづくり人材の育成",
        plan_id=plan.id,
        plan_version=1,
        years=years,
        actor=APPLICANT,
    )

    events = emitted(application)
    assert names(events) == ["Drafted"]
    assert events[0].organisation_id == LEAD_ID
    assert events[0].member_ids == [MEMBER_ID]
    assert events[0].plan_id == plan.id
    assert events[0].plan_version == 1
    assert events[0].actor == APPLICANT
    assert application.status is ApplicationStatus.DRAFT
    assert application.requested == {2024: 1_500_000, 2025: 1_500_000}
    assert application.bodies() == [LEAD_ID, MEMBER_ID]


def test_draft_refuses_an_applicant_of_another_organisation() -> None:
    plan = adopted_plan()

    with pytest.raises(PermissionDenied, match="own organisation"):
        GrantApplication.draft(
            organisation_id=LEAD_ID,
            member_ids=(),
            title="横串人材育成プログラム",
            purpose="",
            plan_id=plan.id,
            plan_version=1,
            years=(year(2024),),
            actor=OTHER_APPLICANT,
        )


def test_draft_refuses_the_lead_body_as_a_member() -> None:
    with pytest.raises(InvalidValue, match="not also a member") as raised:
        drafted_application(members=(LEAD_ID,))

    assert raised.value.field == "member_ids"


def test_draft_refuses_a_fiscal_year_listed_twice() -> None:
    with pytest.raises(InvalidValue, match="FY2024 appears twice") as raised:
        drafted_application(years=(year(2024), year(2024)))

    assert raised.value.field == "years[1].fiscal_year"


def test_draft_refuses_a_request_in_fractional_yen() -> None:
    fractional = year(2024)
    fractional = type(fractional)(2024, fractional.cost_lines, cast(int, 1_000_000.5))

    with pytest.raises(InvalidValue, match="whole number of yen") as raised:
        drafted_application(years=(fractional,))

    assert raised.value.field == "years[0].requested"
    assert raised.value.rule == "money.integer_yen"


def test_submit_records_the_scheme_version_and_the_legal_ground() -> None:
    plan = adopted_plan()
    application = drafted_application(plan)

    submit(application, plan, scheme_version=3)

    events = emitted(application)
    assert names(events) == ["Submitted"]
    assert events[0].submitted_on == SUBMITTED_ON
    assert events[0].scheme_id == SCHEME_ID
    assert events[0].scheme_version == 3
    assert events[0].rule == rules.APPLICATION
    assert events[0].actor == APPLICANT
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.scheme_version == 3
    assert application.round == 1


def test_submit_accepts_an_agreement_signed_on_the_submission_date() -> None:
    plan = adopted_plan()
    application = drafted_application(plan)

    submit(application, plan, agreements=[agreement(signed_on=SUBMITTED_ON)])

    assert names(emitted(application)) == ["Submitted"]


def test_submit_refuses_an_application_already_submitted() -> None:
    plan = adopted_plan()
    application = submitted_application(plan=plan)

    with pytest.raises(
        TransitionNotAllowed, match="cannot submit an application that is submitted"
    ):
        submit(application, plan)

    assert application.collect_events() == []


def test_submit_refuses_an_applicant_of_another_organisation() -> None:
    plan = adopted_plan()
    application = drafted_application(plan)

    with pytest.raises(PermissionDenied, match="own organisation"):
        submit(application, plan, actor=OTHER_APPLICANT)

    assert application.collect_events() == []


def test_update_draft_is_refused_after_submission() -> None:
    application = submitted_application()

    with pytest.raises(TransitionNotAllowed, match="cannot edit"):
        application.update_draft(
            title="変更",
            purpose="",
            plan_id=application.plan_id,
            plan_version=1,
            years=(year(2024),),
            actor=APPLICANT,
        )

    assert application.collect_events() == []


def returned_application(plan: ActionPlan) -> GrantApplication:
    application = reviewed_application(plan=plan)
    application.return_for_revision(
        reason="経費の積算根拠を補足してください", on=DECIDED, actor=APPROVER
    )
    application.collect_events()
    return application


def test_return_for_revision_records_the_reason_and_ground() -> None:
    application = reviewed_application()

    application.return_for_revision(
        reason="経費の積算根拠を補足してください", on=DECIDED, actor=APPROVER
    )

    events = emitted(application)
    assert names(events) == ["Returned"]
    assert events[0].reason == "経費の積算根拠を補足してください"
    assert events[0].rule == rules.RETURN_FOR_REVISION
    assert events[0].actor == APPROVER
    assert application.status is ApplicationStatus.RETURNED


def test_a_returned_application_can_be_edited() -> None:
    application = returned_application(adopted_plan())

    application.update_draft(
        title="横串人材育成プログラム（修正）",
        purpose="積算根拠を補足",
        plan_id=application.plan_id,
        plan_version=1,
        years=(year(2024), year(2025)),
        actor=APPLICANT,
    )

    assert names(emitted(application)) == ["DraftUpdated"]
    assert application.requested == {2024: 1_500_000, 2025: 1_500_000}


def test_resubmission_starts_round_2_with_no_reviewers_and_no_reviews() -> None:
    plan = adopted_plan()
    application = returned_application(plan)

    submit(application, plan, on=date(2024, 6, 1), scheme_version=2)

    events = emitted(application)
    assert names(events) == ["Resubmitted"]
    assert events[0].scheme_version == 2
    assert events[0].submitted_on == date(2024, 6, 1)
    assert events[0].rule == rules.APPLICATION
    assert application.round == 2
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.reviewer_ids == []
    assert application.reviews == []
    assert set(application.former_reviewer_ids) == {REVIEWER_A.user_id, REVIEWER_B.user_id}


def test_resubmission_checks_the_rules_again() -> None:
    plan = adopted_plan()
    application = returned_application(plan)
    ended = agreement(terminated_on=date(2024, 5, 1))

    with pytest.raises(RuleViolation, match="no partnership agreement") as raised:
        submit(application, plan, on=date(2024, 6, 1), agreements=[ended])

    assert raised.value.rule == "scheme.partnership_agreement"
    assert application.collect_events() == []
    assert application.status is ApplicationStatus.RETURNED


def test_withdraw_records_the_reason_and_ground() -> None:
    application = submitted_application()

    application.withdraw(reason="事業計画の見直しのため", actor=APPLICANT)

    events = emitted(application)
    assert names(events) == ["Withdrawn"]
    assert events[0].reason == "事業計画の見直しのため"
    assert events[0].rule == rules.APPLICATION_WITHDRAWAL
    assert events[0].actor == APPLICANT
    assert application.status is ApplicationStatus.WITHDRAWN


def test_withdraw_refuses_a_blank_reason() -> None:
    application = submitted_application()

    with pytest.raises(InvalidValue, match="needs a reason") as raised:
        application.withdraw(reason=" ", actor=APPLICANT)

    assert raised.value.field == "reason"
    assert application.collect_events() == []


def test_a_withdrawn_application_cannot_be_submitted() -> None:
    plan = adopted_plan()
    application = drafted_application(plan)
    application.withdraw(reason="取りやめ", actor=APPLICANT)
    application.collect_events()

    with pytest.raises(TransitionNotAllowed, match="closed"):
        submit(application, plan)

    assert application.collect_events() == []


def test_an_approved_application_cannot_be_withdrawn_as_an_application() -> None:
    application = reviewed_application()
    approve(application)
    application.collect_events()

    with pytest.raises(
        TransitionNotAllowed, match="cannot withdraw an application that is approved"
    ):
        application.withdraw(reason="辞退", actor=APPLICANT)

    assert application.collect_events() == []


def test_an_administrator_submitting_is_held_to_the_same_rules() -> None:
    plan = adopted_plan()
    application = drafted_application(plan)

    with pytest.raises(RuleViolation, match="no partnership agreement"):
        submit(application, plan, agreements=[], actor=ADMIN)

    assert application.collect_events() == []
    assert application.status is ApplicationStatus.DRAFT
