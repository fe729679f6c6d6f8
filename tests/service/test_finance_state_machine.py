"""Random sequences of finance commands keep the money invariants after every step."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import CostCategory, CostLine
from subsidy.domain.disbursement import AnnualDisbursement
from subsidy.domain.errors import SubsidyError
from subsidy.domain.fiscal_budget import FiscalBudget

from builders import ADMIN, APPROVER, World, amounts, event_count
from conftest import make_engine

FINANCE = Actor("finance", Role.FINANCE)
YEARS = (2024, 2025, 2026)
yen = st.integers(min_value=1, max_value=2_000).map(lambda k: k * 1_000 + 0)
odd_yen = st.integers(min_value=1, max_value=2_000_000)
year = st.sampled_from(YEARS)


class FinanceMachine(RuleBasedStateMachine):
    """Drives one approval's money through the service, checking invariants as it goes."""

    engine: SubsidyEngine

    @initialize()
    def approve(self) -> None:
        self.engine = make_engine("memory://")
        self.world = World.build(self.engine)
        self.approval_id = self.world.approved()
        self.day = date(2024, 6, 1)
        self.refusals = 0

    def attempt(self, command: Any) -> None:
        """Run a command; a refusal must leave the store exactly as it was."""
        self.day += timedelta(days=17)
        before = event_count(self.engine)
        try:
            command()
        except SubsidyError:
            self.refusals += 1
            assert event_count(self.engine) == before

    @rule(fiscal_year=year, amount=odd_yen)
    def advance(self, fiscal_year: int, amount: int) -> None:
        self.attempt(
            lambda: self.engine.record_advance(
                FINANCE, self.approval_id, fiscal_year, amount=amount, paid_on=self.day
            )
        )

    @rule(fiscal_year=year, cost=odd_yen)
    def report(self, fiscal_year: int, cost: int) -> None:
        lines = (CostLine(CostCategory.HONORARIA, "謝金", cost),)
        self.attempt(
            lambda: self.engine.submit_performance_report(
                ADMIN,
                self.approval_id,
                fiscal_year,
                cost_lines=lines,
                reported_on=self.day,
            )
        )

    @rule(fiscal_year=year)
    def determine(self, fiscal_year: int) -> None:
        self.attempt(
            lambda: self.engine.determine_amount(
                FINANCE, self.approval_id, fiscal_year, on=self.day
            )
        )

    @rule(fiscal_year=year)
    def settle(self, fiscal_year: int) -> None:
        self.attempt(
            lambda: self.engine.pay_settlement(
                FINANCE, self.approval_id, fiscal_year, paid_on=self.day
            )
        )

    @rule(fiscal_year=year, amount=odd_yen)
    def repay(self, fiscal_year: int, amount: int) -> None:
        self.attempt(
            lambda: self.engine.record_repayment(
                FINANCE, self.approval_id, fiscal_year, amount=amount, received_on=self.day
            )
        )

    @rule(fiscal_year=year)
    def repay_everything_owed(self, fiscal_year: int) -> None:
        owed = self.engine.disbursement(self.approval_id, fiscal_year, as_of=self.day).owed
        self.attempt(
            lambda: self.engine.record_repayment(
                FINANCE, self.approval_id, fiscal_year, amount=owed, received_on=self.day
            )
        )

    @rule(first=yen, second=yen, third=yen)
    def amend(self, first: int, second: int, third: int) -> None:
        new = amounts(
            (2024, min(first, 1_500_000)),
            (2025, min(second, 1_500_000)),
            (2026, min(third, 1_500_000)),
        )
        self.attempt(
            lambda: self.engine.amend_approval(
                APPROVER, self.approval_id, amounts=new, reason="変更"
            )
        )

    @rule()
    def revoke(self) -> None:
        self.attempt(
            lambda: self.engine.revoke_approval(
                APPROVER, self.approval_id, ground="取消", on=self.day
            )
        )

    @rule()
    def deadlines(self) -> None:
        self.attempt(lambda: self.engine.run_deadlines(today=self.day))

    def years(self) -> list[AnnualDisbursement]:
        return [
            self.engine.repository.get(AnnualDisbursement.id_for(self.approval_id, fy))
            for fy in YEARS
        ]

    @invariant()
    def paid_within_decided_until_repayment_is_ordered(self) -> None:
        for disbursement in self.years():
            if not disbursement.orders:
                assert disbursement.paid <= disbursement.decided

    @invariant()
    def determined_within_decided(self) -> None:
        for disbursement in self.years():
            if disbursement.determined is not None:
                assert disbursement.determined <= disbursement.decided

    @invariant()
    def the_event_fold_holds_what_the_aggregates_hold(self) -> None:
        folded = self.engine.holdings()
        for disbursement in self.years():
            key = (self.approval_id, disbursement.fiscal_year)
            assert folded[key] == disbursement.paid - disbursement.principal_repaid
            assert disbursement.held >= 0

    @invariant()
    def the_budget_reserves_what_is_still_granted(self) -> None:
        scheme_id = self.engine.scheme().id
        for disbursement in self.years():
            budget = self.engine.repository.get(
                FiscalBudget.id_for(scheme_id, disbursement.fiscal_year)
            )
            granted = 0 if disbursement.ended else disbursement.decided
            if disbursement.determined is not None and not disbursement.ended:
                granted = disbursement.determined
            assert budget.reserved_for(self.approval_id) == granted

    @invariant()
    def a_closed_year_owes_nothing_either_way(self) -> None:
        for disbursement in self.years():
            if disbursement.closed:
                entitled = 0 if disbursement.ended else disbursement.determined
                assert disbursement.held == entitled


TestFinanceStateMachine = FinanceMachine.TestCase
TestFinanceStateMachine.settings = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
