"""The runtime hands events to the aggregator thread at snapshot time (or once DRAIN_EVENTS
have waited): every snapshot sees every event emitted before it, a backlog streams through in
chunks, and 'when the newest event arrived' is its arrival, not its ingest."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from swarmtop import runtime as rt
from swarmtop.core.aggregator import Aggregator
from swarmtop.events import LogLine


def _lines(n: int, start: int = 0) -> list[LogLine]:
    return [LogLine(ts=1_000.0 + i, source="a.log", level="info", text=f"line {i}")
            for i in range(start, start + n)]


class Gate:
    """A source that emits what the test puts in, when it says so."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[list[LogLine]] = asyncio.Queue()

    async def run(self, emit) -> None:
        while True:
            await emit(await self.queue.get())

    async def close(self) -> None:
        pass


async def _until(cond: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Wait for ``cond`` with a deadline generous for a loaded machine (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:g} s"
        await asyncio.sleep(0.01)


async def _first_snapshot(runtime: rt.Runtime) -> None:
    await _until(lambda: runtime.ticks >= 1, "the first snapshot (taken at start)")


async def _settle(runtime: rt.Runtime) -> None:
    for _ in range(20):  # let the consumer move the queue along
        await asyncio.sleep(0)


async def test_events_wait_for_the_snapshot_and_all_reach_it():
    agg, gate = Aggregator(), Gate()
    runtime = rt.Runtime(agg, [gate], interval=3600)  # no periodic snapshots in this test
    await runtime.start()
    try:
        await _first_snapshot(runtime)
        for k in range(5):
            gate.queue.put_nowait(_lines(10, 10 * k))
        await _settle(runtime)
        assert agg.events == 0  # queued, the aggregator thread not woken
        arrived = agg.clock()
        await asyncio.sleep(0.2)
        snap = await runtime.refresh()
        assert snap.sources.events == 50
        assert agg.last_event_at is not None and agg.last_event_at <= arrived + 0.1
    finally:
        await runtime.stop()


async def test_a_backlog_is_ingested_in_chunks_without_a_snapshot(monkeypatch):
    monkeypatch.setattr(rt, "DRAIN_EVENTS", 100)
    agg, gate = Aggregator(), Gate()
    runtime = rt.Runtime(agg, [gate], interval=3600)
    await runtime.start()
    try:
        await _first_snapshot(runtime)
        for k in range(30):
            gate.queue.put_nowait(_lines(50, 50 * k))
        # drained on the way, not at the next snapshot (an hour away)
        await _until(lambda: agg.events >= 1400, "1400 of 1500 events ingested")
        assert runtime.ticks == 1
        assert len(runtime._pending) <= 2
    finally:
        await runtime.stop()
    assert agg.events == 1500  # stop drains the rest, then takes the final snapshot


async def test_the_final_snapshot_at_stop_has_everything():
    agg, gate = Aggregator(), Gate()
    seen: list[int] = []
    runtime = rt.Runtime(agg, [gate], interval=3600,
                         on_snapshot=[lambda s: seen.append(s.sources.events)])
    await runtime.start()
    await _first_snapshot(runtime)
    gate.queue.put_nowait(_lines(7))
    await _settle(runtime)
    await runtime.stop()
    assert seen[-1] == 7
