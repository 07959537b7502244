"""A trend in words, shared by the text report and the TUI. The units and their formatters
are in swarmtop/units.py (imported from here by the views that predate it)."""

from __future__ import annotations

from swarmtop.units import NUMBER, TREND_SERIES, fmt, fmt_bytes, fmt_ms, fmt_num, fmt_secs, fmt_usd

__all__ = ["describe_trend", "fmt_bytes", "fmt_ms", "fmt_num", "fmt_secs", "fmt_usd"]


def describe_trend(name: str, trend: object) -> str:
    """One line for a Trend: its shape, rate, and where it is heading, e.g.
    `linear +2.0MiB per min, now 120.0MiB -> 130.0MiB in 5m00s`."""
    kind = getattr(trend, "kind", "unknown")
    unit = str(getattr(trend, "unit", "") or "") or TREND_SERIES.get(name, NUMBER)
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
        shape = f"{kind} {sign}{fmt(abs(rate) * 60, unit)} per min"
    out = f"{shape}, now {fmt(last, unit)}"
    if proj is not None and kind != "flat" and horizon > 0:
        out += f" -> {fmt(proj, unit)} in {fmt_secs(horizon)}"
    return out
