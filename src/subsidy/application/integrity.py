"""Digests of the hash chain, and the walk that verifies the chain against them.

A digest names the last linked position and its link; an auditor keeps it (signed with the
Center's Ed25519 key when one is configured) and later asks :func:`verify` whether the history up
to that position is still the history the digest was taken of.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from eventsourcing.application import Application

from subsidy.application.signing import DigestSigner, DigestVerifier
from subsidy.application.snapshot_check import SnapshotBreak, snapshot_breaks
from subsidy.domain.errors import InvalidValue, RuleViolation
from subsidy.persistence.chain import (
    GENESIS,
    MALFORMED_ERRORS,
    ChainedRow,
    ChainReader,
    RawRow,
    chained_row,
    row_link,
    stored_bytes,
)

ALGORITHM = "sha256-chain-v1"
PAGE = 2_000


@dataclass(frozen=True)
class Digest:
    """The head of the chain at one moment: what an auditor keeps."""

    position: int
    link: str
    taken_at: str
    algorithm: str = ALGORITHM
    signature: str | None = None
    public_key: str | None = None

    def signed_bytes(self) -> bytes:
        """The canonical bytes the signature covers (everything but the signature itself)."""
        fields = {
            "algorithm": self.algorithm,
            "link": self.link,
            "position": self.position,
            "taken_at": self.taken_at,
        }
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def to_json(self) -> str:
        """The digest as a JSON document, one key per field."""
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Digest:
        """Read a digest saved with :meth:`to_json`, refusing anything else."""
        try:
            data: Any = json.loads(text)
        except json.JSONDecodeError as error:
            msg = f"the digest is not JSON: {error.msg} at line {error.lineno}"
            raise InvalidValue(msg) from None
        if not isinstance(data, dict):
            raise InvalidValue("the digest must be a JSON object")
        return cls._checked(data)

    @classmethod
    def _checked(cls, data: dict[str, Any]) -> Digest:
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise InvalidValue(f"the digest has unknown fields: {', '.join(sorted(unknown))}")
        position, link = data.get("position"), data.get("link")
        if not isinstance(position, int) or isinstance(position, bool) or position < 0:
            raise InvalidValue("the digest's position must be a whole number, 0 or more")
        if not isinstance(link, str) or len(link) != 64 or not _is_hex(link):
            raise InvalidValue("the digest's link must be 64 hexadecimal characters")
        if position == 0 and link != GENESIS.hex():
            raise InvalidValue("a digest at position 0 must hold the link of an empty chain")
        if not isinstance(data.get("taken_at"), str):
            raise InvalidValue("the digest's taken_at must be text (an ISO 8601 instant)")
        if data.get("algorithm", ALGORITHM) != ALGORITHM:
            raise InvalidValue(f"the digest's algorithm must be {ALGORITHM}")
        for name in ("taken_at", "signature", "public_key"):
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                raise InvalidValue(f"the digest's {name} must be text")
        return cls(**data)


@dataclass(frozen=True)
class Break:
    """Where the chain first fails, and why."""

    position: int
    reason: str


@dataclass(frozen=True)
class Verification:
    """The outcome of walking the chain (and comparing it with a digest, if one was given)."""

    checked: int
    head: int
    first_break: Break | None
    signature_checked: bool = False
    snapshot_breaks: tuple[SnapshotBreak, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether every event is linked as stored, every snapshot matches its events and the
        digest (if any) still holds."""
        return self.first_break is None and not self.snapshot_breaks

    @property
    def first_bad_position(self) -> int | None:
        """The first position that fails, or ``None`` when the chain verifies."""
        return None if self.first_break is None else self.first_break.position


def chain_of(engine: Application[Any]) -> ChainReader:
    """The engine's recorder as a hash chain, or a refusal if its store keeps none."""
    recorder: Any = engine.recorder
    if not hasattr(recorder, "select_raw"):
        raise RuleViolation("this event store keeps no hash chain")
    chain: ChainReader = recorder
    return chain


def take_digest(
    engine: Application[Any], *, signer: DigestSigner | None = None, now: datetime | None = None
) -> Digest:
    """The chain's head now, signed when ``signer`` is given."""
    head = chain_of(engine).head_link()
    position, link = head if head is not None else (0, GENESIS)
    taken = now if now is not None else datetime.now().astimezone()
    digest = Digest(position=position, link=link.hex(), taken_at=taken.isoformat())
    if signer is None:
        return digest
    return replace(
        digest, signature=signer.sign(digest.signed_bytes()), public_key=signer.public_key
    )


def verify(
    engine: Application[Any],
    digest: Digest | None = None,
    *,
    verifier: DigestVerifier | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Verification:
    """Re-walk the whole chain from the first event; compare it with ``digest`` if given.

    Args:
        engine: The engine whose store to walk.
        digest: A digest saved earlier; the history up to its position must be unchanged.
        verifier: Checks the digest's signature with the public key the auditor trusts.
        on_progress: Called with the number of events walked since the last call.
    """
    chain = chain_of(engine)
    walk = _Walk(chain, digest)
    walk.run(on_progress)
    extra = (walk.digest_break(), _forged(digest, verifier))
    outcome = walk.outcome(extra, signature_checked=digest is not None and verifier is not None)
    # Snapshots are checked against events only once the events themselves verified.
    if outcome.first_break is None:
        snapshots = tuple(snapshot_breaks(engine, walk.originators))
        outcome = replace(outcome, snapshot_breaks=snapshots)
    return outcome


def verify_rows(
    chain: ChainReader,
    *,
    on_row: Callable[[ChainedRow, bytes], None],
    on_progress: Callable[[int], None] | None = None,
) -> tuple[Verification, bytes]:
    """Walk and verify the chain, handing each verified row (and the link before it) on.

    Returns the outcome and the link of the last verified event.
    """
    walk = _Walk(chain, None, on_row)
    walk.run(on_progress)
    return walk.outcome(()), walk.previous


class _Walk:
    def __init__(
        self,
        chain: ChainReader,
        digest: Digest | None,
        on_row: Callable[[ChainedRow, bytes], None] | None = None,
    ) -> None:
        self.chain, self.digest, self.on_row = chain, digest, on_row
        self.previous, self.head, self.checked = GENESIS, 0, 0
        self.first_break: Break | None = None
        self.link_at_digest: bytes | None = None
        self.originators: set[Any] = set()

    def run(self, on_progress: Callable[[int], None] | None) -> None:
        while self.first_break is None:
            rows = self.chain.select_raw(self.head, PAGE)
            if not rows:
                return
            self._walk_page(rows)
            if on_progress is not None:
                on_progress(len(rows))

    def _walk_page(self, rows: Sequence[RawRow]) -> None:
        # The hot loop of verification: columns as read, no objects built per row unless a
        # caller wants them (on_row), attributes kept in locals until the page is done.
        previous, head, checked = self.previous, self.head, self.checked
        at_digest = -1 if self.digest is None else self.digest.position
        add_originator = self.originators.add
        try:
            for raw in rows:
                position, originator_id, _, _, _, link = raw
                try:
                    expected = row_link(previous, raw)
                except MALFORMED_ERRORS:
                    self.first_break = Break(position, _MALFORMED)
                    return
                if link is None:
                    self.first_break = Break(position, _UNLINKED)
                    return
                if link != expected and stored_bytes(link) != expected:
                    self.first_break = Break(position, _MISMATCH)
                    return
                if self.on_row is not None:
                    self.on_row(chained_row(raw), previous)
                add_originator(originator_id)
                previous, head, checked = expected, position, checked + 1
                if position == at_digest:
                    self.link_at_digest = expected
        finally:
            self.previous, self.head, self.checked = previous, head, checked

    def outcome(
        self, extra: tuple[Break | None, ...], *, signature_checked: bool = False
    ) -> Verification:
        found = (self.first_break, _orphan(self.chain), *extra)
        breaks = [b for b in found if b is not None]
        first = min(breaks, key=lambda b: b.position) if breaks else None
        return Verification(self.checked, self.head, first, signature_checked)

    def digest_break(self) -> Break | None:
        digest = self.digest
        if digest is None or self.first_break is not None or digest.position == 0:
            return None
        if self.link_at_digest is None:
            return Break(digest.position, _MISSING_AT_DIGEST.format(head=self.head))
        if self.link_at_digest.hex() != digest.link:
            return Break(
                digest.position,
                _REWRITTEN.format(found=self.link_at_digest.hex(), kept=digest.link),
            )
        return None


def _forged(digest: Digest | None, verifier: DigestVerifier | None) -> Break | None:
    if digest is None or verifier is None:
        return None
    if digest.signature is None:
        return Break(digest.position, "the digest is not signed, but a signed one was expected")
    if not verifier.valid(digest.signature, digest.signed_bytes()):
        return Break(digest.position, "the digest's signature does not verify with the trusted key")
    return None


def _orphan(chain: ChainReader) -> Break | None:
    position = chain.first_orphan_link()
    return None if position is None else Break(position, _DELETED)


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


_UNLINKED = "the event has no chain link: it was written outside the engine (a forged row)"
_MISMATCH = (
    "the event does not match its chain link: its bytes, identity or position were changed, "
    "or the events before it were changed, reordered or removed"
)
_MALFORMED = "the stored row is malformed (a column holds a value the engine never writes)"
_DELETED = "the chain links an event here but the event is gone (a deleted row)"
_MISSING_AT_DIGEST = (
    "the digest names this position but the verified chain ends at {head}: "
    "events were removed since the digest was taken"
)
_REWRITTEN = (
    "the history up to this position was rewritten since the digest was taken: "
    "its link is now {found}, the digest kept {kept}"
)
