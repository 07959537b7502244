"""Per-minute rates of two amounts at once (tokens and dollars) over a rolling window."""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from itertools import islice
from operator import itemgetter

_SECOND, _AMOUNT = itemgetter(0), itemgetter(1)


class PairRateWindow:
    """Sums of two amounts over the last ``span_s`` seconds in one-second buckets (bounded).
    One bucket lookup per call for both figures: this sits on the ingest hot path."""

    __slots__ = ("span_s", "_buckets", "_appends", "_edits", "_memo")

    def __init__(self, span_s: float = 60.0) -> None:
        self.span_s = span_s
        self._buckets: deque[list[float]] = deque(maxlen=int(span_s) + 2)
        # for ``per_minute_a``'s running sum: buckets appended, and changes anywhere but the
        # newest bucket (out-of-order times), since the start
        self._appends = 0
        self._edits = 0
        # (edits, now, len, appends, lo, hi, sum of a over buckets[lo:hi], buckets[hi-1][1])
        self._memo: tuple[int, float, int, int, int, int, float, float] | None = None

    def add(self, ts: float, a: float, b: float) -> list[float] | None:
        """Returns the newest bucket when the amounts went to it ([second, a, b]: a caller
        adding more to the same second may add to it directly until it adds elsewhere)."""
        sec = float(int(ts))
        buckets = self._buckets
        if buckets:
            last = buckets[-1]
            if last[0] == sec:
                last[1] += a
                last[2] += b
                return last
            if sec < last[0]:  # out of order: find its bucket while it is in the window
                if sec < last[0] - self.span_s - 1:
                    return None  # older than the window (e.g. the next file of a backlog)
                self._edits += 1
                for bucket in buckets:
                    if bucket[0] == sec:
                        bucket[1] += a
                        bucket[2] += b
                        return None
                if sec >= buckets[0][0]:
                    ordered = sorted([*buckets, [sec, a, b]], key=lambda x: x[0])
                    buckets.clear()
                    buckets.extend(ordered[-buckets.maxlen:] if buckets.maxlen else ordered)
                return None
        self._appends += 1
        last = [sec, a, b]
        buckets.append(last)
        return last

    def totals(self, now: float) -> tuple[float, float]:
        cutoff = now - self.span_s
        buckets = self._buckets
        # buckets are kept in time order: find the window's first bucket from the newest end
        # (a backlog asks at every analyzer tick, and a deque of one-second buckets filled
        # from several files reaches well before the window), then sum oldest-first so the
        # float sums are the same as a full pass
        start = len(buckets)
        for s, _a, _b in reversed(buckets):
            if cutoff >= s + 1:
                break
            start -= 1
        ta = tb = 0.0
        for s, a, b in islice(buckets, start, None):
            if s <= now:
                ta += a
                tb += b
        return ta, tb

    def per_minute(self, now: float, since: float | None = None) -> tuple[float, float]:
        """Both rates per minute over the window (or since ``since`` if the run is younger)."""
        span = self.span_s
        if since is not None:
            span = max(1.0, min(span, now - since))
        a, b = self.totals(now)
        return a * 60.0 / span, b * 60.0 / span

    def per_minute_a(self, now: float, since: float | None = None) -> float:
        """The first amount's rate alone: ``per_minute(...)[0]``, the same float when the
        first amounts are whole numbers (token counts), whose float sums are exact in any
        order (below 2**53). An analyzer tick asks at a later ``now`` each time with a few
        buckets added at the newest end: the window's sum is then carried over (the buckets
        that entered added, those that left taken off) instead of summed afresh."""
        span = self.span_s
        if since is not None:
            span = max(1.0, min(span, now - since))
        cutoff = now - self.span_s
        buckets = self._buckets
        n = len(buckets)
        memo = self._memo
        if memo is not None and memo[0] == self._edits and now >= memo[1]:
            _e, _now, plen, papp, lo, hi, ta, last_a = memo
            drops = plen + (self._appends - papp) - n  # fell off the old end (maxlen)
            lo -= drops
            hi -= drops
            if lo >= 0:
                if hi > lo:  # the newest bucket then may have grown since
                    ta += buckets[hi - 1][1] - last_a
                # the buckets that entered (second <= now) and those that left (cutoff >=
                # second + 1, i.e. second <= cutoff - 1, exact below 2**53), found by bisection
                # and summed in C: a lean backlog tick comes 30 s after the last
                new_hi = bisect_right(buckets, now, hi, n, key=_SECOND)
                if new_hi > hi:
                    ta += sum(map(_AMOUNT, islice(buckets, hi, new_hi)))
                    hi = new_hi
                new_lo = bisect_right(buckets, cutoff - 1, lo, hi, key=_SECOND)
                if new_lo > lo:
                    ta -= sum(map(_AMOUNT, islice(buckets, lo, new_lo)))
                    lo = new_lo
                self._memo = (self._edits, now, n, self._appends, lo, hi, ta,
                              buckets[hi - 1][1] if hi > lo else 0.0)
                return ta * 60.0 / span
        # afresh: the window is buckets[lo:hi] (kept in time order, one per second)
        hi = bisect_right(buckets, now, key=_SECOND)
        lo = bisect_right(buckets, cutoff - 1, 0, hi, key=_SECOND)
        ta = float(sum(map(_AMOUNT, islice(buckets, lo, hi))))
        self._memo = (self._edits, now, n, self._appends, lo, hi, ta,
                      buckets[hi - 1][1] if hi > lo else 0.0)
        return ta * 60.0 / span
