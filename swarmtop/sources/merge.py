"""Several files' events in time order, for reading a backlog (``swarmtop report``).

Live, the events of every followed file arrive interleaved as they happen. A report read one
file after another would instead run the analyzers (alerts, trends, silence) on the first
file's timeline and see the others only at its end. ``time_ordered`` merges the files'
batches by event time with bounded memory: files are opened in the order of their first
event (read from each one's head), each once the timeline reaches it (up to ``hard_max`` open
at once), and each holds only its current batch.

Each file is taken to be in time order on its own (a log is written as it goes). What is
emitted up to the *horizon* — the oldest "newest buffered event" among the open files — can
no longer be preceded by anything unread: every file not yet opened starts later. Those
events are sorted (stable, numpy) and handed on in batches. Past ``hard_max`` overlapping
files, a file that has to wait hands its events on late (behind the timeline). Events
stamped on arrival (FileStatus, ParseError) keep their place in their file: they take the
time of the event before them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from itertools import chain
from operator import itemgetter
from pathlib import Path

import numpy as np

from swarmtop.events import ARRIVAL_STAMPED, Event

MAX_OPEN = 16  # files read at once (each holds its reader's chunk and one batch)
HARD_MAX_OPEN = 64  # ... and at most this many while more of them overlap in time
CHUNK = 256 << 10  # bytes each of them reads at a time (a 1 MiB chunk is ~7,000 events)
BATCH = 2000

_ARRIVAL_STAMPED = frozenset(ARRIVAL_STAMPED)  # (a set: tested against each batch's types)


class _Stream:
    __slots__ = ("batches", "events", "keys", "pos", "last_key", "newest", "done")

    def __init__(self, batches: Iterator[list[Event]]) -> None:
        self.batches = batches
        self.events: list[Event] = []
        self.keys = np.empty(0)
        self.pos = 0  # events[:pos] are handed on already
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
            if not batch:
                continue
            arr = np.fromiter([ev.ts for ev in batch], float, len(batch))
            # an event stamped on arrival (or, from no decoder today, a time that is not
            # finite) takes the time before it in its file: it keeps its place
            stamped = not _ARRIVAL_STAMPED.isdisjoint(map(type, batch))
            if stamped or not np.isfinite(arr).all():
                arr = _keep_place(arr, self.last_key, batch if stamped else None)
            self.last_key = float(arr[-1])
            self.events = batch
            self.keys = arr
            self.newest = float(arr.max())

    def take(self, horizon: float) -> tuple[list[Event], np.ndarray]:
        """The buffered events up to the first one later than ``horizon``."""
        pos = self.pos
        keys = self.keys[pos:]
        if not len(keys) or keys[0] > horizon:
            return [], keys[:0]
        over = keys > horizon
        n = int(over.argmax()) if over.any() else len(keys)
        self.pos = pos + n
        taken = self.events[pos:pos + n]
        if self.pos == len(self.events):  # all gone: the next fill reads on
            self.events, self.keys, self.pos = [], np.empty(0), 0
        return taken, keys[:n]


def _keep_place(keys: np.ndarray, before: float, events: list[Event] | None) -> np.ndarray:
    """Each time that is not finite, or of an event stamped on arrival, replaced by the one
    before it (``before`` at the start)."""
    out = keys.copy()
    prev = before
    for i, k in enumerate(out.tolist()):
        if math.isfinite(k) and (events is None or type(events[i]) not in _ARRIVAL_STAMPED):
            prev = k
        else:
            out[i] = prev
    return out


def by_first_time(paths: list[Path], first: Callable[[Path], float | None]
                  ) -> list[tuple[float, Path]]:
    """(first event time, path), earliest first; a file whose first time is unknown first."""
    starts = [(-math.inf if (t := first(p)) is None or not math.isfinite(t) else t, i, p)
              for i, p in enumerate(paths)]
    return [(t, p) for t, _i, p in sorted(starts)]


def _horizon(open_: list[_Stream]) -> float:
    """Nothing unread can come before the newest buffered event of the stream whose newest is
    oldest (a stream that is done constrains nothing)."""
    live = [s.newest for s in open_ if not s.done]
    return min(live) if live else math.inf


def time_ordered(paths: list[Path], read: Callable[[Path], Iterator[list[Event]]],
                 max_open: int = MAX_OPEN, batch: int = BATCH,
                 first: Callable[[Path], float | None] | None = None,
                 hard_max: int = HARD_MAX_OPEN) -> Iterator[list[Event]]:
    """Batches of the events of ``paths`` (each read with ``read``) in time order.

    With ``first`` (a file's first event time, from its head) files are opened in that
    order, each once the next one starts before everything buffered has been handed on (up
    to ``hard_max`` at once), so no file's events come late. Without it (in the order
    given: ``max_open`` at once), or past ``hard_max``, files wait their turn and a late
    one's events are handed on behind the others."""
    if len(paths) <= 1:
        for p in paths:
            yield from read(p)
        return
    if first is None:
        # (start unknown: opened in the order given, never beyond max_open for it)
        waiting = [(math.inf, p) for p in reversed(paths)]  # popped from the end
    else:
        waiting = list(reversed(by_first_time(paths, first)))
    open_: list[_Stream] = []
    out: list[Event] = []
    # with known starts a file is opened only once the timeline reaches its first event
    # (nothing of it can come before): fewer files held at once, and a file decoded
    # elsewhere (sources/parallel.py) is waited for only when it is due
    eager = max_open if first is None else 1
    while waiting or open_:
        while waiting and (len(open_) < eager or (
                len(open_) < hard_max and waiting[-1][0] <= _horizon(open_))):
            s = _Stream(read(waiting.pop()[1]))
            s.fill()
            if not s.done or s.events:
                open_.append(s)
        # the stream whose newest is oldest gives the horizon: its whole buffer goes, so
        # every round makes progress
        horizon = _horizon(open_)
        parts, keys = [], []
        for s in open_:
            ev, k = s.take(horizon)
            if ev:
                parts.append(ev)
                keys.append(k)
        if parts:
            if len(parts) == 1:
                out.extend(parts[0])
            else:
                order = np.argsort(np.concatenate(keys), kind="stable").tolist()
                flat = list(chain.from_iterable(parts))
                out.extend(itemgetter(*order)(flat) if len(order) > 1 else flat)
            if len(out) >= batch:
                cut = len(out) - len(out) % batch
                for i in range(0, cut, batch):
                    yield out[i:i + batch]
                out = out[cut:]
        for s in open_:
            s.fill()
        open_ = [s for s in open_ if s.events or not s.done]
    if out:
        yield out
