"""Per-pattern task counts, errors and latency percentiles (all-time and rolling)."""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate

from swarmtop.core.config import COGNITIVE_PATTERNS
from swarmtop.core.quantiles import AllTime, Window
from swarmtop.events import TaskEvent
from swarmtop.snapshot import PatternStats

OK_STATUSES = frozenset({"ok", "success", "succeeded", "done", "completed", "pass", "passed"})
# Work stopped from outside (shutdown, a cancelled scope) is neither a success nor a failure.
NEUTRAL_STATUSES = frozenset({"cancelled", "canceled", "skipped", "aborted"})
# Histogram bucket bounds in seconds, for the Prometheus exporter (cumulative counts).
BUCKETS_S = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 60.0, 120.0, 300.0, float("inf"))
MAX_PATTERNS = 200  # a log inventing pattern names cannot grow memory without bound


class _Pattern:
    __slots__ = ("count", "errors", "all_time", "window", "window_errors", "buckets", "sum_ms")

    def __init__(self, window_s: float) -> None:
        self.buckets = [0] * len(BUCKETS_S)
        self.sum_ms = 0.0
        self.count = 0
        self.errors = 0
        self.all_time = AllTime()
        self.window = Window(window_s)
        self.window_errors = Window(window_s)


class PatternTracker:
    def __init__(self, targets_ms: dict[str, float], window_s: float = 60.0) -> None:
        self.targets_ms = targets_ms
        self.window_s = window_s
        self._patterns: dict[str, _Pattern] = {}
        self.dropped = 0

    def add(self, ev: TaskEvent) -> None:
        if ev.phase != "end":
            return
        p = self._patterns.get(ev.pattern)
        if p is None:
            if len(self._patterns) >= MAX_PATTERNS:
                self.dropped += 1
                return
            p = self._patterns[ev.pattern] = _Pattern(self.window_s)
        p.count += 1
        status = ev.status.lower()
        failed = status not in OK_STATUSES and status not in NEUTRAL_STATUSES
        if failed:
            p.errors += 1
        p.window_errors.add(ev.ts, 1.0 if failed else 0.0)
        if ev.duration_ms is not None:
            p.sum_ms += ev.duration_ms
            p.buckets[bisect_left(BUCKETS_S, ev.duration_ms / 1000.0)] += 1
            p.all_time.add(ev.duration_ms)
            p.window.add(ev.ts, ev.duration_ms)

    def totals(self) -> tuple[int, int]:
        """(tasks, failed tasks) over all patterns, all time."""
        return (
            sum(p.count for p in self._patterns.values()),
            sum(p.errors for p in self._patterns.values()),
        )

    def window_totals(self, now: float) -> tuple[int, int]:
        n = errs = 0
        for p in self._patterns.values():
            vals = p.window_errors.values(now)
            n += int(vals.size)
            errs += int(vals.sum())
        return n, errs

    def section(self, now: float) -> dict[str, PatternStats]:
        out: dict[str, PatternStats] = {}
        # the seven cognitive patterns are always listed (empty until seen), then the rest
        names = list(COGNITIVE_PATTERNS) + sorted(
            n for n in self._patterns if n not in COGNITIVE_PATTERNS
        )
        for name in names:
            p = self._patterns.get(name)
            target = self.targets_ms.get(name)
            if p is None:
                out[name] = PatternStats(target_ms=target, window_s=self.window_s)
                continue
            p50, p90, p99 = p.all_time.quantiles()
            w50, w90, w99 = p.window.quantiles(now)
            werr = p.window_errors.values(now)
            out[name] = PatternStats(
                count=p.count,
                errors=p.errors,
                p50_ms=p50,
                p90_ms=p90,
                p99_ms=p99,
                max_ms=p.all_time.max,
                target_ms=target,
                window_s=self.window_s,
                window_count=int(werr.size),
                window_p50_ms=w50,
                window_p90_ms=w90,
                window_p99_ms=w99,
                error_rate=p.errors / p.count if p.count else 0.0,
                histogram={"buckets": [[le if le != float("inf") else None, n]  # null = +Inf
                                       for le, n in zip(BUCKETS_S, accumulate(p.buckets),
                                                        strict=True)],
                           "sum_ms": p.sum_ms},
            )
        return out
