"""Who did something: the actor recorded on every event."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from uuid import UUID

from subsidy.domain.errors import PermissionDenied


class Role(Enum):
    """The roles of DOMAIN.md; an actor has exactly one."""

    APPLICANT = "applicant"
    REVIEWER = "reviewer"
    APPROVER = "approver"
    FINANCE = "finance"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """The authenticated user behind a command.

    Attributes:
        user_id: The user's stable identifier (a login name or an external id).
        role: The role the user acts in.
        organisation_id: For applicants, the organisation they act for.
    """

    user_id: str
    role: Role
    organisation_id: UUID | None = None

    def require(self, *roles: Role) -> None:
        """Refuse unless the actor has one of ``roles``."""
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            msg = f"{self.user_id} acts as {self.role.value}; this needs the role {allowed}"
            raise PermissionDenied(msg, rule="roles")

    def require_applicant_for(self, organisation_id: UUID) -> None:
        """Refuse unless the actor is an administrator or an applicant of that organisation."""
        if self.role is Role.ADMINISTRATOR:
            return
        self.require(Role.APPLICANT)
        if self.organisation_id != organisation_id:
            msg = f"{self.user_id} may act only for its own organisation"
            raise PermissionDenied(msg, field="organisation_id", rule="roles.own_organisation")


SYSTEM = Actor(user_id="system", role=Role.SYSTEM)
