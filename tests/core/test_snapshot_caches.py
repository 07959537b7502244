"""The live snapshot's caches and shortcuts give the very figures of the plain computation.

- ``linear_quantiles`` equals ``np.quantile`` bit for bit;
- ``AllTime`` (sorted keys and counts kept between reads, small flushes counted in Python,
  the last answer reused) equals a fresh sketch fed the same values;
- ``Series.points`` (pre-rounded times, cached coarse arrays) equals the former formula;
- savings skip the median while no call is long enough to trim: the same list as the scan;
- an aggregator taking a snapshot every 0.5 s with its caches warm, with and without new
  events between ticks, equals one whose caches are emptied before every snapshot, and its
  history-free sections equal those of a fresh aggregator fed the same events.
"""

from __future__ import annotations

import math
import random

import msgspec
import numpy as np
import pytest

from benchmarks.bench_snapshot import BASE, Load
from swarmtop.core.aggregator import Aggregator
from swarmtop.core.processes import COARSE_STEP_S, Series
from swarmtop.core.quantiles import AllTime, linear_quantiles
from swarmtop.events import LLMCall

QS = ((0.5, 0.9, 0.99), (0.0, 0.25, 1.0), (0.999, 0.001), (0.5,))


def _same(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        (math.isnan(x) and math.isnan(y)) or (x == y and math.copysign(1, x) == math.copysign(1, y))
        for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10, 99, 100, 101, 257, 1000, 2049])
def test_linear_quantiles_equal_numpy(n: int) -> None:
    rnd = np.random.default_rng(n)
    samples = [rnd.lognormal(7, 1, n), rnd.integers(0, 5, n).astype(float),
               rnd.normal(0, 1e6, n), np.full(n, 3.25), rnd.uniform(-1, 1, n) * 1e-300]
    for vals in samples:
        for qs in QS:
            expected = [float(v) for v in np.quantile(vals, qs)]
            assert _same(linear_quantiles(vals.copy(), qs), expected), (n, qs)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's own inf - inf
def test_linear_quantiles_non_finite_as_numpy() -> None:
    for bad in (math.inf, -math.inf, math.nan):
        vals = np.array([1.0, 5.0, bad, 2.0, 9.0, 4.0])
        for qs in QS:
            expected = [float(v) for v in np.quantile(vals, qs)]
            assert _same(linear_quantiles(vals.copy(), qs), expected), (bad, qs)


def test_all_time_equals_a_fresh_sketch_read_once() -> None:
    rnd = random.Random(5)
    warm = AllTime()
    values: list[float] = []
    for step in range(400):
        # small live runs, a few big ones (the np.unique path), zeros, repeats, new extremes
        k = rnd.choice((0, 1, 2, 3, 5, 40)) if step % 50 else 300
        run = [rnd.lognormvariate(7, 1.5) if rnd.random() > 0.02 else 0.0 for _ in range(k)]
        if step == 200:
            run.append(1e9)  # a key beyond every other: the key list is rebuilt
        if len(run) == 1:
            warm.add(run[0])
        else:
            warm.extend(run)
        values += run
        # each step's first read has the previous step's last qs: a stale memo would show
        for qs in (QS[0], QS[1], QS[0]) if step % 7 else (*QS, QS[0]):
            fresh = AllTime()
            fresh.extend(values)
            assert warm.quantiles(qs) == fresh.quantiles(qs), step
            assert warm.quantiles(qs) == fresh.quantiles(qs), step  # the memo
    assert warm._sketching  # both regimes were covered


def _old_points(s: Series, limit: int) -> list[list[float]]:
    """Series.points as it was (times rounded per point, coarse arrays built every call)."""
    ts, val = s.recent()
    coarse = [(c[0], c[1]) for c in s.coarse] + (
        [(s._bucket[0], s._bucket[1])] if s._bucket else [])
    if coarse:
        ts = np.concatenate((np.fromiter((c[0] for c in coarse), float, len(coarse)), ts))
        val = np.concatenate((np.fromiter((c[1] for c in coarse), float, len(coarse)), val))
    n = len(ts)
    if n > limit > 0:
        starts = np.linspace(0, n, limit, endpoint=False).astype(np.int64)
        val = np.maximum.reduceat(val, starts)
        ends = np.append(starts[1:], n) - 1
        ts = ts[ends]
    return [[round(float(t), 3), float(v)] for t, v in zip(ts, val, strict=True)]


def test_series_points_equal_the_former_formula() -> None:
    rnd = random.Random(2)
    s = Series(5.0)  # a small ring (136 points): the coarse history fills quickly
    t = BASE + 0.123456
    for i in range(3000):
        t += rnd.uniform(4.0, 6.0)
        s.append(t, float(rnd.randint(1, 10**9)))
        if i % 37 == 0 or i in (135, 136, 137, 200):
            for limit in (30, 300, 10_000):
                assert s.points(limit) == _old_points(s, limit), (i, limit)
    assert len(s.coarse) > 10 and s._bucket is not None
    assert COARSE_STEP_S > 5.0


def _snap(agg: Aggregator, now: float) -> dict:
    d = msgspec.to_builtins(agg.snapshot(now))
    d.pop("generated_at")
    return d


def _empty_caches(agg: Aggregator) -> None:
    """Forget every cache the snapshot keeps, so the next one computes from scratch."""
    for p in agg.patterns._patterns.values():
        p.all_time._memo = (-1, (), [])
        p.all_time._keys = None
    for m in agg.metrics.__dict__.get("_metrics", {}).values():
        at = getattr(m, "all_time", None)
        if isinstance(at, AllTime):
            at._memo = (-1, (), [])
            at._keys = None
    for p in agg.processes._procs.values():
        p.series._coarse_arrays = (-1, np.empty(0), np.empty(0))
    agg.processes.tree._coarse_arrays = (-1, np.empty(0), np.empty(0))
    sv = agg.tokens.savings
    sv._cached = (-1, [])
    for m in sv._models.values():
        m.last_long = m.sampled  # the full scan of the sample, median and all


def _long(batch: list, every: int) -> list:
    """Some calls long enough to be trimmed (the compression saving's full path)."""
    return [msgspec.structs.replace(e, input_tokens=e.input_tokens * 20, output_tokens=10)
            if isinstance(e, LLMCall) and i % every == 0 else e for i, e in enumerate(batch)]


def test_warm_caches_equal_empty_caches_tick_by_tick() -> None:
    warm, cold = Aggregator(), Aggregator()
    load = Load(rate=100.0, pids=4)
    ticks = compressed = 0
    for kind, now, batch in load.steps(11 * 60.0):
        t = now - BASE
        # gaps: no events between some ticks, a silent stretch longer than the windows
        quiet = 200 <= t < 280 or (t % 7 < 1.0)
        if kind == "ingest":
            if quiet:
                continue
            if 300 < t < 420:  # long calls: in the savings sample until ≈ 570 s, then gone
                batch = _long(batch, 4)
        if kind == "snapshot":
            ticks += 1
            _empty_caches(cold)
            a = _snap(warm, now)
            assert a == _snap(cold, now), t
            compressed += any(s["strategy"] == "compression" for s in a["tokens"]["savings"])
            if ticks % 20 == 0:  # a second read at the same instant, and a later one
                assert _snap(warm, now) == _snap(cold, now), t
                _empty_caches(cold)
                assert _snap(warm, now + 0.25) == _snap(cold, now + 0.25), t
        else:
            warm.ingest(batch)
            cold.ingest(batch)
    assert ticks > 1000
    final = warm.snapshot(now)
    assert any(p.count > AllTime.EXACT_LIMIT for p in final.patterns.values())
    assert final.memory.processes[0].history and len(warm.processes.tree.coarse) > 3
    assert compressed and not any(s.strategy == "compression" for s in final.tokens.savings)


def test_warm_snapshot_equals_a_fresh_aggregator_on_history_free_sections() -> None:
    """A fresh aggregator fed the same batches, read once at the same instant: every section
    that does not depend on earlier snapshots (alerts' durations, trends, the once-a-second
    growth classification do) is the same."""
    warm = Aggregator()
    batches = []
    load = Load(rate=100.0, pids=3)
    for kind, now, batch in load.steps(9 * 60.0):
        if kind == "snapshot":
            warm.snapshot(now)
            continue
        batches.append(batch)
        warm.ingest(batch)
        if len(batches) % 1500 == 0 or kind == "samples" and now - BASE > 9 * 60 - 0.6:
            fresh = Aggregator()
            for b in batches:
                fresh.ingest(b)
            a, b = _snap(warm, now), _snap(fresh, now)
            for key in ("tokens", "patterns", "sources", "errors", "log_tail", "metrics"):
                assert a[key] == b[key], key
            assert a["tokens"]["savings"] and a["patterns"]["lateral"]["count"] > 0
