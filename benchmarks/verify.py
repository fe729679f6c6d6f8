"""Integrity verification (re-walking the hash chain) beside reading the same events raw."""

from __future__ import annotations

import time

import support
from support import Row, Target

from subsidy.application import SubsidyEngine

from conftest import CLOCK

try:
    from subsidy.application import integrity
except ImportError:  # the hash chain is not part of this checkout
    integrity = None  # type: ignore[assignment]


def rows(url: str, store: str) -> list[Row]:
    """Events per second verified, and read raw in pages of the verifier's size."""
    figure = f"integrity verification, {store}"
    if integrity is None:
        return [support.pending(figure, "subsidy.application.integrity is not in this checkout")]
    engine = support.open_engine(url, clock=CLOCK)
    try:
        # Interleaved, best of two each: whichever ran first would otherwise pay for the cold
        # cache (PostgreSQL's shared buffers, the operating system's pages) alone.
        raws, times = [], []
        for _ in range(2):
            raws.append(_raw_rate(engine, integrity.PAGE))
            start = time.perf_counter()
            verification = integrity.verify(engine)
            times.append(time.perf_counter() - start)
        raw, seconds = max(raws), min(times)
    finally:
        engine.close()
    if not verification.ok:
        msg = f"the benchmark store does not verify: {verification.first_break}"
        raise RuntimeError(msg)
    return [
        Row(
            figure,
            round(verification.checked / seconds),
            "events/s",
            round(raw),
            "read the same events raw",
            Target(">=", 0.5),
            note=f"{verification.checked:,} events; best of 2 interleaved runs each",
        )
    ]


def _raw_rate(engine: SubsidyEngine, page: int) -> float:
    """Reading every stored event through the recorder, undecoded."""
    start = time.perf_counter()
    position, count = 1, 0
    while True:
        notifications = engine.recorder.select_notifications(position, page)
        count += len(notifications)
        if len(notifications) < page:
            break
        position = notifications[-1].id + 1
    return count / (time.perf_counter() - start)
