"""ISO 8601 times of agent logs as epoch seconds, fast for the form they write most."""

from __future__ import annotations

from datetime import UTC, datetime

_second_cache: dict[str, float] = {}


def iso_ts(text: str | None, now: float) -> float:
    """Epoch seconds of an ISO time. The common ``YYYY-MM-DDTHH:MM:SS.mmmZ`` form is split at
    the second and the second's epoch cached: consecutive records share it."""
    if not text:
        return now
    if len(text) == 24 and text[19] == "." and text[23] == "Z":
        base = _second_cache.get(text[:19])
        if base is None:
            try:
                base = datetime.fromisoformat(text[:19]).replace(tzinfo=UTC).timestamp()
            except ValueError:
                return now
            if len(_second_cache) > 4096:
                _second_cache.clear()
            _second_cache[text[:19]] = base
        frac = text[20:23]
        if frac.isdigit():
            return base + int(frac) / 1000.0
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return now
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()

