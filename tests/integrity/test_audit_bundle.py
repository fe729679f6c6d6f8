"""`subsidy audit export`: bundles whose links an auditor can recompute outside the engine."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from subsidy.application.integrity import Digest, verify
from subsidy.cli import app
from subsidy.domain.actor import Role
from subsidy.domain.wareki import format_wareki

from builders import ADMIN, World
from conftest import make_engine
from tamper import Tamperer

JAPAN = ZoneInfo("Asia/Tokyo")


def link(previous: str, position: int, stored_id: str, version: int, topic: str, state: str) -> str:
    """A link as docs/reliability.md tells an auditor to compute it, without the engine."""
    digest = hashlib.sha256(bytes.fromhex(previous))
    digest.update(position.to_bytes(8, "big"))
    digest.update(len(stored_id.encode()).to_bytes(4, "big") + stored_id.encode())
    digest.update(version.to_bytes(8, "big", signed=True))
    digest.update(len(topic.encode()).to_bytes(4, "big") + topic.encode())
    digest.update(bytes.fromhex(state))
    return digest.hexdigest()


def recomputed_link(entry: dict[str, Any]) -> str:
    stored = entry["stored"]
    return link(
        entry["previous_link"],
        entry["position"],
        UUID(entry["aggregate_id"]).hex,
        entry["aggregate_version"],
        stored["topic"],
        stored["state_sha256"],
    )


def chain_links(bundle: dict[str, Any]) -> dict[int, str]:
    """Every link, recomputed from the bundle's chain section from the first event on."""
    links, previous = {}, "00" * 32
    for position, stored_id, version, topic, state in bundle["chain"]:
        previous = link(previous, position, stored_id, version, topic, state)
        links[position] = previous
    return links


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, UUID]:
    """A SQLite store with an approved application; returns its URL and the approval's id."""
    url = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", url)
    engine = make_engine(url)
    application_id = World.build(engine).approved()
    engine.add_user(ADMIN, name="auditor", role=Role.AUDITOR)
    engine.close()
    return url, application_id


def export(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any] | None, str]:
    bundle = tmp_path / "bundle.json"
    result = CliRunner().invoke(app, ["audit", "export", *args, "--output", str(bundle)])
    loaded = json.loads(bundle.read_text("utf-8")) if bundle.exists() else None
    return result.exit_code, loaded, result.output


def test_an_aggregate_bundle_holds_its_events_with_links_an_auditor_can_recompute(
    store: tuple[str, UUID], tmp_path: Path
) -> None:
    url, approval_id = store

    code, bundle, output = export(tmp_path, "--aggregate", str(approval_id))

    assert code == 0, output
    assert bundle is not None
    engine = make_engine(url)
    expected = engine.recorder.select_events(approval_id)
    events = bundle["events"]
    assert [e["aggregate_version"] for e in events] == [e.originator_version for e in expected]
    assert {e["aggregate_id"] for e in events} == {str(approval_id)}
    for entry in events:
        state = base64.b64decode(entry["stored"]["state_base64"])
        assert hashlib.sha256(state).hexdigest() == entry["stored"]["state_sha256"]
        assert recomputed_link(entry) == entry["link"]
        assert entry["actor"]["user_id"]
    assert bundle["verification"]["ok"] is True
    links = chain_links(bundle)
    assert links[max(links)] == bundle["digest"]["link"]  # the chain ends at the digest
    assert all(links[e["position"]] == e["link"] for e in events)  # each event is on it
    digest = Digest(**bundle["digest"])
    assert digest.position == engine.recorder.max_notification_id()
    assert verify(engine, digest).ok


def test_a_date_range_bundle_holds_exactly_the_events_recorded_on_those_days(
    store: tuple[str, UUID], tmp_path: Path
) -> None:
    url, _ = store
    engine = make_engine(url)
    days = {
        e.timestamp.astimezone(JAPAN).date()
        for e in (
            engine.mapper.to_domain_event(n)
            for n in engine.recorder.select_notifications(1, 10_000)
        )
    }
    first = min(days)

    code, bundle, output = export(tmp_path, "--from", first.isoformat(), "--to", first.isoformat())

    assert code == 0, output
    assert bundle is not None
    recorded = [
        datetime.fromisoformat(e["recorded_at"]).astimezone(JAPAN).date() for e in bundle["events"]
    ]
    assert set(recorded) == {first}
    notifications = engine.recorder.select_notifications(1, 10_000)
    on_first_day = [
        n.id
        for n in notifications
        if engine.mapper.to_domain_event(n).timestamp.astimezone(JAPAN).date() == first
    ]
    assert [e["position"] for e in bundle["events"]] == on_first_day


def test_credentials_are_withheld_but_their_links_still_check(
    store: tuple[str, UUID], tmp_path: Path
) -> None:
    code, bundle, _ = export(tmp_path, "--from", "2000-01-01")

    assert code == 0
    assert bundle is not None
    tokens = [e for e in bundle["events"] if e["aggregate_type"] == "ApiToken"]
    assert tokens
    for entry in tokens:
        assert "state_base64" not in entry["stored"]
        assert "token_hash" not in entry["details"]
        assert recomputed_link(entry) == entry["link"]


def test_a_broken_chain_is_reported_in_the_bundle_and_the_exit_code(
    store: tuple[str, UUID], tmp_path: Path
) -> None:
    url, approval_id = store
    Tamperer(url).flip_byte(3)

    code, bundle, output = export(tmp_path, "--aggregate", str(approval_id))

    assert code == 1
    assert "FAILED at position 3" in output
    assert bundle is not None
    assert bundle["verification"]["ok"] is False
    assert bundle["verification"]["first_break"]["position"] == 3


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("--aggregate", "00000000-0000-0000-0000-000000000001", "--from", "2024-04-01"),
        ("--from", "2024-05-01", "--to", "2024-04-01"),
        ("--from", "not a day"),
    ],
)
def test_a_bad_selection_is_refused_and_writes_nothing(
    store: tuple[str, UUID], tmp_path: Path, args: tuple[str, ...]
) -> None:
    code, bundle, output = export(tmp_path, *args)

    assert code == 2
    assert "error:" in output
    assert bundle is None
    assert not list(tmp_path.glob("bundle.json*"))


def test_dates_may_be_given_in_the_japanese_era(store: tuple[str, UUID], tmp_path: Path) -> None:
    today = datetime.now(JAPAN).date()  # events carry the instant they were recorded
    era = format_wareki(today)

    code, bundle, _ = export(tmp_path, "--from", era, "--to", era)

    assert code == 0
    assert bundle is not None
    assert bundle["selection"] == {"from_date": today.isoformat(), "to_date": today.isoformat()}
    recorded = {
        datetime.fromisoformat(e["recorded_at"]).astimezone(JAPAN).date() for e in bundle["events"]
    }
    assert recorded == {today}


def test_a_bundle_whose_events_were_edited_or_dropped_no_longer_matches_its_chain(
    store: tuple[str, UUID], tmp_path: Path
) -> None:
    _, approval_id = store
    _, bundle, _ = export(tmp_path, "--aggregate", str(approval_id))
    assert bundle is not None
    events = bundle["events"]
    forged = dict(events[0], stored=dict(events[0]["stored"], state_sha256="ab" * 32))

    links = chain_links(bundle)
    chosen = {p for p, stored_id, *_ in bundle["chain"] if stored_id == approval_id.hex}

    assert recomputed_link(forged) != links[forged["position"]]
    assert chosen == {e["position"] for e in events}  # dropping one would show here
