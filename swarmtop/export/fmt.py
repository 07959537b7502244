"""Number formatting shared by the text report and the TUI: rounded to what a person reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from swarmtop.snapshot import Limit


def fmt_num(n: float) -> str:
    n = float(n)
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= div:
            return f"{n / div:.1f}{suffix}"
    return f"{n:.0f}" if n == int(n) else f"{n:.1f}"


def fmt_bytes(n: float | None, digits: Callable[[float], str] = "{:.1f}".format) -> str:
    """Bytes in binary units; ``digits`` formats the scaled number (the TUI uses 3 significant
    digits so a figure does not churn on screen)."""
    if n is None:
        return "-"
    n = float(n)
    sign = "-" if n < 0 else ""
    n = abs(n)
    for div, suffix in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if n >= div:
            return f"{sign}{digits(n / div)}{suffix}"
    return f"{sign}{n:.0f}B"


def fmt_usd(x: float | None) -> str:
    if x is None:
        return "-"
    return f"${x:,.2f}" if abs(x) >= 1 else f"${x:.4f}"


def fmt_ms(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x / 1000:.2f}s" if x >= 1000 else f"{x:.0f}ms"


def fmt_secs(seconds: float | None) -> str:
    """A span to a person's precision: 45s, 12m, 3h05m, 2d4h."""
    if seconds is None:
        return "-"
    s = int(max(0.0, seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s" if s < 600 else f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{s // 86400}d{(s % 86400) // 3600}h"


def fmt_series(name: str, value: float | None) -> str:
    """A value of one of the trend series (docs/alerts.md#trends) in its unit."""
    if value is None:
        return "-"
    if name.endswith("_bytes"):
        return fmt_bytes(value)
    if name.endswith("_ms"):
        return fmt_ms(value)
    if name == "error_rate" or name.endswith("_share"):
        return f"{value:.1%}"
    if name.endswith("_per_min"):
        return f"{fmt_num(value)}/min"
    return f"{value:.3g}"


def describe_trend(name: str, trend: object) -> str:
    """One line for a Trend: its shape, rate, and where it is heading, e.g.
    `linear +2.0MiB per min, now 120.0MiB -> 130.0MiB in 5m00s`."""
    kind = getattr(trend, "kind", "unknown")
    rate = float(getattr(trend, "rate_per_s", 0.0) or 0.0)
    last = getattr(trend, "last", None)
    proj = getattr(trend, "projection", None)
    horizon = float(getattr(trend, "horizon_s", 0.0) or 0.0)
    if kind == "unknown":
        return f"unknown ({getattr(trend, 'why', '')})"
    if kind == "exponential":
        doubling = getattr(trend, "doubling_s", None)
        shape = (f"exponential, doubles every {fmt_secs(doubling)}" if doubling
                 else f"exponential, halves every {fmt_secs(0.693147 / -rate)}" if rate < 0
                 else "exponential")
    elif kind == "seasonal":
        shape = f"seasonal, repeats every {fmt_secs(getattr(trend, 'period_s', None))}"
    elif kind == "flat":
        shape = "flat"
    else:
        sign = "+" if rate >= 0 else "-"
        shape = f"{kind} {sign}{fmt_series(name, abs(rate) * 60)} per min"
    out = f"{shape}, now {fmt_series(name, last)}"
    if proj is not None and kind != "flat" and horizon > 0:
        out += f" -> {fmt_series(name, proj)} in {fmt_secs(horizon)}"
    return out


def fmt_window(minutes: int | None, name: str = "") -> str:
    """A rate-limit window's length as a person says it: "5 h", "7 d", "30 min"."""
    if not minutes:
        return name or "window"
    if minutes % 1440 == 0:
        return f"{minutes // 1440} d"
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"


def fmt_reset(resets_at: str | None, observed_at: str = "") -> str:
    """When a window resets, in local time: "14:10" within a day of the reading, else
    "Nov 25 14:10"; "" when not stated."""
    if not resets_at:
        return ""
    try:
        at = datetime.fromisoformat(resets_at.replace("Z", "+00:00")).astimezone()
        seen = datetime.fromisoformat(observed_at.replace("Z", "+00:00")).astimezone() \
            if observed_at else at
    except ValueError:
        return ""
    near = abs((at - seen).total_seconds()) < 86400
    return at.strftime("%H:%M" if near else "%b %d %H:%M")


def fmt_limit(limit: Limit) -> str:
    """One window of a plan's limit: "5 h window 62 %, resets 14:10"."""
    reset = fmt_reset(limit.resets_at, limit.observed_at)
    return (f"{fmt_window(limit.window_minutes, limit.window)} window "
            f"{limit.used_percent:.0f} %" + (f", resets {reset}" if reset else ""))
