"""Runs the analyzers (alerts, trends, bottlenecks, health) on one set of inputs.

The aggregator calls :meth:`Analyzer.tick` at every snapshot, and also while it ingests a
backlog whenever its clock (event time in reports) has moved by ``step_s`` — so an alert's
``for`` duration is measured on the log's own timeline in ``swarmtop report``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from swarmtop.core import bottlenecks, health, signals
from swarmtop.core.alerts import AlertEngine, failure_alert, parse_rules
from swarmtop.core.config import Config
from swarmtop.core.schedule import TickSchedule
from swarmtop.core.trends import TrendTracker
from swarmtop.errorlog import Failures
from swarmtop.snapshot import Alert, AlertRecord, Bottleneck, Health, Trend


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
        self.last_tick: float | None = None
        # custom.* / gc.* metrics the rules read (computed only when some rule names them)
        self.dynamic = sorted({r.metric for r in rules if r.metric not in signals.METRICS})
        # the backlog's ticks (event time): their steps, what they read, the gaps' ticks
        self.schedule = TickSchedule(rules, config.interval_s, self.alerts.min_for_s,
                                     config.budget_usd is not None, self.dynamic)
        self.cores = cpu_cores()

    def tick(self, inp: signals.Inputs, reads: signals.RuleReads = signals.ALL,
             ) -> dict[str, signals.Reading]:
        """Evaluate alert rules and sample trend series at ``inp.now``. A backlog tick passes
        ``reads=self.schedule.reads``: alerts and trends end the same, the readings returned
        are then just those the rules read."""
        readings = signals.compute(inp, self.dynamic, reads)
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
        """``tick`` when there is nothing but tokens and followed logs to read (the lean tick,
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


def without_analyzers(last: Analysis | None, failures: Failures) -> Analysis:
    """What a snapshot shows when the analyzers failed: their ``last`` good results, and the
    failure as an alert (the rules that would raise it are what failed)."""
    alert = failure_alert(failures)
    if last is None:
        return Analysis(alerts=[alert], alert_history=[], alert_metrics={}, bottlenecks=[],
                        trends={}, health=Health())
    kept = [a for a in last.alerts if a.rule != alert.rule]
    return Analysis(alerts=[alert, *kept], alert_history=last.alert_history,
                    alert_metrics=last.alert_metrics, bottlenecks=last.bottlenecks,
                    trends=last.trends, health=last.health)
