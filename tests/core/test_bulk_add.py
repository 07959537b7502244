"""The bulk add paths (backlog ingest) leave the same state as adding one at a time."""

from __future__ import annotations

import random
from array import array

import pytest

from swarmtop.core.config import COGNITIVE_PATTERNS
from swarmtop.core.patterns import PatternTracker
from swarmtop.core.prices import PriceTable
from swarmtop.core.quantiles import AllTime, CountWindow, Window
from swarmtop.core.rates import PairRateWindow
from swarmtop.core.tokens import TokenLedger
from swarmtop.events import LLMCall, TaskEvent


def _runs(n: int, rnd: random.Random) -> list[tuple[int, int]]:
    out, i = [], 0
    while i < n:
        k = rnd.randint(1, 300)
        out.append((i, min(n, i + k)))
        i += k
    return out


@pytest.mark.parametrize("n", [100, 2049, 20_000])  # exact, just sketching, sketching
def test_alltime_extend_equals_add(n: int) -> None:
    rnd = random.Random(n)
    values = [rnd.lognormvariate(5, 2) for _ in range(n)] + [0.0, 5, 5.0]
    one, bulk = AllTime(), AllTime()
    for v in values:
        one.add(v)
    for a, b in _runs(len(values), rnd):
        bulk.extend(values[a:b])
    assert (bulk.count, bulk.max, bulk.quantiles()) == (one.count, one.max, one.quantiles())


def test_windows_extend_equal_add_through_caps_and_expiry() -> None:
    rnd = random.Random(5)
    times = [1000.0 + i * 0.1 + rnd.uniform(-1, 1) for i in range(6000)]
    values = [rnd.uniform(0, 100) for _ in times]
    flags = [rnd.random() < 0.3 for _ in times]
    w1, w2 = Window(60.0, cap=700), Window(60.0, cap=700)
    c1, c2 = CountWindow(60.0, cap=700), CountWindow(60.0, cap=700)
    for a, b in _runs(len(times), rnd):
        for t, v, f in zip(times[a:b], values[a:b], flags[a:b], strict=True):
            w1.add(t, v)
            c1.add(t, f)
        w2.extend(array("d", times[a:b]), values[a:b])
        c2.extend(array("d", times[a:b]), bytearray(flags[a:b]))
        now = times[b - 1]
        assert w2.quantiles(now) == w1.quantiles(now) and w2.p99(now) == w1.p99(now)
        assert c2.counts(now) == c1.counts(now)


def test_rate_window_add_hands_back_the_newest_bucket() -> None:
    w = PairRateWindow(60.0)
    b = w.add(100.5, 3, 0.5)
    assert b == [100.0, 3, 0.5] and w.add(100.9, 1, 0.25) is b and b == [100.0, 4, 0.75]
    assert w.add(101.0, 1, 0.0) is not b  # a new second: a new newest bucket
    assert w.add(100.2, 1, 0.0) is None  # out of order: added where it belongs
    assert w.add(1.0, 1, 0.0) is None  # older than the window: dropped


def test_ledger_add_calls_equals_add_one_by_one() -> None:
    rnd = random.Random(9)
    prices = PriceTable()
    calls = []
    for k in range(3000):
        model = rnd.choice(("claude-sonnet-4-5", "gpt-4o-mini", "nobody-prices-this"))
        calls.append(LLMCall(
            ts=1_764_000_000.0 + k * 0.3 + rnd.choice((0.0, 0.0, -5.0, -200.0)), source="f",
            model=model, agent=rnd.choice(("", "a", "b")),
            input_tokens=rnd.choice((None, rnd.randint(0, 300_000))),
            output_tokens=rnd.randint(0, 900),
            cache_read_tokens=rnd.randint(0, 5000), cache_write_tokens=rnd.randint(0, 500),
            cost_usd=rnd.choice((None, None, rnd.uniform(0, 0.1), 0.0)), ok=rnd.random() > 0.1,
        ))
    one, bulk = TokenLedger(30.0), TokenLedger(30.0)
    failed_one = 0
    for c in calls:
        rates = prices.rates(c.model)
        i, o = c.input_tokens or 0, c.output_tokens or 0
        cost = c.cost_usd
        if cost is None and rates is not None:
            cost = rates.cost(i, o, c.cache_read_tokens, c.cache_write_tokens)
        failed_one += not c.ok
        one.add(c, i, o, False, cost, rates)
    failed_bulk = 0
    for a, b in _runs(len(calls), rnd):
        stop, failed = bulk.add_calls(calls[a:b], 0, prices.rates)
        assert stop == b - a
        failed_bulk += failed
    now = calls[-1].ts
    assert failed_bulk == failed_one
    assert bulk.section(now) == one.section(now)
    assert bulk.first_ts == one.first_ts


def test_ledger_add_calls_stops_where_the_careful_path_is_needed() -> None:
    ok = LLMCall(ts=1.0, source="f", model="m", input_tokens=1, output_tokens=1)
    keyed = LLMCall(ts=1.0, source="f", model="m", input_tokens=1, output_tokens=1,
                    dedupe_key="k")
    text = LLMCall(ts=1.0, source="f", model="m", prompt="hello")
    est = LLMCall(ts=1.0, source="f", model="m", input_tokens=1, output_tokens=1,
                  estimated=True)
    for odd in (text, est):
        assert TokenLedger().add_calls([ok, ok, odd, ok], 0, lambda m: None) == (2, 0)
    # response keys stay on the bulk path: the first line counts in full, a repeat its growth
    ledger = TokenLedger()
    assert ledger.add_calls([ok, keyed, ok, keyed, ok], 0, lambda m: None) == (5, 0)
    assert ledger.total.calls == 4 and ledger.duplicates == 1


def test_patterns_add_many_equals_add() -> None:
    rnd = random.Random(4)
    targets = {**COGNITIVE_PATTERNS, "x": 500.0}
    events = [
        TaskEvent(ts=1000.0 + k * 0.05 + rnd.choice((0.0, 0.0, -3.0)), source="f",
                  agent=rnd.choice(("", "a", "b", "c")),
                  pattern=rnd.choice(("lateral", "x", "y")),
                  phase=rnd.choice(("end", "end", "end", "start")),
                  duration_ms=rnd.choice((None, 5, rnd.lognormvariate(6, 1))),
                  status=rnd.choice(("ok", "error", "Cancelled", "weird")))
        for k in range(5000)
    ]
    one, bulk = PatternTracker(targets, 30.0), PatternTracker(targets, 30.0)
    for a, b in _runs(len(events), rnd):
        for ev in events[a:b]:
            one.add(ev)
        bulk.add_many(events[a:b])
        now = events[b - 1].ts
        assert bulk.section(now, all_time=False) == one.section(now, all_time=False)
    now = events[-1].ts
    assert bulk.section(now) == one.section(now)
    assert bulk.agent_loads(now) == one.agent_loads(now)
    assert bulk.totals() == one.totals()


def test_logtail_add_lines_equals_add_line() -> None:
    from swarmtop.core.logtail import LogTail
    from swarmtop.events import LogLine

    rnd = random.Random(2)
    lines = [LogLine(ts=float(k), source="f", level=rnd.choice(("info", "error", "warning")),
                     text="x" * rnd.randint(0, 3000)) for k in range(900)]
    one, bulk = LogTail(lines=50), LogTail(lines=50)
    for a, b in _runs(len(lines), rnd):
        for ev in lines[a:b]:
            one.add_line(ev)
        bulk.add_lines(lines[a:b])
        assert bulk.lines() == one.lines() and bulk.by_level == one.by_level
