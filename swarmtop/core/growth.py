"""Memory growth shape from an RSS series: stable, linear, exponential or unknown.

Pure numpy over a sliding window after a warm-up. The rule (after psleak and Prometheus
``deriv``; thresholds tuned on real processes, see docs/processes.md):

- unknown      too few samples, or too short a span, after the warm-up;
- stable       the least-squares slope is not significant (t < 2), or the change it implies over
               the window is tiny next to the mean (< 1 %), or the recent half is flat (an
               allocate-once-and-hold step), or the series swings without a trend (sawtooth);
- exponential  the slope keeps rising (late-half slope >= 1.3x the early half) and a fit on
               log y explains the series better than the straight line does;
- linear       t >= 3, R^2 >= 0.8 and the late/early slope ratio within 0.5-2 -- or a noisy series
               whose floor (the minimum of each quarter) rises every quarter.

A leak is suspected when the kind is linear or exponential, the trend is upward, the confidence is
at least 0.5 and the growth over the window is at least 1 MiB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypedDict

import numpy as np

STABLE, LINEAR, EXPONENTIAL, UNKNOWN = "stable", "linear", "exponential", "unknown"
MIB = 1 << 20


@dataclass(frozen=True)
class GrowthParams:
    window_s: float = 120.0  # only the most recent samples count: a leak that stopped clears
    warmup_s: float = 1.0  # interpreter start-up and first imports are not a trend
    min_samples: int = 8
    min_span_s: float = 3.0
    t_stable: float = 2.0  # slope t-statistic below this: no trend
    t_trend: float = 3.0  # ... at or above this: a trend worth naming
    r2_linear: float = 0.8
    ratio_lo: float = 0.5  # late/early slope ratio band for "linear"
    ratio_hi: float = 2.0
    exp_ratio: float = 1.3  # late slope at least this times the early one: accelerating
    exp_sse_gain: float = 0.8  # the log-fit must leave at most this share of the line's error
    tiny_rel: float = 0.01  # a change over the window below 1 % of the mean is "stable"
    leak_min_bytes: float = float(MIB)  # less growth than this over the window is no leak
    leak_min_confidence: float = 0.5


DEFAULT_PARAMS = GrowthParams()


@dataclass(frozen=True)
class Growth:
    kind: str = UNKNOWN  # stable | linear | exponential | unknown
    confidence: float = 0.0  # 0..1, how clearly the series fits the kind
    bytes_per_s: float = 0.0  # linear: fitted slope; exponential: current rate; stable: ~0
    leak_suspected: bool = False
    rate_per_s: float = 0.0  # relative growth per second from the log fit (0.25 = +25 %/s)
    slope_bytes_per_s: float = 0.0  # the plain least-squares slope, whatever the kind
    r2: float = 0.0
    r2_log: float = 0.0
    t_stat: float = 0.0
    slope_ratio: float | None = None  # late-half slope / early-half slope
    samples: int = 0
    span_s: float = 0.0
    last_bytes: float = 0.0
    why: str = "not enough samples yet"


class _Common(TypedDict):
    """The fields of a Growth that every fitted kind states alike."""

    samples: int
    span_s: float
    last_bytes: float
    slope_bytes_per_s: float
    r2: float
    t_stat: float


@dataclass(frozen=True)
class _Fit:
    slope: float
    intercept: float  # at the mean of x
    sse: float
    sst: float
    t: float

    @property
    def r2(self) -> float:
        return 1.0 - self.sse / self.sst if self.sst > 0 else 1.0


def _fit(x: np.ndarray, y: np.ndarray) -> _Fit:
    """Least squares y = a + b x with the slope's t-statistic."""
    xm = x - x.mean()
    ym = y.mean()
    sxx = float(xm @ xm)
    if sxx <= 0:
        return _Fit(0.0, ym, 0.0, 0.0, 0.0)
    b = float(xm @ (y - ym)) / sxx
    resid = y - ym - b * xm
    sse = float(resid @ resid)
    dev = y - ym
    sst = float(dev @ dev)
    n = len(x)
    if n <= 2:
        t = 0.0
    elif sse <= 1e-12 * max(sst, 1.0):
        t = math.inf if b != 0 else 0.0
    else:
        se = math.sqrt(sse / (n - 2) / sxx)
        t = abs(b) / se
    return _Fit(b, ym, sse, sst, t)


def _slope_ratio(x: np.ndarray, y: np.ndarray) -> tuple[float | None, _Fit, _Fit]:
    half = len(x) // 2
    early, late = _fit(x[:half], y[:half]), _fit(x[half:], y[half:])
    if early.slope != 0:
        return late.slope / early.slope, early, late  # negative: the trend turned around
    if late.slope > 0:
        return math.inf, early, late  # flat or falling, then rising: accelerating
    return None, early, late


def classify(
    ts: np.ndarray | list[float],
    rss: np.ndarray | list[float],
    params: GrowthParams = DEFAULT_PARAMS,
    *,
    t0: float | None = None,
) -> Growth:
    """Classify the growth of ``rss`` (bytes) sampled at ``ts`` (seconds, ascending).

    ``t0`` is when the series began (default ``ts[0]``): the warm-up counts from there.
    """
    t = np.asarray(ts, dtype=np.float64)
    y = np.asarray(rss, dtype=np.float64)
    if len(t) == 0:
        return Growth()
    start = (t[0] if t0 is None else t0) + params.warmup_s
    keep = (t >= start) & (t >= t[-1] - params.window_s) & np.isfinite(y)
    t, y = t[keep], y[keep]
    n = len(t)
    span = float(t[-1] - t[0]) if n else 0.0
    if n < params.min_samples or span < params.min_span_s:
        why = (f"warming up: {n} samples over {span:.1f} s after the warm-up, need "
               f"{params.min_samples} over {params.min_span_s:g} s")
        return Growth(samples=n, span_s=span, last_bytes=float(y[-1]) if n else 0.0, why=why)

    x = t - t[0]
    lin = _fit(x, y)
    mean = float(y.mean())
    last = float(y[-1])
    common = _Common(samples=n, span_s=span, last_bytes=last, slope_bytes_per_s=lin.slope,
                     r2=max(0.0, lin.r2), t_stat=min(lin.t, 1e6))
    rel_change = abs(lin.slope) * span / mean if mean > 0 else 0.0

    if lin.sst == 0 or lin.t < params.t_stable or rel_change < params.tiny_rel:
        sig = 0.0 if lin.sst == 0 else min(lin.t / params.t_trend, rel_change / params.tiny_rel)
        conf = max(0.5, 1.0 - 0.5 * min(1.0, sig))
        return Growth(kind=STABLE, confidence=round(conf, 3), bytes_per_s=lin.slope,
                      why=f"no significant trend (t={min(lin.t, 1e6):.1f}, "
                          f"{rel_change:.1%} of the mean over {span:.0f} s)", **common)

    ratio, early, late = _slope_ratio(x, y)

    # Exponential: accelerating, and the log fit beats the line in the original units.
    if ratio is not None and ratio >= params.exp_ratio and late.slope > 0 and (y > 0).all():
        ly = np.log(y)
        logfit = _fit(x, ly)
        if logfit.slope > 0 and logfit.t >= params.t_trend:
            pred = np.exp(logfit.intercept + logfit.slope * (x - x.mean()))
            resid = y - pred
            sse_exp = float(resid @ resid)
            if sse_exp <= params.exp_sse_gain * lin.sse:
                k = logfit.slope
                conf = logfit.r2 * min(1.0, logfit.t / 10.0) * min(
                    1.0, (min(ratio, 10.0) - 1.0) / (params.exp_ratio - 1.0) / 2.0 + 0.5)
                conf = max(0.0, min(1.0, conf))
                now_rate = k * last  # d/dt of y0·e^(kt) at the latest sample
                g = Growth(kind=EXPONENTIAL, confidence=round(conf, 3), bytes_per_s=now_rate,
                           rate_per_s=math.expm1(k), r2_log=max(0.0, logfit.r2),
                           slope_ratio=_r(ratio),
                           why=f"accelerating: +{math.expm1(k):.1%}/s (log-fit R²={logfit.r2:.2f}, "
                               f"late/early slope {_fmt_ratio(ratio)})",
                           **common)
                return _with_leak(g, now_rate * span, params)

    if (lin.t >= params.t_trend and lin.r2 >= params.r2_linear and ratio is not None
            and params.ratio_lo <= ratio <= params.ratio_hi):
        penalty = 1.0 if 0.67 <= ratio <= 1.5 else 0.8
        conf = max(0.0, min(1.0, lin.r2 * min(1.0, lin.t / 10.0) * penalty))
        g = Growth(kind=LINEAR, confidence=round(conf, 3), bytes_per_s=lin.slope,
                   slope_ratio=_r(ratio),
                   why=f"steady {'growth' if lin.slope > 0 else 'decline'} "
                       f"(R²={lin.r2:.2f}, t={min(lin.t, 1e6):.0f}, late/early slope "
                       f"{_fmt_ratio(ratio)})",
                   **common)
        return _with_leak(g, lin.slope * span, params)

    # Significant slope, but no clean line or curve. Either the recent half is flat (a step:
    # allocate once and hold) or the series swings (alloc/free cycles) -- unless its floor rises.
    late_rel = abs(late.slope) * span / 2 / mean if mean > 0 else 0.0
    if late.t < params.t_stable or late_rel < params.tiny_rel:
        return Growth(kind=STABLE, confidence=0.6, bytes_per_s=late.slope,
                      slope_ratio=_r(ratio),
                      why="grew, then held flat for the recent half of the window", **common)
    floors = _floors(x, y, 4)
    if floors is not None:
        fx, fy = floors
        rising = bool(np.all(np.diff(fy) > 0))
        ffit = _fit(fx, fy)
        if rising and ffit.slope > 0 and late.slope > 0 and ffit.slope * span >= 0.02 * mean:
            conf = max(0.0, min(1.0, 0.5 + 0.2 * ffit.r2 * min(1.0, lin.t / 10.0)))
            g = Growth(kind=LINEAR, confidence=round(conf, 3), bytes_per_s=ffit.slope,
                       slope_ratio=_r(ratio),
                       why=f"noisy, but the floor rises every quarter (R²={lin.r2:.2f})",
                       **common)
            return _with_leak(g, ffit.slope * span, params)
    return Growth(kind=STABLE, confidence=0.5, bytes_per_s=0.0, slope_ratio=_r(ratio),
                  why=f"fluctuates without a steady trend (R²={lin.r2:.2f}, late/early slope "
                      f"{_fmt_ratio(ratio)})", **common)


def _floors(x: np.ndarray, y: np.ndarray, parts: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(time, minimum) of each of ``parts`` equal slices, or None when too short to slice."""
    if len(x) < parts * 3:
        return None
    fx, fy = [], []
    for idx in np.array_split(np.arange(len(x)), parts):
        i = idx[np.argmin(y[idx])]
        fx.append(x[i])
        fy.append(y[i])
    return np.asarray(fx), np.asarray(fy)


def _with_leak(g: Growth, grown_bytes: float, params: GrowthParams) -> Growth:
    leak = (g.bytes_per_s > 0 and g.confidence >= params.leak_min_confidence
            and grown_bytes >= params.leak_min_bytes)
    if not leak:
        return g
    return Growth(**{**g.__dict__, "leak_suspected": True})


def _r(ratio: float | None) -> float | None:
    if ratio is None or not math.isfinite(ratio):
        return None
    return round(ratio, 3)


def _fmt_ratio(ratio: float | None) -> str:
    if ratio is None:
        return "n/a"
    return "rising from flat" if math.isinf(ratio) else f"{ratio:.2f}"


def time_to_limit(growth: Growth, current_bytes: float, limit_bytes: float | None) -> float | None:
    """Seconds until ``current_bytes`` reaches ``limit_bytes`` at the classified growth;
    ``None`` when there is no limit or no upward trend, 0 when already there."""
    if not limit_bytes or limit_bytes <= 0:
        return None
    if current_bytes >= limit_bytes:
        return 0.0
    if growth.kind == EXPONENTIAL and growth.rate_per_s > 0 and current_bytes > 0:
        return math.log(limit_bytes / current_bytes) / math.log1p(growth.rate_per_s)
    if growth.kind == LINEAR and growth.bytes_per_s > 0:
        return (limit_bytes - current_bytes) / growth.bytes_per_s
    return None
