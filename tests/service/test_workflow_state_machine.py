"""Random runs of the whole workflow through the service layer keep every invariant, step by step.

Applications are drafted, edited, submitted, reviewed, returned and resubmitted, approved,
rejected and withdrawn; approvals are amended, revoked and withdrawn; their years get advances,
reports, determinations, settlements, repayment orders and repayments; budgets change and the
days move on. A command the rules refuse must raise the domain's error and record nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import Bundle, initialize, multiple, rule
from workflow_invariants import YEARS, WorkflowInvariants

from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import CostCategory, CostLine, YearAmount, YearBudget
from subsidy.domain.errors import SubsidyError
from subsidy.domain.review import Recommendation
from subsidy.domain.workflow import TRANSITIONS, ApplicationStatus, Command

from builders import (
    ADMIN,
    APPROVER,
    GOOD_SCORES,
    REVIEWER_A,
    REVIEWER_B,
    World,
    event_count,
)
from conftest import make_engine, travel_to

FINANCE = Actor("finance", Role.FINANCE)
FIRST_DAY = date(2024, 6, 1)  # after the first decision's notice
thousands = st.integers(min_value=1, max_value=1_700).map(lambda k: k * 1_000)
# A budget: first fiscal year, how many years (four is one too many), yen requested a year.
budgets = st.tuples(st.sampled_from(YEARS[:3]), st.integers(1, 4), thousands)
# How a decision sets each year against the request: in full, less, too much, not whole ¥1,000.
shares = st.sampled_from(("requested", "less", "over", "odd"))
fiscal_year = st.sampled_from(YEARS)


def budget_years(budget: tuple[int, int, int]) -> tuple[YearBudget, ...]:
    first, count, requested = budget
    lines = (CostLine(CostCategory.HONORARIA, "講師謝金", requested + 100_000),)
    return tuple(YearBudget(first + i, lines, requested) for i in range(count))


def decided(requested: dict[int, int], share: str) -> tuple[YearAmount, ...]:
    change: Callable[[int], int] = {
        "requested": lambda yen: yen,
        "less": lambda yen: max(1_000, yen // 2_000 * 1_000),
        "over": lambda yen: yen + 1_000,
        "odd": lambda yen: yen - 1,
    }[share]
    return tuple(YearAmount(fy, change(yen)) for fy, yen in sorted(requested.items()))


class WorkflowMachine(WorkflowInvariants):
    """Drives applications and their money through the engine, checking invariants each step."""

    applications = Bundle("applications")
    approvals = Bundle("approvals")

    def ensure_world(self) -> None:
        """The scene both initial rules start from, built once whichever runs first."""
        if hasattr(self, "engine"):
            return
        # Snapshots every third event, so replays below compare snapshots with the event fold.
        self.engine = make_engine("memory://", snapshot_interval=3)
        self.world = World.build(self.engine)
        # Runs start with two decisions in force, so the money rules have something to work on.
        self.approval_ids = [self.world.approved(), self.world.approved()]
        under_way = [self.world.draft(*budget_years((2025, 2, 1_000_000))), self.world.reviewed()]
        self.statuses = {a: self.status(a) for a in under_way}
        self.today = FIRST_DAY
        travel_to(FIRST_DAY)
        self.replayed_to = 0

    @initialize(target=approvals)
    def approvals_in_force(self) -> Any:
        self.ensure_world()
        return multiple(*self.approval_ids)

    @initialize(target=applications)
    def applications_under_way(self) -> Any:
        self.ensure_world()
        return multiple(*self.statuses)

    def teardown(self) -> None:
        if hasattr(self, "engine"):
            self.engine.close()

    # Running commands ---------------------------------------------------------------------

    def attempt(self, command: Callable[[], object]) -> bool:
        """Run a command; a refusal must be the domain's error and leave the store as it was."""
        before = event_count(self.engine)
        try:
            command()
        except SubsidyError:
            assert event_count(self.engine) == before
            return False
        return True

    def move(self, application_id: UUID, command: Command, run: Callable[[], object]) -> bool:
        """Run an application command: it goes exactly where the transition table says."""
        before = self.status(application_id)
        done = self.attempt(run)
        after = self.status(application_id)
        if done:
            assert (before, command) in TRANSITIONS, f"{command} was allowed from {before}"
            assert after is TRANSITIONS[(before, command)]
            self.statuses[application_id] = after  # checked here, so a rule may move it again
        else:
            assert after is before
        return done

    def requested(self, application_id: UUID) -> dict[int, int]:
        return {y.fiscal_year: y.requested for y in self.engine.application(application_id).years}

    # The application's workflow -----------------------------------------------------------

    @rule(target=applications, budget=budgets)
    def draft(self, budget: tuple[int, int, int]) -> Any:
        drafted: list[UUID] = []
        self.attempt(lambda: drafted.append(self.world.draft(*budget_years(budget))))
        for application_id in drafted:
            self.statuses[application_id] = ApplicationStatus.DRAFT
        return multiple(*drafted)

    @rule(application_id=applications, budget=budgets)
    def edit(self, application_id: UUID, budget: tuple[int, int, int]) -> None:
        self.move(
            application_id,
            Command.EDIT,
            lambda: self.engine.update_application_draft(
                self.world.applicant,
                application_id,
                title="横串人材育成プログラム（改）",
                plan_id=self.world.plan_id,
                plan_version=1,
                years=budget_years(budget),
            ),
        )

    @rule(application_id=applications)
    def submit(self, application_id: UUID) -> None:
        returned = self.status(application_id) is ApplicationStatus.RETURNED
        command = Command.RESUBMIT if returned else Command.SUBMIT
        self.move(
            application_id,
            command,
            lambda: self.engine.submit_application(self.world.applicant, application_id),
        )

    @rule(application_id=applications)
    def withdraw(self, application_id: UUID) -> None:
        self.move(
            application_id,
            Command.WITHDRAW,
            lambda: self.engine.withdraw_application(
                self.world.applicant, application_id, reason="事業を見直すため"
            ),
        )

    @rule(application_id=applications, reviewer=st.sampled_from((REVIEWER_A, REVIEWER_B)))
    def assign(self, application_id: UUID, reviewer: Actor) -> None:
        self.move(
            application_id,
            Command.ASSIGN_REVIEWER,
            lambda: self.engine.assign_reviewer(
                ADMIN, application_id, reviewer_user_id=reviewer.user_id
            ),
        )

    @rule(
        application_id=applications,
        reviewer=st.sampled_from((REVIEWER_A, REVIEWER_B)),
        recommendation=st.sampled_from(Recommendation),
    )
    def review(self, application_id: UUID, reviewer: Actor, recommendation: Recommendation) -> None:
        self.move(
            application_id,
            Command.REVIEW,
            lambda: self.engine.record_review(
                reviewer,
                application_id,
                scores=GOOD_SCORES,
                recommendation=recommendation,
                comment="審査意見",
            ),
        )

    @rule(target=approvals, application_id=applications, share=shares)
    def take_to_a_decision(self, application_id: UUID, share: str) -> Any:
        """The usual path in one step: submitted, both reviewers assigned and heard, decided."""
        self.submit(application_id)
        for reviewer in (REVIEWER_A, REVIEWER_B):
            self.assign(application_id, reviewer)
            self.review(application_id, reviewer, Recommendation.APPROVE)
        return self.approve(application_id, share)

    @rule(target=approvals, application_id=applications, share=shares)
    def approve(self, application_id: UUID, share: str) -> Any:
        amounts = decided(self.requested(application_id), share)
        approved: list[UUID] = []
        self.move(
            application_id,
            Command.APPROVE,
            lambda: approved.append(
                self.engine.approve_application(
                    APPROVER, application_id, amounts=amounts, reason="妥当"
                )
            ),
        )
        self.approval_ids += approved
        return multiple(*approved)

    @rule(application_id=applications)
    def reject(self, application_id: UUID) -> None:
        self.move(
            application_id,
            Command.REJECT,
            lambda: self.engine.reject_application(APPROVER, application_id, reason="不十分"),
        )

    @rule(application_id=applications)
    def return_for_revision(self, application_id: UUID) -> None:
        self.move(
            application_id,
            Command.RETURN,
            lambda: self.engine.return_application(APPROVER, application_id, reason="要修正"),
        )

    # After the decision -------------------------------------------------------------------

    @rule(approval_id=approvals, share=shares)
    def amend(self, approval_id: UUID, share: str) -> None:
        application_id = self.engine.approval(approval_id).application_id
        amounts = decided(self.requested(application_id), share)
        self.attempt(
            lambda: self.engine.amend_approval(
                APPROVER, approval_id, amounts=amounts, reason="変更"
            )
        )

    @rule(approval_id=approvals)
    def revoke(self, approval_id: UUID) -> None:
        self.attempt(
            lambda: self.engine.revoke_approval(APPROVER, approval_id, ground="目的外使用")
        )

    @rule(approval_id=approvals)
    def withdraw_approval(self, approval_id: UUID) -> None:
        self.attempt(
            lambda: self.engine.withdraw_approval(
                self.world.applicant, approval_id, reason="実施体制が整わない"
            )
        )

    @rule(approval_id=approvals, year=fiscal_year, amount=thousands)
    def advance(self, approval_id: UUID, year: int, amount: int) -> None:
        self.attempt(lambda: self.engine.record_advance(FINANCE, approval_id, year, amount=amount))

    @rule(approval_id=approvals, year=fiscal_year)
    def end_activity(self, approval_id: UUID, year: int, ends_on: date | None = None) -> None:
        self.attempt(
            lambda: self.engine.declare_activity_end(
                self.world.applicant, approval_id, year, ends_on=ends_on or self.today
            )
        )

    @rule(approval_id=approvals, year=fiscal_year, cost=thousands)
    def report(self, approval_id: UUID, year: int, cost: int) -> None:
        lines = (CostLine(CostCategory.HONORARIA, "謝金", cost),)
        self.attempt(
            lambda: self.engine.submit_performance_report(
                self.world.applicant, approval_id, year, cost_lines=lines
            )
        )

    @rule(approval_id=approvals, year=fiscal_year, cost=thousands)
    def close_the_year(self, approval_id: UUID, year: int, cost: int) -> None:
        """The year's end in one step: activity ends, report, determination, settlement."""
        self.days_pass(max(0, (date(year + 1, 4, 15) - self.today).days))
        self.end_activity(approval_id, year, ends_on=date(year + 1, 3, 31))
        self.report(approval_id, year, cost)
        self.determine(approval_id, year)
        self.settle(approval_id, year)
        self.repay(approval_id, year, 1)

    @rule(approval_id=approvals, year=fiscal_year)
    def determine(self, approval_id: UUID, year: int) -> None:
        self.attempt(lambda: self.engine.determine_amount(FINANCE, approval_id, year))

    @rule(approval_id=approvals, year=fiscal_year)
    def settle(self, approval_id: UUID, year: int) -> None:
        self.attempt(lambda: self.engine.pay_settlement(FINANCE, approval_id, year))

    @rule(approval_id=approvals, year=fiscal_year, part=st.sampled_from((1, 2)))
    def repay(self, approval_id: UUID, year: int, part: int) -> None:
        def command() -> None:
            owed = self.engine.disbursement(approval_id, year).owed // part
            self.engine.record_repayment(FINANCE, approval_id, year, amount=owed)

        self.attempt(command)

    @rule(year=fiscal_year, amount=st.integers(0, 12).map(lambda k: k * 500_000))
    def appropriate(self, year: int, amount: int) -> None:
        self.attempt(
            lambda: self.engine.set_appropriation(
                ADMIN, fiscal_year=year, amount=amount, reason="補正予算"
            )
        )

    @rule(days=st.integers(1, 120))
    def days_pass(self, days: int) -> None:
        self.today += timedelta(days=days)
        travel_to(self.today)

    @rule()
    def deadlines(self) -> None:
        self.attempt(self.engine.run_deadlines)


TestWorkflowStateMachine = WorkflowMachine.TestCase
TestWorkflowStateMachine.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
