from __future__ import annotations

import numpy as np
import pytest

from swarmtop.core.aggregator import Aggregator
from swarmtop.core.config import COGNITIVE_PATTERNS, Config
from swarmtop.events import FileStatus, LLMCall, LogLine, ParseError, TaskEvent


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_token_totals_by_model_and_agent():
    agg = Aggregator(Config(), clock=Clock(1000.0))
    rng = np.random.default_rng(1)
    ins = rng.integers(1, 5000, 300)
    outs = rng.integers(1, 900, 300)
    models = rng.choice(["a", "b", "c"], 300)
    agg.ingest(
        LLMCall(ts=900.0 + i, source="f", model=str(models[i]), agent=f"ag{i % 4}",
                input_tokens=int(ins[i]), output_tokens=int(outs[i]), cache_read_tokens=2,
                cache_write_tokens=1)
        for i in range(300)
    )
    t = agg.snapshot().tokens
    assert t.input == int(ins.sum()) and t.output == int(outs.sum())
    assert t.cache_read == 600 and t.cache_write == 300
    assert t.total == int(ins.sum() + outs.sum()) + 900
    assert t.calls == 300
    for m in "abc":
        assert t.by_model[m].input == int(ins[models == m].sum())
    assert sum(a.calls for a in t.by_agent.values()) == 300


def test_duplicate_keys_counted_once():
    agg = Aggregator(Config(), clock=Clock(10.0))
    call = LLMCall(ts=1.0, source="f", model="m", input_tokens=5, output_tokens=1,
                   dedupe_key="msg1:req1")
    agg.ingest([call, call, call])
    assert agg.snapshot().tokens.calls == 1


@pytest.mark.parametrize("n", [50, 5000])  # exact path and sketch path
def test_pattern_percentiles_against_numpy(n):
    rng = np.random.default_rng(n)
    lat = rng.lognormal(7, 0.8, n)
    agg = Aggregator(Config(), clock=Clock(10_000.0))
    agg.ingest(
        TaskEvent(ts=9_990.0, source="f", pattern="lateral", duration_ms=float(v),
                  status="error" if i % 10 == 0 else "ok")
        for i, v in enumerate(lat)
    )
    p = agg.snapshot().patterns["lateral"]
    assert p.count == n and p.errors == len(range(0, n, 10))
    assert p.max_ms == pytest.approx(lat.max())
    for q, got in ((0.5, p.p50_ms), (0.9, p.p90_ms), (0.99, p.p99_ms)):
        want = np.quantile(lat, q)
        assert got == pytest.approx(want, rel=0.011 if n > 2048 else 1e-9)
    # rolling window: all within the last 60 s here
    assert p.window_count == n
    assert p.window_p50_ms == pytest.approx(np.quantile(lat, 0.5))


def test_rolling_window_forgets_old_tasks():
    clock = Clock(1000.0)
    agg = Aggregator(Config(window_s=60), clock=clock)
    agg.ingest([TaskEvent(ts=900.0, source="f", pattern="convergent", duration_ms=100.0),
                TaskEvent(ts=990.0, source="f", pattern="convergent", duration_ms=300.0)])
    p = agg.snapshot().patterns["convergent"]
    assert p.count == 2 and p.window_count == 1 and p.window_p50_ms == 300.0


def test_all_seven_patterns_listed_and_others_too():
    agg = Aggregator(Config(), clock=Clock(1.0))
    agg.ingest([TaskEvent(ts=1.0, source="f", pattern="brainstorm", duration_ms=1.0)])
    pats = agg.snapshot().patterns
    assert list(pats)[:7] == list(COGNITIVE_PATTERNS)
    assert pats["brainstorm"].count == 1 and pats["brainstorm"].target_ms is None
    assert pats["systems"].count == 0 and pats["systems"].target_ms == COGNITIVE_PATTERNS["systems"]


def test_bad_lines_and_files_counted():
    agg = Aggregator(Config(), clock=Clock(1.0))
    agg.ingest([
        ParseError(ts=1.0, source="a.log", offset=0, reason="bad"),
        LogLine(ts=1.0, source="a.log", level="error", text="x"),
        FileStatus(ts=1.0, source="a.log", format="text", lines=2, offset=10, state="done"),
    ])
    s = agg.snapshot().sources
    assert (s.lines, s.events, s.bad_lines) == (2, 1, 1)
    [f] = s.files
    assert (f.path, f.lines, f.events, f.bad_lines, f.offset) == ("a.log", 2, 1, 1, 10)
    assert s.recent_bad_lines[0].reason == "bad"


def test_burn_rate_and_budget():
    clock = Clock(1000.0)
    agg = Aggregator(Config(window_s=60, budget_usd=20.0), clock=clock)
    # $0.10 per call, one call per second for 100 s; the last 60 s → $6/min
    agg.ingest(LLMCall(ts=900.5 + i, source="f", model="m", input_tokens=1, output_tokens=1,
                       cost_usd=0.1) for i in range(100))
    t = agg.snapshot().tokens
    assert t.cost_usd == pytest.approx(10.0)
    assert t.burn_usd_per_min == pytest.approx(6.0)
    assert t.budget_exhausted_in_s == pytest.approx((20.0 - 10.0) / 6.0 * 60)
    clock.t = 2000.0  # an hour of silence: nothing burning, no exhaustion projected
    t = agg.snapshot().tokens
    assert t.burn_usd_per_min == 0.0 and t.budget_exhausted_in_s is None


def test_health_falls_with_errors():
    agg = Aggregator(Config(), clock=Clock(100.0))
    agg.ingest(TaskEvent(ts=99.0, source="f", pattern="critical", duration_ms=10.0) for _ in range(20))
    clean = agg.snapshot().health.score
    agg.ingest(TaskEvent(ts=99.0, source="f", pattern="critical", duration_ms=10.0,
                         status="error") for _ in range(15))
    bad = agg.snapshot().health
    assert clean >= 85 and bad.score < clean
    assert bad.components["errors"].score == min(c.score for c in bad.components.values())
    assert "15 of 35" in bad.components["errors"].why
