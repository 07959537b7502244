"""Alert rules: `for`, hysteresis, severity groups, acknowledgement, config errors."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from swarmtop.core.aggregator import Aggregator
from swarmtop.core.alerts import DEFAULT_RULES, AlertEngine, Rule, parse_rules
from swarmtop.core.config import Config, ConfigError, config_from_dict, load_config
from swarmtop.core.signals import METRICS, Reading
from swarmtop.events import ProcessExit, ProcessSample, TaskEvent
from tests.conftest import run_cli

T0 = 1_764_000_000.0


def rule(**kw) -> Rule:
    base = dict(name="err", metric="error_rate", comparison=">", threshold=0.05,
                severity="warning", for_s=30.0, clear=0.04, message="")
    base.update(kw)
    return Rule(**base)


def feed(engine: AlertEngine, points: list[tuple[float, float | None]]) -> None:
    for t, v in points:
        engine.evaluate({} if v is None else {"error_rate": Reading(v)}, T0 + t)


def test_fires_only_after_holding_for() -> None:
    e = AlertEngine([rule()])
    feed(e, [(0, 0.06), (10, 0.07), (29, 0.08)])
    assert e.firing() == []
    feed(e, [(30, 0.08)])
    [a] = e.firing()
    assert (a.rule, a.severity, a.threshold) == ("err", "warning", 0.05)
    assert a.value == pytest.approx(0.08)


def test_interruption_restarts_the_for_clock() -> None:
    e = AlertEngine([rule()])
    feed(e, [(0, 0.06), (20, 0.01), (25, 0.06), (50, 0.06)])
    assert e.firing() == []  # held 25 s since the dip, not 50
    feed(e, [(55, 0.06)])
    assert len(e.firing()) == 1


def test_hysteresis_resolves_only_below_clear_and_records_history() -> None:
    e = AlertEngine([rule(for_s=0)])
    feed(e, [(0, 0.10)])
    assert len(e.firing()) == 1
    feed(e, [(1, 0.045), (2, 0.05), (3, 0.041)])  # below threshold, above clear: still firing
    assert len(e.firing()) == 1
    assert e.history() == []
    feed(e, [(4, 0.04)])
    assert e.firing() == []
    [rec] = e.history()
    assert rec.rule == "err" and rec.severity == "warning"
    assert rec.peak_value == pytest.approx(0.10)
    assert rec.since < rec.until


def test_without_clear_resolves_when_condition_stops() -> None:
    e = AlertEngine([rule(for_s=0, clear=None)])
    feed(e, [(0, 0.06), (1, 0.05)])
    assert e.firing() == []


def test_downward_rule_with_clear() -> None:
    r = rule(metric="memory.time_to_limit_s", comparison="<", threshold=600, clear=900, for_s=0)
    e = AlertEngine([r])
    e.evaluate({"memory.time_to_limit_s": Reading(500, "pid 7")}, T0)
    [a] = e.firing()
    assert "pid 7" in a.message
    e.evaluate({"memory.time_to_limit_s": Reading(800)}, T0 + 1)
    assert len(e.firing()) == 1
    e.evaluate({"memory.time_to_limit_s": Reading(901)}, T0 + 2)
    assert e.firing() == []


def test_unmeasurable_metric_resolves() -> None:
    e = AlertEngine([rule(for_s=0)])
    feed(e, [(0, 0.5)])
    assert e.firing()
    feed(e, [(1, None)])
    assert e.firing() == []
    assert len(e.history()) == 1


def test_history_is_bounded() -> None:
    e = AlertEngine([rule(for_s=0, clear=None)], history=5)
    for i in range(20):
        feed(e, [(2 * i, 0.5), (2 * i + 1, 0.0)])
    assert len(e.history()) == 5


def test_severity_group_and_acknowledge_until_severity_changes() -> None:
    e = AlertEngine([rule(for_s=0), rule(severity="critical", threshold=0.2, clear=0.15, for_s=0)])
    feed(e, [(0, 0.1)])
    [a] = e.firing()
    assert a.severity == "warning" and not a.acknowledged
    assert e.acknowledge("err")
    assert e.firing()[0].acknowledged
    feed(e, [(1, 0.3)])  # escalates: the acknowledgement no longer holds
    [a] = e.firing()
    assert a.severity == "critical" and not a.acknowledged
    e.acknowledge("err")
    feed(e, [(2, 0.25)])
    assert e.firing()[0].acknowledged  # same severity: stays silenced
    feed(e, [(3, 0.1)])  # critical clears, warning still holds: severity changed again
    [a] = e.firing()
    assert a.severity == "warning" and not a.acknowledged
    feed(e, [(4, 0.0)])
    [rec] = e.history()
    assert rec.severity == "critical"  # the peak of the episode
    assert not e.acknowledge("err")  # nothing firing
    assert not e.acknowledge("nope")


def test_default_rules_cover_the_documented_set() -> None:
    rules = parse_rules(())
    metrics = {r.metric for r in rules}
    assert {"error_rate", "pattern.p99_over_target", "process.leak_suspected",
            "memory.time_to_limit_s", "tokens.burn_vs_budget", "source.silence_s",
            "process.exit_code"} <= metrics
    err = sorted((r.threshold, r.severity) for r in rules if r.metric == "error_rate")
    assert err == [(0.05, "warning"), (0.2, "critical")]
    assert len(rules) == len(DEFAULT_RULES)
    assert all(r.metric in METRICS for r in rules)


def test_user_rule_replaces_default_group_and_can_disable() -> None:
    rules = parse_rules([
        {"name": "error_rate", "metric": "error_rate", "threshold": 0.5, "severity": "critical",
         "for": "1m"},
        {"name": "stalled", "metric": "source.silence_s", "threshold": 1, "enabled": False},
    ])
    err = [r for r in rules if r.name == "error_rate"]
    assert [(r.threshold, r.for_s) for r in err] == [(0.5, 60.0)]
    assert not any(r.name == "stalled" for r in rules)
    assert parse_rules((), defaults=False) == []


def test_default_config_loads(tmp_path: Path) -> None:
    cfg = Config()
    agg = Aggregator(cfg)
    assert len(agg.analyzer.alerts.rules) == len(DEFAULT_RULES)
    p = tmp_path / "c.toml"
    p.write_text('[general]\nbudget_period_s = 600\n\n[[alerts]]\nname = "slow"\n'
                 'metric = "pattern.p99_over_target"\nthreshold = 1.5\nseverity = "critical"\n'
                 'for = "10s"\nclear = 1.2\nmessage = "{subject} is slow ({value})"\n')
    cfg = load_config(p)
    assert cfg.budget_period_s == 600
    rules = Aggregator(cfg).analyzer.alerts.rules
    assert any(r.name == "slow" and r.for_s == 10 for r in rules)


@pytest.mark.parametrize(
    ("table", "expect"),
    [
        ({"metric": "errors_rate", "threshold": 1}, "unknown metric 'errors_rate'"),
        ({"metric": "error_rate", "threshold": 1, "severity": "high"},
         "severity must be info, warning or critical, got 'high'"),
        ({"metric": "error_rate", "threshold": 1, "comparison": "=="},
         "comparison must be one of > >= < <="),
        ({"metric": "error_rate"}, "'threshold' is required"),
        ({"metric": "error_rate", "threshold": "x"}, "'threshold' must be a number"),
        ({"metric": "error_rate", "threshold": 0.1, "clear": 0.2}, "'clear' must be at or below"),
        ({"metric": "error_rate", "threshold": 0.1, "treshold": 1}, "unknown key 'treshold'"),
        ({"metric": "error_rate", "threshold": 0.1, "for": "soon"}, "'for' must be seconds"),
        ({"metric": "error_rate", "threshold": 0.1, "message": "{bogus}"},
         "bad message template"),
    ],
)
def test_bad_rule_is_a_clear_config_error(table: dict, expect: str) -> None:
    with pytest.raises(ConfigError) as exc:
        config_from_dict({"alerts": [table]}, origin="my.toml")
    msg = str(exc.value)
    assert expect in msg and msg.startswith("my.toml: alerts[0]")
    assert "\n" not in msg


def test_unknown_health_weight_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown health component"):
        config_from_dict({"health": {"weights": {"speed": 1}}})


def _tasks(path: Path, fail: float, n: int, step: float = 0.5) -> Path:
    rnd = random.Random(3)
    with path.open("w") as f:
        for i in range(n):
            st = "error" if rnd.random() < fail else "ok"
            f.write(json.dumps({"ts": T0 + i * step, "type": "task", "task_id": str(i),
                                "agent": f"a{i % 4}", "pattern": "convergent", "status": st,
                                "duration_ms": 1000}) + "\n")
    return path


def test_cli_bad_rule_exits_2_with_one_line(tmp_path: Path) -> None:
    log = _tasks(tmp_path / "run.jsonl", 0.0, 10)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[alerts]]\nmetric = "cpu"\nthreshold = 1\n')
    r = run_cli("report", str(log), "--config", str(bad))
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown metric 'cpu'" in lines[0]
    bad.write_text('[[alerts]]\nmetric = "error_rate"\nthreshold = 1\nseverity = "high"\n')
    r = run_cli("report", str(log), "--config", str(bad))
    assert r.returncode == 2 and "severity" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_report_exit_status_follows_critical_alerts(tmp_path: Path) -> None:
    bad = _tasks(tmp_path / "bad.jsonl", 0.35, 600)
    good = _tasks(tmp_path / "good.jsonl", 0.0, 600)
    r = run_cli("report", str(bad), "--output", "json")
    assert r.returncode == 1, r.stderr
    snap = json.loads(r.stdout)
    [a] = [a for a in snap["alerts"] if a["rule"] == "error_rate"]
    assert a["severity"] == "critical"
    assert run_cli("report", str(good)).returncode == 0


def test_report_measures_for_on_event_time(tmp_path: Path) -> None:
    # every task fails, but the log covers 20 s: the 30 s `for` of error_rate never holds
    short = _tasks(tmp_path / "short.jsonl", 1.0, 41)
    assert run_cli("report", str(short)).returncode == 0
    agg = Aggregator()
    agg.clock = agg.event_clock  # as report and replay run it
    agg.ingest(_task_events(41, fail_every=1))  # one batch spanning 20 s
    assert agg.snapshot().alerts == []
    agg = Aggregator()
    agg.clock = agg.event_clock
    agg.ingest(_task_events(121, fail_every=1))  # one batch spanning 60 s
    assert [a.severity for a in agg.snapshot().alerts] == ["critical"]


def _task_events(n: int, fail_every: int = 0, t0: float = T0, step: float = 0.5,
                 agent=lambda i: f"a{i % 4}", duration: float = 1000.0) -> list[TaskEvent]:
    return [
        TaskEvent(ts=t0 + i * step, source="run.jsonl", task_id=str(i), agent=agent(i),
                  pattern="convergent",
                  status="error" if fail_every and i % fail_every == 0 else "ok",
                  duration_ms=duration)
        for i in range(n)
    ]


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_stalled_swarm_alert_and_acknowledge() -> None:
    clock = Clock(T0)
    agg = Aggregator(clock=clock)
    agg.ingest(_task_events(10))
    assert agg.snapshot().alerts == []
    clock.t += 121
    [a] = agg.snapshot().alerts
    assert a.rule == "stalled" and a.severity == "warning"
    assert agg.acknowledge("stalled")
    assert agg.snapshot().alerts[0].acknowledged
    assert agg.snapshot().health.components["liveness"].score < 100
    agg.ingest(_task_events(1, t0=clock.t))
    snap = agg.snapshot()
    assert snap.alerts == []
    assert [h.rule for h in snap.alert_history] == ["stalled"]


def test_process_exit_nonzero_is_critical() -> None:
    clock = Clock(T0)
    agg = Aggregator(clock=clock)
    agg.ingest([ProcessSample(ts=T0, source="pid:42", pid=42, create_time=1.0, name="swarm",
                              rss=1 << 20, cpu_percent=5.0)])
    assert agg.snapshot().alerts == []
    agg.ingest([ProcessExit(ts=T0 + 1, source="pid:42", pid=42, create_time=1.0, exit_code=3)])
    clock.t += 1
    snap = agg.snapshot()
    [a] = snap.alerts
    assert (a.rule, a.severity, a.value) == ("process_exit", "critical", 3.0)
    assert "pid 42 (swarm)" in a.message
    assert snap.alert_metrics["process.exit_code"] == 3.0


def test_rules_on_custom_and_gc_metrics() -> None:
    from swarmtop.events import MetricEvent

    cfg = config_from_dict({"alerts": [
        {"name": "queue", "metric": "custom.queue.depth.latest", "threshold": 100,
         "severity": "critical", "message": "queue {subject} at {value}"},
        {"name": "gc", "metric": "gc.wall_share", "threshold": 0.5},
    ]})
    clock = Clock(T0)
    agg = Aggregator(cfg, clock=clock)
    agg.ingest([MetricEvent(ts=T0, source="m.jsonl", name="queue.depth", value=50)])
    snap = agg.snapshot()
    assert snap.alert_metrics["custom.queue.depth.latest"] == 50
    assert not [a for a in snap.alerts if a.rule == "queue"]
    agg.ingest([MetricEvent(ts=T0 + 1, source="m.jsonl", name="queue.depth", value=150)])
    clock.t += 1
    [a] = [a for a in agg.snapshot().alerts if a.rule == "queue"]
    assert a.severity == "critical" and a.message == "queue queue.depth at 150"
    with pytest.raises(ConfigError, match="unknown metric 'custom.queue.median'"):
        config_from_dict({"alerts": [{"metric": "custom.queue.median", "threshold": 1}]})
    with pytest.raises(ConfigError, match="unknown metric 'gc.nope'"):
        config_from_dict({"alerts": [{"metric": "gc.nope", "threshold": 1}]})


def test_stalled_counts_from_start_when_no_event_ever_arrives() -> None:
    from swarmtop.events import FileStatus

    clock = Clock(T0)
    agg = Aggregator(clock=clock)
    agg.ingest([FileStatus(ts=T0, source="run.jsonl", state="following")])
    assert agg.snapshot().alerts == []
    clock.t += 121
    assert [a.rule for a in agg.snapshot().alerts] == ["stalled"]
    no_logs = Aggregator(clock=clock)  # watching processes only: silence is not a signal
    clock.t += 500
    assert "source.silence_s" not in no_logs.snapshot().alert_metrics


def test_memory_growing_toward_limit_alerts_from_real_samples() -> None:
    clock = Clock(T0)
    agg = Aggregator(Config(memory_limit_bytes=2 << 30), clock=clock)
    snap = agg.snapshot()
    for i in range(400):  # 1 GiB growing 2 MB/s for 200 s: the 2 GiB limit ~340 s away
        clock.t = T0 + i * 0.5
        agg.ingest([ProcessSample(ts=clock.t, source="pid:9", pid=9, create_time=1.0,
                                  name="swarm", rss=(1 << 30) + i * 1_000_000,
                                  cpu_percent=50.0)])
        if i % 10 == 0:
            snap = agg.snapshot()
    snap = agg.snapshot()
    ttl = snap.alert_metrics["memory.time_to_limit_s"]
    assert 250 < ttl < 450, ttl
    fired = {a.rule: a for a in snap.alerts}
    assert fired["memory_limit"].severity == "warning"
    assert "swarm" in fired["memory_limit"].message
    assert fired["memory_leak"].severity == "warning"
    [mem] = [b for b in snap.bottlenecks if b.kind == "memory"]
    assert mem.severity > 0.7 and "min at the current growth" in mem.why
    assert snap.health.components["memory"].score < 60
    assert snap.trends["total_rss_bytes"].kind == "linear"


def test_same_name_rules_on_two_metrics_first_in_order_wins_a_tie() -> None:
    """A group may mix metrics; of two active rules of equal severity the first listed words
    the alert, and one going unmeasured leaves the other's alert open."""
    a = rule(name="g", metric="error_rate", for_s=0, clear=None, message="from a")
    b = rule(name="g", metric="source.silence_s", threshold=10, for_s=0, clear=None,
             message="from b")
    e = AlertEngine([a, b])
    e.evaluate({"error_rate": Reading(0.5), "source.silence_s": Reading(60.0)}, T0)
    assert [x.message for x in e.firing()] == ["from a"]
    e.evaluate({"source.silence_s": Reading(60.0)}, T0 + 1)  # error_rate not measurable
    assert [x.message for x in e.firing()] == ["from b"]
    e.evaluate({}, T0 + 2)
    assert e.firing() == [] and [h.message for h in e.history()] == ["from b"]
