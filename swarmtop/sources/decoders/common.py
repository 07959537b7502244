"""What every JSON decoder shares: decoding with invalid UTF-8 replaced, and bad lines."""

from __future__ import annotations

from typing import Any

import msgspec

from swarmtop.events import Event, ParseError

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


def decode_json(decoder: msgspec.json.Decoder, line: bytes) -> Any:
    """Decode, invalid UTF-8 replaced rather than failing on it."""
    return decoder.decode(valid_utf8(line))


def decode_or_bad(decoder: msgspec.json.Decoder, line: bytes, source: str, offset: int,
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
