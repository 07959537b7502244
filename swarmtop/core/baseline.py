"""Compare a run against a baseline snapshot: every figure both have, with a noise-aware verdict.

Rules (named in each figure's ``rule``):
- ``tolerance``: sums and ratios (tokens, cost, counts, error rate, memory) are ``same`` when the
  relative change is within ``same_pct`` (default 2 %), else better/worse by direction.
- ``quantile-se``: a latency percentile is ``same`` when the change is within two standard
  errors of the two estimates combined, plus the sketch's 1 % relative error on each side. The
  standard error of the q-quantile of n samples is sqrt(q(1-q)/n) / f(x_q) (order statistics);
  the density f(x_q) is estimated from the neighbouring percentiles of the same snapshot.
"""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass
from typing import Any

from swarmtop import units
from swarmtop.snapshot import (
    BaselineComparison,
    BaselineFigure,
    PatternStats,
    Regression,
    Snapshot,
)

SKETCH_REL_ERROR = 0.01
LOWER_IS_BETTER, HIGHER_IS_BETTER = -1, 1


@dataclass(frozen=True)
class Figure:
    name: str
    base: float
    new: float
    direction: int
    rule: str = "tolerance"
    noise: float = 0.0  # absolute difference below which the change is noise (quantile-se)
    unit: str = units.COUNT  # swarmtop/units.py


@dataclass(frozen=True)
class BaselineSettings:
    same_pct: float = 2.0
    fail_on_regression_pct: float | None = None
    thresholds: tuple[tuple[str, float], ...] = ()  # (figure glob, pct), first match wins

    def threshold_for(self, figure: str) -> float | None:
        for pattern, pct in self.thresholds:
            if fnmatch.fnmatchcase(figure, pattern):
                return pct
        return self.fail_on_regression_pct


def _totals(s: Snapshot) -> tuple[int, int]:
    tasks = sum(p.count for p in s.patterns.values())
    failed = sum(p.errors for p in s.patterns.values())
    return tasks, failed


# For each quantile: the two percentiles whose spacing estimates the density around it.
_NEIGHBOURS = {0.5: ("p50_ms", 0.5, "p90_ms", 0.9), 0.9: ("p50_ms", 0.5, "p99_ms", 0.99),
               0.99: ("p90_ms", 0.9, "p99_ms", 0.99)}


def _quantile_se(p: PatternStats, q: float) -> float | None:
    """Standard error of the q-quantile estimate: sqrt(q(1-q)/n) / f(x_q), with the density
    f(x_q) taken as Δq/Δx between the neighbouring percentiles of the same snapshot."""
    lo_key, lo_q, hi_key, hi_q = _NEIGHBOURS[q]
    lo: float | None = getattr(p, lo_key)
    hi: float | None = getattr(p, hi_key)
    if p.count < 2 or lo is None or hi is None:
        return None
    if hi <= lo:
        return 0.0
    density = (hi_q - lo_q) / (hi - lo)
    return math.sqrt(q * (1 - q) / p.count) / density


def figures(base: Snapshot, new: Snapshot) -> list[Figure]:
    out: list[Figure] = []
    L, H = LOWER_IS_BETTER, HIGHER_IS_BETTER

    def add(name: str, b: float | None, n: float | None, d: int, **kw: Any) -> None:
        if b is not None and n is not None:
            out.append(Figure(name, float(b), float(n), d, **kw))

    add("health.score", base.health.score, new.health.score, H, unit=units.NUMBER)
    tb, tn = base.tokens, new.tokens
    for key in ("total", "input", "output", "cache_read", "cache_write", "calls", "cost_usd"):
        add(f"tokens.{key}", getattr(tb, key), getattr(tn, key), L,
            unit=units.USD if key == "cost_usd" else units.COUNT)
    for table in ("by_model", "by_agent"):
        bt, nt = getattr(tb, table), getattr(tn, table)
        for key in sorted(set(bt) & set(nt)):
            b, n = bt[key], nt[key]
            add(f"tokens.{table}.{key}.tokens", b.input + b.output + b.cache_read + b.cache_write,
                n.input + n.output + n.cache_read + n.cache_write, L)
            add(f"tokens.{table}.{key}.cost_usd", b.cost_usd, n.cost_usd, L, unit=units.USD)
            add(f"tokens.{table}.{key}.calls", b.calls, n.calls, L)
    # agents by name (a session's id differs between runs; its name, a sub-agent's Task, not)
    bag, nag = _agents_by_name(base), _agents_by_name(new)
    for name in sorted(set(bag) & set(nag)):
        (bc, bcalls, berr), (nc, ncalls, nerr) = bag[name], nag[name]
        add(f"agents.{name}.cost_usd", bc, nc, L, unit=units.USD)
        add(f"agents.{name}.calls", bcalls, ncalls, L)
        add(f"agents.{name}.errors", berr, nerr, L)
    (btasks, bfailed), (ntasks, nfailed) = _totals(base), _totals(new)
    if btasks and ntasks:
        add("tasks.count", btasks, ntasks, H)
        add("tasks.error_rate", bfailed / btasks, nfailed / ntasks, L, unit=units.SHARE)
        add("tasks.cost_per_task", tb.cost_usd / btasks, tn.cost_usd / ntasks, L, unit=units.USD)
        add("tasks.tokens_per_task", tb.total / btasks, tn.total / ntasks, L)
    for name in sorted(set(base.patterns) & set(new.patterns)):
        bp, np_ = base.patterns[name], new.patterns[name]
        if not (bp.count and np_.count):
            continue
        add(f"patterns.{name}.count", bp.count, np_.count, H)
        add(f"patterns.{name}.errors", bp.errors, np_.errors, L)
        add(f"patterns.{name}.error_rate", bp.error_rate, np_.error_rate, L, unit=units.SHARE)
        for q, key in ((0.5, "p50_ms"), (0.9, "p90_ms"), (0.99, "p99_ms")):
            b, n = getattr(bp, key), getattr(np_, key)
            if b is None or n is None:
                continue
            se_b, se_n = _quantile_se(bp, q), _quantile_se(np_, q)
            noise = SKETCH_REL_ERROR * (abs(b) + abs(n))
            if se_b is not None and se_n is not None:
                noise += 2.0 * math.hypot(se_b, se_n)
            add(f"patterns.{name}.{key}", b, n, L, rule="quantile-se", noise=noise, unit=units.MS)
    bproc = _by_name(base)
    nproc = _by_name(new)
    for name in sorted(set(bproc) & set(nproc)):
        add(f"memory.{name}.peak_rss_bytes", bproc[name][0], nproc[name][0], L, unit=units.BYTES)
        add(f"memory.{name}.growth_bytes_per_s", bproc[name][1], nproc[name][1], L,
            unit=units.BYTES_PER_S)
    return out


def _agents_by_name(s: Snapshot) -> dict[str, tuple[float, int, int]]:
    """(cost, calls, errors + failed tool calls) summed per agent name, for agents whose name
    is not their id (those are compared under tokens.by_agent already)."""
    out: dict[str, tuple[float, int, int]] = {}
    for a in s.agents:
        if a.name == a.id:
            continue
        c, n, e = out.get(a.name, (0.0, 0, 0))
        out[a.name] = (c + a.cost_usd, n + a.calls, e + a.errors + a.tool_errors)
    return out


def _by_name(s: Snapshot) -> dict[str, tuple[int, float]]:
    """Processes by name (PIDs differ between runs): the largest peak and growth per name."""
    out: dict[str, tuple[int, float]] = {}
    for p in s.memory.processes:
        peak, growth = out.get(p.name, (0, 0.0))
        out[p.name] = (max(peak, p.peak_rss_bytes), max(growth, p.growth_bytes_per_s))
    return out


def verdict(f: Figure, same_pct: float) -> str:
    diff = f.new - f.base
    if f.rule == "quantile-se":
        if abs(diff) <= f.noise:
            return "same"
    else:
        scale = max(abs(f.base), abs(f.new))
        if scale == 0 or abs(diff) <= scale * same_pct / 100.0:
            return "same"
    return "better" if diff * f.direction > 0 else "worse"


def compare(base: Snapshot, new: Snapshot, settings: BaselineSettings,
            source: str = "") -> BaselineComparison:
    rows = []
    regressions = []
    for f in figures(base, new):
        v = verdict(f, settings.same_pct)
        change = f.new - f.base
        pct = (change / abs(f.base) * 100.0) if f.base else None
        rows.append(BaselineFigure(figure=f.name, base=f.base, new=f.new, change=change,
                                   change_pct=pct, verdict=v, rule=f.rule, unit=f.unit))
        limit = settings.threshold_for(f.name)
        worse_by = -change * f.direction  # positive when worse
        if v == "worse" and limit is not None:
            rel = worse_by / abs(f.base) * 100.0 if f.base else math.inf
            if rel > limit:
                regressions.append(Regression(figure=f.name, worse_by_pct=rel, limit_pct=limit))
    return BaselineComparison(
        source=source,
        rules={
            "tolerance": f"sums and rates within {settings.same_pct:g} % are the same",
            "quantile-se": "a percentile change within 2 standard errors (order statistics) "
            "plus the sketch's 1 % error on each side is the same",
        },
        figures=rows,
        regressions=regressions,
    )
