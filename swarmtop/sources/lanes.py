"""A few worker threads where a job wakes only the thread that runs it.

A ``ThreadPoolExecutor`` of n threads wakes every idle thread at each job: its workers wait on
one ``queue.SimpleQueue``, whose ``get`` (CPython 3.11) hands its lock on to the next waiter
after taking an item, so that waiter wakes, finds the queue empty and sleeps again. For the
sampler (2 threads, one job a tick) that doubled its thread wake-ups (measured: 3.3 against
1.7 a job, benchmarks/NOTES.md session 9). Here each thread is an executor of its own (a
lane); a job goes to the first lane with nothing in flight, so a second thread is started,
and woken, only while the first is busy (a big tree, a read that hangs).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class Lanes(Executor):
    """Up to ``n`` single-thread executors, each made when first needed; ``submit`` from one
    thread only (the event loop's)."""

    def __init__(self, n: int, thread_name_prefix: str) -> None:
        self.n = max(1, n)
        self._prefix = thread_name_prefix
        self._lanes: list[tuple[ThreadPoolExecutor, list[Future[Any]]]] = []
        self._shutdown = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        for _, inflight in self._lanes:
            inflight[:] = [f for f in inflight if not f.done()]
        idle = next((lane for lane in self._lanes if not lane[1]), None)
        if idle is not None:
            ex, inflight = idle
        elif len(self._lanes) < self.n:
            ex, inflight = ThreadPoolExecutor(1, thread_name_prefix=self._prefix), []
            self._lanes.append((ex, inflight))
        else:  # all busy: the one with the fewest jobs in flight
            ex, inflight = min(self._lanes, key=lambda lane: len(lane[1]))
        fut = ex.submit(fn, *args, **kwargs)
        inflight.append(fut)
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shutdown = True
        for ex, _ in self._lanes:
            ex.shutdown(wait=wait, cancel_futures=cancel_futures)

    @property
    def threads(self) -> int:
        """Lanes started so far (each one thread)."""
        return len(self._lanes)
