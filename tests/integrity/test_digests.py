"""Digests of the hash chain: what they hold, their signatures, and how they are served."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from subsidy.application import SubsidyEngine
from subsidy.application.integrity import Digest, take_digest, verify
from subsidy.application.signing import DigestSigner
from subsidy.cli import app
from subsidy.domain.errors import InvalidValue, RuleViolation
from subsidy.persistence.chain import GENESIS
from subsidy.persistence.storage import event_store_environment

from builders import World
from conftest import make_engine


def test_an_empty_store_has_a_digest_at_position_zero() -> None:
    fresh = SubsidyEngine(event_store_environment("memory://"))

    digest = take_digest(fresh)

    assert (digest.position, digest.link) == (0, GENESIS.hex())
    assert verify(fresh, digest).ok


def test_the_digest_names_the_last_event_and_the_chain_verifies(engine: SubsidyEngine) -> None:
    World.build(engine)

    digest = take_digest(engine)
    result = verify(engine, digest)

    assert digest.position == engine.recorder.max_notification_id()
    assert result.ok
    assert result.checked == digest.position


def test_a_digest_of_another_history_does_not_verify(engine: SubsidyEngine) -> None:
    World.build(engine)
    digest = take_digest(engine)

    result = verify(engine, replace(digest, link="0" * 64))

    assert not result.ok
    assert result.first_bad_position == digest.position


def test_a_signed_digest_verifies_only_with_its_key(engine: SubsidyEngine) -> None:
    World.build(engine)
    signer = DigestSigner.generate()
    digest = take_digest(engine, signer=signer)

    trusted = verify(engine, digest, verifier=signer.verifier())
    stranger = verify(engine, digest, verifier=DigestSigner.generate().verifier())
    edited = verify(
        engine, replace(digest, taken_at="2020-01-01T00:00:00+00:00"), verifier=signer.verifier()
    )

    assert trusted.ok
    assert trusted.signature_checked
    assert "signature does not verify" in str(stranger.first_break)
    assert "signature does not verify" in str(edited.first_break)


def test_an_unsigned_digest_fails_when_a_signed_one_is_expected(engine: SubsidyEngine) -> None:
    World.build(engine)

    result = verify(engine, take_digest(engine), verifier=DigestSigner.generate().verifier())

    assert "not signed" in str(result.first_break)


def test_a_store_without_the_chain_is_refused() -> None:
    plain = SubsidyEngine(event_store_environment("memory://", hash_chain=False))

    with pytest.raises(RuleViolation, match="keeps no hash chain"):
        take_digest(plain)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("{", "not JSON"),
        ("[]", "JSON object"),
        ('{"position": -1, "link": "' + "0" * 64 + '"}', "position"),
        ('{"position": true, "link": "' + "0" * 64 + '"}', "position"),
        ('{"position": 3, "link": "xyz"}', "64 hexadecimal"),
        ('{"position": 3, "link": "' + "0" * 64 + '", "extra": 1}', "unknown fields: extra"),
        (
            '{"position": 3, "link": "' + "0" * 64 + '", "taken_at": "t", "algorithm": "md5"}',
            "algorithm",
        ),
    ],
)
def test_a_malformed_digest_file_is_refused_with_the_rule(text: str, rule: str) -> None:
    with pytest.raises(InvalidValue, match=rule):
        Digest.from_json(text)


def test_the_command_line_signs_with_the_configured_key_and_checks_the_public_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'e.sqlite3'}"
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", url)
    make_engine(url).close()
    private, public = tmp_path / "center.pem", tmp_path / "center.pub.pem"
    cli = CliRunner()
    assert cli.invoke(app, ["audit", "keygen", str(private), str(public)]).exit_code == 0
    monkeypatch.setenv("SUBSIDY_DIGEST_SIGNING_KEY", str(private))
    saved = tmp_path / "digest.json"

    taken = cli.invoke(app, ["audit", "digest", "--output", str(saved)])
    good = cli.invoke(app, ["audit", "verify", "--digest", str(saved), "--public-key", str(public)])
    forged = json.loads(saved.read_text()) | {"taken_at": "2031-01-01T00:00:00+09:00"}
    saved.write_text(json.dumps(forged))
    bad = cli.invoke(app, ["audit", "verify", "--digest", str(saved), "--public-key", str(public)])

    assert taken.exit_code == 0, taken.output
    assert json.loads(taken.stdout)["signature"]
    assert good.exit_code == 0, good.output
    assert "and its signature holds" in good.output
    assert bad.exit_code == 1
    assert "signature does not verify" in bad.output
    assert private.stat().st_mode & 0o077 == 0


def test_keygen_refuses_to_overwrite_a_key(tmp_path: Path) -> None:
    existing = tmp_path / "center.pem"
    existing.write_text("keep me")

    result = CliRunner().invoke(app, ["audit", "keygen", str(existing), str(tmp_path / "p.pem")])

    assert result.exit_code == 2
    assert existing.read_text() == "keep me"


def test_a_signed_digest_is_not_taken_on_trust_without_a_public_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'e.sqlite3'}"
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", url)
    make_engine(url).close()
    private, public = tmp_path / "k.pem", tmp_path / "k.pub.pem"
    cli = CliRunner()
    cli.invoke(app, ["audit", "keygen", str(private), str(public)])
    monkeypatch.setenv("SUBSIDY_DIGEST_SIGNING_KEY", str(private))
    saved = tmp_path / "digest.json"
    cli.invoke(app, ["audit", "digest", "--output", str(saved)])
    monkeypatch.delenv("SUBSIDY_DIGEST_SIGNING_KEY")  # an auditor's machine has no server key

    unchecked = cli.invoke(app, ["audit", "verify", "--digest", str(saved)])
    chain_only = cli.invoke(app, ["audit", "verify", "--digest", str(saved), "--skip-signature"])
    key_alone = cli.invoke(app, ["audit", "verify", "--public-key", str(public)])

    assert unchecked.exit_code == 2
    assert "the digest is signed: give --public-key" in unchecked.output
    assert chain_only.exit_code == 0, chain_only.output
    assert key_alone.exit_code == 2
    assert "give --digest too" in key_alone.output


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ('{"position": 0, "link": "' + "f" * 64 + '", "taken_at": "x"}', "empty chain"),
        ('{"position": 3, "link": "' + "0" * 64 + '"}', "taken_at"),
    ],
)
def test_digest_files_that_cannot_be_what_they_claim_are_refused(text: str, rule: str) -> None:
    with pytest.raises(InvalidValue, match=rule):
        Digest.from_json(text)
