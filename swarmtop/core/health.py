"""The 0-100 health score: weighted components that each explain themselves.

Every component scores 0-100 from rolling figures (so the score recovers when a problem
stops) and says why in one line. The score blends the weighted mean with the worst
weighted component — ``0.7 * mean + 0.3 * worst`` — because a person reads "a third of tasks
failing" as unhealthy however good everything else is; both terms only rise when a
component rises, so the score is monotonic in each component. docs/alerts.md#health.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from swarmtop.core.alerts import Rule, parse_rules
from swarmtop.core.signals import Inputs, Reading, smoothed_error_rate
from swarmtop.snapshot import Alert, Health, HealthComponent, Memory, PatternStats

WORST_SHARE = 0.3  # the worst component's share of the score (the rest is the weighted mean)
ALERT_SCORE = {"critical": 20.0, "warning": 60.0, "info": 90.0}
ACKED_SCORE = {"critical": 50.0, "warning": 80.0, "info": 95.0}
# the error score at the error_rate rules' thresholds: a person reads the warning threshold
# (5 % failing) as "worth a look" and the critical one (20 %) as "broken"
SCORE_AT_WARNING, SCORE_AT_CRITICAL = 80.0, 40.0
# memory: the share of the limit where the score starts to fall, the time to the limit under
# which it does, and what a suspected leak or exponential growth scores
LIMIT_SHARE_KNEE, TIME_TO_LIMIT_KNEE_S = 0.7, 1800.0
LEAK_SCORE, EXPONENTIAL_SCORE, EXIT_SCORE = 40.0, 50.0, 30.0
BUDGET_USED_KNEE = 0.8  # spend: the share of the budget after which the score falls
PACE_SCORE_PER_X = 50.0  # spend: points lost per 1x over the budget's pace (3x scores 0)


@dataclass(frozen=True)
class Thresholds:
    """What the score's knees are read from: the alert rules in force, so that changing a
    rule changes the score (docs/alerts.md#health)."""

    error_warning: float  # the lowest error_rate threshold
    error_critical: float  # the highest (the score is 40 there, 0 as far again beyond)
    stall_s: float  # the lowest source.silence_s threshold: liveness starts to fall at half

    @classmethod
    def of(cls, rules: Iterable[Rule], fallback: Thresholds | None = None) -> Thresholds:
        """From ``rules``; a figure whose rules are all disabled keeps ``fallback``'s (the
        default rules' own)."""
        rules = list(rules)
        errors = sorted(r.threshold for r in rules if r.metric == "error_rate" and r.threshold > 0)
        silence = sorted(r.threshold for r in rules
                         if r.metric == "source.silence_s" and r.threshold > 0)
        if fallback is None:
            assert len(errors) >= 2 and silence, "the default rules hold these thresholds"
        base = fallback or cls(0.0, 0.0, 0.0)
        warn = errors[0] if errors else base.error_warning
        crit = errors[-1] if len(errors) > 1 else max(base.error_critical, warn * 2)
        return cls(error_warning=warn, error_critical=crit,
                   stall_s=silence[0] if silence else base.stall_s)


DEFAULTS = Thresholds.of(parse_rules((), "default alerts"))


def _clamp(x: float) -> float:
    return round(max(0.0, min(100.0, x)), 1)


def error_score(rate: float, t: Thresholds = DEFAULTS) -> float:
    """Piecewise linear: 0 % -> 100, the warning threshold -> 80, the critical one -> 40,
    and 0 as far beyond it again (35 % with the default rules)."""
    if rate <= t.error_warning:
        return _clamp(100.0 - rate * (100.0 - SCORE_AT_WARNING) / t.error_warning)
    # the slope rounded to a whole number of points, as it always was (267 for 5 %..20 %)
    slope = round((SCORE_AT_WARNING - SCORE_AT_CRITICAL) / (t.error_critical - t.error_warning))
    return _clamp(SCORE_AT_WARNING - (rate - t.error_warning) * slope)


def error_component(window: tuple[int, int], all_time: tuple[int, int],
                    weight: float, t: Thresholds = DEFAULTS) -> HealthComponent:
    rate = smoothed_error_rate(window, all_time)
    n, failed = window
    total, total_failed = all_time
    if rate is None:
        why = ("no tasks finished yet" if not total else
               f"no tasks finished in the window ({total_failed} of {total} failed overall)")
        return HealthComponent(score=100.0, weight=weight, why=why)
    return HealthComponent(
        score=error_score(rate, t), weight=weight,
        why=f"{failed} of {n} recent tasks failed ({rate:.1%} smoothed; "
        f"{total_failed} of {total} overall)",
    )


def latency_component(patterns: Mapping[str, PatternStats], weight: float) -> HealthComponent:
    """Worst pattern's rolling p99 against its target: at target 100, 2x target 0."""
    measured = [(n, p.window_p99_ms / p.target_ms) for n, p in patterns.items()
                if p.window_count and p.target_ms and p.window_p99_ms is not None]
    if not measured:
        return HealthComponent(score=100.0, weight=weight,
                               why="no recent task latencies with targets")
    worst_name, worst = max(measured, key=lambda x: x[1])
    over = sum(1 for _, r in measured if r > 1)
    score = _clamp(100.0 - (worst - 1.0) * 100.0) if worst > 1 else 100.0
    n = len(measured)
    why = (f"{over} of {n} pattern{'s' * (n != 1)} over target; worst {worst_name} p99 at "
           f"{worst:.0%} of target" if over else
           f"{n} pattern{'s' * (n != 1)} within p99 target (worst {worst_name} p99 at "
           f"{worst:.0%})")
    return HealthComponent(score=score, weight=weight, why=why)


def memory_component(memory: Memory, readings: Mapping[str, Reading],
                     weight: float) -> HealthComponent:
    if not memory.processes:
        return HealthComponent(score=100.0, weight=weight, why="no processes watched")
    parts: list[tuple[float, str]] = []
    for p in memory.processes:
        if not p.alive:
            continue
        if p.leak_suspected:
            parts.append((LEAK_SCORE, f"leak suspected in pid {p.pid} ({p.growth})"))
        elif p.growth == "exponential":
            parts.append((EXPONENTIAL_SCORE, f"pid {p.pid} grows exponentially"))
    frac = readings.get("memory.limit_fraction")
    if frac is not None and frac.value > LIMIT_SHARE_KNEE:
        parts.append((_clamp(100.0 - (frac.value - LIMIT_SHARE_KNEE) / (1 - LIMIT_SHARE_KNEE)
                             * 100.0),
                      f"at {frac.value:.0%} of the memory limit"))
    ttl = readings.get("memory.time_to_limit_s")
    if ttl is not None and ttl.value < TIME_TO_LIMIT_KNEE_S:
        parts.append((_clamp(ttl.value / TIME_TO_LIMIT_KNEE_S * 100.0),
                      f"limit reached in {ttl.value / 60:.1f} min at the current growth"))
    if not parts:
        growths = sorted({p.growth for p in memory.processes if p.alive}) or ["exited"]
        return HealthComponent(score=100.0, weight=weight,
                               why=f"no leak or limit pressure (growth: {', '.join(growths)})")
    score, why = min(parts, key=lambda x: x[0])
    return HealthComponent(score=score, weight=weight, why=why)


def spend_component(readings: Mapping[str, Reading], weight: float) -> HealthComponent:
    used = readings.get("tokens.budget_used")
    pace = readings.get("tokens.burn_vs_budget")
    if used is None:
        return HealthComponent(score=100.0, weight=weight, why="no budget set")
    s_used = (100.0 if used.value <= BUDGET_USED_KNEE else
              _clamp(100.0 - (used.value - BUDGET_USED_KNEE) / (1 - BUDGET_USED_KNEE) * 100.0))
    s_pace = 100.0
    if pace is not None and pace.value > 1:
        s_pace = _clamp(100.0 - (pace.value - 1.0) * PACE_SCORE_PER_X)
    pace_txt = f", burning at {pace.value:.0%} of pace" if pace is not None else ""
    return HealthComponent(score=min(s_used, s_pace), weight=weight,
                           why=f"{used.value:.0%} of budget used{pace_txt}")


def alerts_component(alerts: list[Alert], weight: float) -> HealthComponent:
    if not alerts:
        return HealthComponent(score=100.0, weight=weight, why="no alerts firing")
    scores = [(ACKED_SCORE if a.acknowledged else ALERT_SCORE)[a.severity] for a in alerts]
    counts: dict[str, int] = {}
    for a in alerts:
        counts[a.severity] = counts.get(a.severity, 0) + 1
    desc = ", ".join(f"{n} {s}" for s, n in counts.items())
    names = ", ".join(a.rule for a in alerts[:3])
    return HealthComponent(score=min(scores), weight=weight, why=f"{desc} firing ({names})")


def liveness_component(readings: Mapping[str, Reading], weight: float,
                       t: Thresholds = DEFAULTS) -> HealthComponent:
    """Silence beyond half the stall threshold starts to cost; twice it scores 0."""
    stall = t.stall_s
    silence = readings.get("source.silence_s")
    exit_code = readings.get("process.exit_code")
    parts: list[tuple[float, str]] = []
    if silence is not None:
        s = silence.value
        score = 100.0 if s <= stall / 2 else _clamp(100.0 - (s - stall / 2) /
                                                   (1.5 * stall) * 100.0)
        parts.append((score, f"no event for {s:.0f}s" if s >= 1 else "events flowing"))
    if exit_code is not None and exit_code.value > 0:
        parts.append((EXIT_SCORE, f"{exit_code.subject} exited with code {exit_code.value:.0f}"))
    if not parts:
        return HealthComponent(score=100.0, weight=weight, why="no log sources followed yet")
    score, why = min(parts, key=lambda x: x[0])
    return HealthComponent(score=score, weight=weight, why=why)


def combine(components: dict[str, HealthComponent]) -> Health:
    weighted = [c for c in components.values() if c.weight > 0]
    total_w = sum(c.weight for c in weighted)
    if total_w <= 0:
        return Health(score=100.0, components=components)
    mean = sum(c.score * c.weight for c in weighted) / total_w
    worst = min(c.score for c in weighted)
    score = (1 - WORST_SHARE) * mean + WORST_SHARE * worst
    return Health(score=round(score, 1), components=components)


def health(inp: Inputs, readings: Mapping[str, Reading], alerts: list[Alert],
           weights: Mapping[str, float], t: Thresholds = DEFAULTS) -> Health:
    def w(name: str) -> float:
        return float(weights.get(name, 0.0))

    return combine({
        "errors": error_component(inp.window_tasks, inp.all_tasks, w("errors"), t),
        "latency": latency_component(inp.patterns, w("latency")),
        "memory": memory_component(inp.memory, readings, w("memory")),
        "spend": spend_component(readings, w("spend")),
        "alerts": alerts_component(alerts, w("alerts")),
        "liveness": liveness_component(readings, w("liveness"), t),
    })
