"""The Runtime wires live sources to the aggregator and publishes a Snapshot every interval.

    sources --emit--> bounded queue --> aggregator (one worker thread) --> snapshot --> views

The aggregator runs on a single dedicated thread: ingest and snapshot never overlap, and the
event loop (which also drives the TUI) never waits on decoding, tiktoken or percentiles.
Batches wait in a queue until that thread takes the next snapshot (or DRAIN_EVENTS have
waited), so a steady live load wakes it per snapshot, not per batch.
Implements the Feed protocol (swarmtop/feed.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from swarmtop.core.aggregator import Aggregator
from swarmtop.events import Event
from swarmtop.feed import Progress
from swarmtop.snapshot import Snapshot
from swarmtop.sources.base import Source

log = logging.getLogger(__name__)
T = TypeVar("T")

QUEUE_BATCHES = 64  # batches in flight between sources and the aggregator: the backpressure
INFLIGHT_BATCHES = 4  # drain jobs handed to the aggregator thread and not yet done
# Events are ingested when a snapshot is taken (nothing reads the aggregator in between), or
# sooner once this many have waited, so a backlog still streams through in chunks. Live, at a
# few hundred events/s, the aggregator thread then wakes per snapshot rather than per batch
# (each wake-up costs the process tens of µs of CPU on some machines, see bench_tui_live).
DRAIN_EVENTS = 2_000
SnapshotHook = Callable[[Snapshot], None]
EventHook = Callable[[list[Event]], None]


def _report_failure(fut: Future[None]) -> None:
    exc = fut.exception()
    if exc is not None:
        log.error("aggregator failed to ingest a batch", exc_info=exc)


class Runtime:
    def __init__(
        self,
        aggregator: Aggregator,
        sources: list[Source],
        *,
        interval: float = 0.5,
        on_snapshot: list[SnapshotHook] | None = None,
        on_events: list[EventHook] | None = None,
        progress: Callable[[], Progress] | None = None,
        on_stop: list[Callable[[], None]] | None = None,
    ) -> None:
        self.aggregator = aggregator
        self.sources = sources
        self.interval = interval
        self.on_snapshot = list(on_snapshot or [])
        self.on_events = list(on_events or [])
        self._progress = progress
        self.on_stop = list(on_stop or [])  # run after the final snapshot (flush, close)
        self._queue: asyncio.Queue[list[Event]] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._source_tasks: list[asyncio.Task[None]] = []
        self._latest: Snapshot | None = None
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="swarmtop-aggregator")
        self._inflight: deque[Future[None]] = deque()
        # (batch, arrival time) waiting for the aggregator thread; appended on the event loop,
        # taken on the aggregator thread (deque append/popleft are thread-safe)
        self._pending: deque[tuple[list[Event], float]] = deque()
        self._undrained = 0  # events appended since the last drain was handed over (loop only)
        self._started = False
        self._stopped = False
        self.source_errors: list[str] = []
        self.ticks = 0

    # ---- Feed -----------------------------------------------------------------------------
    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._queue = asyncio.Queue(QUEUE_BATCHES)
        for src in self.sources:
            self._source_tasks.append(asyncio.create_task(self._run_source(src)))
        self._tasks.append(asyncio.create_task(self._consume()))
        self._tasks.append(asyncio.create_task(self._tick()))

    async def stop(self) -> None:
        if not self._started or self._stopped:
            return
        self._stopped = True
        for t in self._source_tasks:
            t.cancel()
        await asyncio.gather(*self._source_tasks, return_exceptions=True)
        for src in self.sources:
            with contextlib.suppress(Exception):
                await src.close()
        # drain what the sources already emitted, then take the final snapshot
        if self._queue is not None:
            while not self._queue.empty():
                await self._ingest(self._queue.get_nowait())
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.refresh()
        self._executor.shutdown(wait=True)
        for fn in self.on_stop:
            try:
                fn()
            except Exception:  # noqa: BLE001 - every closer gets its turn
                log.exception("shutdown hook failed")

    def latest(self) -> Snapshot | None:
        return self._latest

    def progress(self) -> Progress:
        return self._progress() if self._progress else Progress()

    def acknowledge(self, rule: str) -> None:
        ack = getattr(self.aggregator, "acknowledge", None)
        if ack is not None:
            self._executor.submit(self._after_drain, ack, rule)

    # ---- internals ------------------------------------------------------------------------
    @property
    def sources_done(self) -> bool:
        """True when every source task has finished (finite sources, e.g. a replay)."""
        return all(t.done() for t in self._source_tasks)

    async def _emit(self, batch: list[Event]) -> None:
        assert self._queue is not None
        if batch:
            await self._queue.put(batch)

    async def _run_source(self, src: Source) -> None:
        try:
            await src.run(self._emit)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - one broken source must not stop the others
            msg = f"{type(src).__name__} stopped: {exc}"
            log.exception(msg)
            self.source_errors.append(msg)

    async def _ingest(self, batch: list[Event]) -> None:
        # Queued for the aggregator thread, which takes it at the next snapshot (or drain):
        # waiting for each batch's ingest, or waking the thread per batch, cost a wake-up each.
        # The single worker runs jobs in order, so every batch is ingested before any later
        # snapshot; a few drains in flight is the backpressure.
        for hook in self.on_events:
            hook(batch)
        self._pending.append((batch, self.aggregator.clock()))
        self._undrained += len(batch)
        if self._undrained < DRAIN_EVENTS:
            return
        self._undrained = 0
        fut = self._executor.submit(self._drain)
        fut.add_done_callback(_report_failure)
        inflight = self._inflight
        inflight.append(fut)
        while inflight and inflight[0].done():
            inflight.popleft()
        if len(inflight) > INFLIGHT_BATCHES:
            await asyncio.wrap_future(inflight.popleft())

    def _drain(self) -> None:
        """Ingest every queued batch, oldest first (on the aggregator thread)."""
        pending = self._pending
        while pending:
            batch, arrived = pending.popleft()
            try:
                self.aggregator.ingest(batch, arrived=arrived)
            except Exception:  # noqa: BLE001 - one bad batch must not drop the ones after it
                log.exception("aggregator failed to ingest a batch")

    def _after_drain(self, fn: Callable[..., T], *args: object) -> T:
        self._drain()
        return fn(*args)

    async def _consume(self) -> None:
        assert self._queue is not None
        while True:
            batch = await self._queue.get()
            # coalesce what is already queued into one hop to the worker thread
            while not self._queue.empty() and len(batch) < 20_000:
                batch = batch + self._queue.get_nowait()
            await self._ingest(batch)

    async def refresh(self) -> Snapshot:
        """Take a snapshot now (off the event loop) and hand it to the hooks."""
        loop = asyncio.get_running_loop()
        self._undrained = 0
        snap = await loop.run_in_executor(self._executor, self._after_drain,
                                          self.aggregator.snapshot)
        self._latest = snap
        for hook in self.on_snapshot:
            try:
                hook(snap)
            except Exception:  # noqa: BLE001 - an exporter failing must not stop the monitor
                log.exception("snapshot hook failed")
        return snap

    async def _tick(self) -> None:
        # monotonic schedule: tick k at start + k*interval, so ticks never drift
        start = time.monotonic()
        k = 0
        while True:
            await self.refresh()
            self.ticks += 1
            k += 1
            now = time.monotonic()
            next_at = start + k * self.interval
            if next_at < now:  # fell behind (a slow snapshot): skip missed ticks, don't bunch
                k = int((now - start) / self.interval) + 1
                next_at = start + k * self.interval
            await asyncio.sleep(next_at - now)
