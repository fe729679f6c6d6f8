"""SIGKILL the API under a write load: nothing acknowledged is lost, nothing is half-written."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest
from eventsourcing.application import AggregateNotFoundError

from figures import record
from subsidy.application import SubsidyEngine
from subsidy.application.idempotency import IdempotencyRecord
from subsidy.application.integrity import verify
from subsidy.bootstrap import build_read_models
from subsidy.domain.actor import Role
from subsidy.domain.organisation import Organisation
from subsidy.settings import Settings

from builders import ADMIN
from conftest import DURABLE_STORES, make_engine
from crash_helpers import Server, positions, read_model_rows, rebuilt_rows, wait_for

CLIENTS = 4
ACKNOWLEDGED_BEFORE_KILL = 40
LOADER = "loader"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True),
]


@dataclass
class Sent:
    """One request of the load, and what the client learnt of its fate."""

    key: str
    name: str
    status: int | None = None  # None: the connection died before an answer; 503: store busy
    id: str | None = None

    def post(self, client: httpx.Client) -> None:
        body = {"name": self.name, "kind": "municipality", "prefecture": "千葉県"}
        response = client.post(
            "/api/v1/organisations", json=body, headers={"Idempotency-Key": self.key}
        )
        self.status = response.status_code
        if response.status_code == 201:
            self.id = response.json()["id"]


class Load:
    """Clients registering organisations, each with its own idempotency key, until stopped."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token
        self.sent: list[Sent] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(CLIENTS)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def acknowledged(self) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.status == 201]

    def join(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _run(self, client_number: int) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base, headers=headers, timeout=10) as client:
            for i in range(10_000):
                if self.stop.is_set():
                    return
                sent = Sent(key=f"load-{client_number}-{i}", name=f"千葉県試験{client_number}町{i}")
                with self._lock:
                    self.sent.append(sent)
                try:
                    sent.post(client)
                except httpx.HTTPError:
                    return  # the server is gone: this request's fate is unknown to the client


def _exists(engine: SubsidyEngine, aggregate_id: object) -> bool:
    try:
        engine.repository.get(aggregate_id)  # type: ignore[arg-type]
    except AggregateNotFoundError:
        return False
    return True


def _kind(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def test_a_killed_api_keeps_every_acknowledged_write_and_no_half_command(
    store_url: str, tmp_path: Path
) -> None:
    setup = make_engine(store_url)
    token = setup.add_user(ADMIN, name=LOADER, role=Role.ADMINISTRATOR)
    setup.close()
    server = Server(store_url, tmp_path / "api.log")
    load = Load(server.base, token)

    load.start()
    wait_for(lambda: len(load.acknowledged()) >= ACKNOWLEDGED_BEFORE_KILL, "acknowledged writes")
    server.kill()
    load.join()

    engine = make_engine(store_url)
    acknowledged = load.acknowledged()
    assert {s.status for s in load.sent} <= {201, 503, None}
    for sent in acknowledged:
        assert engine.repository.get(Organisation.id_for(sent.name)).name == sent.name
    for sent in load.sent:  # the organisation and the key's record: both or neither
        stored = _exists(engine, Organisation.id_for(sent.name))
        assert stored == _exists(engine, IdempotencyRecord.id_for(LOADER, sent.key))
    verification = verify(engine)
    assert verification.ok
    record(
        f"api-crash-{_kind(store_url)}",
        sent=len(load.sent),
        acknowledged=len(acknowledged),
        busy_503=sum(s.status == 503 for s in load.sent),
        unanswered=sum(s.status is None for s in load.sent),
        stored_of_unanswered=sum(
            _exists(engine, Organisation.id_for(s.name)) for s in load.sent if s.status is None
        ),
        events_verified=verification.checked,
    )


def test_after_a_kill_retried_requests_take_effect_once_and_read_models_match_a_rebuild(
    store_url: str, tmp_path: Path
) -> None:
    setup = make_engine(store_url)
    token = setup.add_user(ADMIN, name=LOADER, role=Role.ADMINISTRATOR)
    setup.close()
    first = Server(store_url, tmp_path / "api.log")
    load = Load(first.base, token)
    load.start()
    wait_for(lambda: len(load.acknowledged()) >= ACKNOWLEDGED_BEFORE_KILL, "acknowledged writes")
    first.kill()
    load.join()
    acknowledged = {s.key: s.id for s in load.acknowledged()}

    second = Server(store_url, tmp_path / "api.log")
    try:
        with httpx.Client(
            base_url=second.base, headers={"Authorization": f"Bearer {token}"}, timeout=10
        ) as client:
            for sent in load.sent:
                sent.post(client)
        engine = make_engine(store_url)
        head = engine.recorder.max_notification_id()
        db = build_read_models(Settings(database_url=store_url))
        wait_for(lambda: set(positions(db).values()) == {head}, "the read models to catch up")
        live = read_model_rows(db)
    finally:
        second.stop()

    assert all(s.status == 201 for s in load.sent)
    assert all(acknowledged[s.key] == s.id for s in load.sent if s.key in acknowledged)
    for sent in load.sent:
        assert engine.repository.get(Organisation.id_for(sent.name)).version == 1
    assert verify(engine).ok
    assert live == rebuilt_rows(engine)
    record(
        f"api-crash-retry-{_kind(store_url)}",
        sent=len(load.sent),
        acknowledged_before_kill=len(acknowledged),
        resent_after_restart=len(load.sent),
        events=head,
        read_model_rows={name: len(rows) for name, rows in live.items()},
    )
