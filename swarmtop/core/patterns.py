"""Per-pattern task counts, errors and latency percentiles (all-time and rolling)."""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from functools import reduce
from itertools import accumulate
from operator import add as _add

from swarmtop.core.config import COGNITIVE_PATTERNS
from swarmtop.core.quantiles import AllTime, CountWindow, Window
from swarmtop.events import TaskEvent
from swarmtop.snapshot import Bucket, LatencyHistogram, PatternStats

OK_STATUSES = frozenset({"ok", "success", "succeeded", "done", "completed", "pass", "passed"})
# Work stopped from outside (shutdown, a cancelled scope) is neither a success nor a failure.
NEUTRAL_STATUSES = frozenset({"cancelled", "canceled", "skipped", "aborted"})
# Histogram bucket bounds in seconds, for the Prometheus exporter (cumulative counts).
BUCKETS_S = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 60.0, 120.0, 300.0, float("inf"))
MAX_PATTERNS = 200  # a log inventing pattern names cannot grow memory without bound
MAX_AGENTS = 100  # agents tracked per pattern; the rest fold into "(other)"
MAX_STATUSES = 256  # distinct status words whose verdict is remembered


class AgentLoad:
    """Recent tasks, failures and over-target tasks of one agent in one pattern, as counts
    that decay exponentially (time constant = the rolling window): O(1) memory, and they
    forget the past at the same pace as the window figures."""

    __slots__ = ("count", "errors", "slow", "last")

    def __init__(self) -> None:
        self.count = self.errors = self.slow = 0.0
        self.last: float | None = None

    def add(self, ts: float, failed: bool, slow: bool, tau: float) -> None:
        w = 1.0
        last = self.last
        if last is None or ts >= last:
            if last is not None and ts != last:
                f = math.exp(-(ts - last) / tau)
                self.count *= f
                self.errors *= f
                self.slow *= f
            self.last = ts
        else:  # an older event: weigh it by its age instead of decaying the rest
            w = math.exp(-(last - ts) / tau)
        self.count += w
        if failed:
            self.errors += w
        if slow:
            self.slow += w

    def at(self, now: float, tau: float) -> tuple[float, float, float]:
        """(tasks, failed, over target) decayed to ``now``."""
        f = 1.0 if self.last is None or now <= self.last else math.exp(-(now - self.last) / tau)
        return self.count * f, self.errors * f, self.slow * f


class _Pattern:
    __slots__ = ("count", "errors", "all_time", "window", "window_errors", "agents", "buckets",
                 "sum_ms")

    def __init__(self, window_s: float) -> None:
        self.buckets = [0] * len(BUCKETS_S)
        self.sum_ms = 0.0
        self.count = 0
        self.errors = 0
        self.all_time = AllTime()
        self.window = Window(window_s)
        self.window_errors = CountWindow(window_s)
        self.agents: dict[str, AgentLoad] = {}


class _Run:
    """One pattern's tasks within a PatternTracker.add_many pass, in order."""

    __slots__ = ("p", "target", "agents", "times", "flags", "d_times", "durations", "buckets")

    def __init__(self, p: _Pattern, target: float | None) -> None:
        self.p = p
        self.target = target
        self.agents = p.agents
        # times as doubles (the windows keep doubles: extended in one copy), durations as
        # given (the maximum and the sum see the very objects ``add`` would)
        self.times = array("d")
        self.flags = bytearray()
        self.d_times = array("d")
        self.durations: list[float] = []
        self.buckets = p.buckets

    def apply(self) -> None:
        p = self.p
        n = len(self.times)
        p.count += n
        p.errors += self.flags.count(1)
        p.window_errors.extend(self.times, self.flags)
        durations = self.durations
        if durations:
            p.sum_ms = reduce(_add, durations, p.sum_ms)  # left to right, as += one by one
            p.all_time.extend(durations)
            p.window.extend(self.d_times, durations)


class PatternTracker:
    def __init__(self, targets_ms: dict[str, float], window_s: float = 60.0) -> None:
        self.targets_ms = targets_ms
        self.window_s = window_s
        self._failed: dict[str, bool] = {}  # status as written -> counts as a failure
        self._tau = max(window_s, 1.0)  # agent loads decay with the rolling window
        self._patterns: dict[str, _Pattern] = {}
        self.dropped = 0

    def __len__(self) -> int:
        """Patterns seen (0: no task has ended; ``section`` then depends on nothing)."""
        return len(self._patterns)

    def _count(self, ev: TaskEvent) -> tuple[_Pattern, bool] | None:
        """The all-time part of a finished task (count, errors, duration sketch), shared by
        timed and untimed tasks: its pattern and whether it failed; None when the pattern is
        over the bound (counted in ``dropped``)."""
        name = ev.pattern
        p = self._patterns.get(name)
        if p is None:
            if len(self._patterns) >= MAX_PATTERNS:
                self.dropped += 1
                return None
            p = self._patterns[name] = _Pattern(self.window_s)
        p.count += 1
        status = ev.status
        failed = self._failed.get(status)
        if failed is None:
            low = status.lower()
            failed = low not in OK_STATUSES and low not in NEUTRAL_STATUSES
            if len(self._failed) < MAX_STATUSES:
                self._failed[status] = failed
        if failed:
            p.errors += 1
        duration = ev.duration_ms
        if duration is not None:
            p.sum_ms += duration
            p.buckets[bisect_left(BUCKETS_S, duration / 1000.0)] += 1
            p.all_time.add(duration)
        return p, failed

    def add(self, ev: TaskEvent) -> None:
        if ev.phase != "end":
            return
        counted = self._count(ev)
        if counted is None:
            return
        p, failed = counted
        name = ev.pattern
        ts = ev.ts
        p.window_errors.add(ts, failed)
        duration = ev.duration_ms
        slow = False
        if duration is not None:
            p.window.add(ts, duration)
            target = self.targets_ms.get(name)
            slow = bool(target and duration > target)
        agent = ev.agent or "(none)"
        load = p.agents.get(agent)
        if load is None:
            if len(p.agents) >= MAX_AGENTS:
                agent = "(other)"
                load = p.agents.get(agent)
            if load is None:
                load = p.agents[agent] = AgentLoad()
        load.add(ts, failed, slow, self._tau)

    def add_untimed(self, ev: TaskEvent) -> None:
        """A task whose log gave it no time: in the all-time count, errors and percentiles;
        in no window and no agent's recent load."""
        if ev.phase == "end":
            self._count(ev)

    def add_many(self, events: list[TaskEvent]) -> None:
        """``add`` of each event in order, in one pass (the backlog path: a run of tasks between
        two analyzer ticks). The same state as ``add`` one by one: each pattern's times,
        durations and flags are gathered in order and handed to its windows and sketch at
        once; sums run in the same order; agent loads decay event by event."""
        patterns = self._patterns
        failed_of = self._failed
        targets = self.targets_ms
        tau = self._tau
        exp = math.exp
        bounds = BUCKETS_S
        runs: dict[str, _Run] = {}  # pattern -> what this pass gathered for it
        for ev in events:
            if ev.phase != "end":
                continue
            name = ev.pattern
            run = runs.get(name)
            if run is None:
                p = patterns.get(name)
                if p is None:
                    if len(patterns) >= MAX_PATTERNS:
                        self.dropped += 1
                        continue
                    p = patterns[name] = _Pattern(self.window_s)
                run = runs[name] = _Run(p, targets.get(name))
            status = ev.status
            failed = failed_of.get(status)
            if failed is None:
                low = status.lower()
                failed = low not in OK_STATUSES and low not in NEUTRAL_STATUSES
                if len(failed_of) < MAX_STATUSES:
                    failed_of[status] = failed
            ts = ev.ts
            run.times.append(ts)
            run.flags.append(failed)
            duration = ev.duration_ms
            slow = False
            if duration is not None:
                run.d_times.append(ts)
                run.durations.append(duration)
                run.buckets[bisect_left(bounds, duration / 1000.0)] += 1
                target = run.target
                slow = bool(target and duration > target)
            agent = ev.agent or "(none)"
            agents = run.agents
            load = agents.get(agent)
            if load is None:
                if len(agents) >= MAX_AGENTS:
                    agent = "(other)"
                    load = agents.get(agent)
                if load is None:
                    load = agents[agent] = AgentLoad()
            # AgentLoad.add, written out
            last = load.last
            if last is None or ts >= last:
                if last is not None and ts != last:
                    f = exp(-(ts - last) / tau)
                    load.count *= f
                    load.errors *= f
                    load.slow *= f
                load.last = ts
                w = 1.0
            else:
                w = exp(-(last - ts) / tau)
            load.count += w
            if failed:
                load.errors += w
            if slow:
                load.slow += w
        for run in runs.values():
            run.apply()

    def agent_loads(self, now: float) -> dict[str, dict[str, tuple[float, float, float]]]:
        """pattern -> agent -> (recent tasks, failed, over target), decayed to ``now``."""
        tau = max(self.window_s, 1.0)
        exp = math.exp
        out: dict[str, dict[str, tuple[float, float, float]]] = {}
        for name, p in self._patterns.items():
            loads = out[name] = {}
            for a, load in p.agents.items():  # AgentLoad.at, written out (every snapshot)
                last = load.last
                f = 1.0 if last is None or now <= last else exp(-(now - last) / tau)
                loads[a] = (load.count * f, load.errors * f, load.slow * f)
        return out

    def totals(self) -> tuple[int, int]:
        """(tasks, failed tasks) over all patterns, all time."""
        return (
            sum(p.count for p in self._patterns.values()),
            sum(p.errors for p in self._patterns.values()),
        )

    def window_totals(self, now: float) -> tuple[int, int]:
        n = errs = 0
        for p in self._patterns.values():
            count, failed = p.window_errors.counts(now)
            n += count
            errs += failed
        return n, errs

    def section(self, now: float, all_time: bool = True) -> dict[str, PatternStats]:
        """Every pattern's figures; ``all_time=False`` gives only counts and the rolling p99
        (all the analyzers' backlog ticks read), at a fraction of the cost: no all-time
        percentiles, no histogram."""
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
            if all_time:
                p50, p90, p99 = p.all_time.quantiles()
                w50, w90, w99 = p.window.quantiles(now)
            else:
                p50 = p90 = p99 = w50 = w90 = None
                w99 = p.window.p99(now)
            window_count, window_errors = p.window_errors.counts(now)
            out[name] = PatternStats(
                count=p.count,
                errors=p.errors,
                p50_ms=p50,
                p90_ms=p90,
                p99_ms=p99,
                max_ms=p.all_time.max,
                target_ms=target,
                window_s=self.window_s,
                window_count=window_count,
                window_p50_ms=w50,
                window_p90_ms=w90,
                window_p99_ms=w99,
                error_rate=p.errors / p.count if p.count else 0.0,
                window_errors=window_errors,
                histogram=LatencyHistogram(
                    buckets=[Bucket(le if le != float("inf") else None, n)  # null = +Inf
                             for le, n in zip(BUCKETS_S, accumulate(p.buckets), strict=True)],
                    sum_ms=p.sum_ms) if all_time else LatencyHistogram(),
            )
        return out
