"""The API's worker threads: as many as the settings allow, and downloads do not hold one."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import anyio
import anyio.to_thread
import pytest
from api_helpers import api, audited_ledger
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Message

from subsidy.bootstrap import build_app
from subsidy.settings import Settings


def worker_threads(client: TestClient) -> int:
    """The thread limit of the event loop the client's app runs in."""
    assert client.portal is not None, "the client runs the app's lifespan"
    limiter = client.portal.call(anyio.to_thread.current_default_thread_limiter)
    return int(limiter.total_tokens)


def test_the_api_threads_setting_sets_the_worker_thread_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUBSIDY_API_THREADS", "3")
    app = build_app(Settings(database_url="memory://"), follow=False)

    with TestClient(app) as client:
        limit = worker_threads(client)

    assert limit == 3


def test_the_api_runs_eight_worker_threads_unless_told_otherwise() -> None:
    with api("memory://") as (client, _):
        assert worker_threads(client) == Settings().api_threads == 8


def test_no_more_synchronous_endpoints_run_at_once_than_the_limit() -> None:
    app = build_app(Settings(database_url="memory://", api_threads=2), follow=False)
    running, most = 0, 0
    lock = threading.Lock()

    @app.get("/slow")
    def slow() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1

    with TestClient(app) as client, ThreadPoolExecutor(max_workers=6) as callers:
        statuses = list(callers.map(lambda _: client.get("/slow").status_code, range(6)))

    assert statuses == [200] * 6
    assert most == 2


@pytest.fixture
def ledger() -> Iterator[tuple[TestClient, dict[str, str]]]:
    with audited_ledger() as answer:
        yield answer


@pytest.mark.parametrize("answer_as", ["csv", "xlsx", "360giving"])
def test_a_download_holds_no_worker_thread_while_the_client_reads_it(
    ledger: tuple[TestClient, dict[str, str]], answer_as: str
) -> None:
    client, auditor = ledger
    assert client.portal is not None
    app: FastAPI = client.app  # type: ignore[assignment]
    token = auditor["Authorization"].encode()
    query = f"fiscal_year=2024&format={answer_as}".encode()

    held, body = client.portal.call(paused_download, app, token, query)

    assert held == 0  # while the client is slow to read, every thread is free for others
    assert body


async def paused_download(app: FastAPI, token: bytes, query: bytes) -> tuple[int, bytes]:
    """Start a ledger download, pause it after its first chunk; the threads held meanwhile."""
    first_chunk, resume, finished = anyio.Event(), anyio.Event(), anyio.Event()
    body: list[bytes] = []
    limiter = anyio.to_thread.current_default_thread_limiter()

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            body.append(message.get("body", b""))
            if not first_chunk.is_set():
                first_chunk.set()
                await resume.wait()

    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> Message:
        if requests:
            return requests.pop()
        await finished.wait()  # the client stays until the download ends
        return {"type": "http.disconnect"}

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/v1/ledger",
        "raw_path": b"/api/v1/ledger",
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"authorization", token)],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    async with anyio.create_task_group() as downloads:
        downloads.start_soon(app, scope, receive, send)
        await first_chunk.wait()
        held = limiter.borrowed_tokens
        resume.set()
    finished.set()
    return held, b"".join(body)
