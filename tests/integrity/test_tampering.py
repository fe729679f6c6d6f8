"""`subsidy audit verify` catches every edit made behind the engine's back, and names where."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from subsidy.cli import app
from subsidy.domain.actor import Role

from builders import ADMIN
from conftest import DURABLE_STORES, make_engine
from tamper import Tamperer

AGREEMENTS = Path(__file__).resolve().parents[2] / "data" / "partnership_agreements.csv"


@pytest.fixture
def store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Tamperer:
    """A store holding the brochure's agreements (about a hundred events)."""
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", store_url)
    monkeypatch.delenv("SUBSIDY_DIGEST_SIGNING_KEY", raising=False)
    imported = CliRunner().invoke(app, ["agreements", "import", str(AGREEMENTS)])
    assert imported.exit_code == 0, imported.output
    return Tamperer(store_url)


def audit(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", *args])
    return result.exit_code, result.output


pytestmark = pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True)


def test_an_untouched_store_verifies(store: Tamperer) -> None:
    code, output = audit("verify")

    assert code == 0, output
    assert f"OK: {store.head()} events" in output


def test_flipping_one_byte_of_one_event_fails_at_its_position(store: Tamperer) -> None:
    store.flip_byte(30)

    code, output = audit("verify")

    assert code == 1
    assert "FAILED at position 30: the event does not match its chain link" in output


def test_deleting_a_row_fails_at_the_deleted_position(store: Tamperer) -> None:
    store.delete(40)

    code, output = audit("verify")

    assert code == 1
    assert "FAILED at position 40: the chain links an event here but the event is gone" in output


def test_inserting_a_forged_row_fails_at_the_forged_position(store: Tamperer) -> None:
    forged = store.forge(copy_of=5)

    code, output = audit("verify")

    assert code == 1
    assert f"FAILED at position {forged}: the event has no chain link" in output


def test_swapping_two_rows_fails_at_the_first_of_them(store: Tamperer) -> None:
    store.swap(20, 21)

    code, output = audit("verify")

    assert code == 1
    assert "FAILED at position 20: the event does not match its chain link" in output


def test_a_history_rewritten_with_fresh_links_fails_against_an_earlier_digest(
    store: Tamperer, tmp_path: Path
) -> None:
    digest = tmp_path / "digest.json"
    assert audit("digest", "--output", str(digest))[0] == 0
    store.rewrite_from(50)

    alone, _ = audit("verify")
    code, output = audit("verify", "--digest", str(digest))

    assert alone == 0  # the links agree with each other: only the digest can tell
    assert code == 1
    kept = json.loads(digest.read_text())
    assert f"FAILED at position {kept['position']}: the history up to this position was" in output


def test_events_removed_from_the_end_fail_against_an_earlier_digest(
    store: Tamperer, tmp_path: Path
) -> None:
    digest = tmp_path / "digest.json"
    audit("digest", "--output", str(digest))
    head = store.head()
    store.delete(head)
    store.delete(head - 1)

    code, output = audit("verify", "--digest", str(digest))

    assert code == 1
    assert f"FAILED at position {head - 1}: the chain links an event here" in output


def test_events_added_after_a_digest_still_verify_against_it(
    store: Tamperer, store_url: str, tmp_path: Path
) -> None:
    digest = tmp_path / "digest.json"
    audit("digest", "--output", str(digest))
    engine = make_engine(store_url)
    engine.add_user(ADMIN, name="later", role=Role.AUDITOR)
    engine.close()

    code, output = audit("verify", "--digest", str(digest))

    assert code == 0, output
    assert "the history up to the digest's position" in output


def test_an_edited_link_fails_at_its_position(store: Tamperer) -> None:
    store.set_link(15, bytes(32))

    code, output = audit("verify")

    assert code == 1
    assert "FAILED at position 15: the event does not match its chain link" in output


def test_an_event_whose_state_was_emptied_fails_at_its_position(store: Tamperer) -> None:
    store.set_state(12, b"")

    code, output = audit("verify")

    assert code == 1
    assert "FAILED at position 12" in output
