"""Organisations: local governments, their associations and other bodies that apply."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from subsidy.domain.actor import Actor, Role
from subsidy.domain.codes import validate_corporate_number, validate_local_government_code
from subsidy.domain.errors import InvalidValue, RuleViolation
from subsidy.domain.organisation_names import PREFECTURES, OrganisationKind

_SPACE_BETWEEN_JAPANESE = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")


def normalise_name(name: str) -> str:
    """The canonical spelling of an organisation's name.

    NFKC (full-width letters and digits become ASCII), no spaces between Japanese characters
    (千葉県 いすみ市 is 千葉県いすみ市), other runs of spaces collapsed to one.
    """
    text = unicodedata.normalize("NFKC", name)
    text = _SPACE_BETWEEN_JAPANESE.sub("", text)
    return " ".join(text.split())


class Organisation(Aggregate):
    """A body that signs agreements and applies, alone or as the lead of a consortium."""

    class Registered(Aggregate.Created):
        """v2 added ``corporate_number`` (法人番号); v1 events load with ``None``."""

        class_version = 2
        name: str
        kind: OrganisationKind
        prefecture: str | None
        local_government_code: str | None
        corporate_number: str | None
        member_ids: list[UUID]
        actor: Actor

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["corporate_number"] = None

    @staticmethod
    def id_for(name: str) -> UUID:
        """The organisation's identity, derived from its name: one record per body."""
        return uuid5(NAMESPACE_URL, f"subsidy:organisation:{normalise_name(name)}")

    @classmethod
    def register(
        cls,
        *,
        name: str,
        kind: OrganisationKind,
        prefecture: str | None,
        actor: Actor,
        local_government_code: str | None = None,
        corporate_number: str | None = None,
        member_ids: tuple[UUID, ...] = (),
    ) -> Organisation:
        """Register a body after checking its name, prefecture and identifiers."""
        actor.require(Role.ADMINISTRATOR, Role.SYSTEM)
        name = normalise_name(name)
        if not name:
            raise InvalidValue("an organisation needs a name", field="name")
        if prefecture is not None and prefecture not in PREFECTURES:
            msg = f"{prefecture!r} is not one of the 47 prefectures"
            raise InvalidValue(msg, field="prefecture")
        if local_government_code is not None:
            validate_local_government_code(local_government_code)
        if corporate_number is not None:
            validate_corporate_number(corporate_number)
        org_id = cls.id_for(name)
        if org_id in member_ids:
            raise RuleViolation("an organisation cannot be its own member", field="member_ids")
        return cls(
            id=org_id,
            name=name,
            kind=kind,
            prefecture=prefecture,
            local_government_code=local_government_code,
            corporate_number=corporate_number,
            member_ids=list(dict.fromkeys(member_ids)),
            actor=actor,
        )

    @event(Registered)
    def __init__(
        self,
        *,
        id: UUID,
        name: str,
        kind: OrganisationKind,
        prefecture: str | None,
        local_government_code: str | None,
        corporate_number: str | None,
        member_ids: list[UUID],
        actor: Actor,
    ) -> None:
        self.name = name
        self.kind = kind
        self.prefecture = prefecture
        self.local_government_code = local_government_code
        self.corporate_number = corporate_number
        self.member_ids = list(member_ids)

    def add_member(self, *, member_id: UUID, actor: Actor) -> None:
        """Add a constituent body (構成団体) to a consortium."""
        actor.require(Role.ADMINISTRATOR)
        if member_id == self.id:
            raise RuleViolation("an organisation cannot be its own member", field="member_id")
        if member_id in self.member_ids:
            msg = f"{member_id} is already a member of {self.name}"
            raise RuleViolation(msg, field="member_id")
        self._member_added(member_id=member_id, actor=actor)

    @event("MemberAdded")
    def _member_added(self, *, member_id: UUID, actor: Actor) -> None:
        self.member_ids.append(member_id)
