"""Organisations and partnership agreements: administrators write, every caller reads."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from subsidy.api.bodies import RequestBody
from subsidy.api.deps import (
    CurrentUser,
    EngineDep,
    ExpectedVersion,
    IdempotencyKey,
    require_role,
    set_etag,
)
from subsidy.domain.actor import Role
from subsidy.domain.organisation_names import OrganisationKind

router = APIRouter(prefix="/api/v1", tags=["organisations"])
Admin = Annotated[object, require_role(Role.ADMINISTRATOR)]


class OrganisationIn(RequestBody):
    """A body to register."""

    name: str = Field(min_length=1, max_length=200, examples=["千葉県いすみ市"])
    kind: OrganisationKind
    prefecture: str | None = Field(default=None, examples=["千葉県"])
    local_government_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    corporate_number: str | None = Field(default=None, pattern=r"^\d{13}$")
    member_ids: list[UUID] = Field(default_factory=list)


class OrganisationOut(BaseModel):
    """A registered body."""

    id: UUID
    name: str
    kind: str
    prefecture: str | None
    local_government_code: str | None
    corporate_number: str | None
    member_ids: list[UUID]


class Created(BaseModel):
    """The identity of what a write created."""

    id: UUID


class AgreementIn(RequestBody):
    """An agreement to record."""

    party_ids: list[UUID] = Field(min_length=1)
    signed_on: date
    flagged: bool = False


class TerminationIn(RequestBody):
    """Ending an agreement."""

    multiline_fields = frozenset({"reason"})

    on: date
    reason: str = Field(min_length=1)


class AgreementOut(BaseModel):
    """A partnership agreement with its parties' names."""

    id: UUID
    parties: list[str]
    party_ids: list[UUID]
    signed_on: date
    flagged: bool
    terminated_on: date | None


@router.post("/organisations", status_code=201, response_model=Created)
def register_organisation(
    body: OrganisationIn, engine: EngineDep, user: CurrentUser, _: Admin, key: IdempotencyKey
) -> Created:
    """Register a body (administrators)."""
    organisation_id = engine.register_organisation(
        user,
        name=body.name,
        kind=body.kind,
        prefecture=body.prefecture,
        local_government_code=body.local_government_code,
        corporate_number=body.corporate_number,
        member_ids=tuple(body.member_ids),
        idempotency_key=key,
    )
    return Created(id=organisation_id)


@router.get("/organisations", response_model=list[OrganisationOut])
def list_organisations(engine: EngineDep, _: CurrentUser) -> list[OrganisationOut]:
    """Every registered body, in the order registered."""
    return [
        OrganisationOut(**{**vars(view), "member_ids": list(view.member_ids)})
        for view in engine.list_organisations()
    ]


@router.get("/organisations/{organisation_id}", response_model=OrganisationOut)
def get_organisation(
    organisation_id: UUID, engine: EngineDep, _: CurrentUser, response: Response
) -> OrganisationOut:
    """One body's record."""
    view = engine.organisation(organisation_id)
    set_etag(response, engine.repository.get(organisation_id).version)
    return OrganisationOut(**{**vars(view), "member_ids": list(view.member_ids)})


@router.post("/agreements", status_code=201, response_model=Created)
def sign_agreement(
    body: AgreementIn, engine: EngineDep, user: CurrentUser, _: Admin, key: IdempotencyKey
) -> Created:
    """Record a partnership agreement (administrators)."""
    agreement_id = engine.sign_agreement(
        user,
        party_ids=tuple(body.party_ids),
        signed_on=body.signed_on,
        flagged=body.flagged,
        idempotency_key=key,
    )
    return Created(id=agreement_id)


@router.get("/agreements", response_model=list[AgreementOut])
def list_agreements(engine: EngineDep, _: CurrentUser) -> list[AgreementOut]:
    """Every partnership agreement, in the order recorded."""
    return [
        AgreementOut(
            id=a.id,
            parties=list(a.parties),
            party_ids=list(a.party_ids),
            signed_on=a.signed_on,
            flagged=a.flagged,
            terminated_on=a.terminated_on,
        )
        for a in engine.list_agreements()
    ]


@router.post("/agreements/{agreement_id}/termination", status_code=204)
def terminate_agreement(
    agreement_id: UUID,
    body: TerminationIn,
    engine: EngineDep,
    user: CurrentUser,
    _: Admin,
    key: IdempotencyKey,
    version: ExpectedVersion,
) -> None:
    """End an agreement (administrators)."""
    engine.terminate_agreement(
        user,
        agreement_id,
        on=body.on,
        reason=body.reason,
        expected_version=version,
        idempotency_key=key,
    )
