"""schemathesis against the app's own OpenAPI: no 5xx, no response that breaks the schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from subsidy.api.app import create_app
from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_read_models, build_runners
from subsidy.domain.actor import Role
from subsidy.settings import Settings

from builders import ADMIN, World
from conftest import make_engine

EXAMPLES_PER_OPERATION = 12


@pytest.fixture(scope="module")
def engine() -> Iterator[SubsidyEngine]:
    engine = make_engine("memory://")
    World.build(engine).approved()
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def admin_token(engine: SubsidyEngine) -> str:
    return engine.add_user(ADMIN, name="fuzz-admin", role=Role.ADMINISTRATOR)


@pytest.fixture(scope="module")
def api_schema(engine: SubsidyEngine) -> Any:
    db = build_read_models(Settings(database_url="memory://"))
    app = create_app(engine, db, build_runners(engine, db))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_no_operation_fails_or_breaks_its_schema(api_schema: Any, admin_token: str) -> None:
    headers = {"Authorization": f"Bearer {admin_token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def call(case: Any) -> None:
            # A schema-valid request may still break a rule (a name already taken): that is a
            # 422, not a failure of the API, so only the acceptance check is left out.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        call()

    assert len(operations) >= 8
