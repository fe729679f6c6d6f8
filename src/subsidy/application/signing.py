"""Ed25519 signatures on chain digests, with keys kept as PEM files."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from subsidy.domain.errors import InvalidValue


def _public_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


class DigestVerifier:
    """Checks digest signatures against one trusted public key."""

    def __init__(self, key: Ed25519PublicKey) -> None:
        self._key = key
        self.public_key = _public_text(key)

    @classmethod
    def from_pem_file(cls, path: Path) -> DigestVerifier:
        """The verifier for a PEM public key (or a PEM private key, whose public half is used)."""
        data = _read(path)
        if b"PRIVATE KEY" in data:
            return DigestSigner.from_pem_file(path).verifier()
        try:
            key = serialization.load_pem_public_key(data)
        except ValueError:
            raise InvalidValue(f"{path} is not a PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidValue(f"{path} is not an Ed25519 key")
        return cls(key)

    def valid(self, signature: str, payload: bytes) -> bool:
        """Whether ``signature`` (base64) is this key's signature of ``payload``."""
        try:
            self._key.verify(base64.b64decode(signature, validate=True), payload)
        except (InvalidSignature, ValueError):
            return False
        return True


class DigestSigner:
    """Signs digests with the Center's Ed25519 private key."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self.public_key = _public_text(key.public_key())

    @classmethod
    def from_pem_file(cls, path: Path) -> DigestSigner:
        """The signer for an unencrypted PKCS#8 PEM private key."""
        try:
            key = serialization.load_pem_private_key(_read(path), password=None)
        except (ValueError, TypeError):
            raise InvalidValue(f"{path} is not an unencrypted PEM private key") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidValue(f"{path} is not an Ed25519 key")
        return cls(key)

    @classmethod
    def generate(cls) -> DigestSigner:
        """A signer with a new random key."""
        return cls(Ed25519PrivateKey.generate())

    def sign(self, payload: bytes) -> str:
        """The base64 signature of ``payload``."""
        return base64.b64encode(self._key.sign(payload)).decode()

    def verifier(self) -> DigestVerifier:
        """A verifier for this signer's public key."""
        return DigestVerifier(self._key.public_key())

    def private_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM (keep it secret)."""
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_pem(self) -> bytes:
        """The public key as PEM, for auditors."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidValue(f"cannot read the key file {path}: {error.strerror}") from None
