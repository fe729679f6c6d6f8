"""Use cases of finance: budgets, payments, reports, determinations, repayments, deadlines."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from subsidy.application.core import EngineCore, event_topic
from subsidy.application.idempotency import use_case
from subsidy.application.views import DisbursementView, MoneyStep, OrderView
from subsidy.domain.actor import SYSTEM, Actor
from subsidy.domain.approval import Approval
from subsidy.domain.budget import CostLine
from subsidy.domain.disbursement import AnnualDisbursement
from subsidy.domain.errors import ConcurrencyConflict, NotFound
from subsidy.domain.fiscal_budget import FiscalBudget
from subsidy.domain.money import Calculation
from subsidy.projections.holdings import TOPIC_EVENTS as HOLDING_EVENTS
from subsidy.projections.holdings import holdings


class FinanceUseCases(EngineCore):
    """The money half of the lifecycle, one fiscal year of one approval at a time."""

    # Budgets -----------------------------------------------------------------------------

    @use_case
    def set_appropriation(
        self,
        actor: Actor,
        *,
        fiscal_year: int,
        amount: int,
        reason: str = "当初予算",
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> UUID:
        """Set (or change) the default scheme's appropriation for ``fiscal_year``."""

        def action() -> tuple[list[FiscalBudget], UUID]:
            scheme_id = self._default_scheme().id
            budget_id = FiscalBudget.id_for(scheme_id, fiscal_year)
            if self._exists(budget_id):
                budget = self._load(FiscalBudget, budget_id, expected_version=expected_version)
                budget.change_appropriation(amount=amount, reason=reason, actor=actor)
            else:
                _no_version_yet(f"FY{fiscal_year}'s budget", expected_version)
                budget = FiscalBudget.appropriate(
                    scheme_id=scheme_id, fiscal_year=fiscal_year, amount=amount, actor=actor
                )
            return [budget], budget.id

        return self._execute("set_appropriation", actor, idempotency_key, action)

    def fiscal_budget(self, fiscal_year: int) -> tuple[int, int, int]:
        """The default scheme's (appropriation, reserved, remaining) for ``fiscal_year``."""
        budget = self._budget(self._default_scheme().id, fiscal_year)
        return budget.appropriation, budget.reserved, budget.remaining

    # Payments and reports ----------------------------------------------------------------

    @use_case
    def record_advance(
        self,
        actor: Actor,
        approval_id: UUID,
        fiscal_year: int,
        *,
        amount: int,
        paid_on: date | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Record an advance payment (概算払)."""

        def change(year: AnnualDisbursement) -> None:
            year.pay_advance(amount=amount, paid_on=paid_on or self.today(), actor=actor)

        self._update(
            "record_advance",
            actor,
            self._year_of(approval_id, fiscal_year),
            change,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    @use_case
    def declare_activity_end(
        self,
        actor: Actor,
        approval_id: UUID,
        fiscal_year: int,
        *,
        ends_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> date:
        """Record when the year's activity ends; returns the report's new due date."""

        def change(year: AnnualDisbursement) -> date:
            parameters = self._parameters_of(self._load(Approval, approval_id))
            year.declare_activity_end(ends_on=ends_on, parameters=parameters, actor=actor)
            return year.report_due_on

        return self._update(
            "declare_activity_end",
            actor,
            self._year_of(approval_id, fiscal_year),
            change,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    @use_case
    def submit_performance_report(
        self,
        actor: Actor,
        approval_id: UUID,
        fiscal_year: int,
        *,
        cost_lines: tuple[CostLine, ...],
        reported_on: date | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """The applicant's performance report (実績報告) for one fiscal year."""

        def change(year: AnnualDisbursement) -> None:
            year.submit_report(
                cost_lines=cost_lines,
                reported_on=self._dated(actor, reported_on, "reported_on"),
                actor=actor,
            )

        self._update(
            "submit_performance_report",
            actor,
            self._year_of(approval_id, fiscal_year),
            change,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    @use_case
    def determine_amount(
        self,
        actor: Actor,
        approval_id: UUID,
        fiscal_year: int,
        *,
        on: date | None = None,
        repayment_due_on: date | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Determine the final amount (額の確定); returns it. Releases any unused reservation."""

        def action() -> tuple[list[AnnualDisbursement | FiscalBudget], int]:
            year = self._year(approval_id, fiscal_year, expected_version=expected_version)
            approval = self._load(Approval, approval_id)
            year.determine(
                on=on or self.today(),
                parameters=self._parameters_of(approval),
                repayment_due_on=repayment_due_on,
                actor=actor,
            )
            assert year.determined is not None
            changed: list[AnnualDisbursement | FiscalBudget] = [year]
            unused = year.decided - year.determined
            if unused > 0:
                budget = self._budget(approval.scheme_id, fiscal_year)
                budget.release(
                    approval_id=approval_id, amount=unused, reason="額の確定による減額", actor=actor
                )
                changed.append(budget)
            return changed, year.determined

        return self._execute("determine_amount", actor, idempotency_key, action)

    @use_case
    def pay_settlement(
        self,
        actor: Actor,
        approval_id: UUID,
        fiscal_year: int,
        *,
        paid_on: date | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Pay the settlement (精算払) of determined less paid; returns the amount."""

        def change(year: AnnualDisbursement) -> int:
            before = year.paid
            year.pay_settlement(paid_on=paid_on or self.today(), actor=actor)
            return year.paid - before

        return self._update(
            "pay_settlement",
            actor,
            self._year_of(approval_id, fiscal_year),
            change,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    @use_case
    def record_repayment(
        self,
        actor: Actor,
        approval_id: UUID,
        fiscal_year: int,
        *,
        amount: int,
        received_on: date | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Record money repaid against the year's repayment orders."""

        def change(year: AnnualDisbursement) -> None:
            year.receive_repayment(
                amount=amount,
                received_on=received_on or self.today(),
                parameters=self._parameters_of(self._load(Approval, approval_id)),
                actor=actor,
            )

        self._update(
            "record_repayment",
            actor,
            self._year_of(approval_id, fiscal_year),
            change,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    # Deadlines ---------------------------------------------------------------------------

    def run_deadlines(self, *, today: date | None = None) -> int:
        """Record an event for each report or repayment that became overdue; returns the count.

        Running it again on the same day records nothing new.
        """
        day = today or self.today()
        recorded = 0
        for event in self._scan([event_topic(AnnualDisbursement, "Opened")]):
            recorded += self._flag_overdue(event.originator_id, day)
        return recorded

    def _flag_overdue(self, year_id: UUID, day: date) -> int:
        def action() -> tuple[list[AnnualDisbursement], int]:
            year = self._load(AnnualDisbursement, year_id)
            if year.closed:
                return [], 0
            parameters = self._parameters_of(self._load(Approval, year.approval_id))
            return [year], year.flag_overdue(today=day, parameters=parameters, actor=SYSTEM)

        return self._execute("run_deadlines", SYSTEM, None, action)

    # Reading -----------------------------------------------------------------------------

    def disbursement(
        self, approval_id: UUID, fiscal_year: int, *, as_of: date | None = None
    ) -> DisbursementView:
        """A year's money: decided, paid, determined, held, and what is owed on ``as_of``."""
        year = self._year(approval_id, fiscal_year)
        parameters = self._parameters_of(self._load(Approval, approval_id))
        day = as_of or self.today()
        owed = year.owed(day, parameters)
        return DisbursementView(
            id=year.id,
            version=year.version,
            approval_id=approval_id,
            fiscal_year=fiscal_year,
            decided=year.decided,
            paid=year.paid,
            determined=year.determined,
            held=year.held,
            report_due_on=year.report_due_on,
            reported=year.report is not None,
            ended=year.ended,
            closed=year.closed,
            as_of=day,
            orders=tuple(
                OrderView(
                    number=b.order.number,
                    kind=b.order.kind.value,
                    principal_ordered=b.order.principal,
                    due_on=b.order.due_on,
                    principal_owed=b.principal,
                    additional_charge_owed=b.additional_owed,
                    late_charge_owed=b.late_owed,
                )
                for b in owed
            ),
        )

    def money_trail(self, approval_id: UUID, fiscal_year: int) -> list[MoneyStep]:
        """Every money event of the year with the arithmetic it carries, in order."""
        year = self._year(approval_id, fiscal_year)
        steps = []
        events: list[Any] = list(self.events.get(year.id))
        for event in events:
            calculation = getattr(event, "calculation", None)
            if isinstance(calculation, Calculation):
                steps.append(
                    MoneyStep(
                        version=event.originator_version,
                        event=type(event).__name__,
                        recorded_at=event.timestamp,
                        actor=event.actor.user_id,
                        amount=calculation.result,
                        calculation=calculation,
                    )
                )
        return steps

    def holdings(self) -> dict[tuple[UUID, int], int]:
        """Held yen per (approval, fiscal year), folded from the stored money events."""
        topics = [event_topic(aggregate, name) for aggregate, name in HOLDING_EVENTS]
        return holdings(self._scan(topics))

    def _year(
        self, approval_id: UUID, fiscal_year: int, *, expected_version: int | None = None
    ) -> AnnualDisbursement:
        return self._load(
            *self._year_of(approval_id, fiscal_year), expected_version=expected_version
        )

    def _year_of(
        self, approval_id: UUID, fiscal_year: int
    ) -> tuple[type[AnnualDisbursement], UUID]:
        year_id = AnnualDisbursement.id_for(approval_id, fiscal_year)
        if not self._exists(year_id):
            msg = f"the approval {approval_id} has no grant for FY{fiscal_year}"
            raise NotFound(msg, field="fiscal_year")
        return AnnualDisbursement, year_id


def _no_version_yet(what: str, expected_version: int | None) -> None:
    """Refuse a version named for an aggregate that does not exist yet."""
    if expected_version is not None:
        msg = f"{what} does not exist yet, so it cannot be at version {expected_version}"
        raise ConcurrencyConflict(msg, field="expected_version", rule="optimistic_concurrency")
