"""Streaming percentiles: an all-time sketch (≤ 1 % relative error) and an exact rolling window."""

from __future__ import annotations

import math
from array import array
from collections import deque
from collections.abc import Sequence

import numpy as np

QUANTILES = (0.5, 0.9, 0.99)


def linear_quantiles(vals: np.ndarray, qs: tuple[float, ...] = QUANTILES,
                     ) -> list[float]:
    """``[float(v) for v in np.quantile(vals, qs)]`` to the last bit, at a fraction of the
    cost for the few hundred values of a window: np.quantile spends ≈ 60 µs a call on
    argument handling and an np.unique of its indices. The same steps as numpy's default
    ('linear') method: the order statistics around (n-1)q by one partition, then numpy's
    ``_lerp`` (a + (b-a)t, or b - (b-a)(1-t) from t = 0.5 on), in the same float operations.
    ``vals`` (non-empty) is partitioned in place. Non-finite values go to np.quantile."""
    n = vals.size
    last = n - 1
    spots = []
    kth = {0, last}
    for q in qs:
        virtual = last * q
        lo = math.floor(virtual)
        if virtual >= last:
            lo = hi = last
            t = virtual + 1.0  # numpy's gamma: its index is -1 there (a = b, so unused)
        else:
            hi = lo + 1
            t = virtual - lo
        spots.append((lo, hi, t))
        kth.add(lo)
        kth.add(hi)
    vals.partition(sorted(kth))
    low, high = vals[0], vals[last]
    if not (math.isfinite(low) and math.isfinite(high)):
        return [float(v) for v in np.quantile(vals, qs)]
    out = []
    for lo, hi, t in spots:
        a, b = float(vals[lo]), float(vals[hi])
        d = b - a
        out.append(b - d * (1 - t) if t >= 0.5 else a + d * t)
    return out


class AllTime:
    """All-time quantiles in bounded memory; count and max are exact.

    Up to ``EXACT_LIMIT`` values are kept and answered exactly. Beyond that, values go to a
    log-bucket sketch (the DDSketch mapping: bucket k holds (γ^(k-1), γ^k], γ = (1+α)/(1-α)),
    which answers every quantile within α = 1 % relative error in bounded memory (a few
    thousand buckets span 1e-9 to 1e12). Values are buffered and bucketed in bulk with numpy,
    so adding one costs a list append.
    """

    __slots__ = ("count", "max", "_pending", "_sketching", "_store", "_zeros", "_keys",
                 "_key_array", "_counts", "_memo")

    EXACT_LIMIT = 2048
    FLUSH_AT = 4096
    ALPHA = 0.01
    GAMMA = (1 + ALPHA) / (1 - ALPHA)
    _LOG_GAMMA = math.log(GAMMA)
    _MIN = 1e-9  # values at or below this count in the zero bucket

    def __init__(self) -> None:
        self.count = 0
        self.max: float | None = None
        # doubles, not float objects: numpy takes them in one copy when they are bucketed
        self._pending = array("d")
        self._sketching = False
        # the sketch's keys in order and their counts (np.int64), kept in step with _store
        # while no new key appears (a new key: rebuilt at the next read, once per new bucket)
        self._keys: list[int] | None = None
        self._key_array = np.empty(0, dtype=np.int64)
        self._counts = np.empty(0, dtype=np.int64)
        # (count, qs, answer) of the last read: a pattern with no task since reads it again
        self._memo: tuple[int, tuple[float, ...], list[float | None]] = (-1, (), [])
        self._store: dict[int, int] = {}
        self._zeros = 0

    def add(self, value: float) -> None:
        self.count += 1
        if self.max is None or value > self.max:
            self.max = value
        pending = self._pending
        pending.append(value)
        if len(pending) >= (self.FLUSH_AT if self._sketching else self.EXACT_LIMIT + 1):
            self._flush()

    def extend(self, values: Sequence[float]) -> None:
        """``add`` of each value in order, at once (the backlog path). The same state: the
        sketch's buckets do not depend on how values were grouped into flushes, and the exact
        mode ends once more than EXACT_LIMIT values were seen either way; only ``_pending``
        may briefly hold one run more than FLUSH_AT."""
        if not values:
            return
        self.count += len(values)
        top = max(values)  # the first of equal maxima, as add's ``>`` keeps
        if self.max is None or top > self.max:
            self.max = top
        self._pending.extend(values)
        pending = self._pending
        if len(pending) >= (self.FLUSH_AT if self._sketching else self.EXACT_LIMIT + 1):
            self._flush()

    def _flush(self) -> None:
        self._sketching = True
        if not self._pending:
            return
        arr = np.frombuffer(self._pending, dtype=float)
        self._pending = array("d")
        pos = arr[arr > self._MIN]
        self._zeros += int(arr.size - pos.size)
        keys = np.ceil(np.log(pos) / self._LOG_GAMMA).astype(np.int64)
        store = self._store
        known = len(store)
        if keys.size <= 64:  # a live snapshot's few new values: np.unique costs more
            get = store.get
            for k in keys.tolist():
                store[k] = get(k, 0) + 1
        else:
            uniq, counts = np.unique(keys, return_counts=True)
            for k, c in zip(uniq.tolist(), counts.tolist(), strict=True):
                store[k] = store.get(k, 0) + c
        if len(store) != known:
            self._keys = None
        elif self._keys is not None and keys.size:
            np.add.at(self._counts, np.searchsorted(self._key_array, keys), 1)

    def quantiles(self, qs: tuple[float, ...] = QUANTILES) -> list[float | None]:
        if self.count == 0:
            return [None] * len(qs)
        memo = self._memo
        if memo[0] == self.count and memo[1] == qs:  # nothing added since: the same answer
            return list(memo[2])
        if not self._sketching:
            out: list[float | None] = [*linear_quantiles(np.array(self._pending), qs)]
            self._memo = (self.count, qs, out)
            return list(out)
        self._flush()
        keys = self._keys
        if keys is None:
            keys = self._keys = sorted(self._store)
            self._key_array = np.array(keys, dtype=np.int64)
            self._counts = np.array([self._store[k] for k in keys], dtype=np.int64)
        cum = np.cumsum(self._counts) + self._zeros
        out = []
        for q in qs:
            rank = q * (self.count - 1)
            if rank < self._zeros:
                out.append(0.0)
                continue
            i = int(np.searchsorted(cum, rank, side="right"))
            k = keys[min(i, len(keys) - 1)]
            out.append(2.0 * self.GAMMA**k / (self.GAMMA + 1.0))
        self._memo = (self.count, qs, out)
        return list(out)


class _Timeline:
    """Times (and values) of the last ``span_s`` seconds, at most ``cap`` of them, in flat
    ``array('d')`` buffers: a window's p99 is read on every analyzer tick (thousands per
    backlog), and numpy copies a flat buffer of doubles in one go where a deque of float
    objects scattered over a big heap costs a cache miss per value. Expired entries are
    skipped by moving ``_head``; the buffers are compacted once half of them is expired."""

    __slots__ = ("span_s", "cap", "_ts", "_head")

    def __init__(self, span_s: float, cap: int) -> None:
        self.span_s = span_s
        self.cap = cap
        self._ts = array("d")
        self._head = 0

    def __len__(self) -> int:
        return len(self._ts) - self._head

    def _expire(self, now: float) -> None:
        cutoff = now - self.span_s
        times = self._ts
        head, n = self._head, len(times)
        while head < n and times[head] < cutoff:
            head += 1
        self._dropped(self._head, head)
        self._head = head
        if head > 1024 and head * 2 > n:
            self._compact()

    def _cap(self) -> None:
        over = len(self._ts) - self._head - self.cap
        if over > 0:  # full: the oldest go, as deque(maxlen)
            self._dropped(self._head, self._head + over)
            self._head += over
            if self._head > 1024 and self._head * 2 > len(self._ts):
                self._compact()

    def _dropped(self, start: int, end: int) -> None:
        """Entries ``start:end`` left the window (subclasses keep running counts)."""

    def _compact(self) -> None:
        del self._ts[: self._head]
        self._head = 0


class Window(_Timeline):
    """Exact quantiles over the values of the last ``span_s`` seconds (at most ``cap`` values)."""

    __slots__ = ("_vals",)

    def __init__(self, span_s: float = 60.0, cap: int = 20_000) -> None:
        super().__init__(span_s, cap)
        self._vals = array("d")

    def add(self, ts: float, value: float) -> None:
        self._ts.append(ts)
        self._vals.append(value)
        if len(self._ts) - self._head > self.cap:
            self._cap()

    def extend(self, times: Sequence[float], values: Sequence[float]) -> None:
        """``add`` of each (time, value) pair in order, at once (the backlog path)."""
        self._ts.extend(times)
        self._vals.extend(values)
        if len(self._ts) - self._head > self.cap:
            self._cap()

    def _compact(self) -> None:
        del self._vals[: self._head]
        super()._compact()

    def values(self, now: float) -> np.ndarray:
        self._expire(now)
        head = self._head
        times = self._ts
        if head == len(times):
            return np.empty(0)
        # slicing copies into a new array: numpy never holds a view of the growing buffers
        vals = np.frombuffer(self._vals[head:], dtype=float)
        if times[-1] <= now:  # the usual case: no value from after `now`
            return vals
        return vals[np.frombuffer(times[head:], dtype=float) <= now]

    def quantiles(self, now: float, qs: tuple[float, ...] = QUANTILES) -> list[float | None]:
        vals = self.values(now)
        if vals.size == 0:
            return [None] * len(qs)
        return [*linear_quantiles(vals, qs)]

    def p99(self, now: float) -> float | None:
        """``quantiles(now, (0.99,))[0]`` (linear interpolation) for a fraction of the cost:
        the analyzers' backlog ticks read it for every pattern, thousands of times per report."""
        vals = self.values(now)
        if not vals.size:
            return None
        n = vals.size
        pos = 0.99 * (n - 1)
        lo = int(pos)
        hi = min(lo + 1, n - 1)
        vals.partition((lo, hi))  # in place: values() hands out a copy
        return float(vals[lo] + (vals[hi] - vals[lo]) * (pos - lo))


class CountWindow(_Timeline):
    """How many events, and how many of them flagged, in the last ``span_s`` seconds (at most
    ``cap`` events): a running count instead of an array summed on every read."""

    __slots__ = ("_flags", "_hits")

    def __init__(self, span_s: float = 60.0, cap: int = 20_000) -> None:
        super().__init__(span_s, cap)
        self._flags = bytearray()
        self._hits = 0

    def add(self, ts: float, flag: bool) -> None:
        self._ts.append(ts)
        self._flags.append(flag)
        if flag:
            self._hits += 1
        if len(self._ts) - self._head > self.cap:
            self._cap()

    def extend(self, times: Sequence[float], flags: bytes | bytearray) -> None:
        """``add`` of each (time, flag) pair in order, at once (the backlog path); ``flags``
        one byte (0 or 1) per time."""
        self._ts.extend(times)
        self._flags.extend(flags)
        self._hits += flags.count(1)
        if len(self._ts) - self._head > self.cap:
            self._cap()

    def _dropped(self, start: int, end: int) -> None:
        if end > start:
            self._hits -= self._flags.count(1, start, end)

    def _compact(self) -> None:
        del self._flags[: self._head]
        super()._compact()

    def counts(self, now: float) -> tuple[int, int]:
        """(events, flagged events) from ``now - span_s`` to ``now``."""
        self._expire(now)
        times = self._ts
        head = self._head
        if head == len(times) or times[-1] <= now:  # the usual case: nothing after `now`
            return len(times) - head, self._hits
        n = hits = 0
        flags = self._flags
        for i in range(head, len(times)):
            if times[i] <= now:
                n += 1
                hits += flags[i]
        return n, hits


class RateWindow:
    """Sum of amounts over the last ``span_s`` seconds, in one-second buckets (bounded)."""

    __slots__ = ("span_s", "_buckets")

    def __init__(self, span_s: float = 60.0) -> None:
        self.span_s = span_s
        self._buckets: deque[list[float]] = deque(maxlen=int(span_s) + 2)

    def add(self, ts: float, amount: float) -> None:
        sec = float(int(ts))
        b = self._buckets
        if b and b[-1][0] == sec:
            b[-1][1] += amount
        elif not b or sec > b[-1][0]:
            b.append([sec, amount])
        else:  # out-of-order event: find its bucket if it is still in the window
            for bucket in b:
                if bucket[0] == sec:
                    bucket[1] += amount
                    return
            if sec >= b[0][0]:
                b.append([sec, amount])
                ordered = sorted(b, key=lambda x: x[0])
                b.clear()
                b.extend(ordered)

    def total(self, now: float) -> float:
        cutoff = now - self.span_s
        return sum(a for s, a in self._buckets if cutoff < s + 1 and s <= now)

    def per_minute(self, now: float, since: float | None = None) -> float:
        """Rate per minute over the window (or since ``since`` if the run is younger)."""
        span = self.span_s
        if since is not None:
            span = max(1.0, min(span, now - since))
        return self.total(now) * 60.0 / span
