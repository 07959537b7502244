"""Run a Tailer against real files in a temp dir and observe what it hands on."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable

from swarmtop.core.aggregator import Aggregator
from swarmtop.events import Event, FileStatus, LogLine, ParseError
from swarmtop.sources.paths import parse_source
from swarmtop.sources.tailer import Tailer


class Harness:
    def __init__(self, *sources: str, **kwargs) -> None:
        kwargs.setdefault("rotate_wait_s", 1.0)
        self.tailer = Tailer([parse_source(s, must_exist=False) for s in sources], **kwargs)
        self.agg = Aggregator()
        self.texts: Counter[str] = Counter()
        self.errors: list[ParseError] = []
        self.status: dict[str, FileStatus] = {}
        self.batches: list[int] = []
        self.task: asyncio.Task[None] | None = None

    async def emit(self, batch: list[Event]) -> None:
        # like asyncio.Queue.put: may make the source wait, and a batch whose emit was
        # cancelled was not delivered
        await asyncio.sleep(0)
        self.batches.append(len(batch))
        self.agg.ingest(batch)
        for ev in batch:
            if isinstance(ev, LogLine):
                self.texts[ev.text] += 1
            elif isinstance(ev, ParseError):
                self.errors.append(ev)
            elif isinstance(ev, FileStatus):
                self.status[ev.source] = ev

    async def __aenter__(self) -> Harness:
        self.task = asyncio.create_task(self.tailer.run(self.emit))
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                pass
            self.task = None
        await self.tailer.close()

    @property
    def lines(self) -> int:
        """What the snapshot reports: the latest status per path, summed."""
        return self.agg.snapshot().sources.lines

    @property
    def count(self) -> int:
        return sum(self.texts.values())

    async def ready(self) -> None:
        """Wait until the backlog has been read (the tailer is following)."""
        await wait_for(lambda: self.tailer.progress().done and self.tailer._backlog_done)

    async def until(self, cond: Callable[[], bool], timeout: float = 20.0) -> None:
        await wait_for(cond, timeout)

    async def settle(self, expected: int, timeout: float = 20.0) -> None:
        """Wait for ``expected`` lines, then a little longer to catch any duplicate."""
        await wait_for(lambda: self.count + len(self.errors) >= expected
                       and self.lines >= expected, timeout)
        await asyncio.sleep(0.3 + min(self.tailer.rescan_s, 1.0))


async def wait_for(cond: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.02)


def numbered(prefix: str, n: int, start: int = 0) -> bytes:
    return b"".join(f"{prefix}-{i:06d}\n".encode() for i in range(start, start + n))


def expect(prefix: str, n: int, start: int = 0) -> Counter[str]:
    return Counter(f"{prefix}-{i:06d}" for i in range(start, start + n))
