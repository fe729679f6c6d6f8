"""The rules a submission must meet; each refusal names its rule and records nothing."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from domain_builders import (
    MEMBER_ID,
    OTHER_ID,
    PARAMS,
    SUBMITTED_ON,
    adopted_plan,
    agreement,
    drafted_application,
    drafted_plan,
    names,
    submit,
    year,
)
from subsidy.domain.errors import InvalidValue, RuleViolation
from subsidy.domain.partnership_check import __name__ as _unused  # noqa: F401
