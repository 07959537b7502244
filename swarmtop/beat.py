"""One clock grid for the monitor's periodic work, so that it wakes together.

Each sleep that ends is a thread wake-up, which costs the process tens of µs of CPU on some
machines (benchmarks/bench_tui_live.py counts them). The runtime's snapshots, the sampler's
ticks, the tailer's reads of a busy log and its re-scans each have their own period; timed at
multiples of their period on the loop's clock (``loop.time()``, monotonic), a 0.5 s job
falls on every fifth 0.1 s beat and the event loop wakes once for both (asyncio runs every
timer that is due when it wakes). Work handed to a thread is the exception: it runs at a
phase of its own (below), since a thread that shares the GIL with the loop's work wakes more
often than the shared beat saves."""

from __future__ import annotations

import asyncio
import math

FOLLOW_S = 0.1  # the tailer's read cadence while a log is busy (and the grid's finest step)


def next_beat(now: float, period: float, phase: float = 0.0) -> float:
    """The first time after ``now`` that is ``phase`` past a multiple of ``period``."""
    k = math.floor((now - phase) / period) + 1
    return k * period + phase

# Where on an interval's grid each periodic job runs: the sampler a quarter beat past the
# beat, the snapshot half a beat past it, so that the sampler's worker, the aggregator thread
# and then the repaint each run while the loop has nothing else to do (no other thread wants
# the GIL), and the snapshot holds the samples just taken. On the beat itself the loop reads
# the busy logs: a worker reading /proc meanwhile trades the GIL with it at every read, a
# dozen thread wake-ups a tick, far more than sharing the beat saves (benchmarks/NOTES.md,
# session 9).
SAMPLE_PHASE = FOLLOW_S / 4
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
