"""Trend classification on generated series."""

from __future__ import annotations

import math

import numpy as np
import pytest

from swarmtop.core.trends import MIN_POINTS, TrendTracker, classify

RNG = np.random.default_rng(7)
T = np.arange(0, 600, 2.0)  # 300 points, 2 s apart


def noisy(y: np.ndarray, rel: float = 0.01) -> np.ndarray:
    return y + RNG.normal(0, rel * float(np.abs(y).mean() or 1.0), len(y))


def test_linear() -> None:
    y = noisy(1e8 + 50_000 * T)
    tr = classify(T, y, horizon_s=300)
    assert tr.kind == "linear"
    assert tr.rate_per_s == pytest.approx(50_000, rel=0.05)
    assert tr.projection == pytest.approx(1e8 + 50_000 * (T[-1] + 300), rel=0.02)
    assert tr.r2 > 0.9 and "rising" in tr.why


def test_exponential() -> None:
    y = noisy(1000 * np.exp(0.005 * T))
    tr = classify(T, y)
    assert tr.kind == "exponential"
    assert tr.rate_per_s == pytest.approx(0.005, rel=0.05)
    assert tr.doubling_s == pytest.approx(math.log(2) / 0.005, rel=0.05)
    assert tr.projection > y[-1] * 3  # 300 s ahead at 0.005/s: x4.5


def test_seasonal() -> None:
    y = noisy(5000 + 2000 * np.sin(2 * np.pi * T / 60.0), 0.02)
    tr = classify(T, y)
    assert tr.kind == "seasonal"
    assert tr.period_s == pytest.approx(60, rel=0.1)
    assert 2500 < tr.projection < 7500


def test_flat_noise_and_constant() -> None:
    tr = classify(T, noisy(np.full(len(T), 300.0), 0.05))
    assert tr.kind == "flat"
    assert tr.projection == pytest.approx(300, rel=0.05)
    tr = classify(T, np.zeros(len(T)))
    assert tr.kind == "flat" and tr.projection == 0.0


def test_unknown_until_enough_points() -> None:
    tr = classify(T[: MIN_POINTS - 1], np.arange(MIN_POINTS - 1, dtype=float))
    assert tr.kind == "unknown" and tr.points == MIN_POINTS - 1


def test_falling_linear_projection_never_negative_for_nonneg_series() -> None:
    y = np.maximum(0.0, 100 - 0.3 * T)
    y = y[y > 0]
    t = T[: len(y)]
    tr = classify(t, y, horizon_s=3000)
    assert tr.kind == "linear" and tr.rate_per_s < 0
    assert tr.projection == 0.0


def test_tracker_samples_on_its_step_and_is_bounded() -> None:
    tt = TrendTracker(step_s=2.0, points=50)
    for i in range(400):  # every 0.5 s: one sample in four is taken
        tt.sample(1000 + i * 0.5, {"a": float(i), "b": None})
    sec = tt.section()
    assert set(sec) == {"a"}
    assert sec["a"].points == 50
    assert sec["a"].kind == "linear"
    assert sec["a"].rate_per_s == pytest.approx(2.0)  # 1 per 0.5 s
    assert tt.section() is sec  # cached until the next sample
