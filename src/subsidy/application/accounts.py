"""API users and their bearer tokens; a token is stored only as its SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from functools import cached_property
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from subsidy.application.core import EngineCore
from subsidy.domain.actor import Actor, Role
from subsidy.domain.errors import InvalidValue, NotFound, RuleViolation, TransitionNotAllowed
from subsidy.domain.organisation import Organisation


def token_hash(token: str) -> str:
    """The only form in which a token is ever stored."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiUser(Aggregate):
    """A person or system that calls the API, with one role (and an organisation, applicants)."""

    @staticmethod
    def id_for(name: str) -> UUID:
        """One account per name."""
        return uuid5(NAMESPACE_URL, f"subsidy:user:{name}")

    @event("Added")
    def __init__(
        self,
        *,
        id: UUID,
        name: str,
        role: Role,
        organisation_id: UUID | None,
        token_hash: str,
        actor: Actor,
    ) -> None:
        self.name = name
        self.role = role
        self.organisation_id = organisation_id
        self.token_hashes = [token_hash]
        self.revoked = False

    def issue_token(self, *, token_hash: str, actor: Actor) -> None:
        """Add a new token (the old ones keep working until the user is revoked)."""
        actor.require(Role.ADMINISTRATOR, Role.SYSTEM)
        if self.revoked:
            raise TransitionNotAllowed(f"{self.name} is revoked")
        self._token_issued(token_hash=token_hash, actor=actor)

    @event("TokenIssued")
    def _token_issued(self, *, token_hash: str, actor: Actor) -> None:
        self.token_hashes.append(token_hash)

    def revoke(self, *, reason: str, actor: Actor) -> None:
        """Stop every token of the user from authenticating."""
        actor.require(Role.ADMINISTRATOR, Role.SYSTEM)
        if self.revoked:
            raise TransitionNotAllowed(f"{self.name} is already revoked")
        self._revoked(reason=reason, actor=actor)

    @event("Revoked")
    def _revoked(self, *, reason: str, actor: Actor) -> None:
        self.revoked = True

    def as_actor(self) -> Actor:
        """The actor recorded on the events this user's requests cause."""
        return Actor(self.name, self.role, self.organisation_id)


class ApiToken(Aggregate):
    """Finds the user a token belongs to: its identity derives from the token's hash."""

    @staticmethod
    def id_for(hashed: str) -> UUID:
        """The token's identity, from its hash."""
        return uuid5(NAMESPACE_URL, f"subsidy:token:{hashed}")

    @event("Issued")
    def __init__(self, *, id: UUID, user_id: UUID, actor: Actor) -> None:
        self.user_id = user_id


class AccountUseCases(EngineCore):
    """Adding, revoking and authenticating API users."""

    @cached_property
    def _token_owners(self) -> TokenOwners:
        return TokenOwners()

    def add_user(
        self, actor: Actor, *, name: str, role: Role, organisation_id: UUID | None = None
    ) -> str:
        """Create a user and return its token, which is shown once and never stored."""
        actor.require(Role.ADMINISTRATOR, Role.SYSTEM)
        name = name.strip()
        if not name:
            raise InvalidValue("a user needs a name", field="name")
        if role is Role.APPLICANT and organisation_id is None:
            msg = "an applicant acts for an organisation; give its id"
            raise InvalidValue(msg, field="organisation_id", rule="roles.own_organisation")
        if organisation_id is not None:
            self._load(Organisation, organisation_id)
        user_id = ApiUser.id_for(name)
        if self._exists(user_id):
            raise RuleViolation(f"a user named {name} exists", field="name", rule="user.unique")
        token = secrets.token_urlsafe(32)
        hashed = token_hash(token)
        user = ApiUser(
            id=user_id,
            name=name,
            role=role,
            organisation_id=organisation_id,
            token_hash=hashed,
            actor=actor,
        )
        issued = ApiToken(id=ApiToken.id_for(hashed), user_id=user_id, actor=actor)
        self._execute("add_user", actor, None, lambda: ([user, issued], None))
        return token

    def issue_token(self, actor: Actor, *, name: str) -> str:
        """A further token for an existing user, shown once (e.g. for a new device)."""
        user = self._load(ApiUser, ApiUser.id_for(name))
        token = secrets.token_urlsafe(32)
        hashed = token_hash(token)
        user.issue_token(token_hash=hashed, actor=actor)
        issued = ApiToken(id=ApiToken.id_for(hashed), user_id=user.id, actor=actor)
        self._execute("issue_token", actor, None, lambda: ([user, issued], None))
        return token

    def revoke_user(self, actor: Actor, *, name: str, reason: str = "") -> None:
        """Revoke a user's tokens."""
        self._update(
            "revoke_user",
            actor,
            (ApiUser, ApiUser.id_for(name)),
            lambda user: user.revoke(reason=reason, actor=actor),
        )

    def authenticate(self, token: str) -> Actor | None:
        """The actor a bearer token stands for, or ``None`` if unknown or revoked.

        Which user a token belongs to never changes (an :class:`ApiToken` has no event after
        ``Issued``), so that is remembered per engine; whether the user is revoked is read from
        the store on every call, so a revocation by any process refuses the very next request.
        """
        token_id = ApiToken.id_for(token_hash(token))
        user_id = self._token_owners.get(token_id)
        if user_id is None:
            user_id = self._owner_of(token_id)
            if user_id is None:
                return None
            self._token_owners.put(token_id, user_id)
        try:
            return self._read(ApiUser, user_id, _active_actor)
        except NotFound:
            return None

    def _owner_of(self, token_id: UUID) -> UUID | None:
        """The user a stored token was issued to (``None`` for an unknown token)."""
        try:
            owner: UUID = self._read(ApiToken, token_id, lambda issued: issued.user_id)
        except NotFound:
            return None
        return owner


def _active_actor(user: ApiUser) -> Actor | None:
    return None if user.revoked else user.as_actor()


class TokenOwners:
    """The user each recently presented token belongs to: at most ``maxsize`` tokens, LRU out.

    Only tokens found in the store are kept, so a guessed token costs a query each time but
    never a place here.
    """

    def __init__(self, maxsize: int = 1_000) -> None:
        self._maxsize = maxsize
        self._owners: OrderedDict[UUID, UUID] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token_id: UUID) -> UUID | None:
        """The token's user, if known here."""
        with self._lock:
            owner = self._owners.get(token_id)
            if owner is not None:
                self._owners.move_to_end(token_id)
            return owner

    def put(self, token_id: UUID, user_id: UUID) -> None:
        """Remember a stored token's user."""
        with self._lock:
            self._owners[token_id] = user_id
            self._owners.move_to_end(token_id)
            while len(self._owners) > self._maxsize:
                self._owners.popitem(last=False)
