"""The rules a submission must meet; each refusal names its rule and records nothing."""

from datetime import date
from decimal import Decimal

import pytest

from subsidy.domain.agreement import PartnershipAgreement
from subsidy.domain.budget import YearBudget
from subsidy.domain.errors import InvalidValue, RuleViolation
from subsidy.domain.workflow import ApplicationStatus

from domain_builders import (
    MEMBER_ID,
    OTHER_ID,
    PARAMS,
    SUBMITTED_ON,
    adopted_plan,
    agreement,
    drafted_application,
    drafted_plan,
    emitted,
    names,
    submit,
    year,
)

NO_AGREEMENT = "no partnership agreement with the Center in force on 2024-04-15"


@pytest.mark.parametrize(
    "agreements",
    [
        pytest.param([], id="none"),
        pytest.param([agreement(signed_on=date(2024, 4, 16))], id="signed-after"),
        pytest.param([agreement(terminated_on=date(2024, 4, 1))], id="terminated-before"),
        pytest.param([agreement(terminated_on=SUBMITTED_ON)], id="terminated-that-day"),
        pytest.param([agreement(OTHER_ID)], id="another-organisations"),
        pytest.param([agreement(MEMBER_ID)], id="a-members-only"),
    ],
)
def test_submit_refuses_a_lead_without_an_agreement_in_force_on_the_submission_date(
    agreements: list[PartnershipAgreement],
) -> None:
    plan = adopted_plan()
    application = drafted_application(plan, members=(MEMBER_ID,))

    with pytest.raises(RuleViolation, match=NO_AGREEMENT) as raised:
        submit(application, plan, agreements=agreements)

    assert raised.value.field == "organisation_id"
    assert raised.value.rule == "scheme.partnership_agreement"
    assert application.collect_events() == []
    assert application.status is ApplicationStatus.DRAFT


def test_submit_refuses_a_plan_version_that_was_never_adopted() -> None:
    plan = adopted_plan()
    application = drafted_application(plan, plan_version=2)

    with pytest.raises(
        RuleViolation, match="version 2 of the Action Plan has not been adopted"
    ) as raised:
        submit(application, plan)

    assert raised.value.field == "plan_version"
    assert raised.value.rule == "scheme.action_plan"
    assert application.collect_events() == []


def test_submit_refuses_a_plan_still_in_draft() -> None:
    plan = drafted_plan()
    application = drafted_application(plan)

    with pytest.raises(RuleViolation, match="version 1 of the Action Plan has not been adopted"):
        submit(application, plan)

    assert application.collect_events() == []


def test_submit_refuses_the_plan_of_another_organisation() -> None:
    plan = adopted_plan(OTHER_ID)
    application = drafted_application(plan)

    with pytest.raises(RuleViolation, match="lead organisation's own") as raised:
        submit(application, plan)

    assert raised.value.field == "plan_id"
    assert raised.value.rule == "scheme.action_plan"
    assert application.collect_events() == []


def test_submit_refuses_a_plan_other_than_the_one_the_application_pins() -> None:
    application = drafted_application(adopted_plan())

    with pytest.raises(RuleViolation, match="lead organisation's own") as raised:
        submit(application, adopted_plan())

    assert raised.value.field == "plan_id"
    assert application.collect_events() == []


def test_submit_refuses_a_plan_shorter_than_the_minimum_of_its_scheme_version() -> None:
    plan = adopted_plan(first=2024, last=2028)
    application = drafted_application(plan)
    raised_minimum = PARAMS.changed({"min_plan_years": 6})

    with pytest.raises(RuleViolation, match=r"covers 5 fiscal years.*at least 6") as raised:
        submit(application, plan, parameters=raised_minimum)

    assert raised.value.field == "plan_version"
    assert raised.value.rule == "scheme.min_plan_years"
    assert application.collect_events() == []


def test_submit_accepts_a_short_plan_covered_by_an_administrators_exception() -> None:
    plan = adopted_plan(first=2024, last=2028, exception="合併協議中のため")
    application = drafted_application(plan)
    raised_minimum = PARAMS.changed({"min_plan_years": 6})

    submit(application, plan, parameters=raised_minimum)

    assert names(emitted(application)) == ["Submitted"]


def test_submit_refuses_more_years_than_the_maximum_grant_length() -> None:
    plan = adopted_plan()
    application = drafted_application(plan, (year(2024), year(2025), year(2026), year(2027)))

    with pytest.raises(
        RuleViolation, match="4 grant years exceed the scheme's maximum of 3"
    ) as raised:
        submit(application, plan)

    assert raised.value.field == "years"
    assert raised.value.rule == "scheme.max_grant_years"
    assert application.collect_events() == []


def test_submit_accepts_four_years_when_the_scheme_version_allows_four() -> None:
    plan = adopted_plan()
    application = drafted_application(plan, (year(2024), year(2025), year(2026), year(2027)))

    submit(application, plan, parameters=PARAMS.changed({"max_grant_years": 4}))

    assert names(emitted(application)) == ["Submitted"]


def test_submit_refuses_years_that_are_not_consecutive() -> None:
    plan = adopted_plan()
    application = drafted_application(plan, (year(2024), year(2026)))

    with pytest.raises(InvalidValue, match="FY2024 is followed by FY2026") as raised:
        submit(application, plan)

    assert raised.value.field == "years"
    assert raised.value.rule == "scheme.consecutive_years"
    assert application.collect_events() == []


def test_submit_refuses_a_year_outside_the_plan_period() -> None:
    plan = adopted_plan(first=2024, last=2028)
    application = drafted_application(plan, (year(2028), year(2029)))

    with pytest.raises(
        RuleViolation, match="FY2029 lies outside the Action Plan's period"
    ) as raised:
        submit(application, plan)

    assert raised.value.field == "years[1].fiscal_year"
    assert raised.value.rule == "scheme.action_plan"
    assert application.collect_events() == []


def test_submit_refuses_a_year_over_the_annual_cap() -> None:
    plan = adopted_plan()
    application = drafted_application(plan, (year(2024), year(2025, 2_000_000, 1_501_000)))

    with pytest.raises(RuleViolation, match="annual cap of 1,500,000 yen") as raised:
        submit(application, plan)

    assert raised.value.field == "years[1].requested"
    assert raised.value.rule == "scheme.max_annual_amount"
    assert application.collect_events() == []


def test_submit_judges_the_cap_by_the_scheme_version_given() -> None:
    plan = adopted_plan()
    application = drafted_application(plan, (year(2024, 1_600_000, 1_200_000),))
    lower_cap = PARAMS.changed({"max_annual_amount": 1_000_000})

    with pytest.raises(RuleViolation, match="annual cap of 1,000,000 yen") as raised:
        submit(application, plan, parameters=lower_cap)

    assert raised.value.rule == "scheme.max_annual_amount"
    assert application.collect_events() == []


def test_submit_accepts_a_request_equal_to_the_floored_ceiling() -> None:
    plan = adopted_plan()
    application = drafted_application(plan, (year(2024, 1_234_567, 617_000),))
    half = PARAMS.changed({"subsidy_rate": Decimal("0.5")})

    submit(application, plan, parameters=half)

    assert names(emitted(application)) == ["Submitted"]


@pytest.mark.parametrize("requested", [617_001, 618_000])
def test_submit_refuses_a_request_over_cost_times_rate_floored_to_the_thousand(
    requested: int,
) -> None:
    plan = adopted_plan()
    application = drafted_application(plan, (year(2024, 1_234_567, requested),))
    half = PARAMS.changed({"subsidy_rate": Decimal("0.5")})

    with pytest.raises(RuleViolation, match="floored to ¥1,000: 617,000 yen") as raised:
        submit(application, plan, parameters=half)

    assert raised.value.field == "years[0].requested"
    assert raised.value.rule == "scheme.subsidy_rate"
    assert application.collect_events() == []


def test_submit_refuses_a_request_over_the_eligible_cost_at_the_full_rate() -> None:
    plan = adopted_plan()
    application = drafted_application(plan, (year(2024, 1_000_500, 1_001_000),))

    with pytest.raises(RuleViolation, match="1,000,000 yen") as raised:
        submit(application, plan)

    assert raised.value.rule == "scheme.subsidy_rate"
    assert application.collect_events() == []


def test_submit_refuses_a_year_requesting_nothing() -> None:
    plan = adopted_plan()
    application = drafted_application(plan, (year(2024), year(2025, 1_600_000, 0)))

    with pytest.raises(InvalidValue, match="FY2025: request a grant above zero") as raised:
        submit(application, plan)

    assert raised.value.field == "years[1].requested"
    assert application.collect_events() == []


def test_submit_refuses_an_application_without_any_year() -> None:
    plan = adopted_plan()
    no_years: tuple[YearBudget, ...] = ()
    application = drafted_application(plan, no_years)

    with pytest.raises(InvalidValue, match="at least one fiscal year") as raised:
        submit(application, plan)

    assert raised.value.field == "years"
    assert application.collect_events() == []
