"""genai-prices' answers are kept in a small file (core/prices.py ``_Cache``), so a report does
not build that package's pydantic table (≈ 0.2 s) for rates it has looked up before. Kept
answers are the same rates, exactly; a dated price change ends one; a price by time of day is
never kept; a cache that cannot be written changes nothing but the time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from genai_prices import types

from swarmtop.core import prices
from swarmtop.core.prices import genai_context_window, genai_rates

MODELS = ("claude-sonnet-4-5-20250929", "claude-haiku-4-5", "claude-opus-4-1-20250805",
          "gpt-4o-mini", "no-such-model-anywhere")
ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture()
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(prices, "_the_cache", None)
    return tmp_path


def test_kept_answers_are_the_looked_up_ones(fresh: Path, monkeypatch) -> None:
    now = datetime.now(tz=UTC)
    looked_up = {m: genai_rates(m, now) for m in MODELS}  # (``when`` given: never cached)
    assert not list(fresh.rglob("*.json"))
    first = {m: genai_rates(m) for m in MODELS}
    windows = {m: genai_context_window(m) for m in MODELS}
    (path,) = fresh.rglob("genai-prices-*.json")
    kept = json.loads(path.read_text())
    assert set(kept["rates"]) == set(MODELS) and set(kept["windows"]) == set(MODELS)
    monkeypatch.setattr(prices, "_the_cache", None)  # as a new process would read it
    again = {m: genai_rates(m) for m in MODELS}
    assert first == looked_up == again
    assert looked_up["claude-sonnet-4-5-20250929"].tiers  # (a tiered price, kept whole)
    assert looked_up["no-such-model-anywhere"] is None
    assert {m: genai_context_window(m) for m in MODELS} == windows
    assert windows["claude-sonnet-4-5-20250929"] == 200_000


def test_a_report_with_kept_prices_needs_no_genai_prices(fresh: Path) -> None:
    code = ("import sys; from swarmtop.core.prices import genai_rates as g, "
            "genai_context_window as w; r = (g('claude-haiku-4-5'), w('claude-haiku-4-5')); "
            "print(repr(r)); print('genai_prices' in sys.modules)")
    env = dict(os.environ, XDG_CACHE_HOME=str(fresh), PYTHONPATH=str(ROOT))
    cold = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True).stdout.split("\n")
    warm = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True).stdout.split("\n")
    assert cold[1] == "True" and warm[1] == "False" and cold[0] == warm[0]


def _info(*constraints: object) -> types.ModelInfo:
    price = types.ModelPrice(input_mtok=1, output_mtok=2)
    return types.ModelInfo(id="m", match=types.ClauseEquals(equals="m"), prices=[
        types.ConditionalPrice(constraint=c, prices=price) for c in constraints])


def test_how_long_an_answer_holds() -> None:
    now = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    single = types.ModelInfo(id="m", match=types.ClauseEquals(equals="m"),
                             prices=types.ModelPrice(input_mtok=1))
    assert prices._holds_until(single, now) == float("inf")
    past = types.StartDateConstraint(start_date=date(2026, 1, 1))
    soon = types.StartDateConstraint(start_date=date(2026, 4, 1))
    later = types.StartDateConstraint(start_date=date(2027, 1, 1))
    assert prices._holds_until(_info(None, past), now) == float("inf")
    assert prices._holds_until(_info(None, later, soon), now) == datetime(
        2026, 4, 1, tzinfo=UTC).timestamp()
    night = types.TimeOfDateConstraint(start_time=time(16, 30), end_time=time(0, 30))
    assert prices._holds_until(_info(None, night), now) == 0.0


def test_an_answer_past_its_time_is_looked_up_again(fresh: Path, monkeypatch) -> None:
    model = "claude-haiku-4-5"
    genai_rates(model)
    (path,) = fresh.rglob("genai-prices-*.json")
    kept = json.loads(path.read_text())
    kept["rates"][model][0][0] = 123.0  # (what a stale answer would say)
    kept["rates"][model][3] = 1.0  # ... held until 1970
    path.write_text(json.dumps(kept))
    monkeypatch.setattr(prices, "_the_cache", None)
    assert genai_rates(model) == genai_rates(model, datetime.now(tz=UTC))


@pytest.mark.parametrize("entry", [
    [[1.0, 2.0, 3.0], [], "x", None],  # three rates, not four
    [[1.0, 2.0, 3.0, 4.0, 5.0], [], "x", None],  # an extra positional value
    [["1", 2.0, 3.0, 4.0], [], "x", None],
    [[1.0, 2.0, 3.0, 4.0], [[200, [1.0]]], "x", None],
    [[1.0, 2.0, 3.0, 4.0], [], "x"],
    "not an entry",
])
def test_a_malformed_kept_answer_is_looked_up_again(fresh: Path, monkeypatch,
                                                    entry: object) -> None:
    """A cache file another version wrote (or an edited one) is checked, never trusted."""
    model = "claude-haiku-4-5"
    genai_rates(model)
    (path,) = fresh.rglob("genai-prices-*.json")
    kept = json.loads(path.read_text())
    kept["rates"][model] = entry
    path.write_text(json.dumps(kept))
    monkeypatch.setattr(prices, "_the_cache", None)
    assert genai_rates(model) == genai_rates(model, datetime.now(tz=UTC))


def test_an_unwritable_cache_changes_nothing(fresh: Path, monkeypatch) -> None:
    (fresh / "swarmtop").write_text("a file where the directory would be")
    got = {m: genai_rates(m) for m in MODELS}
    assert got == {m: genai_rates(m, datetime.now(tz=UTC)) for m in MODELS}
    assert prices._the_cache is not None and prices._the_cache.path is None
