"""Several files' events in time order, for reading a backlog (``swarmtop report``).

Live, the events of every followed file arrive interleaved as they happen. A report read one
file after another would instead run the analyzers (alerts, trends, silence) on the first
file's timeline and see the others only at its end. ``time_ordered`` merges the files'
batches by event time with bounded memory: at most ``max_open`` files are read at once (the
rest wait, least recently modified first: the order in which they were most likely written),
and each holds only its current batch.

Each file is taken to be in time order on its own (a log is written as it goes). What is
emitted up to the *horizon* — the oldest "newest buffered event" among the files still
being read — can no longer be preceded by anything unread; those events are sorted (stable,
numpy) and handed on in batches. Events stamped on arrival (FileStatus, ParseError) keep
their place in their file: they take the time of the event before them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from swarmtop.events import Event, FileStatus, ParseError

MAX_OPEN = 16  # files read at once (each holds its reader's chunk and one batch)
BATCH = 2000

_ARRIVAL_STAMPED = (FileStatus, ParseError)


class _Stream:
    __slots__ = ("batches", "events", "keys", "last_key", "newest", "done")

    def __init__(self, batches: Iterator[list[Event]]) -> None:
        self.batches = batches
        self.events: list[Event] = []
        self.keys = np.empty(0)
        self.last_key = float("-inf")  # the time given to an arrival-stamped event
        self.newest = float("-inf")  # the latest time buffered
        self.done = False

    def fill(self) -> None:
        """Read batches until some event is buffered or the file is done."""
        while not self.events and not self.done:
            batch = next(self.batches, None)
            if batch is None:
                self.done = True
                return
            keys = []
            last = self.last_key
            for ev in batch:
                if not isinstance(ev, _ARRIVAL_STAMPED):
                    last = ev.ts
                keys.append(last)
            arr = np.array(keys, dtype=float)
            if not np.isfinite(arr).all():  # a time no decoder should give: keep its place
                arr = _keep_place(arr, self.last_key)
                last = float(arr[-1]) if len(arr) else last
            self.last_key = last
            self.events = batch
            self.keys = arr
            self.newest = float(self.keys.max()) if keys else float("-inf")

    def take(self, horizon: float) -> tuple[list[Event], np.ndarray]:
        """The buffered events up to the first one later than ``horizon``."""
        over = self.keys > horizon
        n = int(over.argmax()) if over.any() else len(self.events)
        taken, keys = self.events[:n], self.keys[:n]
        self.events, self.keys = self.events[n:], self.keys[n:]
        return taken, keys


def _keep_place(keys: np.ndarray, before: float) -> np.ndarray:
    """Each non-finite time replaced by the finite one before it (``before`` at the start)."""
    out = keys.copy()
    prev = before
    for i, k in enumerate(out):
        if np.isfinite(k):
            prev = k
        else:
            out[i] = prev
    return out


def by_mtime(paths: list[Path]) -> list[Path]:
    """Least recently modified first (a file that cannot be stat'ed keeps its place first)."""
    def mtime(p: Path) -> float:
        try:
            return os.stat(p).st_mtime
        except OSError:
            return float("-inf")

    return sorted(paths, key=mtime)


def time_ordered(paths: list[Path], read: Callable[[Path], Iterator[list[Event]]],
                 max_open: int = MAX_OPEN, batch: int = BATCH) -> Iterator[list[Event]]:
    """Batches of the events of ``paths`` (each read with ``read``) in time order."""
    if len(paths) <= 1:
        for p in paths:
            yield from read(p)
        return
    waiting = list(reversed(by_mtime(paths)))  # popped from the end
    open_: list[_Stream] = []
    out: list[Event] = []
    while waiting or open_:
        while waiting and len(open_) < max_open:
            s = _Stream(read(waiting.pop()))
            s.fill()
            if not s.done or s.events:
                open_.append(s)
        # nothing unread can come before the newest buffered event of the stream whose newest
        # is oldest (a stream that is done constrains nothing); that stream's whole buffer
        # goes, so every round makes progress
        live = [s.newest for s in open_ if not s.done]
        horizon = min(live) if live else float("inf")
        parts, keys = [], []
        for s in open_:
            ev, k = s.take(horizon)
            if ev:
                parts.append(ev)
                keys.append(k)
        if parts:
            if len(parts) == 1:
                merged = parts[0]
            else:
                order = np.argsort(np.concatenate(keys), kind="stable")
                flat = [e for part in parts for e in part]
                merged = [flat[i] for i in order.tolist()]
            out.extend(merged)
            while len(out) >= batch:
                yield out[:batch]
                out = out[batch:]
        for s in open_:
            s.fill()
        open_ = [s for s in open_ if s.events or not s.done]
    if out:
        yield out
