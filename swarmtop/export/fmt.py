"""Number formatting shared by the text report and the TUI: rounded to what a person reads."""

from __future__ import annotations


def fmt_num(n: float) -> str:
    n = float(n)
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= div:
            return f"{n / div:.1f}{suffix}"
    return f"{n:.0f}" if n == int(n) else f"{n:.1f}"


def fmt_bytes(n: float | None) -> str:
    if n is None:
        return "-"
    n = float(n)
    sign = "-" if n < 0 else ""
    n = abs(n)
    for div, suffix in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if n >= div:
            return f"{sign}{n / div:.1f}{suffix}"
    return f"{sign}{n:.0f}B"


def fmt_usd(x: float | None) -> str:
    if x is None:
        return "-"
    return f"${x:,.2f}" if abs(x) >= 1 else f"${x:.4f}"


def fmt_ms(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x / 1000:.2f}s" if x >= 1000 else f"{x:.0f}ms"
