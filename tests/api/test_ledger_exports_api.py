"""The ledger's CSV and 360Giving downloads over HTTP: streamed, valid, refused with a reason."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from api_helpers import api, bearer, catch_up
from fastapi.testclient import TestClient

from exports.export_helpers import (
    ATAMI_CORPORATE_NUMBER,
    Scenario,
    bucket_totals,
    event_totals,
    giving_validator,
    money_moved,
)
from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_app
from subsidy.domain.actor import Role
from subsidy.exports import Publisher
from subsidy.settings import Settings


@pytest.fixture
def moved(store_url: str) -> Iterator[tuple[TestClient, SubsidyEngine, Scenario, dict[str, str]]]:
    with api(store_url) as (client, engine):
        scenario = money_moved(engine)
        auditor = bearer(engine, "auditor", Role.AUDITOR)
        catch_up(client)
        yield client, engine, scenario, auditor


def test_the_csv_download_adds_up_to_the_events(
    moved: tuple[TestClient, SubsidyEngine, Scenario, dict[str, str]],
) -> None:
    client, engine, scenario, auditor = moved

    response = client.get(
        "/api/v1/ledger", params={"fiscal_year": 2024, "format": "csv"}, headers=auditor
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="ledger-FY2024.csv"'
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    written = bucket_totals((row["区分コード"], int(row["金額（円）"])) for row in rows)
    assert written == event_totals(engine, scenario.years(2024))


def test_the_360giving_download_is_a_valid_package(
    moved: tuple[TestClient, SubsidyEngine, Scenario, dict[str, str]],
) -> None:
    client, engine, scenario, auditor = moved

    response = client.get(
        "/api/v1/ledger", params={"fiscal_year": 2024, "format": "360giving"}, headers=auditor
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    disposition = 'attachment; filename="grants-360giving-FY2024.json"'
    assert response.headers["content-disposition"] == disposition
    package = json.loads(response.content)
    assert list(giving_validator().iter_errors(package)) == []
    grants = package["grants"]
    paid = event_totals(engine, scenario.years(2024))["paid"]
    assert sum(grant["amountDisbursed"] for grant in grants) == paid
    recipients = {g["recipientOrganization"][0]["id"] for g in grants}
    assert f"JP-JCN-{ATAMI_CORPORATE_NUMBER}" in recipients


def test_a_360giving_download_with_a_kind_filter_is_refused_naming_the_field(
    moved: tuple[TestClient, SubsidyEngine, Scenario, dict[str, str]],
) -> None:
    client, _, _, auditor = moved

    response = client.get(
        "/api/v1/ledger",
        params={"fiscal_year": 2024, "format": "360giving", "kind": "advance"},
        headers=auditor,
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert (response.json()["field"], response.json()["rule"]) == ("kind", "360giving.grant")


def test_a_360giving_download_of_a_year_without_grants_is_refused(
    moved: tuple[TestClient, SubsidyEngine, Scenario, dict[str, str]],
) -> None:
    client, _, _, auditor = moved

    response = client.get(
        "/api/v1/ledger", params={"fiscal_year": 2030, "format": "360giving"}, headers=auditor
    )

    assert response.status_code == 422
    assert response.json()["field"] == "fiscal_year"
    assert "at least one grant" in response.json()["detail"]


def test_the_360giving_download_is_published_under_the_configured_prefix(
    moved: tuple[TestClient, SubsidyEngine, Scenario, dict[str, str]],
) -> None:
    client, _, _, auditor = moved
    client.app.state.publisher = Publisher("360G-chiikigaku", identifier="JP-JCN-1234567890123")  # type: ignore[attr-defined]

    response = client.get(
        "/api/v1/ledger", params={"fiscal_year": 2024, "format": "360giving"}, headers=auditor
    )

    assert response.status_code == 200, response.text
    package = json.loads(response.content)
    assert all(g["id"].startswith("360G-chiikigaku-") for g in package["grants"])
    assert package["publisher"]["identifier"] == "JP-JCN-1234567890123"
    assert list(giving_validator().iter_errors(package)) == []


def test_the_served_app_takes_its_360giving_publisher_from_the_settings(store_url: str) -> None:
    settings = Settings(
        database_url=store_url,
        giving360_prefix="360G-chiikigaku",
        giving360_funder_id="JP-JCN-1234567890123",
    )

    app = build_app(settings, follow=False)

    assert app.state.publisher == Publisher("360G-chiikigaku", identifier="JP-JCN-1234567890123")
    app.state.engine.close()
