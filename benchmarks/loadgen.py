"""A load generator run as its own process: N keep-alive HTTP/1.1 clients on loopback.

Usage: python benchmarks/loadgen.py < plan.json > result.json

The plan names the server (``host``, ``port``), the number of ``clients``, each client's list of
``requests`` (method, path, headers, JSON body) that it sends in turn, and the bounds:
``max_requests`` in all and ``max_seconds``; the first ``warmup`` requests are not counted. The
result holds the request count, the rate, latency percentiles in milliseconds and the status
codes seen.

It speaks just enough HTTP/1.1 over asyncio streams (Content-Length and chunked bodies) to
keep its own CPU use small: on a two-core machine every cycle the load generator spends is a
cycle the server under test does not get, and a general-purpose client costs several times more
per request than this loop.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

BROKEN = 599


@dataclass
class Tally:
    """What the clients observed, shared between them."""

    budget: int
    deadline: float
    warmup: int
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    started: float = 0.0

    def take(self) -> bool:
        """Claim one request from the budget; False when the run is over."""
        if self.sent >= self.budget or time.perf_counter() >= self.deadline:
            return False
        self.sent += 1
        if self.sent == self.warmup + 1:
            self.started = time.perf_counter()
        return True


def encode(request: dict[str, Any], host: str) -> bytes:
    """The bytes of one request."""
    body = b"" if request.get("body") is None else json.dumps(request["body"]).encode()
    headers = {"Host": host, "Content-Length": str(len(body)), **request.get("headers", {})}
    if body:
        headers.setdefault("Content-Type", "application/json")
    head = f"{request['method']} {request['path']} HTTP/1.1\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (head + "\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one response fully; returns its status code."""
    status_line = await reader.readuntil(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    length, chunked = 0, False
    while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    elif length:
        await reader.readexactly(length)
    return status


async def client(plan: dict[str, Any], requests: list[bytes], tally: Tally) -> None:
    """One connection sending its requests in turn until the run is over.

    A broken connection counts as status 599 and is opened again.
    """
    connection = await asyncio.open_connection(plan["host"], plan["port"])
    turn = 0
    try:
        while tally.take():
            counted = tally.sent > tally.warmup
            start = time.perf_counter()
            try:
                connection[1].write(requests[turn % len(requests)])
                status = await read_response(connection[0])
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status = BROKEN
                connection[1].close()
                connection = await asyncio.open_connection(plan["host"], plan["port"])
            if counted:
                tally.latencies.append(time.perf_counter() - start)
                tally.statuses[status] += 1
            turn += 1
    finally:
        connection[1].close()


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    """Run every client to the end; the measured figures."""
    host = f"{plan['host']}:{plan['port']}"
    warmup = plan.get("warmup", 0)
    tally = Tally(warmup + plan["max_requests"], time.perf_counter() + plan["max_seconds"], warmup)
    encoded = [[encode(r, host) for r in requests] for requests in plan["requests"]]
    await asyncio.gather(*(client(plan, e, tally) for e in encoded[: plan["clients"]]))
    seconds = time.perf_counter() - tally.started if tally.started else 0.0
    latencies = sorted(tally.latencies)
    return {
        "requests": len(latencies),
        "seconds": round(seconds, 3),
        "requests_per_second": round(len(latencies) / seconds, 1) if seconds else 0.0,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        **{f"p{p}_ms": _percentile_ms(latencies, p / 100) for p in (50, 95, 99)},
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else None,
    }


def _percentile_ms(ordered: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile of sorted seconds, in milliseconds."""
    if not ordered:
        return None
    rank = max(1, math.ceil(fraction * len(ordered)))
    return round(ordered[rank - 1] * 1000, 2)


def main() -> None:
    plan = json.load(sys.stdin)
    json.dump(asyncio.run(run(plan)), sys.stdout)


if __name__ == "__main__":
    main()
