"""A realistic scenario on the configured database, and a summary of it.

Every command carries an idempotency key, so running the demo again records nothing new and
prints the same summary.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from uuid import UUID

from subsidy.application import SubsidyEngine
from subsidy.demo.clock import ScenarioClock
from subsidy.demo.finance import money_summary, run_isumi_years, run_mishima_revocation
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import CostCategory, CostLine, YearAmount, YearBudget
from subsidy.domain.errors import SubsidyError
from subsidy.domain.organisation import Organisation
from subsidy.domain.plan_content import (
    Component,
    DeliveryMode,
    Indicator,
    Measure,
    ParticipantGroup,
    PlanContent,
    TargetRole,
)
from subsidy.domain.review import Recommendation, Reviewer
from subsidy.domain.wareki import format_fiscal_year, format_wareki
from subsidy.importing.agreements_csv import read_agreements

AGREEMENTS_CSV = Path(__file__).resolve().parents[3] / "data" / "partnership_agreements.csv"
ADMIN = Actor("admin-yamada", Role.ADMINISTRATOR)
APPROVER = Actor("approver-kobayashi", Role.APPROVER)
REVIEWERS = {
    "reviewer-sato": ("佐藤 審査員", ()),
    "reviewer-suzuki": ("鈴木 審査員", ("千葉県いすみ市",)),
    "reviewer-takahashi": ("高橋 審査員", ()),
}
SCORES = {
    "strong": {
        "necessity": 5,
        "feasibility": 4,
        "effectiveness": 5,
        "sustainability": 4,
        "cost": 4,
    },
    "weak": {"necessity": 2, "feasibility": 1, "effectiveness": 2, "sustainability": 1, "cost": 2},
}


def _budget(
    fiscal_year: int, honoraria: int, travel: int, venue: int, requested: int
) -> YearBudget:
    return YearBudget(
        fiscal_year,
        (
            CostLine(CostCategory.HONORARIA, "講師謝金", honoraria),
            CostLine(CostCategory.TRAVEL, "講師旅費", travel),
            CostLine(CostCategory.VENUE, "研修会場使用料", venue),
        ),
        requested,
    )


def _plan(title: str, first: int, last: int) -> PlanContent:
    return PlanContent(
        title=title,
        first_fiscal_year=first,
        last_fiscal_year=last,
        target_roles=(TargetRole.REGIONAL_LEADER, TargetRole.PLAYER),
        participant_groups=(ParticipantGroup.LOCAL_GOVERNMENT_STAFF, ParticipantGroup.RESIDENTS),
        measures=tuple(
            Measure(fy, component, DeliveryMode.ON_SITE, f"{format_fiscal_year(fy)} 現地研修会", 30)
            for fy in range(first, last + 1)
            for component in (Component.BASIC_QUALITIES, Component.PROBLEM_SOLVING)
        ),
        indicators=(Indicator("研修修了者数", 150, "人"),),
    )


class _Scenario:
    def __init__(self, engine: SubsidyEngine, clock: ScenarioClock) -> None:
        self.engine = engine
        self.clock = clock
        self.notes: list[str] = []

    def applicant(self, name: str) -> tuple[UUID, Actor]:
        organisation_id = Organisation.id_for(name)
        return organisation_id, Actor(f"applicant@{name}", Role.APPLICANT, organisation_id)

    def adopted_plan(self, name: str, title: str, first: int, last: int) -> UUID:
        owner_id, actor = self.applicant(name)
        plan_id = self.engine.draft_action_plan(
            actor,
            owner_id=owner_id,
            content=_plan(title, first, last),
            idempotency_key=f"demo:plan:{name}",
        )
        if last - first + 1 < self.engine.scheme().parameters.min_plan_years:
            self.engine.grant_plan_exception(
                ADMIN,
                plan_id,
                reason="合併協議中のため計画期間を3年とし、協議後に改定する",
                idempotency_key=f"demo:exception:{name}",
            )
        self.clock.travel_to(date(2024, 3, 25))
        self.engine.adopt_action_plan(
            actor, plan_id, on=date(2024, 3, 25), idempotency_key=f"demo:adopt:{name}"
        )
        return plan_id

    def submitted(
        self, name: str, title: str, plan_id: UUID, years: tuple[YearBudget, ...]
    ) -> UUID:
        owner_id, actor = self.applicant(name)
        application_id = self.engine.draft_application(
            actor,
            organisation_id=owner_id,
            title=title,
            purpose="地方創生を担う職員・住民の育成",
            plan_id=plan_id,
            plan_version=1,
            years=years,
            idempotency_key=f"demo:draft:{name}",
        )
        self.clock.travel_to(date(2024, 4, 15))
        self.engine.submit_application(
            actor, application_id, on=date(2024, 4, 15), idempotency_key=f"demo:submit:{name}"
        )
        return application_id

    def reviewed(
        self, application_id: UUID, key: str, quality: str, reviewers: tuple[str, ...]
    ) -> None:
        for reviewer in reviewers:
            self.engine.assign_reviewer(
                ADMIN,
                application_id,
                reviewer_user_id=reviewer,
                idempotency_key=f"demo:assign:{key}:{reviewer}",
            )
            recommendation = (
                Recommendation.APPROVE if quality == "strong" else Recommendation.REJECT
            )
            self.engine.record_review(
                Actor(reviewer, Role.REVIEWER),
                application_id,
                scores=SCORES[quality],
                recommendation=recommendation,
                comment="計画と予算の整合が取れている"
                if quality == "strong"
                else "実施体制が不明確",
                idempotency_key=f"demo:review:{key}:{reviewer}",
            )

    def refused(self, what: str, application_id: UUID, attempt: Callable[[], object]) -> None:
        """Show a rule at work; skipped on a re-run, when the application is already decided."""
        if self.engine.application(application_id).status == "approved":
            return
        try:
            attempt()
        except SubsidyError as error:
            self.notes.append(f"refused as expected — {what}: {error.message}")
        else:
            msg = f"the demo expected {what} to refuse the command"
            raise RuntimeError(msg)


def run_demo(
    engine: SubsidyEngine, clock: ScenarioClock, agreements_csv: Path = AGREEMENTS_CSV
) -> str:
    """Build the scenario (idempotently) and return a readable summary.

    ``clock`` must be the engine's clock: applicants act on the scenario's own days.
    """
    summary = engine.import_agreements(ADMIN, read_agreements(agreements_csv))
    scenario = _Scenario(engine, clock)
    for user_id, (name, ties) in REVIEWERS.items():
        if not _reviewer_exists(engine, user_id):
            engine.register_reviewer(
                ADMIN,
                user_id=user_id,
                name=name,
                tied_organisation_ids=tuple(Organisation.id_for(t) for t in ties),
                idempotency_key=f"demo:reviewer:{user_id}",
            )
    for fiscal_year in range(2024, 2030):
        engine.set_appropriation(
            ADMIN,
            fiscal_year=fiscal_year,
            amount=20_000_000,
            idempotency_key=f"demo:budget:{fiscal_year}",
        )
    applications = _build_applications(scenario)
    isumi, _, mishima, _ = (engine.application(a).approval_id for a in applications)
    assert isumi is not None
    assert mishima is not None
    run_isumi_years(engine, clock, isumi, scenario.applicant("千葉県いすみ市")[1])
    run_mishima_revocation(engine, mishima)
    clock.release()
    lines = _summary(engine, summary.agreements_created, applications, scenario.notes)
    lines += ["", "money (交付・確定・返還):"]
    lines += money_summary(engine, isumi, "千葉県いすみ市", [2024, 2025, 2026])
    lines += money_summary(engine, mishima, "静岡県三島市 (交付決定取消)", [2024])
    return "\n".join(lines)


def _reviewer_exists(engine: SubsidyEngine, user_id: str) -> bool:
    return Reviewer.id_for(user_id) in engine.repository


def _build_applications(s: _Scenario) -> list[UUID]:
    e = s.engine
    isumi = s.adopted_plan(
        "千葉県いすみ市", "いすみ市まちづくり人材育成アクションプラン", 2024, 2028
    )
    a1 = s.submitted(
        "千葉県いすみ市",
        "いすみ市 横串人材育成プログラム",
        isumi,
        tuple(_budget(fy, 900_000, 400_000, 250_000, 1_500_000) for fy in (2024, 2025, 2026)),
    )
    s.refused(
        "conflict of interest",
        a1,
        lambda: e.assign_reviewer(ADMIN, a1, reviewer_user_id="reviewer-suzuki"),
    )
    s.reviewed(a1, "isumi", "strong", ("reviewer-sato", "reviewer-takahashi"))
    s.refused(
        "four-eyes",
        a1,
        lambda: e.approve_application(
            Actor("reviewer-sato", Role.APPROVER),
            a1,
            amounts=(YearAmount(2024, 1_500_000),),
            reason="",
        ),
    )
    e.approve_application(
        APPROVER,
        a1,
        amounts=(
            YearAmount(2024, 1_500_000),
            YearAmount(2025, 1_400_000),
            YearAmount(2026, 1_200_000),
        ),
        conditions=("各年度終了後30日以内に実績報告書を提出すること",),
        reason="審査員2名の評価が高く、計画の実現可能性が認められる",
        notice_date=date(2024, 5, 20),
        idempotency_key="demo:approve:isumi",
    )

    iinan = s.adopted_plan("島根県飯南町", "飯南町 共創人材育成アクションプラン", 2024, 2028)
    a2 = s.submitted(
        "島根県飯南町",
        "飯南町 共創デザインスタジオ",
        iinan,
        tuple(_budget(fy, 600_000, 300_000, 100_000, 1_000_000) for fy in (2024, 2025)),
    )
    s.reviewed(a2, "iinan", "weak", ("reviewer-sato", "reviewer-suzuki"))
    e.reject_application(
        APPROVER,
        a2,
        reason="実施体制と成果指標が不明確であるため",
        idempotency_key="demo:reject:iinan",
    )

    mishima = s.adopted_plan("静岡県三島市", "三島市 職員力向上アクションプラン", 2024, 2026)
    mishima_owner, mishima_actor = s.applicant("静岡県三島市")
    a3 = s.submitted(
        "静岡県三島市",
        "三島市 若手職員政策形成研修",
        mishima,
        (_budget(2024, 500_000, 200_000, 100_000, 800_000),),
    )
    e.return_application(
        APPROVER,
        a3,
        reason="会場費の内訳を明記して再提出してください",
        idempotency_key="demo:return:mishima",
    )
    e.update_application_draft(
        mishima_actor,
        a3,
        title="三島市 若手職員政策形成研修（改訂）",
        plan_id=mishima,
        plan_version=1,
        years=(_budget(2024, 500_000, 200_000, 120_000, 800_000),),
        idempotency_key="demo:revise:mishima",
    )
    s.clock.travel_to(date(2024, 6, 3))
    e.submit_application(
        mishima_actor, a3, on=date(2024, 6, 3), idempotency_key="demo:resubmit:mishima"
    )
    s.reviewed(a3, "mishima-2", "strong", ("reviewer-suzuki", "reviewer-takahashi"))
    e.approve_application(
        APPROVER,
        a3,
        amounts=(YearAmount(2024, 800_000),),
        reason="修正により内訳が明確になった",
        notice_date=date(2024, 7, 1),
        idempotency_key="demo:approve:mishima",
    )

    kochi = s.adopted_plan("高知県高知市", "高知市 地域おこし人材アクションプラン", 2024, 2029)
    a4 = s.submitted(
        "高知県高知市",
        "こうちみませ楽舎",
        kochi,
        tuple(_budget(fy, 700_000, 300_000, 200_000, 1_200_000) for fy in (2025, 2026, 2027)),
    )
    e.assign_reviewer(
        ADMIN, a4, reviewer_user_id="reviewer-sato", idempotency_key="demo:assign:kochi"
    )
    del mishima_owner
    return [a1, a2, a3, a4]


def _summary(
    engine: SubsidyEngine, new_agreements: int, applications: list[UUID], notes: list[str]
) -> list[str]:
    scheme = engine.scheme()
    agreements = engine.list_agreements()
    lines = [
        f"{scheme.name} — parameter version {scheme.parameters_version}",
        f"partnership agreements: {len(agreements)} ({new_agreements} recorded by this run), "
        f"◎ {sum(a.flagged for a in agreements)}",
        "",
        "applications:",
    ]
    for application_id in applications:
        view = engine.application(application_id)
        organisation = engine.organisation(view.organisation_id)
        years = "・".join(format_fiscal_year(y.fiscal_year) for y in view.years)
        line = f"  [{view.status:<12}] {organisation.name} — {view.title}"
        line += f" ({years}, round {view.round})"
        if view.approval_id is not None:
            approval = engine.approval(view.approval_id)
            amounts = ", ".join(
                f"{format_fiscal_year(a.fiscal_year)} {a.amount:,}円" for a in approval.amounts
            )
            notice = format_wareki(approval.notice_date)
            line += f"\n      交付決定 {notice}: {amounts} (計 {approval.total:,}円)"
        elif view.decision_reason:
            line += f"\n      理由: {view.decision_reason}"
        lines.append(line)
    if notes:
        lines += ["", "rules at work:", *(f"  {n}" for n in notes)]
    return lines
