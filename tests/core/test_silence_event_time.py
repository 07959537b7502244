"""Silence (``source.silence_s``, the default ``stalled`` rule) on a backlog's own timeline:
it counts from the newest event read so far, rises through a silent gap as it would have
live, and does not depend on how the events are cut into batches or on files being read one
after another."""

from __future__ import annotations

import json

from swarmtop.core import schedule
from swarmtop.core.aggregator import Aggregator
from swarmtop.core.config import Config
from swarmtop.events import LLMCall
from swarmtop.snapshot import to_json

T0 = 1_764_000_000.0


def _calls(times: list[float], source: str = "a.jsonl") -> list[LLMCall]:
    return [LLMCall(ts=t, source=source, model="claude-sonnet-4-5", agent="a",
                    input_tokens=100, output_tokens=10) for t in times]


def _report(batches: list[list[LLMCall]], config: Config | None = None) -> tuple[Aggregator, dict]:
    agg = Aggregator(config or Config(), clock=lambda: 1_700_000_000.0)  # a wall clock far off
    agg.clock = agg.event_clock
    for b in batches:
        agg.ingest(b)
    snap = json.loads(to_json(agg.snapshot()))
    snap.pop("generated_at")
    return agg, snap


def _stalled(snap: dict) -> list[dict]:
    return [h for h in snap["alert_history"] if h["rule"] == "stalled"]


def _iso_s(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_a_silent_gap_fires_stalled_as_live_would() -> None:
    before = [T0 + 2 * i for i in range(100)]  # to T0 + 198
    gap_end = before[-1] + 600
    after = [gap_end + 2 * i for i in range(100)]
    _agg, snap = _report([_calls(before + after)])
    (alert,) = _stalled(snap)
    # fires once silence passes 120 s (within a backlog step, as live within a tick), ends
    # with the gap
    since = _iso_s(alert["since"]) - before[-1]
    assert 120 < since <= 120 + schedule.BACKLOG_STEP_S
    assert _iso_s(alert["until"]) == gap_end
    assert alert["peak_value"] == 600.0
    assert "10.0m" in alert["message"] or "600" in alert["message"]
    assert snap["alerts"] == []  # events resumed: nothing firing at the end


def test_steady_events_and_short_gaps_never_look_stalled() -> None:
    times = [T0 + 7 * i for i in range(2000)] + [T0 + 14_000 + 100 + 7 * i for i in range(50)]
    _agg, snap = _report([_calls(times)])
    assert _stalled(snap) == []
    assert snap["alert_metrics"]["source.silence_s"] == 0.0


def test_files_read_one_after_another_do_not_look_stalled() -> None:
    """Two sessions of the same hours read in turn (how a report walks a directory): the
    second starts far behind the newest event of the first; neither is silence."""
    a = _calls([T0 + 5 * i for i in range(3000)], "a.jsonl")  # 4 h 10 min
    b = _calls([T0 + 1800 + 5 * i for i in range(3000)], "b.jsonl")  # half an hour later
    _agg, snap = _report([a[:1000], a[1000:], b[:1500], b[1500:]])
    assert _stalled(snap) == []


def test_silence_does_not_depend_on_batch_boundaries() -> None:
    times = ([T0 + 3 * i for i in range(500)] + [T0 + 3000 + 3 * i for i in range(500)]
             + [T0 + 9000 + 3 * i for i in range(300)])
    calls = _calls(times)
    _agg, whole = _report([calls])
    _agg, single = _report([[c] for c in calls])
    _agg, ragged = _report([calls[i:i + 37] for i in range(0, len(calls), 37)])
    assert len(_stalled(whole)) == 2
    assert whole == single == ragged


def _counting(config: Config) -> tuple[Aggregator, list[float]]:
    """A report-time aggregator that records the time of every backlog tick it takes."""
    agg = Aggregator(config)
    agg.clock = agg.event_clock
    ticks: list[float] = []
    tick = agg._tick

    def counted(now: float, quiet_from: float | None) -> float:
        ticks.append(now)
        return tick(now, quiet_from)

    agg._tick = counted  # type: ignore[method-assign]
    return agg, ticks


def test_a_long_gap_costs_a_bounded_number_of_ticks() -> None:
    agg, ticks = _counting(Config())
    agg.ingest(_calls([T0, T0 + 1, T0 + 36_001]))  # ten hours without an event
    assert len(ticks) <= schedule.MAX_GAP_TICKS + 6  # (+ the dense start: 120 s, 125 s)
    assert ticks == sorted(ticks) and ticks[-1] == T0 + 36_001
    assert _stalled(json.loads(to_json(agg.snapshot())))[0]["peak_value"] == 36_000.0


def test_no_rule_on_silence_means_no_gap_ticks() -> None:
    cfg = Config(default_alerts=False)
    assert Aggregator(cfg).analyzer.schedule.gap_s == float("inf")
    assert Aggregator(Config()).analyzer.schedule.gap_s == 120.0
    # a rule that holds while events flow gains nothing from gap ticks; a tiny threshold
    # is ticked through from one backlog step on, not at every event
    flowing = Config(alert_rules=({"name": "f", "metric": "source.silence_s",
                                   "comparison": "<", "threshold": 5},), default_alerts=False)
    assert Aggregator(flowing).analyzer.schedule.gap_s == float("inf")
    tiny = Config(alert_rules=({"name": "t", "metric": "source.silence_s", "comparison": ">",
                                "threshold": 0.5},), default_alerts=False)
    assert Aggregator(tiny).analyzer.schedule.gap_s == schedule.BACKLOG_STEP_S


def test_a_long_gap_fires_on_time_and_honours_for() -> None:
    """A twelve-hour gap: the rule fires within a step of its threshold and its `for` (was:
    at the first of 64 evenly spread ticks, 793 s in)."""
    cfg = Config(alert_rules=({"name": "q", "metric": "source.silence_s", "comparison": ">",
                               "threshold": 60, "for": "5m"},), default_alerts=False)
    _agg, snap = _report([_calls([T0, T0 + 1, T0 + 1 + 43_200, T0 + 43_202])], cfg)
    (alert,) = [h for h in snap["alert_history"] if h["rule"] == "q"]
    fired = _iso_s(alert["since"]) - (T0 + 1)
    step = Aggregator(cfg).analyzer.schedule.backlog_step_s  # (15 s: a fifth of the longest `for`)
    assert 360 <= fired <= 360 + 2 * step
    assert alert["peak_value"] == 43_200.0


def test_a_short_silence_rule_sees_gaps_between_lean_ticks() -> None:
    """A rule on silence shorter than the lean tick step (30 s) still fires on a 25 s gap."""
    cfg = Config(alert_rules=({"name": "quiet", "metric": "source.silence_s",
                               "comparison": ">", "threshold": 20},), default_alerts=False)
    times = [T0, T0 + 1, T0 + 2] + [T0 + 27 + i for i in range(10)]  # before the next tick
    _agg, snap = _report([_calls(times)], cfg)
    (alert,) = [h for h in snap["alert_history"] if h["rule"] == "quiet"]
    assert alert["peak_value"] == 25.0


def test_each_silence_rule_fires_on_time_beside_the_default() -> None:
    """A rule with a long threshold and `for`, next to the default `stalled`: each fires
    within a step or two of when it did live (was: the `for` window was taken from the
    lowest threshold, so the long rule fired 500 s late)."""
    cfg = Config(alert_rules=({"name": "long", "metric": "source.silence_s", "comparison": ">",
                               "threshold": 3600, "for": "10m"},))
    _agg, snap = _report([_calls([T0, T0 + 1, T0 + 1 + 43_200, T0 + 43_202])], cfg)
    step = Aggregator(cfg).analyzer.schedule.backlog_step_s
    by_rule = {h["rule"]: _iso_s(h["since"]) - (T0 + 1) for h in snap["alert_history"]}
    assert 120 < by_rule["stalled"] <= 120 + 2 * step
    assert 4200 <= by_rule["long"] <= 4200 + 3 * step


def test_a_long_for_does_not_tick_through_every_step() -> None:
    cfg = Config(alert_rules=({"name": "q", "metric": "source.silence_s", "comparison": ">",
                               "threshold": 60, "for": 86_400},), default_alerts=False)
    agg, ticks = _counting(cfg)
    agg.ingest(_calls([T0 + 2 * 86_400 * i for i in range(10)]))  # an event every 2 days
    assert len(ticks) <= 10 * (schedule.MAX_GAP_TICKS + 8)
    fired = [h for h in json.loads(to_json(agg.snapshot()))["alert_history"] if h["rule"] == "q"]
    assert len(fired) == 9  # every gap: held 60 s, then a day
