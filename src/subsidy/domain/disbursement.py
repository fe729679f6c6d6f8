"""Annual disbursements: the money of one approval in one fiscal year.

Advances (概算払), the performance report (実績報告), the determination of the final amount
(額の確定), settlement (精算払), repayment orders (返還命令) and repayments, with 加算金 and
延滞金. Every command that changes a year's money goes through this aggregate, so two such
commands racing on one year can never both be recorded.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from subsidy.domain import rules
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import CostLine
from subsidy.domain.charges import Receipt, allocate_to_receipts
from subsidy.domain.disbursement_values import Payment, PaymentKind, PerformanceReport
from subsidy.domain.errors import InvalidValue, RuleViolation, TransitionNotAllowed
from subsidy.domain.money import Calculation, grant_ceiling, require_yen
from subsidy.domain.repayment import (
    OrderBalance,
    OrderKind,
    RepaymentOrder,
    RepaymentReceived,
    balances,
    settle,
)
from subsidy.domain.scheme import SchemeParameters


class OverPayment(RuleViolation):
    """A payment beyond what the year's decision or determination allows."""


class AnnualDisbursement(Aggregate):
    """One approval's money in one fiscal year."""

    @staticmethod
    def id_for(approval_id: UUID, fiscal_year: int) -> UUID:
        """One disbursement per approval and fiscal year."""
        return uuid5(NAMESPACE_URL, f"subsidy:disbursement:{approval_id}:{fiscal_year}")

    @classmethod
    def open(
        cls,
        *,
        approval_id: UUID,
        organisation_id: UUID,
        fiscal_year: int,
        decided: int,
        decided_on: date,
        report_due_on: date,
        actor: Actor,
    ) -> AnnualDisbursement:
        """Open the year with its decided amount, the decision's date and the report's due date."""
        return cls(
            id=cls.id_for(approval_id, fiscal_year),
            approval_id=approval_id,
            organisation_id=organisation_id,
            fiscal_year=fiscal_year,
            decided=decided,
            decided_on=decided_on,
            report_due_on=report_due_on,
            actor=actor,
        )

    @event("Opened")
    def __init__(
        self,
        *,
        id: UUID,
        approval_id: UUID,
        organisation_id: UUID,
        fiscal_year: int,
        decided: int,
        decided_on: date,
        report_due_on: date,
        actor: Actor,
    ) -> None:
        self.approval_id = approval_id
        self.decided_on = decided_on
        self.determined_on: date | None = None
        self.organisation_id = organisation_id
        self.fiscal_year = fiscal_year
        self.decided = decided
        self.report_due_on = report_due_on
        self.payments: list[Payment] = []
        self.report: PerformanceReport | None = None
        self.determined: int | None = None
        self.orders: list[RepaymentOrder] = []
        self.repayments: list[RepaymentReceived] = []
        self.ended: str | None = None  # "revoked" or "withdrawn"
        self.closed = False
        self.report_overdue = False
        self.overdue_orders: list[int] = []

    # What the year holds -----------------------------------------------------------------

    @property
    def paid(self) -> int:
        """Everything paid to the grantee this year."""
        return sum(p.amount for p in self.payments)

    @property
    def principal_repaid(self) -> int:
        """Everything repaid against the principal of repayment orders."""
        return sum(a.principal for r in self.repayments for a in r.allocations)

    @property
    def held(self) -> int:
        """What the grantee holds of this year's grant: paid less principal repaid."""
        return self.paid - self.principal_repaid

    @property
    def ordered(self) -> int:
        """The principal of all repayment orders."""
        return sum(o.principal for o in self.orders)

    def owed(self, as_of: date, parameters: SchemeParameters) -> list[OrderBalance]:
        """What is owed on each repayment order on ``as_of``."""
        return balances(self.orders, self.repayments, as_of, parameters)

    # Payments ----------------------------------------------------------------------------

    def pay_advance(self, *, amount: int, paid_on: date, actor: Actor) -> None:
        """Record an advance payment (概算払), never beyond the decided amount in total."""
        actor.require(Role.FINANCE)
        self._require_live("record a payment")
        require_yen(amount, "amount", positive=True)
        self._not_before(paid_on, self.decided_on, "paid_on", "the grant decision")
        if self.determined is not None:
            msg = "the final amount is determined; pay the settlement instead of an advance"
            raise TransitionNotAllowed(msg, rule="disbursement.advance_before_determination")
        if self.paid + amount > self.decided:
            msg = (
                f"FY{self.fiscal_year}: an advance of {amount:,} yen would bring payments to "
                f"{self.paid + amount:,} yen, above the decided {self.decided:,} yen "
                f"({self.decided - self.paid:,} yen remain)"
            )
            raise OverPayment(msg, field="amount", rule="disbursement.advance_within_decision")
        calculation = Calculation(
            rule=rules.ADVANCE,
            formula="paid before + advance ≤ decided",
            inputs={"decided": str(self.decided), "paid_before": str(self.paid)},
            result=amount,
        )
        self._paid(
            payment=Payment(PaymentKind.ADVANCE, amount, paid_on),
            calculation=calculation,
            actor=actor,
        )

    @event("PaymentRecorded")
    def _paid(self, *, payment: Payment, calculation: Calculation, actor: Actor) -> None:
        self.payments.append(payment)

    def declare_activity_end(
        self, *, ends_on: date, parameters: SchemeParameters, actor: Actor
    ) -> None:
        """The applicant says when the year's activity ends; the report falls due from it.

        The report is due ``report_due_days`` after that day and no later than the scheme's
        latest day of the next fiscal year.
        """
        actor.require_applicant_for(self.organisation_id)
        self._require_live("declare the end of the activity")
        if self.report is not None:
            raise TransitionNotAllowed("the performance report was already submitted")
        year_starts, year_ends = date(self.fiscal_year, 4, 1), date(self.fiscal_year + 1, 3, 31)
        if not year_starts <= ends_on <= year_ends:
            msg = f"the activity of FY{self.fiscal_year} ends within it, not on {ends_on}"
            raise InvalidValue(msg, field="ends_on", rule="disbursement.activity_end")
        due = parameters.report_due_on(self.fiscal_year, ends_on)
        self._activity_end_declared(ends_on=ends_on, report_due_on=due, actor=actor)

    @event("ActivityEndDeclared")
    def _activity_end_declared(self, *, ends_on: date, report_due_on: date, actor: Actor) -> None:
        self.report_due_on = report_due_on

    def submit_report(
        self, *, cost_lines: tuple[CostLine, ...], reported_on: date, actor: Actor
    ) -> None:
        """The applicant's performance report (実績報告): the year's actual eligible cost."""
        actor.require_applicant_for(self.organisation_id)
        self._require_live("report")
        if self.report is not None:
            raise TransitionNotAllowed("the performance report was already submitted")
        year_starts = date(self.fiscal_year, 4, 1)
        self._not_before(reported_on, year_starts, "reported_on", f"FY{self.fiscal_year} began")
        for index, line in enumerate(cost_lines):
            require_yen(line.amount, f"cost_lines[{index}].amount")
        report = PerformanceReport(tuple(cost_lines), reported_on)
        late = reported_on > self.report_due_on
        self._reported(report=report, late=late, rule=rules.REPORT, actor=actor)

    @event("ReportSubmitted")
    def _reported(self, *, report: PerformanceReport, late: bool, rule: str, actor: Actor) -> None:
        self.report = report

    def determine(
        self,
        *,
        on: date,
        parameters: SchemeParameters,
        repayment_due_on: date | None,
        actor: Actor,
    ) -> None:
        """Determine the final amount (額の確定): min(decided, eligible × rate floored to ¥1,000).

        If more was paid than determined, the excess is ordered back in the same step.
        """
        actor.require(Role.FINANCE)
        self._require_live("determine the amount")
        if self.report is None:
            msg = "the final amount is determined from the performance report; none was submitted"
            raise RuleViolation(msg, rule="disbursement.report_required")
        if self.determined is not None:
            raise TransitionNotAllowed(f"FY{self.fiscal_year} was already determined")
        self._not_before(on, self.report.reported_on, "on", "the performance report")
        if repayment_due_on is not None:
            self._not_before(repayment_due_on, on, "repayment_due_on", "the determination")
        eligible = self.report.eligible_cost
        ceiling = grant_ceiling(eligible, parameters.subsidy_rate)
        determined = min(self.decided, ceiling)
        calculation = Calculation(
            rule=rules.DETERMINATION,
            formula="min(decided, floor_1000(eligible cost × rate))",
            inputs={
                "decided": str(self.decided),
                "eligible_cost": str(eligible),
                "rate": str(parameters.subsidy_rate),
                "floor_1000(eligible cost × rate)": str(ceiling),
            },
            result=determined,
        )
        self._determined(determined_on=on, amount=determined, calculation=calculation, actor=actor)
        if self.paid > determined:
            due = repayment_due_on or on + timedelta(days=parameters.repayment_period_days)
            self._order(OrderKind.OVERPAYMENT, on, due, actor, receipts=())
        self._close_if_settled(actor)

    @event("Determined")
    def _determined(
        self, *, determined_on: date, amount: int, calculation: Calculation, actor: Actor
    ) -> None:
        self.determined = amount
        self.determined_on = determined_on

    def pay_settlement(self, *, paid_on: date, actor: Actor) -> None:
        """Pay the settlement (精算払): what was determined less what was paid."""
        actor.require(Role.FINANCE)
        self._require_live("record a payment")
        if self.determined is None:
            msg = "the settlement follows the determination of the final amount"
            raise TransitionNotAllowed(msg, rule="disbursement.settlement_after_determination")
        assert self.determined_on is not None
        self._not_before(paid_on, self.determined_on, "paid_on", "the determination")
        due = self.determined - self.paid
        if due <= 0:
            msg = f"nothing is due: {self.paid:,} yen paid against {self.determined:,} determined"
            raise OverPayment(msg, rule="disbursement.settlement_due")
        calculation = Calculation(
            rule=rules.SETTLEMENT,
            formula="determined − paid",
            inputs={"determined": str(self.determined), "paid": str(self.paid)},
            result=due,
        )
        payment = Payment(PaymentKind.SETTLEMENT, due, paid_on)
        self._paid(payment=payment, calculation=calculation, actor=actor)
        self._close_if_settled(actor)

    # Repayment ---------------------------------------------------------------------------

    def receive_repayment(
        self, *, amount: int, received_on: date, parameters: SchemeParameters, actor: Actor
    ) -> None:
        """Record money repaid: principal first, then 加算金, then 延滞金."""
        actor.require(Role.FINANCE)
        require_yen(amount, "amount", positive=True)
        if self.repayments and received_on < self.repayments[-1].received_on:
            last = self.repayments[-1].received_on
            msg = f"repayments are recorded in date order; the last was received on {last}"
            raise InvalidValue(msg, field="received_on", rule="repayment.in_order")
        if self.orders:
            self._not_before(received_on, self.orders[-1].ordered_on, "received_on", "the order")
        owed_before = self.owed(received_on, parameters)
        total_owed = sum(b.total for b in owed_before)
        if total_owed == 0:
            raise RuleViolation("nothing is owed on this year", rule="repayment.nothing_owed")
        if amount > total_owed:
            msg = f"{amount:,} yen exceeds the {total_owed:,} yen owed on {received_on}"
            raise OverPayment(msg, field="amount", rule="repayment.within_owed")
        allocations, against = settle(self.orders, self.repayments, amount, received_on, parameters)
        steps = tuple(step for balance in against for step in _charge_steps(balance, parameters))
        calculation = Calculation(
            rule=rules.REPAYMENT,
            formula="principal first, then 加算金, then 延滞金 (each floored to the yen)",
            inputs={
                "owed_before": str(total_owed),
                "to_principal": str(sum(a.principal for a in allocations)),
                "to_加算金": str(sum(a.additional_charge for a in allocations)),
                "to_延滞金": str(sum(a.late_charge for a in allocations)),
            },
            result=amount,
            steps=steps,
        )
        repayment = RepaymentReceived(received_on, amount, allocations)
        self._repaid(repayment=repayment, calculation=calculation, actor=actor)
        self._close_if_settled(actor, as_of=received_on, parameters=parameters)

    @event("RepaymentReceived")
    def _repaid(
        self, *, repayment: RepaymentReceived, calculation: Calculation, actor: Actor
    ) -> None:
        self.repayments.append(repayment)

    def _order(
        self,
        kind: OrderKind,
        on: date,
        due_on: date,
        actor: Actor,
        receipts: tuple[Receipt, ...],
    ) -> None:
        principal = self.paid - self.ordered
        if kind is OrderKind.OVERPAYMENT:
            assert self.determined is not None
            principal = self.paid - self.determined
            formula, ground = "paid − determined", rules.REPAYMENT_ORDER
        else:
            formula, ground = "paid − principal already ordered", rules.REVOCATION_REPAYMENT
        order = RepaymentOrder(len(self.orders) + 1, kind, principal, on, due_on, receipts)
        calculation = Calculation(
            rule=ground,
            formula=formula,
            inputs={
                "paid": str(self.paid),
                "determined": "-" if self.determined is None else str(self.determined),
                "already_ordered": str(self.ordered),
                "receipts": ", ".join(f"{r.received_on}: {r.amount}" for r in receipts) or "-",
            },
            result=principal,
        )
        self._ordered(order=order, calculation=calculation, actor=actor)

    @event("RepaymentOrdered")
    def _ordered(self, *, order: RepaymentOrder, calculation: Calculation, actor: Actor) -> None:
        self.orders.append(order)

    # The decision changes ----------------------------------------------------------------

    def change_decided(self, *, amount: int, on: date, actor: Actor) -> None:
        """Follow an amendment of the decision; never below what was already paid."""
        actor.require(Role.APPROVER)
        if not (self.closed and self.decided == 0 and self.ended is None):
            self._require_live("amend")  # a year amended to nothing may be funded again
        if self.determined is not None:
            msg = f"FY{self.fiscal_year} is determined; its decided amount can no longer change"
            raise TransitionNotAllowed(msg, rule="disbursement.amend_before_determination")
        if amount < self.paid:
            msg = (
                f"FY{self.fiscal_year}: {self.paid:,} yen is already paid, more than the "
                f"{amount:,} yen proposed; revoke the decision or order repayment instead"
            )
            raise RuleViolation(msg, field=f"amounts.{self.fiscal_year}", rule="amendment.paid")
        self._decided_changed(decided=amount, changed_on=on, rule=rules.AMENDMENT, actor=actor)
        if amount == 0:
            self._closed(held=self.held, actor=actor)

    @event("DecidedAmountChanged")
    def _decided_changed(self, *, decided: int, changed_on: date, rule: str, actor: Actor) -> None:
        self.decided = decided
        if decided > 0:
            self.closed = False

    def revoke(self, *, on: date, due_on: date, parameters: SchemeParameters, actor: Actor) -> None:
        """The decision was revoked: order back everything paid and not yet ordered.

        Possible even after the year was determined and settled (適正化法第17条): the year
        reopens with an order for what the grantee still holds, with 加算金.
        """
        actor.require(Role.APPROVER)
        if self.ended is not None:
            msg = f"cannot revoke: the grant decision was already {self.ended}"
            raise TransitionNotAllowed(msg, rule=f"disbursement.{self.ended}")
        self._not_before(due_on, on, "due_on", "the revocation")
        self._ended(how="revoked", on=on, rule=rules.REVOCATION, actor=actor)
        to_order = self.paid - self.ordered
        if to_order > 0:
            receipts = tuple(Receipt(p.paid_on, p.amount) for p in self.payments)
            allocated = tuple(allocate_to_receipts(receipts, to_order))
            self._order(OrderKind.REVOCATION, on, due_on, actor, allocated)
        self._close_if_settled(actor, as_of=on, parameters=parameters)

    def withdraw(self, *, on: date, actor: Actor) -> None:
        """The applicant withdrew (取下げ) before anything was paid."""
        actor.require_applicant_for(self.organisation_id)
        self._require_live("withdraw")
        if self.paid:
            msg = f"FY{self.fiscal_year}: {self.paid:,} yen was already paid; revoke instead"
            raise RuleViolation(msg, rule="withdrawal.nothing_paid")
        self._ended(how="withdrawn", on=on, rule=rules.WITHDRAWAL, actor=actor)
        self._close_if_settled(actor)

    @event("Ended")
    def _ended(self, *, how: str, on: date, rule: str, actor: Actor) -> None:
        self.ended = how
        self.closed = False  # a settled year reopens until what it holds is repaid

    # Deadlines and closing ---------------------------------------------------------------

    def flag_overdue(self, *, today: date, parameters: SchemeParameters, actor: Actor) -> int:
        """Record each deadline passed since the last run; returns how many were recorded."""
        actor.require(Role.SYSTEM, Role.FINANCE)
        recorded = 0
        report_missing = self.report is None and self.ended is None and self.decided > 0
        if report_missing and not self.report_overdue and today > self.report_due_on:
            self._report_overdue(due_on=self.report_due_on, actor=actor)
            recorded += 1
        for balance in self.owed(today, parameters):
            number = balance.order.number
            overdue = today > balance.order.due_on and balance.total > 0
            if overdue and number not in self.overdue_orders:
                self._repayment_overdue(
                    order_number=number, due_on=balance.order.due_on, actor=actor
                )
                recorded += 1
        return recorded

    @event("ReportOverdue")
    def _report_overdue(self, *, due_on: date, actor: Actor) -> None:
        self.report_overdue = True

    @event("RepaymentOverdue")
    def _repayment_overdue(self, *, order_number: int, due_on: date, actor: Actor) -> None:
        self.overdue_orders.append(order_number)

    def _close_if_settled(
        self,
        actor: Actor,
        *,
        as_of: date | None = None,
        parameters: SchemeParameters | None = None,
    ) -> None:
        entitled = 0 if self.ended else self.determined
        if self.closed or entitled is None or self.held != entitled:
            return
        still_owed = self.owed(as_of, parameters) if as_of and parameters else []
        if any(b.total for b in still_owed):
            return
        self._closed(held=self.held, actor=actor)

    @event("Closed")
    def _closed(self, *, held: int, actor: Actor) -> None:
        self.closed = True

    @staticmethod
    def _not_before(day: date, earliest: date, field: str, what: str) -> None:
        if day < earliest:
            msg = f"{field} {day.isoformat()} is before {what} ({earliest.isoformat()})"
            raise InvalidValue(msg, field=field, rule="disbursement.date_order")

    def _require_live(self, command: str) -> None:
        if self.ended is not None:
            msg = f"cannot {command}: the grant decision was {self.ended}"
            raise TransitionNotAllowed(msg, rule=f"disbursement.{self.ended}")
        if self.closed:
            raise TransitionNotAllowed(f"cannot {command}: FY{self.fiscal_year} is closed")


def _charge_steps(balance: OrderBalance, parameters: SchemeParameters) -> list[str]:
    steps = [f"order {balance.order.number} ({balance.order.kind.value}):"]
    if balance.additional is not None:
        rate = parameters.additional_charge_rate
        steps += [
            f"  加算金 {line.describe(rate, parameters.day_count_basis)}"
            for line in balance.additional.lines
        ]
        steps.append(f"  加算金 total {balance.additional.total:,} yen (floored)")
    rate = parameters.late_charge_rate
    steps += [
        f"  延滞金 {line.describe(rate, parameters.day_count_basis)}" for line in balance.late.lines
    ]
    steps.append(f"  延滞金 total {balance.late.total:,} yen (floored)")
    return steps
