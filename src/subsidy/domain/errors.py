"""The error family every rule of the scheme raises.

Each error carries a message a user can act on and, where one applies, the field and the rule
that refused the command, so that the CLI and the HTTP layer can say precisely what was wrong.
Specific subclasses live next to the aggregate that raises them; these are the shared kinds.
"""

from __future__ import annotations


class SubsidyError(Exception):
    """Base of every error the engine raises on purpose."""

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule


class RuleViolation(SubsidyError):
    """A command broke one of the scheme's rules; nothing was recorded."""


class InvalidValue(RuleViolation):
    """A value is malformed (a date, a code, an amount) regardless of any state."""


class TransitionNotAllowed(SubsidyError):
    """The command is not allowed in the aggregate's current state."""


class NotFound(SubsidyError):
    """No aggregate or record with that identity exists."""


class PermissionDenied(SubsidyError):
    """The actor's role or organisation does not allow the command."""


class ConcurrencyConflict(SubsidyError):
    """The aggregate changed since the caller read it, or a concurrent command won."""


class IdempotencyKeyReused(SubsidyError):
    """An idempotency key was presented again with another command or other arguments."""
