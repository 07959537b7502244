"""A trend in words, shared by the text report and the TUI. The units and their formatters
are in swarmtop/units.py (imported from here by the views that predate it)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

from swarmtop.snapshot import Limit, Regression, SessionStore
from swarmtop.units import NUMBER, TREND_SERIES, fmt, fmt_bytes, fmt_ms, fmt_num, fmt_secs, fmt_usd

__all__ = ["describe_trend", "found_text", "fmt_bytes", "fmt_ms", "fmt_num", "fmt_secs", "fmt_usd"]


def worse_by_pct(r: Regression) -> float:
    """How much worse, in %: infinite when the base was 0 (null in JSON, which has no inf)."""
    return math.inf if r.worse_by_pct is None else r.worse_by_pct


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


def found_text(stores: list[SessionStore], short: Callable[[str], str] = str) -> str:
    """With no SOURCE given, which session stores were found and read, e.g. `found Claude
    Code sessions in ~/.claude/projects, Codex sessions in ~/.codex/sessions` ("" when
    SOURCEs were given). Paths come from the file system: the caller sanitises them."""
    if not stores:
        return ""
    return "found " + ", ".join(f"{st.tool} sessions in {short(st.path)}" for st in stores)
