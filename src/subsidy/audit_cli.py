"""``subsidy audit``: digests of the hash chain, verification, bundles and signing keys."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from subsidy.application import SubsidyEngine
from subsidy.application.audit_bundle import BundleSummary, Selection, write_bundle
from subsidy.application.integrity import Digest, Verification, take_digest, verify
from subsidy.application.signing import DigestSigner, DigestVerifier
from subsidy.bootstrap import configure_logging, digest_signer
from subsidy.domain.errors import InvalidValue, SubsidyError
from subsidy.domain.wareki import parse_date
from subsidy.persistence.storage import event_store_environment
from subsidy.settings import Settings

audit_app = typer.Typer(help="The tamper-evident history: digests, verification, keys.")


def _engine() -> tuple[SubsidyEngine, Settings]:
    """A read-only view of the store: auditing creates no table, file or event."""
    settings = Settings()
    configure_logging(settings)
    url = settings.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        typer.echo(f"error: no event store at {url.removeprefix('sqlite:///')}", err=True)
        raise typer.Exit(code=2)
    return SubsidyEngine(event_store_environment(url, create_tables=False)), settings


def _unverifiable(error: Exception) -> typer.Exit:
    """Anything but a verdict (a missing table, no permission): exit 2, never 0 or 1."""
    typer.echo(f"error: could not verify: {type(error).__name__}: {error}", err=True)
    return typer.Exit(code=2)


def _fail(error: SubsidyError) -> typer.Exit:
    typer.echo(f"error: {error.message}", err=True)
    return typer.Exit(code=2)


@audit_app.command("digest")
def digest_command(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also save the digest to this file")
    ] = None,
) -> None:
    """Print the chain's head (position and SHA-256 link), signed if a key is configured.

    Before signing, the whole chain is verified; a broken one is reported and not signed.
    """
    engine, settings = _engine()
    try:
        signer = digest_signer(settings)
        if signer is not None:  # a signature endorses the history: only one that verifies
            checked = verify(engine)
            if not checked.ok:
                _report(checked, None)
        digest = take_digest(engine, signer=signer, now=engine.now())
    except SubsidyError as error:
        raise _fail(error) from None
    except typer.Exit:
        raise
    except Exception as error:
        raise _unverifiable(error) from None
    text = digest.to_json()
    if output is not None:
        output.write_text(text, encoding="utf-8")
    typer.echo(text, nl=False)


@audit_app.command("verify")
def verify_command(
    digest_file: Annotated[
        Path | None,
        typer.Option("--digest", exists=True, dir_okay=False, help="A digest saved earlier"),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(
            "--public-key", exists=True, dir_okay=False, help="Check the digest's signature"
        ),
    ] = None,
    skip_signature: Annotated[
        bool, typer.Option("--skip-signature", help="Check a signed digest's chain only")
    ] = False,
) -> None:
    """Re-walk the whole chain; exit 1 naming the first bad position if anything was altered."""
    engine, settings = _engine()
    try:
        digest = Digest.from_json(digest_file.read_text("utf-8")) if digest_file else None
        verifier = _verifier(public_key, settings, digest, skip_signature=skip_signature)
        total = engine.recorder.max_notification_id() or 0
        with typer.progressbar(
            length=total, label="verifying", file=sys.stderr, show_pos=True
        ) as bar:
            result = verify(engine, digest, verifier=verifier, on_progress=bar.update)
    except SubsidyError as error:
        raise _fail(error) from None
    except typer.Exit:
        raise
    except Exception as error:
        raise _unverifiable(error) from None
    _report(result, digest)


def _verifier(
    public_key: Path | None, settings: Settings, digest: Digest | None, *, skip_signature: bool
) -> DigestVerifier | None:
    if public_key is not None:
        if digest is None:
            raise InvalidValue("--public-key checks a digest's signature: give --digest too")
        return DigestVerifier.from_pem_file(public_key)
    if digest is None or digest.signature is None or skip_signature:
        return None
    signer = digest_signer(settings)
    if signer is None:
        raise InvalidValue(
            "the digest is signed: give --public-key to check the signature "
            "(or --skip-signature to check the chain alone)"
        )
    return signer.verifier()


def _report(result: Verification, digest: Digest | None) -> None:
    for broken in result.snapshot_breaks:
        typer.echo(
            f"FAILED snapshot of {broken.aggregate_id} at version {broken.version}: "
            f"{broken.reason}",
            err=True,
        )
    if result.snapshot_breaks and result.first_break is None:
        raise typer.Exit(code=1)
    if result.first_break is not None:
        typer.echo(
            f"FAILED at position {result.first_break.position}: {result.first_break.reason}",
            err=True,
        )
        typer.echo(f"{result.checked} events verified before the break", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"OK: {result.checked} events, chain head at position {result.head}")
    if digest is not None:
        signed = " and its signature" if result.signature_checked else ""
        typer.echo(f"the history up to the digest's position {digest.position}{signed} holds")


@audit_app.command("keygen")
def keygen_command(
    private_key: Annotated[Path, typer.Argument(help="Where to write the private key (PEM)")],
    public_key: Annotated[Path, typer.Argument(help="Where to write the public key (PEM)")],
) -> None:
    """Make an Ed25519 key pair for signing digests; give the public key to the auditors."""
    for path in (private_key, public_key):
        if path.exists():
            typer.echo(f"error: {path} exists; refusing to overwrite a key", err=True)
            raise typer.Exit(code=2)
    signer = DigestSigner.generate()
    descriptor = os.open(private_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(signer.private_pem())
    public_key.write_bytes(signer.public_pem())
    typer.echo(f"private key: {private_key} (set SUBSIDY_DIGEST_SIGNING_KEY to it)")
    typer.echo(f"public key:  {public_key} (for auditors: --public-key)")


@audit_app.command("export")
def export_command(
    aggregate: Annotated[
        UUID | None, typer.Option("--aggregate", help="Every event of this aggregate")
    ] = None,
    from_date: Annotated[
        str | None, typer.Option("--from", help="Events recorded on or after this day (JST)")
    ] = None,
    to_date: Annotated[
        str | None, typer.Option("--to", help="Events recorded on or before this day (JST)")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout")
    ] = None,
) -> None:
    """Write an audit bundle: the chosen events with their chain links and the digest."""
    engine, settings = _engine()
    try:
        selection = Selection(
            aggregate_id=aggregate,
            from_date=parse_date(from_date) if from_date else None,
            to_date=parse_date(to_date) if to_date else None,
        )
        if output is None:
            summary = write_bundle(engine, sys.stdout, selection, signer=digest_signer(settings))
        else:
            summary = _export_to_file(engine, output, selection, settings)
    except SubsidyError as error:
        raise _fail(error) from None
    except typer.Exit:
        raise
    except Exception as error:
        raise _unverifiable(error) from None
    typer.echo(f"{summary.events} events exported, digest at {summary.digest.position}", err=True)
    if summary.verification.first_break is not None:
        broken = summary.verification.first_break
        typer.echo(f"FAILED at position {broken.position}: {broken.reason}", err=True)
        raise typer.Exit(code=1)


def _export_to_file(
    engine: SubsidyEngine, output: Path, selection: Selection, settings: Settings
) -> BundleSummary:
    total = engine.recorder.max_notification_id() or 0
    partial = output.with_name(output.name + ".partial")
    with (
        partial.open("w", encoding="utf-8") as file,
        typer.progressbar(length=total, label="exporting", file=sys.stderr) as bar,
    ):
        summary = write_bundle(
            engine, file, selection, signer=digest_signer(settings), on_progress=bar.update
        )
        file.flush()
        os.fsync(file.fileno())
    partial.replace(output)  # a bundle on disk is always whole
    return summary
