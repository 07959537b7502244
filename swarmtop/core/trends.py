"""Trends on key series: linear, exponential, seasonal or flat, with a short projection.

Each series is a bounded deque of (time, value) sampled every ``step_s`` on the monitor's
clock. Classification (least squares, numpy):

- fewer than MIN_POINTS points: ``unknown``;
- a constant series, or a slope that is not significant (t < 3) or moves the level by less
  than 5 % over the span, and no periodicity: ``flat``;
- ``seasonal`` when the linearly detrended series has an autocorrelation peak >= 0.5 at some
  lag with at least two full periods in view (and the line explains < 60 % of the variance);
- ``exponential`` when all values are > 0, a fit of log(y) explains the series better than the
  line (R² higher by > 0.02, >= 0.8) and the series changes by e^0.3 or more over its span;
- ``linear`` when the slope is significant (t >= 3) with R² >= 0.6 and moves the level by >= 5 %.
"""

from __future__ import annotations

import math
from collections import deque
from itertools import chain
from typing import TypedDict

import msgspec
import numpy as np

from swarmtop import units
from swarmtop.snapshot import Trend

MIN_POINTS = 10
STEP_S = 2.0  # sampling period of every series

POINTS = 600  # 20 minutes at 2 s
HORIZON_S = 300.0  # projections look 5 minutes ahead
ACF_PEAK = 0.5


def _r2(y: np.ndarray, fit: np.ndarray) -> float:
    ss_tot = float(((y - y.mean()) ** 2).sum())
    if ss_tot <= 0:
        return 1.0
    return max(0.0, 1.0 - float(((y - fit) ** 2).sum()) / ss_tot)


def _linear(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """slope, intercept, R², t statistic of the slope."""
    slope, intercept = np.polyfit(x, y, 1)
    fit = slope * x + intercept
    n = len(x)
    resid = y - fit
    sxx = float(((x - x.mean()) ** 2).sum())
    se = math.sqrt(float((resid**2).sum()) / max(1, n - 2) / sxx) if sxx > 0 else 0.0
    t = abs(slope) / se if se > 0 else (math.inf if slope != 0 else 0.0)
    return float(slope), float(intercept), _r2(y, fit), t


def _season(resid: np.ndarray) -> int | None:
    """The lag of the first autocorrelation peak >= ACF_PEAK with two periods in view."""
    n = len(resid)
    r = resid - resid.mean()
    denom = float((r * r).sum())
    if denom <= 0:
        return None
    acf = np.correlate(r, r, mode="full")[n - 1:] / denom
    # the acf of a finite series shrinks with the lag; rescale so a clean cycle reads ~1
    acf = acf * n / (n - np.arange(n))
    at = acf.tolist()  # the same doubles as Python floats: a scalar per lag costs less
    for lag in range(2, n // 2 + 1):
        if at[lag] >= ACF_PEAK and at[lag] >= at[lag - 1] and (
            lag + 1 >= len(at) or at[lag] >= at[lag + 1]
        ):
            # a real cycle dips in between (a slow wander stays high at every lag)
            if float(acf[1:lag].min()) < 0:
                return lag
    return None


class _Base(TypedDict):
    """The fields of a Trend that every fitted kind states alike."""

    points: int
    span_s: float
    last: float
    horizon_s: float


def classify(ts: np.ndarray, ys: np.ndarray, horizon_s: float = HORIZON_S) -> Trend:
    n = len(ys)
    if n < MIN_POINTS:
        return Trend(kind="unknown", points=n, last=float(ys[-1]) if n else None,
                     why=f"{n} points; need {MIN_POINTS} to tell a trend")
    x = ts - ts[0]
    span = float(x[-1])
    last = float(ys[-1])
    level = max(float(np.abs(ys).mean()), 1e-12)
    nonneg = bool(ys.min() >= 0)
    base = _Base(points=n, span_s=round(span, 3), last=last, horizon_s=horizon_s)
    if span <= 0 or float(ys.std()) <= 1e-9 * max(1.0, level):
        return Trend(kind="flat", r2=1.0, projection=last, why="constant", **base)
    slope, intercept, r2, t = _linear(x, ys)
    move = abs(slope) * span / level
    dt = span / (n - 1)

    if r2 < 0.6:
        lag = _season(ys - (slope * x + intercept))
        if lag is not None:
            period = lag * dt
            resid = ys - (slope * x + intercept)
            k = int(round(horizon_s / dt)) % lag
            idx = n - lag + k
            proj = slope * (span + horizon_s) + intercept + float(resid[min(idx, n - 1)])
            amp = float(np.ptp(resid)) / 2
            return Trend(kind="seasonal", rate_per_s=slope, period_s=round(period, 3), r2=r2,
                         projection=max(0.0, proj) if nonneg else proj,
                         why=f"repeats every {period:.0f}s (±{amp:.3g} around the trend)",
                         **base)

    if nonneg and ys.min() > 0:
        lk, lb = np.polyfit(x, np.log(ys), 1)
        fit_exp = np.exp(lb + lk * x)
        r2_exp = _r2(ys, fit_exp)
        if r2_exp >= 0.8 and r2_exp > r2 + 0.02 and abs(lk) * span >= 0.3:
            proj = float(math.exp(lb + lk * (span + horizon_s)))
            doubling = math.log(2) / lk if lk > 0 else None
            word = f"doubles every {doubling:.0f}s" if doubling else (
                f"halves every {math.log(2) / -lk:.0f}s")
            return Trend(kind="exponential", rate_per_s=float(lk), doubling_s=doubling,
                         r2=r2_exp, projection=proj, why=f"exponential: {word}", **base)

    if t >= 3 and r2 >= 0.6 and move >= 0.05:
        proj = slope * (span + horizon_s) + intercept
        return Trend(kind="linear", rate_per_s=slope, r2=r2,
                     projection=max(0.0, proj) if nonneg else proj,
                     why=f"{'rising' if slope > 0 else 'falling'} {abs(slope) * 60:.3g}/min "
                     f"(R² {r2:.2f})", **base)
    return Trend(kind="flat", rate_per_s=slope, r2=r2, projection=float(ys.mean()),
                 why=f"no clear slope (R² {r2:.2f}, t {t:.1f}, moves {move:.0%} over "
                 f"{span:.0f}s)",
                 **base)


class TrendTracker:
    """Bounded series sampled every ``step_s``; fits are recomputed only on a new sample."""

    def __init__(self, step_s: float = STEP_S, points: int = POINTS,
                 horizon_s: float = HORIZON_S) -> None:
        self.step_s = step_s
        self.points = points
        self.horizon_s = horizon_s
        self._series: dict[str, deque[tuple[float, float]]] = {}
        self._last_sample: float | None = None
        self._cache: dict[str, Trend] | None = None

    def sample(self, now: float, values: dict[str, float | None]) -> bool:
        if self._last_sample is not None and now - self._last_sample < self.step_s:
            return False
        self._last_sample = now
        for name, v in values.items():
            if v is None or not math.isfinite(v):
                continue
            s = self._series.get(name)
            if s is None:
                s = self._series[name] = deque(maxlen=self.points)
            s.append((now, float(v)))
        self._cache = None
        return True

    def section(self) -> dict[str, Trend]:
        if self._cache is None:
            out: dict[str, Trend] = {}
            for name, s in self._series.items():
                # the same doubles as np.asarray(s), at half the cost of its tuple walk
                arr = np.fromiter(chain.from_iterable(s), float, 2 * len(s)).reshape(-1, 2)
                out[name] = msgspec.structs.replace(
                    classify(arr[:, 0], arr[:, 1], self.horizon_s),
                    unit=units.TREND_SERIES.get(name, units.NUMBER))
            self._cache = out
        return self._cache
