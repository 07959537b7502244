"""Backlog ticks take shortcuts (only the readings rules read, TickTokens, a one-pass token
rate, alert evaluations skipped or refreshed when nothing moved): every snapshot must equal
the one the full path gives — the full sections at every tick and the plain alert
evaluation (kept here as the reference)."""

from __future__ import annotations

import json
import random
from typing import Any

import msgspec

from swarmtop.core import signals
from swarmtop.core.aggregator import Aggregator
from swarmtop.core.alerts import AlertEngine
from swarmtop.core.config import Config
from swarmtop.core.rates import PairRateWindow
from swarmtop.events import (
    FileStatus,
    GcEvent,
    LLMCall,
    LogLine,
    MetricEvent,
    ProcessExit,
    ProcessSample,
    TaskEvent,
)
from swarmtop.snapshot import RecordStatus, to_json

RULES = (
    {"name": "queue", "metric": "custom.queue.latest", "comparison": ">", "threshold": 50,
     "for": "20s", "clear": 30},
    {"name": "queue", "metric": "custom.queue.latest", "comparison": ">", "threshold": 80,
     "for": "5s", "severity": "critical"},
    {"name": "tpm", "metric": "tokens.tokens_per_min", "comparison": ">", "threshold": 30000,
     "for": "15s", "clear": 20000},
    {"name": "cpu", "metric": "process.max_cpu_percent", "comparison": ">", "threshold": 80,
     "for": 10},
    {"name": "rss", "metric": "memory.total_rss_bytes", "comparison": ">", "threshold": 300e6,
     "for": 20},
    {"name": "lat", "metric": "pattern.p99_over_target", "comparison": ">", "threshold": 1.5,
     "for": 30, "severity": "critical"},
    {"name": "silence", "metric": "source.silence_s", "comparison": ">", "threshold": 20},
)


class ReferenceEngine(AlertEngine):
    """The plain evaluation: every rule stepped, groups re-ranked at every tick."""

    def evaluate(self, readings, now):  # type: ignore[override]
        active = False
        by_metric = self._by_metric
        for metric in [m for m in self._measured if m not in readings]:
            for _i, (_rule, st) in by_metric[metric]:
                st.reading = st.pending_since = None
                st.active = False
        measured = []
        for metric, reading in readings.items():
            pairs = by_metric.get(metric)
            if pairs is None:
                continue
            measured.append(metric)
            for _i, (rule, st) in pairs:
                active = self._step(rule, st, reading, now) or active
        self._measured = measured
        if active or self._open:
            self._update_groups(now)


class ReferenceAggregator(Aggregator):
    """Full sections and every reading at each backlog tick, the plain alert evaluation."""

    def __init__(self, config: Config, **kw: Any) -> None:
        super().__init__(config, **kw)
        self.analyzer.alerts = ReferenceEngine(self.analyzer.alerts.rules)

    def _tick(self, now: float, quiet_from: float | None) -> float:
        # (patterns without their all-time figures, as backlog ticks always took them: the
        # rolling p99 is then figured by another route, equal to a few ulps)
        inp = self._inputs(now, self.tokens.section(now), self.processes.section(now),
                           self.patterns.section(now, all_time=False), self.metrics.section(now))
        self.analyzer.tick(msgspec.structs.replace(
            inp, last_event_at=now if quiet_from is None else quiet_from))
        an = self.analyzer
        return an.schedule.after(lean=self._lean())


def _events(n: int) -> list:
    rng = random.Random(3)
    evs: list = []
    exited = False
    t0 = 1_764_000_000.0
    for i in range(n):
        t = t0 + i * 0.37 + (300 if i > n // 2 else 0)  # a silent gap mid-way
        src = f"f{i % 3}.jsonl"
        k = i % 7
        if k in (0, 3):
            burst = n * 0.12 <= i < n * 0.14
            evs.append(LLMCall(
                ts=t, source=src, model=rng.choice(("claude-sonnet-4-5", "gpt-4o", "m-x")),
                agent=f"a{i % 5}", input_tokens=rng.randint(10, 5000) * (8 if burst else 1),
                output_tokens=rng.randint(1, 900), cache_read_tokens=rng.randint(0, 9000),
                ok=rng.random() > 0.02, dedupe_key=f"k{i // 2}" if i % 11 == 0 else None))
        elif k in (1, 4):
            fail = n * 0.2 <= i < n * 0.23 and rng.random() < 0.5
            slow = n * 0.33 <= i < n * 0.38
            evs.append(TaskEvent(ts=t, source=src, task_id=f"t{i}", agent=f"a{i % 4}",
                                 pattern=rng.choice(("convergent", "systems", "mine")),
                                 duration_ms=rng.uniform(100, 900) * (12 if slow else 1),
                                 status="error" if fail else "ok"))
        elif k == 2:
            v = (90.0 if n * 0.42 <= i < n * 0.44 else
                 60.0 if n * 0.44 <= i < n * 0.46 else rng.uniform(0, 40))
            evs.append(MetricEvent(ts=t, source=src, name="queue", value=v))
        elif k == 5:
            if n * 0.58 <= i < n * 0.63:
                evs.append(GcEvent(ts=t, source=src, collections=3, duration_ms=40.0,
                                   max_ms=20.0, pid=100))
            else:
                evs.append(LogLine(ts=t, source=src, level="info", text="x"))
        elif i < n * 0.75:
            grow = i > n * 0.66
            rss = 100e6 + (i - n * 0.66) * 800e3 if grow else 100e6 + rng.uniform(0, 1e6)
            evs.append(ProcessSample(ts=t, source="pid:100", pid=100, create_time=t0, name="w",
                                     rss=int(rss),
                                     cpu_percent=95.0 if n * 0.68 < i < n * 0.72 else 20.0))
        elif not exited:
            exited = True
            evs.append(ProcessExit(ts=t, source="pid:100", pid=100, create_time=t0,
                                   exit_code=1))
        if i % 997 == 0:
            evs.append(FileStatus(ts=t, source=src, lines=i, offset=i * 10))
    return evs


def _run(cls, config: Config, evs: list, snap_every: int, record: bool = False) -> list[dict]:
    # with record: --record failing, monitor.record_failed is measured (not the lean tick)
    agg = cls(config, recorder=(lambda: RecordStatus(path="r", error="disk full")) if record else None)
    agg.clock = agg.event_clock
    out = []
    for j in range(0, len(evs), 300):
        agg.ingest(evs[j:j + 300])
        if snap_every and (j // 300) % snap_every == 0:
            out.append(json.loads(to_json(agg.snapshot())))
    out.append(json.loads(to_json(agg.snapshot())))
    for d in out:
        d.pop("generated_at")
    return out


def _configs() -> list[Config]:
    targets = {"convergent": 2000.0, "systems": 1500.0, "mine": 3000.0}
    return [
        Config(alert_rules=RULES, budget_usd=3.0, memory_limit_bytes=500_000_000,
               pattern_targets_ms=targets),
        Config(alert_rules=RULES, default_alerts=False, pattern_targets_ms=targets),
        Config(),  # defaults, no budget: no tokens.* rule is measured
    ]


def test_backlog_ticks_give_the_reference_snapshots():
    evs = _events(6000)
    for cfg in _configs():
        fast = _run(Aggregator, cfg, evs, 3)
        ref = _run(ReferenceAggregator, cfg, evs, 3)
        assert fast == ref
    # the run exercises what it claims: alerts fired and resolved on the log's timeline
    history = {h["rule"] for h in fast[-1]["alert_history"]} | {
        h["rule"] for h in ref[-1]["alert_history"]}
    assert history  # the default set: stalled (the gap), error_rate, latency...
    first = _run(Aggregator, _configs()[0], evs, 0)[-1]
    fired = {h["rule"] for h in first["alert_history"]} | {a["rule"] for a in first["alerts"]}
    assert {"queue", "tpm", "cpu", "rss", "lat", "silence"} <= fired
    assert set(first["trends"]) == {"tokens_per_min", "total_rss_bytes", "p99_ms", "error_rate"}


def test_token_only_backlog_ticks_give_the_reference_snapshots():
    """Calls and log lines only (the Claude Code case): the lean tick, and without it."""
    evs = [e for e in _events(6000) if isinstance(e, LLMCall | LogLine | FileStatus)]
    rules = tuple(r for r in RULES if r["name"] in ("tpm", "silence"))
    for cfg, record in ((Config(), False), (Config(), True), (Config(budget_usd=2.0), False),
                        (Config(alert_rules=rules), False)):
        fast = _run(Aggregator, cfg, evs, 2, record)
        assert fast == _run(ReferenceAggregator, cfg, evs, 2, record)
        assert fast[-1]["alert_history"] or fast[-1]["alerts"]
    assert Aggregator(Config()).analyzer.schedule.lean
    assert not Aggregator(Config(budget_usd=2.0)).analyzer.schedule.lean


def test_running_token_rate_equals_the_pair_rate():
    """per_minute_a carries the window's sum from call to call; it must equal per_minute's
    sum afresh through in-order and out-of-order adds, old-end drops, times going back."""
    rng = random.Random(5)
    for span in (60.0, 5.0):
        w = PairRateWindow(span)
        t = 1000.0
        for _ in range(6000):
            t += rng.choice((0.0, 0.3, 1.0, 2.5, 7.0, 40.0))
            for _k in range(rng.randint(0, 3)):
                ts = t + rng.choice((0.0, 0.0, 0.0, 0.2, -3.0, -30.0, -200.0, 4.0))
                w.add(ts, rng.randint(0, 90_000), rng.random())
            now = t + rng.choice((0.0, 0.0, 0.5, -2.0, -100.0, 3.0))
            since = rng.choice((None, 990.0, now - 10))
            assert w.per_minute_a(now, since) == w.per_minute(now, since)[0]


def test_tick_tokens_equal_the_full_section():
    """The analyzers' backlog ticks read tick_tokens: its totals and rates are section's (out
    of order calls, some outside the window, several agents, repeated dedupe keys)."""
    agg = Aggregator(Config(budget_usd=40.0, window_s=60.0))
    rng = random.Random(3)
    agg.ingest([LLMCall(ts=1000.0 + rng.uniform(0, 300), source="x",
                        model=rng.choice(("claude-sonnet-4-5", "x")),
                        input_tokens=rng.randint(0, 900), output_tokens=rng.randint(1, 900),
                        cache_read_tokens=rng.randint(0, 9000),
                        cache_write_tokens=rng.randint(0, 900), agent=f"a{n % 7}",
                        dedupe_key=f"k{n % 350}") for n in range(400)])
    for now in (1010.0, 1100.0, 1250.5, 1299.9, 1400.0):
        full, tick = agg.tokens.section(now), agg.tokens.tick_tokens(now)
        for f in signals.TickTokens.__struct_fields__:
            assert getattr(tick, f) == getattr(full, f), f
        lean = agg.tokens.tick_tokens(now, money=False)
        assert (lean.calls, lean.tokens_per_min) == (full.calls, full.tokens_per_min)


def test_only_selects_what_rules_read():
    only = signals.RuleReads.of(["tokens.budget_used", "source.silence_s"], budget=False)
    assert not only.tokens and only.silence and not only.memory and not only.patterns
    assert signals.RuleReads.of(["tokens.budget_used"], budget=True).tokens
    assert signals.RuleReads.of(["tokens.tokens_per_min"], budget=False).tokens
    assert signals.RuleReads.of(["memory.time_to_limit_s"]).memory


def test_alert_shortcuts_equal_the_plain_evaluation():
    """Readings that repeat (so evaluations are skipped or only refreshed), metrics that come
    and go, `for` timers pending across repeats: the engine matches the plain evaluation."""
    from swarmtop.core.alerts import parse_rules
    from swarmtop.core.signals import Reading

    tables = [
        {"name": "a", "metric": "error_rate", "comparison": ">", "threshold": 0.5, "for": 20,
         "clear": 0.3},
        {"name": "a", "metric": "error_rate", "comparison": ">", "threshold": 0.8, "for": 5,
         "severity": "critical"},
        {"name": "b", "metric": "source.silence_s", "comparison": ">", "threshold": 10},
        {"name": "c", "metric": "tokens.tokens_per_min", "comparison": "<", "threshold": 5,
         "for": 10, "clear": 7},
    ]
    rules = parse_rules(tables, defaults=False)
    rng = random.Random(11)
    for _run_no in range(30):
        fast, ref = AlertEngine(rules), ReferenceEngine(rules)
        now = 0.0
        readings: dict[str, Reading] = {}
        for _ in range(200):
            now += rng.choice((1.0, 5.0, 5.0, 12.0))
            if rng.random() < 0.4:  # else the same readings again
                readings = {}
                for metric, values in (("error_rate", (0.1, 0.4, 0.6, 0.9)),
                                       ("source.silence_s", (0.0, 3.0, 30.0)),
                                       ("tokens.tokens_per_min", (2.0, 6.0, 9.0))):
                    if rng.random() < 0.85:
                        readings[metric] = Reading(rng.choice(values), rng.choice(("", "x")))
            fast.evaluate(dict(readings), now)
            ref.evaluate(dict(readings), now)
            assert fast.firing() == ref.firing()
            assert fast.history() == ref.history()
        assert fast._peak_value == ref._peak_value
