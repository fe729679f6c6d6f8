"""No bearer token reaches a log line, wherever a caller puts it.

The app runs under a real uvicorn server with its access log on and every logger at DEBUG, so
the structlog lines, the standard-library records and uvicorn's own access and error lines are
all captured. Requests carry valid and invalid tokens in the Authorization header, in query
strings, in odd headers and in bodies; then the whole log is searched for each token, its hash
and pieces of it.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn

from subsidy.api.app import create_app
from subsidy.application import SubsidyEngine
from subsidy.application.accounts import token_hash
from subsidy.bootstrap import build_read_models, build_runners, configure_logging
from subsidy.domain.actor import Role
from subsidy.settings import Settings

from builders import ADMIN
from conftest import make_engine

INVALID_TOKEN = "Q2xlYXJseU5vdEFUb2tlbkJ1dExvb2tzTGlrZU9uZTQy"
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


@dataclass
class Served:
    """A live server on a free port, the engine behind it and a valid token."""

    port: int
    engine: SubsidyEngine
    token: str

    def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> int:
        """Send one request with the standard library's client, which logs nothing itself."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()


@pytest.fixture
def every_log_line() -> Iterator[io.StringIO]:
    """Everything logged, by structlog (as JSON) and by the standard library, at DEBUG."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *UVICORN_LOGGERS)}
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    configure_logging(Settings(log_level="DEBUG", log_format="json"))
    yield stream
    configure_logging(Settings(log_level="WARNING"))
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def served(every_log_line: io.StringIO) -> Iterator[Served]:
    """The app under uvicorn, started once the logs are captured (uvicorn sets its levels)."""
    engine = make_engine("memory://")
    token = engine.add_user(ADMIN, name="tanaka", role=Role.ADMINISTRATOR)
    db = build_read_models(Settings(database_url="memory://"))
    app = create_app(engine, db, build_runners(engine, db))
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()  # requests wait in the backlog until the server accepts them
    config = uvicorn.Config(app, log_config=None, log_level="debug", access_log=True)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    yield Served(listening.getsockname()[1], engine, token)
    server.should_exit = True
    thread.join(timeout=10)
    listening.close()
    engine.close()


def secrets_of(token: str) -> list[str]:
    """The token, its stored hash, and pieces of it long enough to give it away."""
    pieces = [token[:10], token[-10:], token[len(token) // 3 : len(token) // 3 + 10]]
    return [token, token_hash(token), *pieces]


def send_tokens_everywhere(served: Served, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    statuses = []
    for token in (served.token, INVALID_TOKEN):
        for path, headers in [
            ("/api/v1/me", {"Authorization": f"Bearer {token}"}),
            ("/api/v1/me", {"Authorization": f"bearer {token}"}),
            ("/api/v1/me", {"Authorization": f"Token {token}"}),
            (f"/api/v1/me?access_token={token}", {}),
            (f"/api/v1/nowhere?token={token}", {"Authorization": f"Bearer {token}"}),
            ("/api/v1/me", {"X-Api-Key": token, "Cookie": f"session={token}"}),
            ("/api/v1/me", {"Proxy-Authorization": f"Bearer {token}"}),
            ("/api/v1/me", {"X-Request-Id": token, "Authorization": f"Bearer {token}"}),
        ]:
            statuses.append(served.request("GET", path, headers))
        body = json.dumps({"name": "千葉県いすみ市", "kind": "municipality", "token": token})
        writing = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        statuses.append(served.request("POST", "/api/v1/organisations", writing, body.encode()))

    def broken() -> list[object]:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(served.engine, "list_organisations", broken)
    crash = {"Authorization": f"Bearer {served.token}"}
    statuses.append(served.request("GET", f"/api/v1/organisations?t={served.token}", crash))
    return statuses


def test_no_token_or_piece_of_one_reaches_any_log_line(
    served: Served,
    every_log_line: io.StringIO,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    statuses = send_tokens_everywhere(served, monkeypatch)
    logs = every_log_line.getvalue() + capsys.readouterr().err

    assert {200, 401, 404, 422, 500} <= set(statuses)
    assert '"event": "request"' in logs  # structlog's request lines were captured
    assert '"GET /api/v1/me?[redacted] HTTP/1.1" 401' in logs  # and uvicorn's access lines
    for token in (served.token, INVALID_TOKEN):
        leaked = [secret for secret in secrets_of(token) if secret in logs]
        assert leaked == []
