"""Use cases for the scheme, organisations, partnership agreements and reviewers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from subsidy.application.core import EngineCore, event_topic
from subsidy.application.idempotency import use_case
from subsidy.application.views import (
    ImportSummary,
    OrganisationView,
    SchemeView,
)
from subsidy.domain.actor import Actor, Role
from subsidy.domain.agreement import PartnershipAgreement
from subsidy.domain.errors import InvalidValue, RuleViolation, SubsidyError
from subsidy.domain.organisation import Organisation, normalise_name
from subsidy.domain.organisation_names import OrganisationKind, derive_prefecture_and_kind
from subsidy.domain.review import Reviewer
from subsidy.domain.scheme import DEFAULT_SCHEME_CODE, Scheme
from subsidy.projections.agreements import TOPIC_EVENTS, AgreementsListing
from subsidy.projections.agreements import AgreementRow as AgreementView


@dataclass(frozen=True)
class AgreementRow:
    """One agreement to import: its parties' names, signing date and ◎ flag.

    ``line`` is where the row stands in its file, so a refusal can point at it.
    """

    parties: tuple[str, ...]
    signed_on: date
    flagged: bool
    line: int = 0


class AgreementRowRejected(RuleViolation):
    """A row of an agreements import is wrong; nothing from the import was recorded."""

    def __init__(self, line: int, reason: str, *, field: str | None = None) -> None:
        super().__init__(f"line {line}: {reason}", field=field, rule="import.row")
        self.line = line


class OrganisationUseCases(EngineCore):
    """The scheme's parameters, organisations, agreements and reviewers."""

    def scheme(self) -> SchemeView:
        """The default scheme and the parameter version in force."""
        scheme = self._default_scheme()
        return SchemeView(
            scheme.id, scheme.code, scheme.name, scheme.parameters_version, scheme.parameters
        )

    @use_case
    def change_scheme_parameters(
        self,
        actor: Actor,
        *,
        changes: dict[str, Any],
        reason: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Record a new version of the scheme's parameters; returns the new version number."""

        def change(aggregate: Scheme) -> int:
            aggregate.change_parameters(changes=changes, reason=reason, actor=actor)
            return aggregate.parameters_version

        return self._update(
            "change_scheme_parameters",
            actor,
            (Scheme, Scheme.id_for(DEFAULT_SCHEME_CODE)),
            change,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    @use_case
    def register_organisation(
        self,
        actor: Actor,
        *,
        name: str,
        kind: OrganisationKind,
        prefecture: str | None,
        local_government_code: str | None = None,
        corporate_number: str | None = None,
        member_ids: tuple[UUID, ...] = (),
        idempotency_key: str | None = None,
    ) -> UUID:
        """Register a body; a name is registered once."""

        def action() -> tuple[list[Organisation], UUID]:
            for member_id in member_ids:
                self._load(Organisation, member_id)
            organisation = Organisation.register(
                name=name,
                kind=kind,
                prefecture=prefecture,
                local_government_code=local_government_code,
                corporate_number=corporate_number,
                member_ids=member_ids,
                actor=actor,
            )
            if self._exists(organisation.id):
                msg = f"{organisation.name} is already registered"
                raise RuleViolation(msg, field="name", rule="organisation.unique_name")
            return [organisation], organisation.id

        return self._execute("register_organisation", actor, idempotency_key, action)

    @use_case
    def add_organisation_member(
        self,
        actor: Actor,
        organisation_id: UUID,
        *,
        member_id: UUID,
        idempotency_key: str | None = None,
    ) -> None:
        """Add a constituent body to a consortium."""

        def action() -> tuple[list[Organisation], None]:
            self._load(Organisation, member_id)
            organisation = self._load(Organisation, organisation_id)
            organisation.add_member(member_id=member_id, actor=actor)
            return [organisation], None

        self._execute("add_organisation_member", actor, idempotency_key, action)

    def organisation(self, organisation_id: UUID) -> OrganisationView:
        """An organisation's record."""
        organisation = self._load(Organisation, organisation_id)
        return OrganisationView(
            id=organisation.id,
            name=organisation.name,
            kind=organisation.kind.value,
            prefecture=organisation.prefecture,
            local_government_code=organisation.local_government_code,
            corporate_number=organisation.corporate_number,
            member_ids=tuple(organisation.member_ids),
        )

    def list_organisations(self) -> list[OrganisationView]:
        """Every registered organisation, in the order registered."""
        topic = event_topic(Organisation, "Registered")
        return [self.organisation(event.originator_id) for event in self._scan([topic])]

    @use_case
    def sign_agreement(
        self,
        actor: Actor,
        *,
        party_ids: tuple[UUID, ...],
        signed_on: date,
        flagged: bool = False,
        idempotency_key: str | None = None,
    ) -> UUID:
        """Record a partnership agreement between the Center and ``party_ids``."""

        def action() -> tuple[list[PartnershipAgreement], UUID]:
            if signed_on > self.today():
                msg = f"the signing date {signed_on.isoformat()} is in the future"
                raise InvalidValue(msg, field="signed_on", rule="dates.not_future")
            for party_id in party_ids:
                self._load(Organisation, party_id)
            agreement = PartnershipAgreement.sign(
                party_ids=party_ids, signed_on=signed_on, flagged=flagged, actor=actor
            )
            if self._exists(agreement.id):
                msg = "these parties already signed an agreement on that date"
                raise RuleViolation(msg, field="party_ids", rule="agreement.unique")
            return [agreement], agreement.id

        return self._execute("sign_agreement", actor, idempotency_key, action)

    @use_case
    def terminate_agreement(
        self,
        actor: Actor,
        agreement_id: UUID,
        *,
        on: date,
        reason: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """End an agreement from ``on``."""
        self._update(
            "terminate_agreement",
            actor,
            (PartnershipAgreement, agreement_id),
            lambda agreement: agreement.terminate(on=on, reason=reason, actor=actor),
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    def import_agreements(self, actor: Actor, rows: Sequence[AgreementRow]) -> ImportSummary:
        """Create the organisations and agreements of ``rows`` that do not exist yet.

        Everything is saved in one transaction; a second import of the same rows records
        nothing. Names derive each new organisation's prefecture and kind.
        """
        actor.require(Role.ADMINISTRATOR, Role.SYSTEM)
        new_organisations: dict[UUID, Organisation] = {}
        new_agreements: dict[UUID, PartnershipAgreement] = {}
        existing = 0
        for row in rows:
            if row.signed_on > self.today():
                msg = f"the signing date {row.signed_on.isoformat()} is in the future"
                raise AgreementRowRejected(row.line, msg, field="signed_on")
            try:
                party_ids = tuple(
                    self._organisation_for_import(name, actor, new_organisations)
                    for name in row.parties
                )
                agreement = PartnershipAgreement.sign(
                    party_ids=party_ids, signed_on=row.signed_on, flagged=row.flagged, actor=actor
                )
            except SubsidyError as error:
                raise AgreementRowRejected(row.line, error.message, field=error.field) from None
            known = new_agreements.get(agreement.id)
            if known is None and self._exists(agreement.id):
                known = self._load(PartnershipAgreement, agreement.id)
            if known is None:
                new_agreements[agreement.id] = agreement
            elif known.flagged != agreement.flagged:
                msg = "the same agreement is already recorded with a different ◎ flag"
                raise AgreementRowRejected(row.line, msg, field="flag")
            else:
                existing += 1
        self._execute(
            "import_agreements",
            actor,
            None,
            lambda: ([*new_organisations.values(), *new_agreements.values()], None),
        )
        return ImportSummary(len(rows), len(new_organisations), len(new_agreements), existing)

    def _organisation_for_import(
        self, name: str, actor: Actor, new: dict[UUID, Organisation]
    ) -> UUID:
        organisation_id = Organisation.id_for(name)
        if organisation_id not in new and not self._exists(organisation_id):
            prefecture, kind = derive_prefecture_and_kind(normalise_name(name))
            new[organisation_id] = Organisation.register(
                name=name, kind=kind, prefecture=prefecture, actor=actor
            )
        return organisation_id

    def list_agreements(self) -> list[AgreementView]:
        """Every partnership agreement, in the order recorded, with its parties' names."""
        topics = [event_topic(aggregate, name) for aggregate, name in TOPIC_EVENTS]
        return AgreementsListing().fold(self._scan(topics))

    @use_case
    def register_reviewer(
        self,
        actor: Actor,
        *,
        user_id: str,
        name: str,
        tied_organisation_ids: tuple[UUID, ...] = (),
        tied_prefectures: tuple[str, ...] = (),
        idempotency_key: str | None = None,
    ) -> UUID:
        """Register a reviewer with their declared ties (利害関係)."""

        def action() -> tuple[list[Reviewer], UUID]:
            for organisation_id in tied_organisation_ids:
                self._load(Organisation, organisation_id)
            reviewer = Reviewer.register(
                user_id=user_id,
                name=name,
                tied_organisation_ids=tied_organisation_ids,
                tied_prefectures=tied_prefectures,
                actor=actor,
            )
            if self._exists(reviewer.id):
                msg = f"reviewer {user_id} is already registered"
                raise RuleViolation(msg, field="user_id", rule="reviewer.unique")
            return [reviewer], reviewer.id

        return self._execute("register_reviewer", actor, idempotency_key, action)
