"""The health score moves the way a user expects."""

from __future__ import annotations

import random

import pytest

from swarmtop.core import health as h
from swarmtop.core.aggregator import Aggregator
from swarmtop.core.signals import Reading
from swarmtop.events import LLMCall, TaskEvent
from swarmtop.snapshot import Alert, HealthComponent, Memory, PatternStats, ProcessInfo

T0 = 1_764_000_000.0
NAMES = ("errors", "latency", "memory", "spend", "alerts", "liveness")
WEIGHTS = {"errors": 0.3, "latency": 0.2, "memory": 0.2, "spend": 0.15, "alerts": 0.1,
           "liveness": 0.05}


def comps(**scores: float) -> dict[str, HealthComponent]:
    return {n: HealthComponent(score=scores.get(n, 100.0), weight=WEIGHTS[n], why="")
            for n in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_score_is_monotonic_in_each_component(name: str) -> None:
    others = {n: 70.0 for n in NAMES if n != name}
    prev = -1.0
    for s in range(0, 101, 5):
        score = h.combine(comps(**others, **{name: float(s)})).score
        assert score >= prev
        prev = score
    assert h.combine(comps(**others, **{name: 0.0})).score < h.combine(
        comps(**others, **{name: 100.0})).score


def test_component_functions_are_monotonic() -> None:
    rates = [i / 100 for i in range(0, 60)]
    scores = [h.error_score(r) for r in rates]
    assert scores == sorted(scores, reverse=True) and scores[0] == 100 and scores[-1] == 0

    def lat(p99: float) -> float:
        return h.latency_component({"x": PatternStats(count=5, window_count=5, target_ms=1000,
                                                       window_p99_ms=p99)}, 1).score

    lats = [lat(v) for v in range(500, 2600, 100)]
    assert lats == sorted(lats, reverse=True) and lats[0] == 100 and lats[-1] == 0

    def spend(used: float, pace: float) -> float:
        return h.spend_component({"tokens.budget_used": Reading(used),
                                  "tokens.burn_vs_budget": Reading(pace)}, 1).score

    sp = [spend(u / 10, 1.0) for u in range(0, 12)]
    assert sp == sorted(sp, reverse=True) and sp[-1] == 0
    sp = [spend(0.1, p / 4) for p in range(0, 16)]
    assert sp == sorted(sp, reverse=True) and sp[0] == 100

    def live(silence: float) -> float:
        return h.liveness_component({"source.silence_s": Reading(silence)}, 1).score

    lv = [live(s) for s in range(0, 400, 20)]
    assert lv == sorted(lv, reverse=True) and lv[0] == 100 and lv[-1] == 0

    proc = ProcessInfo(pid=1, rss_bytes=100)

    def mem(ttl: float) -> float:
        return h.memory_component(Memory(processes=[proc]),
                                  {"memory.time_to_limit_s": Reading(ttl)}, 1).score

    ms = [mem(t) for t in range(0, 2400, 120)]
    assert ms == sorted(ms) and ms[0] == 0 and ms[-1] == 100

    def al(*sev: str, ack: bool = False) -> float:
        alerts = [Alert(rule=s, severity=s, message="", since="", acknowledged=ack) for s in sev]
        return h.alerts_component(alerts, 1).score

    assert al() > al("info") > al("warning") > al("critical")
    assert al("critical", ack=True) > al("critical")


def _run(agg: Aggregator, t_from: float, t_to: float, fail: float, rnd: random.Random,
         pattern_ms: float = 1000.0) -> None:
    """Two tasks and two LLM calls a second, snapshots every 0.5 s like a live monitor."""
    t = t_from
    i = 0
    while t < t_to:
        batch = [
            TaskEvent(ts=t, source="run.jsonl", task_id=f"{t}", agent=f"a{i % 5}",
                      pattern="convergent", duration_ms=pattern_ms * rnd.uniform(0.5, 1.0),
                      status="error" if rnd.random() < fail else "ok"),
            LLMCall(ts=t, source="run.jsonl", model="m", agent=f"a{i % 5}",
                    input_tokens=500, output_tokens=100, cost_usd=0.001),
        ]
        agg.clock.t = t  # type: ignore[attr-defined]
        agg.ingest(batch)
        agg.snapshot()
        t += 0.5
        i += 1


class Clock:
    t = T0

    def __call__(self) -> float:
        return self.t


def test_clean_run_scores_at_least_85() -> None:
    agg = Aggregator(clock=Clock())
    _run(agg, T0, T0 + 180, 0.0, random.Random(1))
    snap = agg.snapshot()
    assert snap.health.score >= 85, snap.health
    assert snap.alerts == []


def test_failing_run_scores_at_most_60_with_errors_lowest_then_recovers() -> None:
    agg = Aggregator(clock=Clock())
    rnd = random.Random(2)
    _run(agg, T0, T0 + 180, 0.35, rnd)
    snap = agg.snapshot()
    comp = snap.health.components
    assert snap.health.score <= 60, snap.health
    assert min(comp, key=lambda n: comp[n].score) == "errors"
    assert all(comp["errors"].score < c.score for n, c in comp.items() if n != "errors")
    assert any(a.rule == "error_rate" and a.severity == "critical" for a in snap.alerts)
    bad = snap.health.score
    # errors stop: the rolling window empties of failures and the score climbs back
    _run(agg, T0 + 180, T0 + 240, 0.0, rnd)
    mid = agg.snapshot().health.score
    _run(agg, T0 + 240, T0 + 330, 0.0, rnd)
    snap = agg.snapshot()
    assert bad < mid <= snap.health.score
    assert snap.health.score >= 85, snap.health
    assert snap.alerts == []
    assert [r.rule for r in snap.alert_history] == ["error_rate"]


def test_slow_pattern_lowers_latency_component() -> None:
    agg = Aggregator(clock=Clock())
    _run(agg, T0, T0 + 60, 0.0, random.Random(3), pattern_ms=8000)  # target 5 s
    comp = agg.snapshot().health.components
    assert comp["latency"].score < 100
    assert "convergent" in comp["latency"].why


def test_weights_come_from_config() -> None:
    from swarmtop.core.config import config_from_dict

    cfg = config_from_dict({"health": {"weights": {"errors": 0.0}}})
    agg = Aggregator(cfg, clock=Clock())
    _run(agg, T0, T0 + 60, 0.5, random.Random(4))
    snap = agg.snapshot()
    assert snap.health.components["errors"].weight == 0.0
    assert snap.health.components["errors"].score == 0.0
    # with errors weighted 0 only the alerts it raised pull the score down
    assert snap.health.score > 60


def test_the_score_follows_the_rules_in_force() -> None:
    """One source for each default (issue 22): the error and liveness knees are the
    error_rate and stalled rules' thresholds, so a stricter rule makes a stricter score."""
    from swarmtop.core.alerts import parse_rules

    assert (h.DEFAULTS.error_warning, h.DEFAULTS.error_critical, h.DEFAULTS.stall_s) == (
        0.05, 0.20, 120.0)
    strict = h.Thresholds.of(parse_rules([
        {"name": "error_rate", "metric": "error_rate", "comparison": ">", "threshold": 0.01,
         "severity": "warning"},
        {"name": "stalled", "metric": "source.silence_s", "comparison": ">", "threshold": 30,
         "severity": "warning"},
    ], "test", defaults=False), h.DEFAULTS)
    assert (strict.error_warning, strict.stall_s) == (0.01, 30.0)
    assert h.error_score(0.01, strict) == 80.0 and h.error_score(0.01) == 96.0
    assert h.error_score(0.05) == 80.0 and h.error_score(0.20) == 39.9  # slope 267, as before
    quiet = {"source.silence_s": Reading(60.0)}
    assert h.liveness_component(quiet, 1).score == 100.0
    assert h.liveness_component(quiet, 1, strict).score < 50.0
    none = h.Thresholds.of([], h.DEFAULTS)  # every such rule disabled: the defaults' knees
    assert none == h.DEFAULTS
