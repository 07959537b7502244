"""Runs the analyzers (alerts, trends, bottlenecks, health) on one set of inputs.

The aggregator calls :meth:`Analyzer.tick` at every snapshot, and also while it ingests a
backlog whenever its clock (event time in reports) has moved by ``step_s`` — so an alert's
``for`` duration is measured on the log's own timeline in ``swarmtop report``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from swarmtop.core import bottlenecks, health, signals
from swarmtop.core.alerts import AlertEngine, Rule, parse_rules
from swarmtop.core.config import Config
from swarmtop.core.trends import TrendTracker
from swarmtop.snapshot import Alert, AlertRecord, Bottleneck, Health, Trend

MAX_STEP_S = 15.0
# While a backlog is read on event time, ticks come at least this far apart in log time:
# a report of hours of logs ticks thousands of times (each a few µs: Aggregator._tick).
BACKLOG_STEP_S = 5.0
# When a backlog tick can only move the trends (no rule reads anything but the silence, no
# task, process or --record seen: Analyzer.lean), the next one comes this much later: alerts
# on silence are served by the gap ticks, the trend series (600 points) then span 5 h.
LEAN_BACKLOG_STEP_S = 30.0
# A silent gap in a backlog's log time is ticked through at most this many times (plus once
# at its end): a night without events costs a few dozen ticks, not thousands.
MAX_GAP_TICKS = 64


def gap_silence(rules: Iterable[Rule], step_s: float) -> tuple[float, list[tuple[float, float]]]:
    """What ticking through a silent gap is for: the rules on ``source.silence_s`` that a
    long silence sets off (``>``/``>=``; one comparing the other way only holds while events
    flow, which the tick after each event sees). Returns the shortest gap worth ticking
    through (their lowest threshold, at least ``step_s``; inf without such a rule) and each
    one's (threshold, for): where in a gap it starts to hold and where it fires."""
    rising = [r for r in rules if r.metric == "source.silence_s" and r.comparison in (">", ">=")]
    if not rising:
        return float("inf"), []
    return (max(step_s, min(r.threshold for r in rising)),
            sorted({(r.threshold, r.for_s) for r in rising}))


def cpu_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Analysis:
    alerts: list[Alert]
    alert_history: list[AlertRecord]
    alert_metrics: dict[str, float]
    bottlenecks: list[Bottleneck]
    trends: dict[str, Trend]
    health: Health


class Analyzer:
    def __init__(self, config: Config) -> None:
        self.config = config
        rules = parse_rules(config.alert_rules, "config", defaults=config.default_alerts)
        self.alerts = AlertEngine(rules)
        self.thresholds = health.Thresholds.of(rules, health.DEFAULTS)  # the score's knees follow the rules
        self.trends = TrendTracker()
        # between ticks a condition may go unseen for one step: keep that small against the
        # shortest `for`, but no finer than the snapshot interval
        min_for = self.alerts.min_for_s
        self.step_s = min(MAX_STEP_S, max(config.interval_s, min_for / 5 if min_for else 0.0))
        self.backlog_step_s = max(self.step_s, BACKLOG_STEP_S)
        self.lean_step_s = max(self.backlog_step_s, LEAN_BACKLOG_STEP_S)
        self.last_tick: float | None = None
        # custom.* / gc.* metrics the rules read (computed only when some rule names them)
        self.dynamic = sorted({r.metric for r in rules if r.metric not in signals.METRICS})
        # what a backlog tick computes: the readings some rule reads (the rest go unread)
        self.only = signals.Only.of((r.metric for r in rules), config.budget_usd is not None)
        # no rule reads a token figure or a custom metric: with no task, no process and no
        # --record seen yet, a tick's readings are at most source.silence_s (tick_tokens_only)
        self.lean = not self.only.tokens and not self.dynamic
        # a backlog's silent gap longer than this is ticked through (Aggregator._gap_ticks):
        # the shortest silence some rule on source.silence_s can act on (inf: no such rule)
        self.gap_s, self.gap_marks = gap_silence(rules, self.backlog_step_s)
        self.cores = cpu_cores()

    def tick(self, inp: signals.Inputs, only: signals.Only = signals.ALL,
             ) -> dict[str, signals.Reading]:
        """Evaluate alert rules and sample trend series at ``inp.now``. A backlog tick passes
        ``only=self.only``: alerts and trends end the same, the readings returned are then
        just those the rules read."""
        readings = signals.compute(inp, self.dynamic, only)
        self.alerts.evaluate(readings, inp.now)
        worst_p99 = max((p.window_p99_ms for p in inp.patterns.values()
                         if p.window_count and p.window_p99_ms is not None),
                        default=None) if inp.patterns else None
        err = readings.get("error_rate")
        self.trends.sample(inp.now, {
            "tokens_per_min": inp.tokens.tokens_per_min if inp.tokens.calls else None,
            "total_rss_bytes": float(inp.memory.total_rss_bytes) if inp.memory.processes
            else None,
            "p99_ms": worst_p99,
            "error_rate": err.value if err is not None else None,
        })
        self.last_tick = inp.now
        return readings

    def tick_tokens_only(self, now: float, readings: dict[str, signals.Reading],
                         tokens_per_min: float | None) -> None:
        """``tick`` when there is nothing but tokens and followed logs to read (``self.lean``,
        and no task, process or --record seen): the readings are at most source.silence_s
        (error_rate, pattern, process and memory readings need tasks and processes), the
        only series tokens_per_min."""
        self.alerts.evaluate(readings, now)
        self.trends.sample(now, {"tokens_per_min": tokens_per_min})
        self.last_tick = now

    def analyse(self, inp: signals.Inputs) -> Analysis:
        readings = self.tick(inp)
        firing = self.alerts.firing()
        return Analysis(
            alerts=firing,
            alert_history=self.alerts.history(),
            alert_metrics={k: round(r.value, 6) for k, r in readings.items()},
            bottlenecks=bottlenecks.find(inp, readings),
            trends=self.trends.section(),
            health=health.health(inp, readings, firing, self.config.health_weights,
                                 self.thresholds),
        )

    def acknowledge(self, rule: str) -> bool:
        return self.alerts.acknowledge(rule)
