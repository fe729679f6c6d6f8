"""The checks a grant application must pass when it is submitted (or resubmitted)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from subsidy.domain.action_plan import ActionPlan
from subsidy.domain.agreement import PartnershipAgreement
from subsidy.domain.budget import YearBudget, require_consecutive
from subsidy.domain.errors import InvalidValue, NotFound, RuleViolation
from subsidy.domain.money import grant_ceiling
from subsidy.domain.plan_content import PlanContent
from subsidy.domain.scheme import SchemeParameters


def check_agreement(
    organisation_id: UUID, on: date, agreements: list[PartnershipAgreement]
) -> None:
    """The lead body has a partnership agreement with the Center in force on ``on``."""
    if not any(organisation_id in a.party_ids and a.is_in_force(on) for a in agreements):
        msg = (
            f"the lead organisation has no partnership agreement with the Center "
            f"in force on {on.isoformat()}"
        )
        raise RuleViolation(msg, field="organisation_id", rule="scheme.partnership_agreement")


def check_plan(
    plan: ActionPlan,
    *,
    pinned: tuple[UUID, int],
    organisation_id: UUID,
    on: date,
    parameters: SchemeParameters,
) -> PlanContent:
    """The pinned plan version is the lead body's own, adopted by ``on``, and long enough."""
    plan_id, plan_version = pinned
    if plan.id != plan_id or plan.owner_id != organisation_id:
        msg = "the Action Plan must be the lead organisation's own"
        raise RuleViolation(msg, field="plan_id", rule="scheme.action_plan")
    try:
        content = plan.adopted_version(plan_version)
    except NotFound:
        msg = f"version {plan_version} of the Action Plan has not been adopted"
        raise RuleViolation(msg, field="plan_version", rule="scheme.action_plan") from None
    adopted_on = plan.adopted_on(plan_version)
    if adopted_on > on:
        msg = (
            f"version {plan_version} of the Action Plan was adopted on {adopted_on.isoformat()}, "
            f"after the submission date {on.isoformat()}; the plan comes before the application"
        )
        raise RuleViolation(msg, field="plan_version", rule="scheme.action_plan")
    if not plan.is_long_enough(content, parameters):
        msg = (
            f"the Action Plan covers {content.years} fiscal years; the scheme asks for at "
            f"least {parameters.min_plan_years} unless an administrator records an exception"
        )
        raise RuleViolation(msg, field="plan_version", rule="scheme.min_plan_years")
    return content


def check_years(
    years: list[YearBudget], content: PlanContent, parameters: SchemeParameters
) -> None:
    """Consecutive years inside the plan, no more than the maximum, each within the caps."""
    if not years:
        raise InvalidValue("request a grant for at least one fiscal year", field="years")
    if len(years) > parameters.max_grant_years:
        msg = (
            f"{len(years)} grant years exceed the scheme's maximum of {parameters.max_grant_years}"
        )
        raise RuleViolation(msg, field="years", rule="scheme.max_grant_years")
    require_consecutive([y.fiscal_year for y in years], "years")
    for index, year in enumerate(years):
        _check_year(index, year, content.covers(year.fiscal_year), parameters)


def _check_year(index: int, year: YearBudget, in_plan: bool, parameters: SchemeParameters) -> None:
    field = f"years[{index}]"
    fy = year.fiscal_year
    if not in_plan:
        msg = f"FY{fy} lies outside the Action Plan's period"
        raise RuleViolation(msg, field=f"{field}.fiscal_year", rule="scheme.action_plan")
    if year.requested <= 0:
        msg = f"FY{fy}: request a grant above zero"
        raise InvalidValue(msg, field=f"{field}.requested")
    if year.requested > parameters.max_annual_amount:
        msg = (
            f"FY{fy}: {year.requested:,} yen requested exceeds the annual cap of "
            f"{parameters.max_annual_amount:,} yen"
        )
        raise RuleViolation(msg, field=f"{field}.requested", rule="scheme.max_annual_amount")
    ceiling = grant_ceiling(year.eligible_cost, parameters.subsidy_rate)
    if year.requested > ceiling:
        msg = (
            f"FY{fy}: {year.requested:,} yen requested exceeds eligible cost "
            f"{year.eligible_cost:,} yen × rate {parameters.subsidy_rate}, floored to "
            f"¥1,000: {ceiling:,} yen"
        )
        raise RuleViolation(msg, field=f"{field}.requested", rule="scheme.subsidy_rate")
