"""One vocabulary of units: each figure declares its unit (an alert metric in
``core/signals.METRICS``, a trend series in ``TREND_SERIES`` below, a baseline figure
where ``core/baseline.figures`` makes it), and every view formats it with :func:`fmt`.
Nothing guesses a unit from a name. The base formatters (``fmt_num`` …) are here too, for the
views' own columns. Rounded to what a person reads.
"""

from __future__ import annotations

from collections.abc import Callable

# the units (the strings are what figures declare, also in the snapshot JSON)
COUNT = "count"  # a whole number of things: 1,234
NUMBER = "number"  # a plain quantity: 3 significant digits, k/M/G above a thousand
TOKENS_PER_MIN = "tokens_per_min"
USD = "usd"
USD_PER_MIN = "usd_per_min"
MS = "ms"  # a latency: 15ms, 1.50s
SECONDS = "seconds"  # a duration in an alert: 45s, 2.0min, 1.5h
BYTES = "bytes"
BYTES_PER_S = "bytes_per_s"
RATIO = "ratio"  # a ratio to a limit or target: 85 % below 10, 12.0x from there
SHARE = "share"  # a share of a whole, one decimal: 4.2%
PERCENT = "percent"  # already in % (0-100)
FLAG = "flag"  # 0 or 1
CODE = "code"  # an exit code


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


def fmt_sig3(x: float) -> str:
    """Three significant digits, k/M/G above a thousand."""
    return fmt_num(x) if abs(x) >= 1000 else f"{x:.3g}"


def _count(x: float) -> str:
    return f"{int(x):,}" if x == int(x) else f"{x:,.1f}"


def _duration(x: float) -> str:
    if x >= 3600:
        return f"{x / 3600:.1f}h"
    return f"{x / 60:.1f}min" if x >= 120 else f"{x:.0f}s"


def _ratio(x: float) -> str:
    return f"{x:.0%}" if abs(x) < 10 else f"{x:.1f}x"


_FORMATS: dict[str, Callable[[float], str]] = {
    COUNT: _count,
    NUMBER: fmt_sig3,
    TOKENS_PER_MIN: lambda x: f"{fmt_num(x)}/min",
    USD: fmt_usd,
    USD_PER_MIN: lambda x: f"${x:.4f}/min",
    MS: fmt_ms,
    SECONDS: _duration,
    BYTES: fmt_bytes,
    BYTES_PER_S: lambda x: f"{fmt_bytes(x)}/s",
    RATIO: _ratio,
    SHARE: lambda x: f"{x:.1%}",
    PERCENT: lambda x: f"{x:.0f}%",
    FLAG: lambda x: f"{x:.0f}",
    CODE: lambda x: f"{x:.0f}",
}


# the trend series the analyzers sample (core/analysis.py) and their units; a Trend carries
# its unit, this also serves snapshots recorded before it did
TREND_SERIES = {"tokens_per_min": TOKENS_PER_MIN, "total_rss_bytes": BYTES, "p99_ms": MS,
                "error_rate": SHARE}


def fmt(value: float | None, unit: str) -> str:
    """``value`` in ``unit``; "-" for no value; an undeclared unit prints the number as is."""
    if value is None:
        return "-"
    f = _FORMATS.get(unit)
    return f(value) if f is not None else f"{value:g}"


def known(unit: str) -> bool:
    return unit in _FORMATS
