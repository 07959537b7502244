"""The alert metric namespace: named numbers read off the snapshot sections.

Alert rules, the health score, bottlenecks and trends all read these same readings, so a
figure means one thing everywhere (docs/alerts.md lists every metric). A metric that cannot
be measured now (no processes watched, no budget set, no recent tasks) is simply absent: a
rule on it neither fires nor holds an alert open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec

from swarmtop.snapshot import Memory, Metrics, PatternStats, Tokens

# Smoothing for the rolling error rate: the recent window is blended with the all-time rate
# as if the window held this many extra tasks, so "1 failure among 2 tasks" reads as a blip
# rather than 50 %, while a long, clean window still brings the rate down quickly.
PRIOR_TASKS = 5.0


@dataclass(frozen=True)
class MetricSpec:
    unit: str  # ratio | seconds | bytes | usd_per_min | tokens_per_min | flag | code | count
    meaning: str


METRICS: dict[str, MetricSpec] = {
    "error_rate": MetricSpec(
        "ratio", "share of tasks failing in the rolling window (smoothed toward the all-time "
        "rate by 5 pseudo-tasks); absent when no task finished in the window"),
    "pattern.p99_over_target": MetricSpec(
        "ratio", "worst pattern's rolling-window p99 latency divided by its target "
        "(1.0 = at target); subject = the pattern"),
    "process.leak_suspected": MetricSpec(
        "flag", "1 when a live watched process is classified as leaking, else 0; "
        "subject = the process"),
    "process.exit_code": MetricSpec(
        "code", "largest |exit code| among watched processes that exited with a known code "
        "(0 = all clean; negative codes are signals); subject = the process"),
    "process.cpu_saturation": MetricSpec(
        "ratio", "CPU of all live watched processes / (cores x 100 %)"),
    "process.max_cpu_percent": MetricSpec(
        "percent", "CPU % of the busiest live process (100 = one core); subject = it"),
    "memory.total_rss_bytes": MetricSpec("bytes", "RSS of all live watched processes"),
    "memory.limit_fraction": MetricSpec(
        "ratio", "total RSS / memory limit; absent without general.memory_limit_bytes"),
    "memory.time_to_limit_s": MetricSpec(
        "seconds", "seconds until the memory limit at the current growth; absent without a "
        "limit or without growth"),
    "tokens.tokens_per_min": MetricSpec("tokens_per_min", "tokens per minute (rolling)"),
    "tokens.burn_usd_per_min": MetricSpec("usd_per_min", "dollars per minute (rolling)"),
    "tokens.budget_used": MetricSpec("ratio", "cost so far / budget; absent without a budget"),
    "tokens.burn_vs_budget": MetricSpec(
        "ratio", "burn rate / budget pace, where pace = budget spread evenly over "
        "general.budget_period_s (1.0 = on pace); absent without a budget"),
    "tokens.budget_exhausted_in_s": MetricSpec(
        "seconds", "seconds until the budget is spent at the current burn rate"),
    "monitor.record_failed": MetricSpec(
        "flag", "1 when --record could not write (disk full, volume gone) and stopped; "
        "absent without --record"),
    "agent.loop_repeats": MetricSpec(
        "count", "most times one agent repeated the same tool input, or met the same error, "
        "in the last 10 minutes; subject = the agent and what it repeats"),
    "agent.stalled": MetricSpec(
        "flag", "1 when an agent is stalled (a call or tool in flight, or its process alive, "
        "and no event for 5x its usual gap and at least 120 s), else 0; subject = the agent"),
    "agent.context_used": MetricSpec(
        "ratio", "largest share of its model's context window that an active agent's latest "
        "request used; subject = the agent"),
    "agent.spend_vs_median": MetricSpec(
        "ratio", "the top agent's $/min divided by the median $/min of the agents spending "
        "(at least 3 of them); subject = the agent"),
    "monitor.failures": MetricSpec(
        "count", "parts of swarmtop that failed (a source stopped, the process tree scan, an "
        "analyzer, an exporter...: snapshot sources.errors); subject = what failed and the log "
        "file holding the tracebacks; absent while nothing failed"),
    "source.silence_s": MetricSpec(
        "seconds", "seconds since any followed log source delivered an event (by the "
        "monitor's clock; from the start before the first event); absent without log sources"),
}


# Metrics named by the swarm itself (the snapshot's `metrics` section, docs/probe.md):
# custom.<name>.<field> reads one field of a custom metric; gc.<field> the worst process.
CUSTOM_FIELDS = ("latest", "count", "total", "rate_per_s", "min", "max", "p50", "p90", "p99",
                 "window_p50", "window_p99")
GC_FIELDS = ("wall_share", "pause_ms_per_s", "pause_ms_max", "uncollectable", "collections")


def dynamic_spec(metric: str) -> MetricSpec | None:
    """The spec of a custom.* / gc.* metric name, or None if it is not one."""
    if metric.startswith("custom."):
        name, _, fld = metric[len("custom."):].rpartition(".")
        if name and fld in CUSTOM_FIELDS:
            return MetricSpec("", f"field {fld} of the custom metric {name!r}")
    elif metric.startswith("gc."):
        fld = metric[len("gc."):]
        if fld in GC_FIELDS:
            unit = "ratio" if fld == "wall_share" else ""
            return MetricSpec(unit, f"GC {fld}, worst process")
    return None


def spec(metric: str) -> MetricSpec | None:
    return METRICS.get(metric) or dynamic_spec(metric)


# Reading and Inputs are frozen msgspec Structs rather than frozen dataclasses: a report's
# backlog builds one Inputs and a few Readings per analyzer tick, thousands of ticks, and a
# Struct is built several times faster.
class Reading(msgspec.Struct, frozen=True):
    value: float
    subject: str = ""  # which pattern / process the value comes from, when it is a worst-of


class TickTokens(msgspec.Struct, frozen=True, array_like=True):
    """The token figures a backlog tick reads (``_tokens`` below, the tokens_per_min trend),
    equal to the same fields of ``Tokens`` (``TokenLedger.tick_tokens``): a report's backlog
    ticks thousands of times, and the full section is a 17-field Struct with four tables."""

    calls: int
    cost_usd: float
    burn_usd_per_min: float
    tokens_per_min: float
    budget_usd: float | None
    budget_exhausted_in_s: float | None


class RuleReads(msgspec.Struct, frozen=True):
    """Which groups of readings a backlog tick computes: those some alert rule reads (the
    others would be dropped by ``AlertEngine.evaluate`` unread). ``error_rate`` is always
    computed: the error_rate trend reads it."""

    patterns: bool = True  # pattern.p99_over_target
    memory: bool = True  # process.* and memory.*
    tokens: bool = True  # tokens.*
    record: bool = True  # monitor.record_failed
    silence: bool = True  # source.silence_s
    agents: bool = True  # agent.*
    failures: bool = True  # monitor.failures

    @classmethod
    def of(cls, metrics: Iterable[str], budget: bool = True) -> RuleReads:
        """The groups ``metrics`` read. Without a budget the tokens.* metrics of a budget
        (budget_used, burn_vs_budget, budget_exhausted_in_s) are never measured."""
        ms = set(metrics)
        rates = {"tokens.tokens_per_min", "tokens.burn_usd_per_min"}
        return cls(
            patterns="pattern.p99_over_target" in ms,
            memory=any(m.startswith(("process.", "memory.")) for m in ms),
            tokens=bool(ms & rates) or (budget and any(m.startswith("tokens.") for m in ms)),
            record="monitor.record_failed" in ms,
            silence="source.silence_s" in ms,
            agents=any(m.startswith("agent.") for m in ms),
            failures="monitor.failures" in ms,
        )


ALL = RuleReads()


class Inputs(msgspec.Struct, frozen=True):
    """Everything the analyzers read, gathered once per tick by the aggregator."""

    now: float
    tokens: Tokens | TickTokens  # TickTokens on a backlog tick (alerts and trends only)
    memory: Memory
    patterns: dict[str, PatternStats]
    window_tasks: tuple[int, int]  # (finished, failed) in the rolling window
    all_tasks: tuple[int, int]  # (finished, failed) all time
    last_event_at: float | None = None  # monitor-clock time the newest event arrived
    follows_logs: bool = False
    cpu_cores: int = 1
    budget_period_s: float = 3600.0
    # pattern -> agent -> (recent tasks, failed, over target), decayed (PatternTracker)
    agent_loads: dict[str, dict[str, tuple[float, float, float]]] = msgspec.field(
        default_factory=dict)
    metrics: Metrics | None = None  # the snapshot's `metrics` section, when rules need it
    record_failed: bool | None = None  # None: not recording
    agent_readings: dict[str, Reading] | None = None  # agent.* (core/agents.py readings)
    failures: Reading | None = None  # monitor.failures (None: nothing failed)


def smoothed_error_rate(window: tuple[int, int], all_time: tuple[int, int]) -> float | None:
    n, failed = window
    if n <= 0:
        return None
    total, total_failed = all_time
    prior = total_failed / total if total else 0.0
    return (failed + PRIOR_TASKS * prior) / (n + PRIOR_TASKS)


def proc_label(pid: int, name: str) -> str:
    return f"pid {pid} ({name})" if name else f"pid {pid}"


def compute(inp: Inputs, dynamic: Iterable[str] = (),
            reads: RuleReads = ALL) -> dict[str, Reading]:
    """Every measurable metric of METRICS, plus the custom.* / gc.* names in ``dynamic``;
    of METRICS, only the groups ``reads`` selects (error_rate always)."""
    out: dict[str, Reading] = {}
    window = inp.window_tasks
    if window[0] > 0:  # smoothed_error_rate is None otherwise
        rate = smoothed_error_rate(window, inp.all_tasks)
        if rate is not None:
            out["error_rate"] = Reading(rate)

    if reads.patterns and inp.patterns:
        worst: Reading | None = None
        for name, p in inp.patterns.items():
            if p.window_count and p.target_ms and p.window_p99_ms is not None:
                ratio = p.window_p99_ms / p.target_ms
                if worst is None or ratio > worst.value:
                    worst = Reading(ratio, name)
        if worst is not None:
            out["pattern.p99_over_target"] = worst

    if reads.memory:
        _memory(inp, out)
    if reads.tokens:
        _tokens(inp, out)
    if reads.record and inp.record_failed is not None:
        out["monitor.record_failed"] = Reading(1.0 if inp.record_failed else 0.0)
    if reads.failures and inp.failures is not None:
        out["monitor.failures"] = inp.failures
    if reads.silence and inp.follows_logs and inp.last_event_at is not None:
        out["source.silence_s"] = silence(inp.now, inp.last_event_at)
    if reads.agents and inp.agent_readings:
        out.update(inp.agent_readings)
    if inp.metrics:
        for name in dynamic:
            r = _dynamic(inp.metrics, name)
            if r is not None:
                out[name] = r
    return out


def silence(now: float, last_event_at: float) -> Reading:
    return Reading(max(0.0, now - last_event_at))


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _dynamic(metrics: Metrics, metric: str) -> Reading | None:
    """A custom.<name>.<field> or gc.<field> reading; the field is one of CUSTOM_FIELDS or
    GC_FIELDS (dynamic_spec checked the rule's metric when the config was read)."""
    if metric.startswith("custom."):
        name, _, fld = metric[len("custom."):].rpartition(".")
        entry = (metrics.custom or {}).get(name)
        v = _number(getattr(entry, fld)) if entry is not None and fld in CUSTOM_FIELDS else None
        return Reading(v, name) if v is not None else None
    fld = metric[len("gc."):]
    if fld not in GC_FIELDS:
        return None
    best: Reading | None = None
    for src, g in (metrics.gc or {}).items():
        v = _number(getattr(g, fld))
        if v is not None and (best is None or v > best.value):
            best = Reading(v, f"pid {g.pid}" if g.pid else src)
    return best


def _memory(inp: Inputs, out: dict[str, Reading]) -> None:
    m = inp.memory
    if not m.processes:
        return
    alive = [p for p in m.processes if p.alive]
    leak = next((p for p in alive if p.leak_suspected), None)
    if leak is not None:
        out["process.leak_suspected"] = Reading(1.0, proc_label(leak.pid, leak.name))
    elif m.leak_suspected and alive:  # the tree's total grows like a leak, no single culprit
        out["process.leak_suspected"] = Reading(1.0, "the process tree (total RSS)")
    else:
        out["process.leak_suspected"] = Reading(0.0)
    exited = [p for p in m.processes if not p.alive and p.exit_code is not None]
    if exited:
        bad = max(exited, key=lambda p: abs(p.exit_code or 0))
        out["process.exit_code"] = Reading(float(abs(bad.exit_code or 0)),
                                           proc_label(bad.pid, bad.name))
    if alive:
        cpu = sum(p.cpu_percent for p in alive)
        out["process.cpu_saturation"] = Reading(cpu / (max(1, inp.cpu_cores) * 100.0))
        busiest = max(alive, key=lambda p: p.cpu_percent)
        out["process.max_cpu_percent"] = Reading(busiest.cpu_percent,
                                                 proc_label(busiest.pid, busiest.name))
    total = m.total_rss_bytes
    out["memory.total_rss_bytes"] = Reading(float(total))
    if m.limit_bytes:
        out["memory.limit_fraction"] = Reading(total / m.limit_bytes)
    ttl = time_to_limit(m)
    if ttl is not None:
        out["memory.time_to_limit_s"] = ttl


def time_to_limit(m: Memory) -> Reading | None:
    """The soonest of the growth classifier's estimates (the tree's total against the limit,
    each process against its own); without any, the total's growth against the limit."""
    stated = [(float(p.time_to_limit_s), proc_label(p.pid, p.name)) for p in m.processes
              if p.alive and p.time_to_limit_s is not None]
    if m.time_to_limit_s is not None:
        stated.append((float(m.time_to_limit_s), "the process tree (total RSS)"))
    if stated:
        ttl, subject = min(stated, key=lambda x: x[0])
        return Reading(max(0.0, ttl), subject)
    if not m.limit_bytes:
        return None
    growth = m.growth_bytes_per_s or sum(p.growth_bytes_per_s for p in m.processes if p.alive)
    if growth <= 0:
        return None
    return Reading(max(0.0, (m.limit_bytes - m.total_rss_bytes) / growth),
                   "the process tree (total RSS)")


def _tokens(inp: Inputs, out: dict[str, Reading]) -> None:
    t = inp.tokens
    if not t.calls:
        return
    out["tokens.tokens_per_min"] = Reading(t.tokens_per_min)
    out["tokens.burn_usd_per_min"] = Reading(t.burn_usd_per_min)
    if t.budget_usd:
        out["tokens.budget_used"] = Reading(t.cost_usd / t.budget_usd)
        pace = t.budget_usd / (max(inp.budget_period_s, 1.0) / 60.0)  # $/min
        out["tokens.burn_vs_budget"] = Reading(t.burn_usd_per_min / pace)
    if t.budget_exhausted_in_s is not None:
        out["tokens.budget_exhausted_in_s"] = Reading(t.budget_exhausted_in_s)
