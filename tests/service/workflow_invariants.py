"""The invariants tests/service/test_workflow_state_machine.py checks after every step."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hypothesis.stateful import RuleBasedStateMachine, invariant

from subsidy.application import SubsidyEngine
from subsidy.domain.approval import Approval
from subsidy.domain.disbursement import AnnualDisbursement
from subsidy.domain.fiscal_budget import FiscalBudget
from subsidy.domain.workflow import TRANSITIONS, ApplicationStatus

from builders import event_count

YEARS = (2024, 2025, 2026, 2027)  # the fiscal years World appropriates
MAX_ANNUAL, MAX_YEARS = 1_500_000, 3  # the default scheme's cap and length
SUCCESSORS = {
    s: {s} | {to for (src, _), to in TRANSITIONS.items() if src is s} for s in ApplicationStatus
}


class WorkflowInvariants(RuleBasedStateMachine):
    """What must hold whatever the commands did: money, budgets, statuses and replays.

    A subclass sets ``engine`` and keeps ``approval_ids`` (every decision made), ``statuses``
    (each application's last status seen) and ``replayed_to`` (the log position replayed).
    """

    engine: SubsidyEngine
    approval_ids: list[UUID]
    statuses: dict[UUID, ApplicationStatus]
    replayed_to: int

    def status(self, application_id: UUID) -> ApplicationStatus:
        return ApplicationStatus(self.engine.application(application_id).status)

    def years(self) -> list[AnnualDisbursement]:
        return [
            self.engine.repository.get(AnnualDisbursement.id_for(approval.id, fy))
            for approval in map(self.approval, self.approval_ids)
            for fy in approval.funded_years
        ]

    def approval(self, approval_id: UUID) -> Approval:
        approval: Approval = self.engine.repository.get(approval_id)
        return approval

    @invariant()
    def budgets_reserve_no_more_than_appropriated(self) -> None:
        scheme_id = self.engine.scheme().id
        for year in YEARS:
            budget: FiscalBudget = self.engine.repository.get(FiscalBudget.id_for(scheme_id, year))
            assert all(held >= 0 for held in budget.reservations.values())
            assert budget.reserved <= budget.appropriation

    @invariant()
    def decisions_keep_to_the_cap_and_the_years(self) -> None:
        for approval in map(self.approval, self.approval_ids):
            years = [a.fiscal_year for a in approval.amounts]
            assert len(years) <= MAX_YEARS
            assert years == list(range(years[0], years[0] + len(years)))
            assert all(
                0 < a.amount <= MAX_ANNUAL and a.amount % 1_000 == 0 for a in approval.amounts
            )

    @invariant()
    def years_pay_and_determine_within_the_decision(self) -> None:
        scheme_id = self.engine.scheme().id
        for year in self.years():
            if not year.orders:  # a repayment order follows an over-payment
                assert year.paid <= year.decided
            assert year.determined is None or year.determined <= year.decided
            budget = self.engine.repository.get(FiscalBudget.id_for(scheme_id, year.fiscal_year))
            granted = 0 if year.ended else year.decided
            if year.determined is not None and not year.ended:
                granted = year.determined
            assert budget.reserved_for(year.approval_id) == granted

    @invariant()
    def the_money_trail_adds_up(self) -> None:
        folded = self.engine.holdings()
        for year in self.years():
            trail = self.engine.money_trail(year.approval_id, year.fiscal_year)
            payments = sum(s.amount for s in trail if s.event == "PaymentRecorded")
            assert payments == year.paid
            assert year.held == year.paid - year.principal_repaid >= 0
            assert folded.get((year.approval_id, year.fiscal_year), 0) == year.held

    @invariant()
    def statuses_move_only_along_the_transition_table(self) -> None:
        for application_id, before in self.statuses.items():
            after = self.status(application_id)
            assert after in SUCCESSORS[before], f"{before} -> {after}"
            self.statuses[application_id] = after

    @invariant()
    def replaying_each_changed_aggregate_gives_its_state(self) -> None:
        last = event_count(self.engine)
        changed = {
            n.originator_id
            for n in self.engine.recorder.select_notifications(self.replayed_to + 1, limit=10_000)
        }
        for aggregate_id in changed:
            replayed: Any = None
            for stored in self.engine.events.get(aggregate_id):
                replayed = stored.mutate(replayed)
            assert vars(replayed) == vars(self.engine.repository.get(aggregate_id))
        self.replayed_to = last
