"""What every JSON decoder shares: decoding with invalid UTF-8 replaced, bad lines, and the
bounds of a figure a log can mean."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from swarmtop.events import Event, ParseError
from swarmtop.timeparse import parse_ts

# A stated figure beyond these is garbage, not data: it would poison totals, rates and
# percentiles (two costs of 1e308 sum to inf; a 400-digit token count makes pricing raise).
# Counts (tokens, objects): no log gets near 2**53, the largest a float (rates, costs) holds
# exactly. Other figures (latency, duration, cost, a metric's value): no measurement means
# 1e100, and sums, spreads and squares of such figures stay finite. Times: what a calendar
# shows (datetime, hence the UI and the snapshot's ISO times, takes years 1 to 9999; a day
# inside either end leaves room for a local time zone).
MAX_COUNT = 2**53
MAX_FIGURE = 1e100
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_COUNT)]
Figure = Annotated[float, msgspec.Meta(ge=-MAX_FIGURE, le=MAX_FIGURE)]
Amount = Annotated[float, msgspec.Meta(ge=0, le=MAX_FIGURE)]  # latency, duration, cost
MIN_TS = -62135510400.0  # 0001-01-02T00:00:00Z
MAX_TS = 253402214400.0  # 9999-12-31T00:00:00Z


def event_time(value: object) -> float | None:
    """``parse_ts``, and None for a time no calendar shows (``1e300``, a 400-digit integer)."""
    try:
        ts = parse_ts(value)
    except OverflowError:  # an integer no float holds
        return None
    return ts if ts is not None and MIN_TS <= ts <= MAX_TS else None

# msgspec decodes nested arrays and objects recursively: a line nested deeper than the stack
# allows (10,000 "[") raises RecursionError, which is no DecodeError. It is a bad line too.
TOO_DEEP = "not valid JSON: nested too deeply to decode"


def bad_line(source: str, offset: int, now: float, reason: str, line: bytes) -> list[Event]:
    excerpt = line[:200].decode("utf-8", errors="replace")
    return [ParseError(ts=now, source=source, offset=offset, reason=reason, excerpt=excerpt)]


def valid_utf8(data: bytes) -> bytes:
    """``data`` with any invalid UTF-8 replaced by U+FFFD, made valid before a decoder sees it,
    so no line is lost to however a JSON library words bad bytes (msgspec 0.18 raised
    UnicodeDecodeError; 0.23 raises DecodeError). ASCII, most lines, is checked in C and
    returned as it is."""
    if data.isascii():
        return data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace").encode()
    return data


def decode_json(decoder: msgspec.json.Decoder[Any], line: bytes) -> Any:
    """Decode, invalid UTF-8 replaced rather than failing on it."""
    return decoder.decode(valid_utf8(line))


def decode_or_bad(decoder: msgspec.json.Decoder[Any], line: bytes, source: str, offset: int,
                  now: float, shape: str) -> tuple[Any, list[Event]]:
    """``(record, [])`` or ``(None, [bad line])``; ``shape`` words a record of the wrong form."""
    try:
        return decode_json(decoder, line), []
    except msgspec.ValidationError as exc:
        return None, bad_line(source, offset, now, f"{shape}: {exc}", line)
    except msgspec.DecodeError as exc:
        return None, bad_line(source, offset, now, f"not valid JSON: {exc}", line)
    except RecursionError:
        return None, bad_line(source, offset, now, TOO_DEEP, line)
