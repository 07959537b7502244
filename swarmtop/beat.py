"""One clock grid for the monitor's periodic work, so that it wakes together.

Each sleep that ends is a thread wake-up, which costs the process tens of µs of CPU on some
machines (benchmarks/bench_tui_live.py counts them). The runtime's snapshots, the sampler's
ticks, the tailer's reads of a busy log and its re-scans each have their own period; timed at
multiples of their period on the loop's clock (``loop.time()``, monotonic), a 0.5 s tick
falls on every fifth 0.1 s beat and the event loop wakes once for both (asyncio runs every
timer that is due when it wakes)."""

from __future__ import annotations

import asyncio
import math

FOLLOW_S = 0.1  # the tailer's read cadence while a log is busy (and the grid's finest step)


def next_beat(now: float, period: float, phase: float = 0.0) -> float:
    """The first time after ``now`` that is ``phase`` past a multiple of ``period``."""
    k = math.floor((now - phase) / period) + 1
    return k * period + phase

# Where on an interval's grid each periodic job runs: the sampler on the beat (with the
# tailer's read of that beat), the snapshot half a beat later, so that the aggregator thread
# and then the repaint run while no other thread holds the GIL, and the snapshot holds the
# samples just taken.
SAMPLE_PHASE = 0.0
SNAPSHOT_PHASE = FOLLOW_S / 2


async def sleep_until(when: float) -> None:
    """Sleep until the loop's clock reads ``when``: ``call_at``, so that timers meant for the
    same beat are due at the same instant and run in one wake-up."""
    loop = asyncio.get_running_loop()
    waiter = loop.create_future()
    handle = loop.call_at(when, _wake, waiter)
    try:
        await waiter
    finally:
        handle.cancel()


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
