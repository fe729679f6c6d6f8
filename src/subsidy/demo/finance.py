"""The demo's money: three fiscal years of one grant, and a revoked one."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from subsidy.application import SubsidyEngine
from subsidy.demo.clock import ScenarioClock
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import CostCategory, CostLine
from subsidy.domain.money import split_instalments
from subsidy.domain.wareki import format_fiscal_year

FINANCE = Actor("finance-ito", Role.FINANCE)
APPROVER = Actor("approver-kobayashi", Role.APPROVER)


def _costs(honoraria: int, travel: int, venue: int) -> tuple[CostLine, ...]:
    return (
        CostLine(CostCategory.HONORARIA, "講師謝金", honoraria),
        CostLine(CostCategory.TRAVEL, "講師旅費", travel),
        CostLine(CostCategory.VENUE, "研修会場使用料", venue),
    )


def run_isumi_years(
    engine: SubsidyEngine, clock: ScenarioClock, approval_id: UUID, applicant: Actor
) -> None:
    """FY2024 over-paid and repaid late; FY2025 settled at the decided amount; FY2026 under way."""
    e, key = engine, "demo:isumi"
    for n, (amount, day) in enumerate(
        zip(split_instalments(1_500_000, 2), (date(2024, 6, 3), date(2024, 10, 1)), strict=True)
    ):
        e.record_advance(
            FINANCE,
            approval_id,
            2024,
            amount=amount,
            paid_on=day,
            idempotency_key=f"{key}:advance:2024:{n}",
        )
    clock.travel_to(date(2025, 4, 8))
    e.submit_performance_report(
        applicant,
        approval_id,
        2024,
        cost_lines=_costs(880_500, 380_000, 220_000),
        reported_on=date(2025, 4, 8),
        idempotency_key=f"{key}:report:2024",
    )
    e.determine_amount(
        FINANCE,
        approval_id,
        2024,
        on=date(2025, 4, 18),
        repayment_due_on=date(2025, 5, 20),
        idempotency_key=f"{key}:determine:2024",
    )
    e.record_repayment(
        FINANCE,
        approval_id,
        2024,
        amount=20_180,
        received_on=date(2025, 6, 19),
        idempotency_key=f"{key}:repay:2024",
    )

    e.record_advance(
        FINANCE,
        approval_id,
        2025,
        amount=700_000,
        paid_on=date(2025, 6, 2),
        idempotency_key=f"{key}:advance:2025",
    )
    clock.travel_to(date(2026, 4, 6))
    e.submit_performance_report(
        applicant,
        approval_id,
        2025,
        cost_lines=_costs(1_000_000, 400_000, 200_000),
        reported_on=date(2026, 4, 6),
        idempotency_key=f"{key}:report:2025",
    )
    e.determine_amount(
        FINANCE, approval_id, 2025, on=date(2026, 4, 16), idempotency_key=f"{key}:determine:2025"
    )
    e.pay_settlement(
        FINANCE, approval_id, 2025, paid_on=date(2026, 4, 30), idempotency_key=f"{key}:settle:2025"
    )

    e.record_advance(
        FINANCE,
        approval_id,
        2026,
        amount=600_000,
        paid_on=date(2026, 6, 1),
        idempotency_key=f"{key}:advance:2026",
    )


def run_mishima_revocation(engine: SubsidyEngine, approval_id: UUID) -> None:
    """An advance, then revocation for misuse, repaid with 加算金."""
    e, key = engine, "demo:mishima"
    e.record_advance(
        FINANCE,
        approval_id,
        2024,
        amount=800_000,
        paid_on=date(2024, 7, 10),
        idempotency_key=f"{key}:advance",
    )
    e.revoke_approval(
        APPROVER,
        approval_id,
        ground="補助対象外経費への流用が判明したため",
        on=date(2024, 12, 2),
        repayment_due_on=date(2024, 12, 23),
        idempotency_key=f"{key}:revoke",
    )
    e.record_repayment(
        FINANCE,
        approval_id,
        2024,
        amount=800_000,
        received_on=date(2024, 12, 20),
        idempotency_key=f"{key}:repay:principal",
    )
    e.record_repayment(
        FINANCE,
        approval_id,
        2024,
        amount=39_360,
        received_on=date(2025, 1, 10),
        idempotency_key=f"{key}:repay:charge",
    )


def money_summary(
    engine: SubsidyEngine, approval_id: UUID, name: str, years: list[int]
) -> list[str]:
    """Lines describing each year's money and the arithmetic behind it."""
    lines = [f"  {name}:"]
    for fiscal_year in years:
        view = engine.disbursement(approval_id, fiscal_year)
        state = "closed" if view.closed else (view.ended or "open")
        determined = f"{view.determined:,}円" if view.determined is not None else "—"
        lines.append(
            f"    {format_fiscal_year(fiscal_year)} [{state}] 交付決定 {view.decided:,}円 "
            f"支払 {view.paid:,}円 確定 {determined} 保有 {view.held:,}円 未返還 {view.owed:,}円"
        )
        for step in engine.money_trail(approval_id, fiscal_year):
            given = ", ".join(f"{k} {v}" for k, v in step.calculation.inputs.items())
            lines.append(
                f"      {step.event}: {step.calculation.formula} [{given}] → {step.amount:,}円"
            )
    return lines
