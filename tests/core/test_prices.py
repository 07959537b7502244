"""Prices: per call, cache read/write separately, tiers per request, overrides, no guesses."""

from __future__ import annotations

import json

import pytest
from genai_prices import Usage, calc_price

from swarmtop.core.aggregator import Aggregator
from swarmtop.core.config import Config, ConfigError
from swarmtop.core.prices import PriceTable, load_litellm_file, load_prices
from swarmtop.events import LLMCall
from tests.conftest import run_cli

M = 1e-6


def _call(model: str, i: int, o: int, cr: int = 0, cw: int = 0, **kw) -> LLMCall:
    return LLMCall(ts=kw.pop("ts", 100.0), source="s", model=model, input_tokens=i,
                   output_tokens=o, cache_read_tokens=cr, cache_write_tokens=cw, **kw)


def test_cache_tokens_have_their_own_rates():
    p = PriceTable()
    # Sonnet 4.5: $3 in, $15 out, $0.30 cache read, $3.75 cache write per million
    assert p.cost("claude-sonnet-4-5-20250929", 0, 0, 100_000, 0) == pytest.approx(0.030)
    assert p.cost("claude-sonnet-4-5-20250929", 0, 0, 0, 100_000) == pytest.approx(0.375)
    assert p.cost("claude-sonnet-4-5-20250929", 1000, 500, 10_000, 20_000) == pytest.approx(
        1000 * 3 * M + 500 * 15 * M + 10_000 * 0.3 * M + 20_000 * 3.75 * M)


@pytest.mark.parametrize("model", ["claude-sonnet-4-5", "claude-opus-4-1", "gpt-4o",
                                   "claude-3-5-haiku-20241022", "gemini-2.5-pro"])
@pytest.mark.parametrize("usage", [(1000, 500, 10_000, 20_000), (150_000, 900, 60_000, 0),
                                   (190_000, 10, 0, 20_000)])
def test_same_as_genai_prices_reference(model, usage):
    i, o, cr, cw = usage
    ref = calc_price(Usage(input_tokens=i + cr + cw, output_tokens=o, cache_read_tokens=cr,
                           cache_write_tokens=cw), model)
    assert PriceTable().cost(model, i, o, cr, cw) == pytest.approx(float(ref.total_price))


def test_tier_applies_per_request_not_to_totals():
    agg = Aggregator()
    agg.ingest([_call("claude-sonnet-4-5", 150_000, 1000, dedupe_key="a"),
                _call("claude-sonnet-4-5", 150_000, 1000, dedupe_key="b")])
    two = agg.snapshot().tokens.cost_usd
    assert two == pytest.approx(2 * (150_000 * 3 * M + 1000 * 15 * M))  # base rate each
    big = PriceTable().cost("claude-sonnet-4-5", 150_000, 1000, 60_000, 0)  # 210k: tier
    assert big == pytest.approx(150_000 * 6 * M + 1000 * 22.5 * M + 60_000 * 0.6 * M)


def test_unknown_model_has_no_price_and_stated_cost_wins():
    agg = Aggregator()
    agg.ingest([_call("my-local-llm", 100, 10), _call("claude-sonnet-4-5", 10, 10,
                                                      cost_usd=1.25)])
    t = agg.snapshot().tokens
    assert t.unpriced_models == ["my-local-llm"]
    assert t.by_model["my-local-llm"].cost_usd == 0 and t.by_model["my-local-llm"].input == 100
    assert t.by_model["my-local-llm"].unpriced_calls == 1
    assert t.cost_usd == 1.25


def test_litellm_file_overrides(tmp_path):
    f = tmp_path / "prices.json"
    f.write_text(json.dumps({
        "sample_spec": {"input_cost_per_token": 0},
        "anthropic/claude-sonnet-4-5": {
            "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6,
            "cache_read_input_token_cost": 1e-7, "cache_creation_input_token_cost": 5e-7,
            "input_cost_per_token_above_200k_tokens": 4e-6},
        "my-local-llm": {"input_cost_per_token": 1e-8, "output_cost_per_token": 2e-8},
    }))
    table = load_prices(Config(prices_file=str(f)))
    assert table.cost("claude-sonnet-4-5", 1000, 100, 10, 20) == pytest.approx(
        1000e-6 + 200e-6 + 10e-7 + 20 * 5e-7)
    assert table.cost("claude-sonnet-4-5", 250_000, 0, 0, 0) == pytest.approx(1.0)
    assert table.cost("my-local-llm", 100, 100, 50, 0) == pytest.approx(
        100e-8 + 100 * 2e-8 + 50e-8)  # no cache rate: cache reads cost what input costs
    assert table.cost("gpt-4o", 1000, 0, 0, 0) == pytest.approx(1000 * 2.5 * M)  # fallback


def test_bad_price_file_is_a_usage_error(tmp_path):
    with pytest.raises(ConfigError):
        load_litellm_file(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ConfigError):
        load_litellm_file(bad)
    log = tmp_path / "log.jsonl"
    log.write_text("")
    res = run_cli("report", str(log), "--prices", str(bad))
    assert res.returncode == 2 and "price file" in res.stderr
