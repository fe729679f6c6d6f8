"""schemathesis against the app's own OpenAPI: no 5xx, no response that breaks the schema.

Two runs: each operation on its own, and chains of calls that follow the links schemathesis infers
between operations (an application listed, then read, submitted or decided), where every refused
call must leave the event store as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, Response
from schemathesis.checks import positive_data_acceptance

from subsidy.api.app import create_app
from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_read_models, build_runners
from subsidy.domain.actor import Role
from subsidy.settings import Settings

from builders import ADMIN, World, event_count, year
from conftest import make_engine

EXAMPLES_PER_OPERATION = 12
# Chains: enough to follow links into reads, decisions and payments, within about 20 s.
STATEFUL_SCENARIOS = 30
STEPS_PER_SCENARIO = 8


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


def role_for(path: str) -> Role:
    """The role that may call ``path``, so chained calls reach the rules, not a 403."""
    if path.endswith(("/decision", "/amendments", "/revocation")):
        return Role.APPROVER
    if path.endswith("/reviews"):
        return Role.REVIEWER
    if path.endswith(("/payments", "/determination", "/repayments")):
        return Role.FINANCE
    return Role.FINANCE if path.startswith("/api/v1/ledger") else Role.ADMINISTRATOR


@pytest.fixture(scope="module")
def linked_scene() -> Iterator[tuple[SubsidyEngine, Any, dict[Role, str]]]:
    """An approved, a reviewed and a draft application, read models caught up, one token a role."""
    engine = make_engine("memory://")
    world = World.build(engine)
    world.approved()
    world.reviewed(year(2024))
    world.draft(year(2025))
    users = [
        ("chain-admin", Role.ADMINISTRATOR),
        ("reviewer-a", Role.REVIEWER),  # the reviewer World assigned
        ("chain-approver", Role.APPROVER),
        ("chain-finance", Role.FINANCE),
    ]
    tokens = {role: engine.add_user(ADMIN, name=name, role=role) for name, role in users}
    db = build_read_models(Settings(database_url="memory://"))
    runners = build_runners(engine, db)
    for runner in runners:
        runner.catch_up()  # list endpoints then hand out real ids for the links to follow
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(engine, db, runners))
    # Unknown query parameters are ignored, as HTTP APIs do, and the token is always sent: only
    # bodies, paths and declared parameters are made invalid.
    schema.config.generation.update(allow_extra_parameters=False, with_security_parameters=False)
    yield engine, schema, tokens
    engine.close()


def test_chains_of_calls_never_fail_and_a_refused_call_records_nothing(
    linked_scene: tuple[SubsidyEngine, Any, dict[Role, str]],
) -> None:
    engine, schema, tokens = linked_scene
    refusals: list[int] = []

    class Chains(schema.as_state_machine()):  # type: ignore[misc]
        recorded_before = 0

        def before_call(self, case: Case) -> None:
            # A random If-Match is refused before any rule runs: leave it out to go deeper.
            if case.headers:
                case.headers.pop("If-Match", None)
            self.recorded_before = event_count(engine)

        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return {"headers": {"Authorization": f"Bearer {tokens[role_for(case.path)]}"}}

        def after_call(self, response: Response, case: Case) -> None:
            super().after_call(response, case)
            if response.status_code >= 400:
                refusals.append(response.status_code)
                assert event_count(engine) == self.recorded_before, case.as_curl_command()

        def validate_response(
            self, response: Response, case: Case, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            case.validate_response(
                response,
                excluded_checks=[positive_data_acceptance],
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    Chains.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STEPS_PER_SCENARIO,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )

    assert refusals  # random and schema-violating input was sent, and refused
