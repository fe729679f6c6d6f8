"""The hash chain's digest over HTTP, for auditors to keep."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from subsidy.api.deps import EngineDep, require_role
from subsidy.application.integrity import ALGORITHM, take_digest
from subsidy.application.signing import DigestSigner
from subsidy.domain.actor import Role

router = APIRouter(prefix="/api/v1", tags=["audit"])
Auditors = Annotated[object, require_role(Role.AUDITOR, Role.ADMINISTRATOR)]


class DigestOut(BaseModel):
    """The chain's head: save the whole body and pass it to ``subsidy audit verify --digest``."""

    position: int = Field(description="The last linked position of the notification log")
    link: str = Field(description="Its SHA-256 link, hexadecimal")
    taken_at: str = Field(description="When the digest was taken (ISO 8601)")
    algorithm: str = Field(default=ALGORITHM)
    signature: str | None = Field(
        description="Base64 Ed25519 signature of the other fields, when a key is configured"
    )
    public_key: str | None = Field(description="Base64 raw public key of the signer")


@router.get("/audit/digest", response_model=DigestOut, summary="The hash chain's current digest")
def audit_digest(request: Request, engine: EngineDep, _: Auditors) -> DigestOut:
    """The head position and link of the hash chain, signed when the server has a key."""
    signer: DigestSigner | None = getattr(request.app.state, "digest_signer", None)
    digest = take_digest(engine, signer=signer, now=engine.now())
    return DigestOut(**digest.__dict__)
