"""Sparklines and small bar graphs as plain strings: one colour, few bytes, no per-cell
colour gradients (Textual's Sparkline colours every bar, which costs bytes over SSH)."""

from __future__ import annotations

from collections.abc import Sequence

TICKS = " ▁▂▃▄▅▆▇█"


def _resample(values: Sequence[float], width: int) -> list[float]:
    """The last `width` points, or, when there are fewer, all of them."""
    return list(values[-width:]) if width > 0 else []


def sparkline(values: Sequence[float], width: int, lo: float | None = None,
              hi: float | None = None) -> str:
    """One row of ▁..█ for the newest `width` values (scaled to lo..hi or their range)."""
    pts = _resample(values, width)
    if not pts:
        return ""
    low = min(pts) if lo is None else lo
    high = max(pts) if hi is None else hi
    span = high - low
    if span <= 0:
        return (TICKS[4] if high > 0 else TICKS[1]) * len(pts)
    out = []
    for v in pts:
        level = 1 + round((min(max(v, low), high) - low) / span * 7)
        out.append(TICKS[level])
    return "".join(out)


def bar_graph(values: Sequence[float], width: int, height: int) -> list[str]:
    """`height` rows (top first) of a column graph of the newest `width` values, scaled from
    0 ... max so that growth reads as growth."""
    pts = _resample(values, width)
    if not pts or height <= 0:
        return []
    high = max(pts)
    if high <= 0:
        return [" " * len(pts)] * (height - 1) + [TICKS[1] * len(pts)]
    eighths = [round(v / high * height * 8) for v in pts]
    rows = []
    for row in range(height - 1, -1, -1):
        base = row * 8
        rows.append("".join(TICKS[min(8, max(0, e - base))] for e in eighths))
    return rows
