"""classify() on synthetic series: each branch of the rule, rates, leak flag, time to limit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from swarmtop.core.growth import GrowthParams, classify, time_to_limit

MB = float(1 << 20)
T = np.arange(0.0, 30.0, 0.5)
RNG = np.random.default_rng(7)


def noise(sd: float, n: int = len(T)) -> np.ndarray:
    return RNG.normal(0.0, sd, n)


def test_too_few_samples_is_unknown():
    g = classify(T[:4], 10 * MB + T[:4] * MB)
    assert g.kind == "unknown" and g.confidence == 0 and not g.leak_suspected
    assert "warming up" in g.why
    assert classify([], []).kind == "unknown"


def test_warm_up_is_ignored():
    # start-up allocation in the first second, then flat: stable, not a leak
    y = np.where(T < 1.0, 5 * MB + 80 * MB * T, 85 * MB) + noise(0.02 * MB)
    g = classify(T, y)
    assert g.kind == "stable" and not g.leak_suspected


@pytest.mark.parametrize("rate_mb", [0.5, 8.0, 64.0])
def test_linear_rate_and_leak(rate_mb):
    y = 30 * MB + rate_mb * MB * T + noise(0.3 * MB)
    g = classify(T, y)
    assert g.kind == "linear"
    assert g.bytes_per_s == pytest.approx(rate_mb * MB, rel=0.1)
    assert g.leak_suspected and g.confidence >= 0.8
    assert g.slope_ratio is not None and 0.5 <= g.slope_ratio <= 2


def test_flat_with_noise_is_stable():
    g = classify(T, 200 * MB + noise(0.5 * MB))
    assert g.kind == "stable" and not g.leak_suspected and g.confidence >= 0.5


def test_tiny_drift_relative_to_the_mean_is_stable():
    # 2 KB/s on 500 MB: significant to a t-test, meaningless to a person
    y = 500 * MB + 2048 * T + noise(100)
    g = classify(T, y)
    assert g.t_stat > 3
    assert g.kind == "stable" and not g.leak_suspected


def test_constant_series_is_stable_with_full_confidence():
    g = classify(T, np.full(len(T), 42 * MB))
    assert g.kind == "stable" and g.confidence == 1.0


def test_allocate_once_and_hold_is_stable():
    y = np.where(T < 8, 10 * MB + 20 * MB * T, 170 * MB) + noise(0.05 * MB)
    g = classify(T, y)
    assert g.kind == "stable" and not g.leak_suspected


@pytest.mark.parametrize("pct", [0.05, 0.25])
def test_exponential(pct):
    t = np.arange(0.0, 8.0, 0.1) if pct > 0.1 else T
    y = 10 * MB * (1 + pct) ** t
    g = classify(t, y * (1 + noise(0.002, len(t))))
    assert g.kind == "exponential" and g.leak_suspected
    assert g.rate_per_s == pytest.approx(pct, rel=0.1)
    assert g.bytes_per_s == pytest.approx(math.log1p(pct) * y[-1], rel=0.15)


def test_sawtooth_is_not_a_leak():
    for period in (0.7, 2.3, 5.0):
        y = 20 * MB + 40 * MB * ((T % period) / period) + noise(0.1 * MB)
        g = classify(T, y)
        assert g.kind == "stable", (period, g)
        assert not g.leak_suspected


def test_sawtooth_on_a_rising_floor_is_a_leak():
    y = 20 * MB + 40 * MB * ((T % 2.3) / 2.3) + 3 * MB * T
    g = classify(T, y)
    assert g.kind == "linear" and g.leak_suspected
    assert g.bytes_per_s == pytest.approx(3 * MB, rel=0.3)


def test_steady_decline_is_linear_but_no_leak():
    g = classify(T, 300 * MB - 2 * MB * T + noise(0.1 * MB))
    assert g.kind == "linear" and g.bytes_per_s < 0 and not g.leak_suspected


def test_small_growth_over_the_window_is_not_a_leak():
    # 10 KB/s for 30 s on a 2 MB process: a clean line, but 300 KB is not worth a warning
    y = 2 * MB + 10_000 * T
    g = classify(T, y)
    assert g.kind == "linear" and not g.leak_suspected


def test_sliding_window_forgets_an_old_leak():
    t = np.arange(0.0, 300.0, 0.5)
    y = np.where(t < 100, 10 * MB + 5 * MB * t, 510 * MB) + noise(0.1 * MB, len(t))
    assert classify(t, y).kind == "stable"  # the window (120 s) no longer sees the growth
    assert classify(t, y, GrowthParams(window_s=400)).kind != "linear"


def test_time_to_limit():
    lin = classify(T, 100 * MB + 10 * MB * T)
    ttl = time_to_limit(lin, 400 * MB, 1000 * MB)
    assert ttl == pytest.approx(60.0, rel=0.01)
    assert time_to_limit(lin, 1200 * MB, 1000 * MB) == 0.0
    assert time_to_limit(lin, 400 * MB, None) is None
    stable = classify(T, np.full(len(T), 5 * MB))
    assert time_to_limit(stable, 5 * MB, 10 * MB) is None
    t = np.arange(0.0, 8.0, 0.1)
    exp = classify(t, 10 * MB * 1.25**t)
    assert time_to_limit(exp, 100 * MB, 800 * MB) == pytest.approx(
        math.log(8) / math.log(1.25), rel=0.02)
