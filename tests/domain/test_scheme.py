"""The scheme's parameters: DOMAIN.md's defaults, and versioned changes by administrators."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from subsidy.domain import rules
from subsidy.domain.errors import InvalidValue, NotFound, PermissionDenied
from subsidy.domain.scheme import (
    DEFAULT_SCHEME_CODE,
    DEFAULT_SCHEME_NAME,
    ConflictPolicy,
    Scheme,
    SchemeParameters,
)

from domain_builders import ADMIN, APPROVER, emitted, names


def registered_scheme() -> Scheme:
    scheme = Scheme.register(
        code=DEFAULT_SCHEME_CODE,
        name=DEFAULT_SCHEME_NAME,
        parameters=SchemeParameters(),
        actor=ADMIN,
    )
    scheme.collect_events()
    return scheme


def test_default_parameters_are_the_brochures() -> None:
    parameters = SchemeParameters()

    assert parameters.max_annual_amount == 1_500_000
    assert parameters.max_grant_years == 3
    assert parameters.subsidy_rate == Decimal(1)
    assert parameters.min_plan_years == 5
    assert parameters.withdrawal_period_days == 10
    assert parameters.additional_charge_rate == Decimal("0.1095")
    assert parameters.late_charge_rate == Decimal("0.1095")
    assert parameters.day_count_basis == 365
    assert parameters.conflict_policy is ConflictPolicy.ORGANISATION


def test_register_records_the_first_parameter_version() -> None:
    scheme = Scheme.register(
        code=DEFAULT_SCHEME_CODE,
        name=DEFAULT_SCHEME_NAME,
        parameters=SchemeParameters(),
        actor=ADMIN,
    )

    events = emitted(scheme)
    assert names(events) == ["Registered"]
    assert events[0].actor == ADMIN
    assert events[0].parameters == SchemeParameters()
    assert scheme.id == Scheme.id_for(DEFAULT_SCHEME_CODE)
    assert scheme.parameters_version == 1


def test_change_parameters_makes_a_new_version_with_reason_rule_and_actor() -> None:
    scheme = registered_scheme()

    scheme.change_parameters(
        changes={"max_annual_amount": 1_200_000, "subsidy_rate": Decimal("0.5")},
        reason="令和7年度の要件改定",
        actor=ADMIN,
    )

    events = emitted(scheme)
    assert names(events) == ["ParametersChanged"]
    assert events[0].changed == ["max_annual_amount", "subsidy_rate"]
    assert events[0].reason == "令和7年度の要件改定"
    assert events[0].rule == rules.SCHEME_CHANGE
    assert events[0].actor == ADMIN
    assert scheme.parameters_version == 2
    assert scheme.parameters.max_annual_amount == 1_200_000
    assert scheme.parameters.subsidy_rate == Decimal("0.5")


def test_the_old_version_stays_readable_after_a_change() -> None:
    scheme = registered_scheme()

    scheme.change_parameters(changes={"min_plan_years": 3}, reason="改定", actor=ADMIN)

    assert scheme.parameters_at(1).min_plan_years == 5
    assert scheme.parameters_at(2).min_plan_years == 3
    assert scheme.parameters_at(2).max_annual_amount == 1_500_000


@pytest.mark.parametrize("version", [0, 2, -1])
def test_parameters_at_refuses_a_version_that_does_not_exist(version: int) -> None:
    scheme = registered_scheme()

    with pytest.raises(NotFound, match=f"no parameter version {version}") as raised:
        scheme.parameters_at(version)

    assert raised.value.field == "scheme_version"


def test_change_parameters_refuses_anyone_but_an_administrator() -> None:
    scheme = registered_scheme()

    with pytest.raises(PermissionDenied, match="administrator"):
        scheme.change_parameters(changes={"min_plan_years": 3}, reason="改定", actor=APPROVER)

    assert scheme.collect_events() == []
    assert scheme.parameters_version == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_change_parameters_refuses_a_change_without_a_reason(reason: str) -> None:
    scheme = registered_scheme()

    with pytest.raises(InvalidValue, match="needs a reason") as raised:
        scheme.change_parameters(changes={"min_plan_years": 3}, reason=reason, actor=ADMIN)

    assert raised.value.field == "reason"
    assert raised.value.rule == "scheme.reason_required"
    assert scheme.collect_events() == []


def test_change_parameters_refuses_an_empty_change() -> None:
    scheme = registered_scheme()

    with pytest.raises(InvalidValue, match="at least one parameter") as raised:
        scheme.change_parameters(changes={}, reason="改定", actor=ADMIN)

    assert raised.value.field == "changes"
    assert scheme.collect_events() == []


def test_change_parameters_refuses_an_unknown_parameter_name() -> None:
    scheme = registered_scheme()

    with pytest.raises(InvalidValue, match="'max_amount' is not a scheme parameter") as raised:
        scheme.change_parameters(changes={"max_amount": 1_000_000}, reason="改定", actor=ADMIN)

    assert raised.value.field == "max_amount"
    assert raised.value.rule == "scheme.parameters"
    assert scheme.collect_events() == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param({"subsidy_rate": Decimal(0)}, "subsidy_rate", "above 0", id="rate-0"),
        pytest.param(
            {"subsidy_rate": Decimal("1.01")}, "subsidy_rate", "above 0 up to 1,", id="rate>1"
        ),
        pytest.param(
            {"max_annual_amount": -1}, "max_annual_amount", "at least 1", id="negative-cap"
        ),
        pytest.param({"max_grant_years": 0}, "max_grant_years", "at least 1", id="zero-years"),
        pytest.param({"min_reviews": True}, "min_reviews", "whole number", id="bool-reviews"),
        pytest.param(
            {"additional_charge_rate": Decimal(1)},
            "additional_charge_rate",
            "from 0 up to 1",
            id="charge-rate-1",
        ),
        pytest.param({"day_count_basis": 364}, "day_count_basis", "360, 365 or 366", id="days"),
        pytest.param({"review_criteria": ()}, "review_criteria", "at least one", id="no-rubric"),
        pytest.param(
            {"review_criteria": ("cost", "cost")}, "review_criteria", "each once", id="dup-rubric"
        ),
    ],
)
def test_change_parameters_refuses_an_invalid_value(
    changes: dict[str, Any], field: str, message: str
) -> None:
    scheme = registered_scheme()

    with pytest.raises(InvalidValue, match=message) as raised:
        scheme.change_parameters(changes=changes, reason="改定", actor=ADMIN)

    assert raised.value.field == field
    assert raised.value.rule == "scheme.parameters"
    assert scheme.collect_events() == []
    assert scheme.parameters_version == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"subsidy_rate": 0.5}, "subsidy_rate", id="float-rate"),
        pytest.param({"subsidy_rate": "0.5"}, "subsidy_rate", id="text-rate"),
        pytest.param({"late_charge_rate": 0.1095}, "late_charge_rate", id="float-charge-rate"),
        pytest.param(
            {"conflict_policy": "organisation_and_prefecture"}, "conflict_policy", id="text-policy"
        ),
        pytest.param({"review_criteria": "cost"}, "review_criteria", id="text-rubric"),
    ],
)
def test_change_parameters_refuses_a_value_of_the_wrong_type(
    changes: dict[str, Any], field: str
) -> None:
    # A float rate would later break grant_ceiling (Decimal * float); a text conflict policy
    # would silently disable the prefecture rule; a text rubric would split into letters.
    scheme = registered_scheme()

    with pytest.raises(InvalidValue) as raised:
        scheme.change_parameters(changes=changes, reason="改定", actor=ADMIN)

    assert raised.value.field == field
    assert scheme.collect_events() == []


def test_a_latest_report_day_early_in_the_year_falls_after_the_fiscal_year() -> None:
    parameters = SchemeParameters(report_latest_day="01-31", report_due_days=400)

    due = parameters.report_due_on(2024)

    assert due == date(2026, 1, 31)


def test_parameters_changed_lists_only_the_values_that_changed() -> None:
    scheme = registered_scheme()

    scheme.change_parameters(
        changes={"min_reviews": 3, "max_grant_years": 3}, reason="審査の厳格化", actor=ADMIN
    )

    assert emitted(scheme)[0].changed == ["min_reviews"]
