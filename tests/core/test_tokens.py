"""Token ledger: growth-aware dedupe, burn rate, budget projection, savings from evidence."""

from __future__ import annotations

import pytest

from swarmtop.core.aggregator import Aggregator
from swarmtop.core.config import Config
from swarmtop.events import LLMCall

M = 1e-6


def _call(ts: float, i: int, o: int, cr: int = 0, cw: int = 0, model: str = "claude-sonnet-4-5",
          agent: str = "a", **kw) -> LLMCall:
    return LLMCall(ts=ts, source="s", model=model, agent=agent, input_tokens=i,
                   output_tokens=o, cache_read_tokens=cr, cache_write_tokens=cw, **kw)


def test_repeated_key_counts_once_at_its_largest_output():
    agg = Aggregator()
    agg.ingest([_call(1, 10, 1, dedupe_key="k"), _call(1, 10, 50, dedupe_key="k"),
                _call(1, 10, 50, dedupe_key="k"), _call(2, 5, 5, dedupe_key="j")])
    t = agg.snapshot(now=2).tokens
    assert (t.calls, t.input, t.output) == (2, 15, 55)
    assert t.cost_usd == pytest.approx(15 * 3 * M + 55 * 15 * M)


def test_burn_rate_and_budget_projection():
    clock = [0.0]
    agg = Aggregator(Config(budget_usd=10.0, window_s=60.0), clock=lambda: clock[0])
    # one call per second for 60 s, $0.015 each (1000 output tokens at $15/M)
    agg.ingest([_call(1000.0 + s, 0, 1000) for s in range(60)])
    t = agg.snapshot(now=1060.0).tokens
    assert t.cost_usd == pytest.approx(0.9)
    assert t.burn_usd_per_min == pytest.approx(0.9, rel=1e-6)
    assert t.tokens_per_min == pytest.approx(60_000)
    # $9.10 left at $0.90/min: 606.67 s
    assert t.budget_exhausted_in_s == pytest.approx(9.1 / 0.9 * 60)
    over = Aggregator(Config(budget_usd=0.5))
    over.ingest([_call(1000.0 + s, 0, 1000) for s in range(60)])
    assert over.snapshot(now=1060).tokens.budget_exhausted_in_s == 0.0


def test_young_run_rate_uses_its_own_span():
    agg = Aggregator(Config(window_s=60.0))
    agg.ingest([_call(1000.0, 0, 1000), _call(1009.0, 0, 1000)])
    t = agg.snapshot(now=1010.0).tokens
    assert t.burn_usd_per_min == pytest.approx(0.03 * 60 / 10)


def test_caching_savings_from_resent_context():
    agg = Aggregator()
    # a growing conversation re-sent uncached: 10k, 20k, 30k input tokens, 30 s apart
    agg.ingest([_call(1000.0 + 30 * k, 10_000 * (k + 1), 100) for k in range(3)])
    sv = {s.strategy: s for s in agg.snapshot(now=1100).tokens.savings}
    caching = sv["caching"]
    gain = (10_000 + 20_000) * (3 - 0.3) * M
    premium = (10_000 + 10_000) * (3.75 - 3) * M
    assert caching.usd == pytest.approx(round(gain - premium, 4))
    assert "re-sent" in caching.why and "0%" in caching.why


def test_no_caching_saving_when_context_is_read_from_cache():
    agg = Aggregator()
    agg.ingest([_call(1000.0 + 30 * k, 100, 100, cr=10_000 * k, cw=10_000)
                for k in range(3)])
    assert not [s for s in agg.snapshot(now=1100).tokens.savings if s.strategy == "caching"]


def test_batching_and_compression_savings():
    agg = Aggregator()
    # 30 small calls within seconds of each other, each carrying >= 800 input tokens
    agg.ingest([_call(2000.0 + k * 0.2, 800 + k, 5, agent=f"w{k}") for k in range(30)])
    # 20 ordinary calls and 2 huge ones with tiny outputs
    agg.ingest([_call(5000.0 + k * 400, 5_000, 500, agent="big") for k in range(20)])
    agg.ingest([_call(20_000.0 + k * 400, 300_000, 100, agent="big2") for k in range(2)])
    sv = {s.strategy: s for s in agg.snapshot(now=30_000).tokens.savings}
    batching = sv["batching"]
    assert "800" in batching.why
    assert batching.usd > 0
    comp = sv["compression"]
    assert "2 of the last" in comp.why
    assert comp.usd > 0


def test_unpriced_models_get_no_savings():
    agg = Aggregator()
    agg.ingest([_call(1000.0 + 30 * k, 10_000 * (k + 1), 100, model="local-x")
                for k in range(3)])
    assert agg.snapshot(now=1100).tokens.savings == []
