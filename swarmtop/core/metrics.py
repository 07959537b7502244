"""Custom metrics and garbage-collector pauses: the snapshot's ``metrics`` section.

Shape (snapshot.Metrics in JSON, documented in docs/probe.md, "What swarmtop shows"):

    {"window_s": 60.0, "dropped": 0,
     "custom": {"<name>": {"kind": "counter|gauge|histogram|timer|rate", "unit": "..",
                           "agent": "..", "latest": x, "count": n, "total": x,
                           "rate_per_s": x, "min": x, "max": x,
                           "p50": x|null, "p90": x|null, "p99": x|null,
                           "window_p50": x|null, "window_p99": x|null, "last_ts": x}},
     "gc": {"<source file>": {"pid": n|null, "collections": n, "by_generation": [n0, n1, n2],
                              "collected": n, "uncollectable": n, "pause_ms_total": x,
                              "pause_ms_max": x, "pause_ms_per_s": x, "wall_share": x,
                              "last_ts": x}}}

``agent`` names the reporting agent while all records of the name share one (else "").
``latest`` is the value of the newest record (by its timestamp); ``total`` the sum of all values
(the running total for a counter); ``rate_per_s`` is, over the rolling window, the sum of values
per second for ``counter`` and ``rate`` and the number of observations per second for the other
kinds. Percentiles are given for ``histogram`` and ``timer`` only: all-time (≤ 1 % relative error,
exact below 2048 values) and over the rolling window (exact, at most WINDOW_CAP values).
``gc`` is per process (one probe file per process): ``pause_ms_per_s`` is GC pause time per
second over the window and ``wall_share`` = pause / wall time (0..1).
"""

from __future__ import annotations

from swarmtop.core.quantiles import AllTime, RateWindow, Window
from swarmtop.events import GcEvent, MetricEvent
from swarmtop.snapshot import CustomMetric, GcStats, Metrics

KINDS = ("counter", "gauge", "histogram", "timer", "rate")
DISTRIBUTIONS = frozenset({"histogram", "timer"})
SUMMED = frozenset({"counter", "rate"})
MAX_METRICS = 200  # names kept; a log inventing names cannot grow memory without bound
MAX_GC_SOURCES = 1000
WINDOW_CAP = 1024  # values kept per distribution for the rolling percentiles


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


class _Metric:
    __slots__ = ("kind", "unit", "agent", "latest", "latest_ts", "first_ts", "count", "total",
                 "min", "max", "rate", "all_time", "window")

    def __init__(self, kind: str, unit: str, agent: str, window_s: float) -> None:
        self.kind = kind
        self.unit = unit
        self.agent = agent
        self.latest = 0.0
        self.latest_ts = float("-inf")
        self.first_ts = float("inf")
        self.count = 0
        self.total = 0.0
        self.min = float("inf")
        self.max = float("-inf")
        self.rate = RateWindow(window_s)
        dist = kind in DISTRIBUTIONS
        self.all_time = AllTime() if dist else None
        self.window = Window(window_s, WINDOW_CAP) if dist else None

    def add(self, ev: MetricEvent) -> None:
        v = ev.value
        if self.agent and ev.agent != self.agent:
            self.agent = ""  # reported by several agents: no single one to name
        self.count += 1
        self.total += v
        if v < self.min:
            self.min = v
        if v > self.max:
            self.max = v
        if ev.ts >= self.latest_ts:  # reports read file after file: newest by time, not arrival
            self.latest_ts = ev.ts
            self.latest = v
        if ev.ts < self.first_ts:
            self.first_ts = ev.ts
        self.rate.add(ev.ts, v if self.kind in SUMMED else 1.0)
        if self.all_time is not None and self.window is not None:
            self.all_time.add(v)
            self.window.add(ev.ts, v)

    def add_untimed(self, ev: MetricEvent) -> None:
        """A value with no time: in count, total, min, max and the all-time distribution;
        the latest value only while no timed one is known; never in a rate or window."""
        v = ev.value
        if self.agent and ev.agent != self.agent:
            self.agent = ""
        self.count += 1
        self.total += v
        self.min = min(self.min, v)
        self.max = max(self.max, v)
        if self.latest_ts == float("-inf"):
            self.latest = v
        if self.all_time is not None:
            self.all_time.add(v)

    def section(self, now: float, window_s: float) -> CustomMetric:
        span = max(1.0, min(window_s, now - self.first_ts))
        p50 = p90 = p99 = w50 = w99 = None
        if self.all_time is not None and self.window is not None:
            p50, p90, p99 = self.all_time.quantiles()
            w50, _, w99 = self.window.quantiles(now)
        return CustomMetric(
            kind=self.kind, unit=self.unit, agent=self.agent,
            latest=self.latest, count=self.count, total=_r(self.total),
            rate_per_s=_r(self.rate.total(now) / span),
            min=self.min, max=self.max,
            p50=_r(p50), p90=_r(p90), p99=_r(p99), window_p50=_r(w50), window_p99=_r(w99),
            last_ts=self.latest_ts if self.latest_ts > float("-inf") else None,
        )


class _Gc:
    __slots__ = ("pid", "by_gen", "collected", "uncollectable", "pause_total", "pause_max",
                 "first_ts", "last_ts", "pauses")

    def __init__(self, window_s: float) -> None:
        self.pid: int | None = None
        self.by_gen = [0, 0, 0]
        self.collected = 0
        self.uncollectable = 0
        self.pause_total = 0.0
        self.pause_max = 0.0
        self.first_ts = float("inf")
        self.last_ts = float("-inf")
        self.pauses = RateWindow(window_s)

    def add(self, ev: GcEvent) -> None:
        if ev.pid is not None:
            self.pid = ev.pid
        self.by_gen[min(max(ev.generation, 0), 2)] += ev.collections
        self.collected += ev.collected
        self.uncollectable += ev.uncollectable
        self.pause_total += ev.duration_ms
        longest = ev.max_ms if ev.max_ms is not None else ev.duration_ms / max(ev.collections, 1)
        self.pause_max = max(self.pause_max, longest)
        # a batched record stands for up to a second before its ts: count from there
        self.first_ts = min(self.first_ts, ev.ts - (1.0 if ev.collections > 1 else 0.0))
        self.last_ts = max(self.last_ts, ev.ts)
        self.pauses.add(ev.ts, ev.duration_ms)

    def section(self, now: float, window_s: float) -> GcStats:
        span = max(1.0, min(window_s, now - self.first_ts))
        per_s = self.pauses.total(now) / span
        return GcStats(
            pid=self.pid, collections=sum(self.by_gen), by_generation=list(self.by_gen),
            collected=self.collected, uncollectable=self.uncollectable,
            pause_ms_total=round(self.pause_total, 3), pause_ms_max=round(self.pause_max, 3),
            pause_ms_per_s=round(per_s, 4), wall_share=round(per_s / 1000.0, 6),
            last_ts=self.last_ts,
        )


class MetricsTracker:
    """Per-name custom metrics and per-process GC pauses; bounded in names and sources."""

    def __init__(self, window_s: float = 60.0) -> None:
        self.window_s = window_s
        self._metrics: dict[str, _Metric] = {}
        self._gc: dict[str, _Gc] = {}
        self.dropped = 0  # records whose metric name or gc source was over the bound

    def _metric(self, ev: MetricEvent) -> _Metric | None:
        """The metric ``ev`` is a value of; None when the names are over the bound."""
        m = self._metrics.get(ev.name)
        if m is None:
            if len(self._metrics) >= MAX_METRICS:
                self.dropped += 1
                return None
            kind = ev.metric_kind if ev.metric_kind in KINDS else "gauge"
            m = self._metrics[ev.name] = _Metric(kind, ev.unit, ev.agent, self.window_s)
        return m

    def add(self, ev: MetricEvent) -> None:
        m = self._metric(ev)
        if m is not None:
            m.add(ev)

    def add_untimed(self, ev: MetricEvent) -> None:
        """``add`` of a value whose log gave it no time (``_Metric.add_untimed``)."""
        m = self._metric(ev)
        if m is not None:
            m.add_untimed(ev)

    def add_gc(self, ev: GcEvent) -> None:
        g = self._gc.get(ev.source)
        if g is None:
            if len(self._gc) >= MAX_GC_SOURCES:
                self.dropped += 1
                return
            g = self._gc[ev.source] = _Gc(self.window_s)
        g.add(ev)

    def section(self, now: float) -> Metrics:
        w = self.window_s
        return Metrics(
            window_s=w,
            dropped=self.dropped,
            custom={name: m.section(now, w) for name, m in sorted(self._metrics.items())},
            gc={src: g.section(now, w) for src, g in sorted(self._gc.items())},
        )
