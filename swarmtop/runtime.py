"""The Runtime wires live sources to the aggregator and publishes a Snapshot every interval.

    sources --emit--> bounded queue --> aggregator (one worker thread) --> snapshot --> views

The aggregator runs on a single dedicated thread: ingest and snapshot never overlap, and the
event loop (which also drives the TUI) never waits on decoding, tiktoken or percentiles.
Batches wait in a queue until that thread takes the next snapshot (or DRAIN_EVENTS have
waited), so a steady live load wakes it per snapshot, not per batch.
Implements the Feed protocol (swarmtop/feed.py).

Nothing that fails here is lost while Textual owns the terminal: a source whose ``run()``
raises, a source that cannot close, a batch the aggregator could not ingest, a snapshot hook
(an exporter) that raised, a snapshot that could not be taken — each is recorded in the
session's book of failures (``self.failures``, the aggregator's: shown in every snapshot as
``sources.errors`` and the ``source_failed`` alert), its traceback in the log file
(swarmtop/errorlog.py). While the runtime runs, its book is the session's
(``errorlog.record`` from anywhere lands in it).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import msgspec

from swarmtop import errorlog
from swarmtop.beat import SNAPSHOT_PHASE, next_beat, sleep_until
from swarmtop.core.aggregator import Aggregator, source_failures
from swarmtop.core.alerts import failure_alert
from swarmtop.errorlog import Failures
from swarmtop.events import Event
from swarmtop.feed import Progress
from swarmtop.snapshot import LogEntry, Snapshot
from swarmtop.sources.base import Source
from swarmtop.timeparse import iso

T = TypeVar("T")

QUEUE_BATCHES = 64  # batches in flight between sources and the aggregator: the backpressure
INFLIGHT_BATCHES = 4  # drain jobs handed to the aggregator thread and not yet done
# Events are ingested when a snapshot is taken (nothing reads the aggregator in between), or
# sooner once this many have waited, so a backlog still streams through in chunks. Live, at a
# few hundred events/s, the aggregator thread then wakes per snapshot rather than per batch
# (each wake-up costs the process tens of µs of CPU on some machines, see bench_tui_live).
DRAIN_EVENTS = 2_000
# A batch bigger than this is backlog (the tailer hands it on in batches of 2,000) or a flood:
# its log lines reach the screen with the next snapshot, not as a preview, which is for the
# few lines a live beat reads (see subscribe_lines) and so costs a backlog nothing
PREVIEW_EVENTS = 500
SnapshotHook = Callable[[Snapshot], None]
EventHook = Callable[[list[Event]], None]
LinesHook = Callable[[list[LogEntry]], None]


def _name(obj: object) -> str:
    """A hook's or source's name for a failure entry: its class, or its function's name."""
    qual = getattr(obj, "__qualname__", None)
    return qual.rpartition("<locals>.")[2] if isinstance(qual, str) else type(obj).__name__


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
        self.on_lines: list[LinesHook] = []  # log lines as read, before their snapshot
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
        # failures of the session, shown in its snapshots (the aggregator's own book)
        book = getattr(aggregator, "failures", None)
        self.failures: Failures = book if isinstance(book, Failures) else Failures()
        self._before: Failures | None = None  # the session book in use before start()
        self.source_errors: list[str] = []  # "<Source> stopped: ..." (also in self.failures)
        self.ticks = 0

    # ---- Feed -----------------------------------------------------------------------------
    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        errorlog.install(self.failures.log_path)  # warnings logged anywhere go to the file
        self._before = errorlog.use(self.failures)
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
            try:
                await src.close()
            except Exception as exc:  # noqa: BLE001 - every source gets closed
                self.failures.record(f"{_name(src)} (closing)", exc)
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
            except Exception as exc:  # noqa: BLE001 - every closer gets its turn
                self.failures.record(f"{_name(fn)} (at shutdown)", exc)
        if errorlog.current() is self.failures:
            errorlog.use(self._before)

    def latest(self) -> Snapshot | None:
        return self._latest

    def subscribe(self, listener: SnapshotHook) -> Callable[[], None]:
        """Feed.subscribe: ``listener`` joins the snapshot hooks until the returned call."""
        self.on_snapshot.append(listener)

        def unsubscribe() -> None:
            if listener in self.on_snapshot:
                self.on_snapshot.remove(listener)

        return unsubscribe

    def subscribe_lines(self, listener: LinesHook) -> Callable[[], None]:
        """Feed.subscribe_lines: ``listener`` gets the log-tail entries of each live batch as
        it is read, on the event loop, until the returned call."""
        self.on_lines.append(listener)

        def unsubscribe() -> None:
            if listener in self.on_lines:
                self.on_lines.remove(listener)

        return unsubscribe

    def progress(self) -> Progress:
        return self._progress() if self._progress else Progress()

    def acknowledge(self, rule: str) -> None:
        ack = getattr(self.aggregator, "acknowledge", None)
        if ack is not None:
            self._executor.submit(self._after_drain, self._recorded, "acknowledging an alert",
                                  ack, rule)

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
            self.source_errors.append(f"{type(src).__name__} stopped: {exc}")
            self.failures.record(f"{type(src).__name__} (stopped)", exc)

    async def _ingest(self, batch: list[Event]) -> None:
        # Queued for the aggregator thread, which takes it at the next snapshot (or drain):
        # waiting for each batch's ingest, or waking the thread per batch, cost a wake-up each.
        # The single worker runs jobs in order, so every batch is ingested before any later
        # snapshot; a few drains in flight is the backpressure.
        for hook in self.on_events:
            hook(batch)
        arrived = self.aggregator.clock()
        if self.on_lines and len(batch) <= PREVIEW_EVENTS:
            self._preview(batch, arrived)
        self._pending.append((batch, arrived))
        self._undrained += len(batch)
        if self._undrained < DRAIN_EVENTS:
            return
        self._undrained = 0
        fut = self._executor.submit(self._drain)  # never raises: _drain records failures
        inflight = self._inflight
        inflight.append(fut)
        while inflight and inflight[0].done():
            inflight.popleft()
        if len(inflight) > INFLIGHT_BATCHES:
            await asyncio.wrap_future(inflight.popleft())

    def _preview(self, batch: list[Event], arrived: float) -> None:
        try:
            lines = self.aggregator.preview_lines(batch, arrived)
        except Exception as exc:  # noqa: BLE001 - a preview is optional; the snapshot has them
            self.failures.record("aggregator (previewing log lines)", exc)
            return
        if not lines:
            return
        for hook in list(self.on_lines):
            try:
                hook(lines)
            except Exception as exc:  # noqa: BLE001 - a view failing must not stop ingest
                self.failures.record(f"{_name(hook)} (log-line hook)", exc)

    def _drain(self) -> None:
        """Ingest every queued batch, oldest first (on the aggregator thread)."""
        pending = self._pending
        while pending:
            batch, arrived = pending.popleft()
            try:
                self.aggregator.ingest(batch, arrived=arrived)
            except Exception as exc:  # noqa: BLE001 - one bad batch must not drop the next
                self.failures.record("aggregator (ingesting events)", exc)

    def _after_drain(self, fn: Callable[..., T], *args: object) -> T:
        self._drain()
        return fn(*args)

    def _recorded(self, where: str, fn: Callable[..., object], *args: object) -> None:
        """``fn(*args)`` with a failure recorded (for jobs whose result nobody awaits)."""
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - nobody waits for this job: say it here
            self.failures.record(where, exc)

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
        try:
            snap = await loop.run_in_executor(self._executor, self._after_drain,
                                              self.aggregator.snapshot)
        except Exception as exc:  # noqa: BLE001 - the views keep the last one, and say why
            self.failures.record("aggregator (taking a snapshot)", exc)
            snap = self._fallback()
        self._latest = snap
        for hook in self.on_snapshot:
            try:
                hook(snap)
            except Exception as exc:  # noqa: BLE001 - an exporter failing must not stop us
                self.failures.record(f"{_name(hook)} (snapshot hook)", exc)
        return snap

    def _fallback(self) -> Snapshot:
        """The last snapshot (or an empty one) with the failures as they stand now: what the
        views show when the aggregator could not make a snapshot."""
        last = self._latest or Snapshot(generated_at=iso(time.time()))
        alert = failure_alert(self.failures)
        return msgspec.structs.replace(
            last, generated_at=iso(time.time()),
            alerts=[alert, *(a for a in last.alerts if a.rule != alert.rule)],
            sources=msgspec.structs.replace(last.sources, errors=source_failures(self.failures),
                                            log_file=self.failures.log_file),
        )

    async def _tick(self) -> None:
        # the first snapshot at once, then on the beat grid (swarmtop/beat.py): after the
        # sampler's tick, so it holds those samples, and between the beats' log reads;
        # a slow snapshot skips the ticks it missed rather than bunching them
        loop = asyncio.get_running_loop()
        while True:
            await self.refresh()
            self.ticks += 1
            await sleep_until(next_beat(loop.time(), self.interval, SNAPSHOT_PHASE))
