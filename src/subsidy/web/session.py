"""The console's session: an encrypted, HTTP-only, SameSite cookie, and its CSRF token.

The cookie holds the bearer token the user signed in with and a random CSRF token, encrypted
and authenticated with a key that lives only in the serving process (Fernet: AES-CBC with
HMAC-SHA256, and a timestamp that bounds the session's age). Every request authenticates the
token again, so revoking a user ends their console session at once. A restart makes a new key,
which signs everyone out.

Every form that changes anything carries the CSRF token in a hidden field; the server compares
it with the one in the cookie, which another site can neither read nor set.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from starlette.responses import Response

# __Host-: the browser keeps it only if Secure, for path / and without a Domain attribute.
SESSION_COOKIE = "__Host-subsidy_session"
SESSION_SECONDS = 8 * 60 * 60
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Session:
    """What the cookie carries: the CSRF token and, once signed in, the bearer token."""

    csrf: str
    token: str | None = None

    @classmethod
    def start(cls, token: str | None = None) -> Session:
        """A session with a fresh CSRF token (a new one at every sign-in and sign-out)."""
        return cls(csrf=secrets.token_urlsafe(32), token=token)

    def accepts(self, submitted: object) -> bool:
        """Whether a form's CSRF field matches this session's token."""
        if not isinstance(submitted, str) or not submitted:
            return False
        return hmac.compare_digest(submitted.encode(), self.csrf.encode())


class SessionCodec:
    """Seals sessions into cookie values and opens them again."""

    def __init__(self, key: bytes | None = None) -> None:
        self._fernet = Fernet(key or Fernet.generate_key())

    def seal(self, session: Session) -> str:
        """The cookie value for ``session``."""
        payload = json.dumps({"c": session.csrf, "t": session.token}).encode()
        # Without its base64 padding the value needs no quoting in a Set-Cookie header.
        return self._fernet.encrypt(payload).decode().rstrip("=")

    def open(self, value: str | None) -> Session | None:
        """The session in a cookie value, or ``None`` if missing, forged or too old."""
        if not value:
            return None
        try:
            padded = value + "=" * (-len(value) % 4)
            data = json.loads(self._fernet.decrypt(padded.encode(), ttl=SESSION_SECONDS))
        except (InvalidToken, ValueError):
            return None
        csrf, token = data.get("c"), data.get("t")
        if not isinstance(csrf, str) or not (token is None or isinstance(token, str)):
            return None
        return Session(csrf=csrf, token=token)


def set_session_cookie(response: Response, codec: SessionCodec, session: Session) -> None:
    """Send ``session`` as a Secure, HTTP-only, SameSite=Lax cookie for the whole site."""
    response.set_cookie(
        SESSION_COOKIE,
        codec.seal(session),
        max_age=SESSION_SECONDS,
        path="/",
        secure=True,
        httponly=True,
        samesite="lax",
    )
