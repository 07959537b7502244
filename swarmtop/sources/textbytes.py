"""Is a file text, and what to do with NUL bytes inside a text log.

A log shipper's judgement (file(1), Vector's and Fluent Bit's sniffers work alike): a file is
binary when a fair share of its first bytes cannot be text, never because of one NUL. NUL runs
are what a crash leaves where space was preallocated; inside a text log each run is a counted
bad line and the text around it is read on (docs/decisions.md "Binary files and NUL runs").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from swarmtop.events import Event, ParseError

SAMPLE = 8192
BINARY_SHARE = 0.10  # of the sample's non-NUL bytes: more control bytes than this is binary
# C0 controls that text logs carry: tab, newline, form feed, carriage return, backspace, ESC
_TEXT_CONTROLS = b"\t\n\f\r\b\x1b"
_CONTROLS = bytes(b for b in range(32) if b not in _TEXT_CONTROLS) + b"\x7f"
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROLS)
_NUL_RUN = re.compile(rb"\x00+")
BINARY_WHY = (f"binary file (over {BINARY_SHARE:.0%} of its first {SAMPLE // 1024} KiB is not "
              "text): skipped")

LineDecode = Callable[[bytes, str, int, float], list[Event]]


def is_binary(head: bytes) -> bool:
    """True when the first ``SAMPLE`` bytes, NUL bytes set aside, hold more than
    ``BINARY_SHARE`` control bytes or invalid UTF-8 (gzip, ELF, PNG, SQLite all do). A sample
    of NULs alone is a preallocated log not yet written: text."""
    sample = head[:SAMPLE].replace(b"\x00", b"")
    if not sample:
        return False
    bad = len(sample.translate(None, _NOT_CONTROL))
    if not sample.isascii():
        text = sample.decode("utf-8", "replace")
        replaced = text.count("\ufffd") - sample.count("\ufffd".encode())
        bad += max(0, replaced - 1)  # a sample cut inside a character: one at its end
    return bad > BINARY_SHARE * len(sample)


def nul_run_error(source: str, offset: int, now: float, length: int) -> ParseError:
    return ParseError(ts=now, source=source, offset=offset,
                      reason=f"{length} NUL bytes (what a crash leaves in preallocated space): "
                             "skipped")


def decode_around_nuls(decode: LineDecode, line: bytes, source: str, offset: int,
                       now: float) -> list[Event]:
    """``line`` holds NUL bytes: each run of them is one bad line, and each stretch of text
    between runs is decoded as a line of its own (a record written after a crash's
    preallocated NULs, before the next newline, is not lost)."""
    out: list[Event] = []
    pos = 0
    for m in _NUL_RUN.finditer(line):
        if line[pos : m.start()].strip():
            out += decode(line[pos : m.start()], source, offset + pos, now)
        out.append(nul_run_error(source, offset + m.start(), now, m.end() - m.start()))
        pos = m.end()
    if line[pos:].strip():
        out += decode(line[pos:], source, offset + pos, now)
    return out


def decode_line(decode: LineDecode, line: bytes, source: str, offset: int, now: float,
                needle: bytes | None = None) -> list[Event]:
    """One complete line: around its NUL runs when it holds any, else by the decoder — only
    when it holds ``needle``, if one is given (a line without it cannot carry an event)."""
    if b"\x00" in line:
        return decode_around_nuls(decode, line, source, offset, now)
    if needle is None or needle in line:
        return decode(line, source, offset, now)
    return []


def cut_line(source: str, offset: int, now: float, max_line: int, line: bytes) -> ParseError:
    """The bad line a line over ``max_line`` bytes makes (its head is kept as the excerpt)."""
    return ParseError(ts=now, source=source, offset=offset,
                      reason=f"line longer than {max_line} bytes: cut",
                      excerpt=line[:200].decode("utf-8", "replace"))
