"""Action Plans: drafted by their own organisation, adopted, revised, and the 5-year horizon."""

from dataclasses import replace
from datetime import date

import pytest

from subsidy.domain import rules
from subsidy.domain.action_plan import ActionPlan, PlanStatus, PlanTooShort
from subsidy.domain.errors import InvalidValue, NotFound, PermissionDenied, TransitionNotAllowed
from subsidy.domain.plan_content import Component, DeliveryMode, Measure

from domain_builders import (
    ADMIN,
    ADOPTED_ON,
    APPLICANT,
    APPROVER,
    LEAD_ID,
    OTHER_APPLICANT,
    OTHER_ID,
    PARAMS,
    adopted_plan,
    drafted_plan,
    emitted,
    names,
    plan_content,
)


def test_draft_records_the_owner_content_and_actor() -> None:
    content = plan_content(2024, 2028)

    plan = ActionPlan.draft(owner_id=LEAD_ID, content=content, actor=APPLICANT)

    events = emitted(plan)
    assert names(events) == ["Drafted"]
    assert events[0].owner_id == LEAD_ID
    assert events[0].content == content
    assert events[0].actor == APPLICANT
    assert plan.status is PlanStatus.DRAFT
    assert plan.current_version == 0


def test_draft_refuses_an_applicant_of_another_organisation() -> None:
    with pytest.raises(PermissionDenied, match="only for its own organisation") as raised:
        ActionPlan.draft(owner_id=LEAD_ID, content=plan_content(), actor=OTHER_APPLICANT)

    assert raised.value.field == "organisation_id"
    assert raised.value.rule == "roles.own_organisation"


def test_draft_refuses_an_approver() -> None:
    with pytest.raises(PermissionDenied, match="applicant"):
        ActionPlan.draft(owner_id=LEAD_ID, content=plan_content(), actor=APPROVER)


def test_an_administrator_may_draft_for_any_organisation() -> None:
    plan = ActionPlan.draft(owner_id=OTHER_ID, content=plan_content(), actor=ADMIN)

    assert names(emitted(plan)) == ["Drafted"]


@pytest.mark.parametrize("fiscal_year", [2023, 2029])
def test_draft_refuses_a_measure_outside_the_plan_period(fiscal_year: int) -> None:
    measure = Measure(fiscal_year, Component.PROBLEM_SOLVING, DeliveryMode.ONLINE, "研修", 20)
    content = replace(plan_content(2024, 2028), measures=(measure,))

    with pytest.raises(InvalidValue, match=f"FY{fiscal_year} lies outside") as raised:
        ActionPlan.draft(owner_id=LEAD_ID, content=content, actor=APPLICANT)

    assert raised.value.field == "measures[0].fiscal_year"


def test_draft_refuses_a_plan_that_ends_before_it_starts() -> None:
    content = replace(plan_content(2024, 2028), last_fiscal_year=2023)

    with pytest.raises(InvalidValue, match="before it starts") as raised:
        ActionPlan.draft(owner_id=LEAD_ID, content=content, actor=APPLICANT)

    assert raised.value.field == "last_fiscal_year"


def test_draft_refuses_the_owner_as_its_own_constituent_body() -> None:
    content = plan_content(members=(LEAD_ID,))

    with pytest.raises(InvalidValue, match="not its own constituent body") as raised:
        ActionPlan.draft(owner_id=LEAD_ID, content=content, actor=APPLICANT)

    assert raised.value.field == "member_ids"


def test_adopt_freezes_version_1() -> None:
    plan = drafted_plan()

    plan.adopt(on=ADOPTED_ON, parameters=PARAMS, actor=APPLICANT)

    events = emitted(plan)
    assert names(events) == ["Adopted"]
    assert events[0].version_number == 1
    assert events[0].adopted_on == ADOPTED_ON
    assert events[0].actor == APPLICANT
    assert plan.current_version == 1
    assert plan.adopted_version(1) == plan_content(2024, 2028)


def test_adopt_refuses_a_plan_already_adopted() -> None:
    plan = adopted_plan()

    with pytest.raises(TransitionNotAllowed, match="already adopted"):
        plan.adopt(on=ADOPTED_ON, parameters=PARAMS, actor=APPLICANT)

    assert plan.collect_events() == []


def test_revise_adopts_version_2_with_its_reason_and_keeps_version_1() -> None:
    plan = adopted_plan()
    revised = plan_content(2024, 2029, title="改訂版 人材育成計画")

    plan.revise(
        content=revised,
        reason="研修対象の拡大",
        on=date(2025, 4, 1),
        parameters=PARAMS,
        actor=APPLICANT,
    )

    events = emitted(plan)
    assert names(events) == ["Revised"]
    assert events[0].version_number == 2
    assert events[0].reason == "研修対象の拡大"
    assert events[0].content == revised
    assert plan.status is PlanStatus.REVISED
    assert plan.current_version == 2
    assert plan.adopted_version(2) == revised
    assert plan.adopted_version(1) == plan_content(2024, 2028)


def test_revise_refuses_a_blank_reason() -> None:
    plan = adopted_plan()

    with pytest.raises(InvalidValue, match="needs a reason") as raised:
        plan.revise(
            content=plan_content(2024, 2029),
            reason="",
            on=ADOPTED_ON,
            parameters=PARAMS,
            actor=APPLICANT,
        )

    assert raised.value.field == "reason"
    assert plan.collect_events() == []


def test_revise_refuses_a_draft() -> None:
    plan = drafted_plan()

    with pytest.raises(TransitionNotAllowed, match="adopt it first"):
        plan.revise(
            content=plan_content(), reason="変更", on=ADOPTED_ON, parameters=PARAMS, actor=APPLICANT
        )

    assert plan.collect_events() == []


def test_revise_refuses_the_owner_as_its_own_constituent_body() -> None:
    # draft() refuses this content; a revision must not let it in through the back door.
    plan = adopted_plan()

    with pytest.raises(InvalidValue, match="not its own constituent body") as raised:
        plan.revise(
            content=plan_content(members=(LEAD_ID,)),
            reason="構成団体の追加",
            on=ADOPTED_ON,
            parameters=PARAMS,
            actor=APPLICANT,
        )

    assert raised.value.field == "member_ids"
    assert plan.collect_events() == []


def test_update_draft_refuses_an_adopted_plan() -> None:
    plan = adopted_plan()

    with pytest.raises(TransitionNotAllowed, match="only by revision"):
        plan.update_draft(content=plan_content(2024, 2029), actor=APPLICANT)

    assert plan.collect_events() == []


def test_adopted_version_refuses_a_version_never_adopted() -> None:
    plan = adopted_plan()

    with pytest.raises(NotFound, match="no adopted version 2") as raised:
        plan.adopted_version(2)

    assert raised.value.field == "plan_version"


def test_adopt_refuses_a_plan_shorter_than_the_minimum_without_an_exception() -> None:
    plan = drafted_plan(first=2024, last=2026)

    with pytest.raises(PlanTooShort, match=r"covers 3 fiscal years.*at least 5") as raised:
        plan.adopt(on=ADOPTED_ON, parameters=PARAMS, actor=APPLICANT)

    assert raised.value.rule == "scheme.min_plan_years"
    assert raised.value.field == "last_fiscal_year"
    assert plan.collect_events() == []
    assert plan.status is PlanStatus.DRAFT


def test_revise_refuses_a_version_shorter_than_the_minimum_without_an_exception() -> None:
    plan = adopted_plan()

    with pytest.raises(PlanTooShort, match="covers 3 fiscal years") as raised:
        plan.revise(
            content=plan_content(2024, 2026),
            reason="短縮",
            on=ADOPTED_ON,
            parameters=PARAMS,
            actor=APPLICANT,
        )

    assert raised.value.rule == "scheme.min_plan_years"
    assert plan.collect_events() == []


def test_grant_exception_records_the_reason_and_ground() -> None:
    plan = drafted_plan(first=2024, last=2026)

    plan.grant_exception(reason="合併協議中のため3年で策定", actor=ADMIN)

    events = emitted(plan)
    assert names(events) == ["ExceptionGranted"]
    assert events[0].reason == "合併協議中のため3年で策定"
    assert events[0].rule == rules.PLAN_EXCEPTION
    assert events[0].actor == ADMIN


def test_a_short_plan_with_an_exception_can_be_adopted() -> None:
    plan = drafted_plan(first=2024, last=2026)
    plan.grant_exception(reason="合併協議中のため3年で策定", actor=ADMIN)
    plan.collect_events()

    plan.adopt(on=ADOPTED_ON, parameters=PARAMS, actor=APPLICANT)

    assert names(emitted(plan)) == ["Adopted"]
    assert plan.current_version == 1


def test_grant_exception_refuses_anyone_but_an_administrator() -> None:
    plan = drafted_plan(first=2024, last=2026)

    with pytest.raises(PermissionDenied, match="administrator"):
        plan.grant_exception(reason="合併協議中", actor=APPLICANT)

    assert plan.collect_events() == []
    assert plan.exception_reason is None


@pytest.mark.parametrize("reason", ["", "  "])
def test_grant_exception_refuses_a_blank_reason(reason: str) -> None:
    plan = drafted_plan(first=2024, last=2026)

    with pytest.raises(InvalidValue, match="needs a recorded reason") as raised:
        plan.grant_exception(reason=reason, actor=ADMIN)

    assert raised.value.field == "reason"
    assert raised.value.rule == "scheme.min_plan_years"
    assert plan.collect_events() == []


def test_grant_exception_refuses_a_second_exception() -> None:
    plan = drafted_plan(first=2024, last=2026)
    plan.grant_exception(reason="合併協議中", actor=ADMIN)
    plan.collect_events()

    with pytest.raises(TransitionNotAllowed, match="already has an exception"):
        plan.grant_exception(reason="再度", actor=ADMIN)

    assert plan.collect_events() == []
    assert plan.exception_reason == "合併協議中"


def test_adopt_refuses_an_applicant_of_another_organisation() -> None:
    plan = drafted_plan()

    with pytest.raises(PermissionDenied, match="own organisation"):
        plan.adopt(on=ADOPTED_ON, parameters=PARAMS, actor=OTHER_APPLICANT)

    assert plan.collect_events() == []
