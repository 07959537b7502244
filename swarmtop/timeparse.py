"""Timestamps as logs write them: ISO-8601 strings or epoch seconds (or ms/ns, by magnitude)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache


@lru_cache(maxsize=4096)
def _iso(text: str) -> float | None:
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if dt.tzinfo is None:  # a naive time in a log is taken as UTC, the common server default
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def parse_ts(value: object) -> float | None:
    """Epoch seconds from an ISO string or a number; ``None`` if it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        v = float(value)
        if v > 1e17:  # nanoseconds
            return v / 1e9
        if v > 1e14:  # microseconds
            return v / 1e6
        if v > 1e11:  # milliseconds
            return v / 1e3
        return v
    if isinstance(value, str) and value:
        return _iso(value)
    return None


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )
