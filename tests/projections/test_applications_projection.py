"""The applications list: one row per application, as the service sees it, with filters."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from subsidy.application import SubsidyEngine
from subsidy.domain.organisation import Organisation
from subsidy.domain.workflow import ApplicationStatus
from subsidy.projections.applications import Applications, count_applications, list_applications

from builders import ADMIN, APPROVER, REVIEWER_A, SUBMITTED_ON, World, amounts, year
from conftest import ALL_STORES, travel_to
from read_model_helpers import caught_up, demo_engine, query


def a_mix_of_applications(world: World) -> dict[str, UUID]:
    """One application in each status; the approved one amended down to ¥4,000,000."""
    engine = world.engine
    ids = {"draft": world.draft(year(2024))}
    ids["submitted"] = world.submitted(year(2025), year(2026), members=(world.member_id,))
    ids["under_review"] = world.submitted()
    engine.assign_reviewer(ADMIN, ids["under_review"], reviewer_user_id=REVIEWER_A.user_id)
    ids["rejected"] = world.reviewed()
    engine.reject_application(APPROVER, ids["rejected"], reason="成果指標が不明確であるため")
    ids["returned"] = world.submitted()
    engine.return_application(APPROVER, ids["returned"], reason="内訳を明記してください")
    ids["withdrawn"] = world.submitted()
    engine.withdraw_application(world.applicant, ids["withdrawn"], reason="体制を見直すため")
    approval_id = world.approved()
    ids["approved"] = engine.approval(approval_id).application_id
    engine.amend_approval(
        APPROVER,
        approval_id,
        amounts=amounts((2024, 1_500_000), (2025, 1_500_000), (2026, 1_000_000)),
        reason="事業規模の縮小",
    )
    return ids


def rows_by_id(engine_rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["application_id"]: row for row in engine_rows}


def titles(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(row["title"] for row in rows)


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_each_row_agrees_with_the_application_the_service_loads(
    engine: SubsidyEngine, store_url: str
) -> None:
    world = World.build(engine)
    ids = a_mix_of_applications(world)

    db = caught_up(engine, store_url, Applications())

    rows = rows_by_id(query(db, list_applications, limit=100))
    assert {rows[str(i)]["status"] for i in ids.values()} == {s.value for s in ApplicationStatus}
    for application_id in ids.values():
        view = engine.application(application_id)
        lead = engine.organisation(view.organisation_id)
        row = rows[str(application_id)]
        assert (row["status"], row["version"], row["round"], row["title"]) == (
            view.status,
            view.version,
            view.round,
            view.title,
        )
        assert (row["organisation_id"], row["organisation_name"], row["prefecture"]) == (
            str(lead.id),
            lead.name,
            "千葉県",
        )
        assert row["member_count"] == len(view.member_ids)
        assert row["submitted_on"] == view.submitted_on
        assert row["requested_total"] == sum(y.requested for y in view.years)
        assert (row["first_fiscal_year"], row["last_fiscal_year"]) == (
            view.years[0].fiscal_year,
            view.years[-1].fiscal_year,
        )
        assert row["approval_id"] == (str(view.approval_id) if view.approval_id else None)


def test_the_decided_total_and_date_follow_the_grant_and_its_amendment(
    engine: SubsidyEngine, store_url: str
) -> None:
    world = World.build(engine)
    ids = a_mix_of_applications(world)

    db = caught_up(engine, store_url, Applications())

    approved = rows_by_id(query(db, list_applications, status="approved"))[str(ids["approved"])]
    approval = engine.approval(UUID(approved["approval_id"]))
    assert approved["decided_total"] == approval.total == 4_000_000
    assert approved["decided_on"] == approval.notice_date == date(2024, 5, 20)
    assert approved["approval_status"] == "in_force"
    undecided = query(db, list_applications, status="submitted")
    assert [(r["decided_total"], r["decided_on"]) for r in undecided] == [(None, None)]


def test_a_rejection_is_dated_by_the_day_it_was_decided(
    engine: SubsidyEngine, store_url: str
) -> None:
    world = World.build(engine)
    application_id = world.reviewed()
    travel_to(date(2024, 5, 10))
    engine.reject_application(APPROVER, application_id, reason="実施体制が不明確であるため")

    db = caught_up(engine, store_url, Applications())

    [row] = query(db, list_applications, status="rejected")
    assert row["decided_on"] == date(2024, 5, 10)
    assert row["decided_total"] is None


def test_a_resubmission_keeps_the_first_submission_date_and_starts_round_two(
    engine: SubsidyEngine, store_url: str
) -> None:
    world = World.build(engine)
    application_id = world.submitted()
    engine.return_application(APPROVER, application_id, reason="会場費の内訳を明記してください")
    engine.update_application_draft(
        world.applicant,
        application_id,
        title="横串人材育成プログラム（改訂）",
        plan_id=world.plan_id,
        plan_version=1,
        years=(year(2024), year(2025)),
    )
    travel_to(date(2024, 6, 3))
    engine.submit_application(world.applicant, application_id)

    db = caught_up(engine, store_url, Applications())

    [row] = query(db, list_applications)
    assert (row["status"], row["round"], row["submitted_on"]) == ("submitted", 2, SUBMITTED_ON)
    assert engine.application(application_id).submitted_on == date(2024, 6, 3)
    assert (row["title"], row["last_fiscal_year"], row["requested_total"]) == (
        "横串人材育成プログラム（改訂）",
        2025,
        3_000_000,
    )


def test_revoking_or_withdrawing_the_decision_leaves_the_application_approved(
    engine: SubsidyEngine, store_url: str
) -> None:
    world = World.build(engine)
    revoked, withdrawn = world.approved(), world.approved()
    travel_to(date(2024, 5, 27))
    engine.withdraw_approval(world.applicant, withdrawn, reason="辞退")
    travel_to(date(2024, 9, 2))
    engine.revoke_approval(APPROVER, revoked, ground="目的外使用")

    db = caught_up(engine, store_url, Applications())

    rows = {r["approval_id"]: r for r in query(db, list_applications)}
    assert (rows[str(revoked)]["status"], rows[str(revoked)]["approval_status"]) == (
        "approved",
        "revoked",
    )
    assert (rows[str(withdrawn)]["status"], rows[str(withdrawn)]["approval_status"]) == (
        "approved",
        "withdrawn",
    )


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_the_filters_select_the_demo_applications_they_name(store_url: str) -> None:
    with demo_engine(store_url) as engine:
        db = caught_up(engine, store_url, Applications())

    def names(**filters: Any) -> list[str]:
        rows = query(db, list_applications, **filters)
        assert query(db, count_applications, **filters) == len(rows)
        return sorted(row["organisation_name"] for row in rows)

    assert names() == ["千葉県いすみ市", "島根県飯南町", "静岡県三島市", "高知県高知市"]
    assert names(status="approved") == ["千葉県いすみ市", "静岡県三島市"]
    assert names(status="under_review") == ["高知県高知市"]
    assert names(fiscal_year=2025) == ["千葉県いすみ市", "島根県飯南町", "高知県高知市"]
    assert names(fiscal_year=2027) == ["高知県高知市"]
    assert names(fiscal_year=2023) == []
    assert names(prefecture="静岡県") == ["静岡県三島市"]
    assert names(organisation_id=Organisation.id_for("島根県飯南町")) == ["島根県飯南町"]
    assert names(text="高知市") == ["高知県高知市"]  # the organisation's name, not the title
    assert names(text="改訂") == ["静岡県三島市"]  # the revised title, not the name
    assert names(status="approved", fiscal_year=2026) == ["千葉県いすみ市"]


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_text_search_ignores_case_and_full_width_and_takes_wildcards_literally(
    engine: SubsidyEngine, store_url: str
) -> None:
    world = World.build(engine)
    for title in ("Ｄｘ推進ラボ", "Data Lab 人材育成", "参加率100%達成講座"):
        engine.draft_application(
            world.applicant,
            organisation_id=world.lead_id,
            title=title,
            plan_id=world.plan_id,
            plan_version=1,
            years=(year(2024),),
        )

    db = caught_up(engine, store_url, Applications())

    def found(text: str) -> list[str]:
        return titles(query(db, list_applications, text=text))

    assert found("dx") == ["Ｄｘ推進ラボ"]
    assert found("LAB") == ["Data Lab 人材育成"]
    assert found("ｄａｔａ") == ["Data Lab 人材育成"]
    assert found("%") == ["参加率100%達成講座"]
    assert found("_") == []
    assert len(found("いすみ")) == 3  # every lead organisation is 千葉県いすみ市


def test_pages_of_the_list_cover_every_application_once_newest_first(
    engine: SubsidyEngine, store_url: str
) -> None:
    world = World.build(engine)
    drafted = [world.draft(year(2024)) for _ in range(5)]

    db = caught_up(engine, store_url, Applications())

    pages = [query(db, list_applications, limit=2, offset=offset) for offset in (0, 2, 4)]
    assert [len(page) for page in pages] == [2, 2, 1]
    listed = [row["application_id"] for page in pages for row in page]
    assert listed == [str(i) for i in reversed(drafted)]
    assert query(db, count_applications) == 5
