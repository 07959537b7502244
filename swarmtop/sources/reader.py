"""Read files to their current end (report mode): decode every complete line once."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np

from swarmtop.events import ARRIVAL_STAMPED, UNTIMED, Event, FileStatus
from swarmtop.sources.compressed import CompressedLog, is_compressed
from swarmtop.sources.decoders import (
    LineDecoder,
    WholeFileDecoder,
    detect_format,
    is_whole_file,
    line_decoder,
    make_decoder,
)
from swarmtop.sources.lines import LineSplitter
from swarmtop.sources.textbytes import (
    BINARY_WHY,
    LineDecode,
    cut_line,
    decode_line,
    is_binary,
)
from swarmtop.sources.twins import Tap

CHUNK = 1 << 20
HEAD_BYTES = 64 * 1024
MAX_WHOLE_FILE = 64 << 20  # a whole-file JSON document bigger than this is skipped, not loaded


def count_newlines(buf: bytes, start: int, end: int) -> int:
    """``buf.count(b"\n", start, end)``: numpy's vectorised compare counts a large range
    about 3x faster than bytes.count's byte loop (CPython does not vectorise it)."""
    if end - start < 1 << 16:
        return buf.count(b"\n", start, end)
    return int(np.count_nonzero(np.frombuffer(buf, np.uint8, end - start, start) == 10))


def head_lines(head: bytes, limit: int = 20) -> list[bytes]:
    """Complete lines from the start of a file, for format detection (NUL runs, which are
    bad lines of their own, set aside)."""
    parts = head.split(b"\n")
    lines = parts[:-1] if len(parts) > 1 else []
    if b"\x00" in head:
        lines = [p for line in lines for p in line.split(b"\x00") if p.strip()]
    return lines[:limit]


def choose_format(fmt: str, head: bytes, path: str = "") -> str:
    return detect_format(head_lines(head), path, head) if fmt == "auto" else fmt


def open_log(path: str | Path, tap: Tap | None = None) -> BinaryIO:
    """A log's bytes: a plain file, or a compressed log's decompressed stream (each of its
    bytes through ``tap``, if given)."""
    if is_compressed(path):
        return cast(BinaryIO, CompressedLog(path, tap.update if tap is not None else None))
    return open(path, "rb")


def first_event_time(path: Path, fmt: str = "auto") -> float | None:
    """The time of the first event among the complete lines of ``path``'s head (None: no
    such event there, or the file cannot be read): where a merged report starts it."""
    try:
        with open_log(path) as f:
            head = f.read(HEAD_BYTES)
    except OSError:
        return None
    if is_binary(head):
        return None
    source = str(path)
    any_decoder = make_decoder(choose_format(fmt, head, source))
    if is_whole_file(any_decoder):
        return None
    decoder = line_decoder(any_decoder)
    now = time.time()
    offset = 0
    for line in head_lines(head, limit=HEAD_BYTES):
        for ev in decoder.decode(line, source, offset, now):
            if (not isinstance(ev, ARRIVAL_STAMPED) and math.isfinite(ev.ts)
                    and ev.ts != UNTIMED):
                return ev.ts
        offset += len(line) + 1
    return None


def read_whole(f: BinaryIO, decoder: WholeFileDecoder, source: str, size: int,
               chosen: str, now: float) -> list[Event]:
    """Whole-file decoders (claude-flow metrics): the document at once, then a FileStatus."""
    if size > MAX_WHOLE_FILE:
        why = f"whole-file JSON of {size} bytes is over the {MAX_WHOLE_FILE} byte limit: skipped"
        return [FileStatus(ts=now, source=source, format=chosen, state="skipped", why=why,
                           size=size)]
    f.seek(0)
    data = f.read(MAX_WHOLE_FILE + 1)
    events = decoder.decode_file(data, source, now)
    lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    events.append(FileStatus(ts=now, source=source, format=chosen, lines=lines,
                             offset=len(data), state="done", why=decoder.last_error,
                             size=size))
    return events


def read_file(
    path: Path,
    fmt: str = "auto",
    *,
    max_line: int = 1 << 20,
    batch_size: int = 2000,
    clock: Callable[[], float] = time.time,
    on_progress: Callable[[int], None] | None = None,
    chunk_size: int = CHUNK,
    tap: Tap | None = None,
) -> Iterator[list[Event]]:
    """Yield batches of events for every complete line of ``path``, then a FileStatus.
    ``chunk_size``: bytes read at a time (a smaller one holds less while several files are
    read at once, see sources/merge.py). ``tap`` (a compressed log followed live,
    sources/twins.py): sees every byte, gives the decoder or gets the one made, and may skip
    bytes already counted from the plain twin."""
    source = str(path)
    try:
        f = open_log(path, tap)  # closed in finally, generator-friendly
        size = os.fstat(f.fileno()).st_size if not is_compressed(path) else os.stat(path).st_size
    except OSError as exc:
        yield [FileStatus(ts=clock(), source=source, state="skipped", why=_why(exc))]
        return
    try:
        head = f.read(HEAD_BYTES)
        if getattr(f, "error", ""):  # a compressed log that is no zstd stream
            yield [FileStatus(ts=clock(), source=source, state="skipped", size=size,
                              why=getattr(f, "error", ""))]
            return
        if is_binary(head):
            why = BINARY_WHY
            yield [FileStatus(ts=clock(), source=source, state="skipped", why=why, size=size)]
            return
        chosen = choose_format(fmt, head, source)
        given = tap.decoder if tap is not None else None
        any_decoder = given if given is not None else make_decoder(chosen)
        if tap is not None:
            tap.decoder = any_decoder
        if is_whole_file(any_decoder) and is_compressed(path):
            yield [FileStatus(ts=clock(), source=source, format=chosen, state="skipped",
                              size=size, why="a compressed JSON document: not read")]
            return
        if is_whole_file(any_decoder):
            events = read_whole(f, any_decoder, source, size, chosen, clock())
            if on_progress is not None:
                on_progress(size)
            yield events
            return
        decoder = line_decoder(any_decoder)
        # optional attributes of a line decoder (see LineDecoder): a ``needle`` lets lines be
        # skipped unread, a ``scan`` (ChunkScanner, native JSONL) takes each chunk's lines at once
        needle = getattr(decoder, "needle", None)
        if (needle or hasattr(decoder, "scan")) and max_line >= chunk_size and tap is None:
            yield from read_sparse(f, head, decoder, needle, source, size, chosen, max_line,
                                   batch_size, clock, on_progress, chunk_size)
            return
        splitter = LineSplitter(0, max_line)
        lines = 0
        batch: list[Event] = []
        now = clock()
        chunk = head
        if tap is not None and tap.skip:
            chunk = _skip(f, head, tap.skip, chunk_size)
            splitter = LineSplitter(tap.skip, max_line)
        while chunk:
            for offset, line, cut in splitter.feed(chunk):
                lines += 1
                if cut:
                    batch.append(cut_line(source, offset, now, max_line, line))
                    continue
                batch.extend(decode_line(decoder.decode, line, source, offset, now))
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
                    now = clock()
            if on_progress is not None:
                on_progress(len(chunk))
            chunk = f.read(chunk_size)
        why = getattr(f, "error", "")  # a compressed log that broke off
        last = splitter.flush()  # at report time a file's end is its end
        if last is not None:
            offset, line, cut = last
            lines += 1
            why = why or LAST_LINE_WHY
            batch.extend([cut_line(source, offset, now, max_line, line)] if cut else
                         decode_line(decoder.decode, line, source, offset, now))
        finish = getattr(decoder, "finish", None)  # optional (LineDecoder): what it held back
        if finish is not None:
            batch.extend(finish(source, now))
        batch.append(
            FileStatus(
                ts=clock(), source=source, format=chosen, lines=lines,
                offset=splitter.committed, state="done", why=why, size=size,
            )
        )
        yield batch
    finally:
        f.close()


# ChunkScanner.scan: (chunk, lo, hi, base, source, now, out) -> lines
ChunkScan = Callable[[bytes, int, int, int, str, float, list[Event]], int]


def read_sparse(
    f: BinaryIO,  # positioned after ``head``
    head: bytes,
    decoder: LineDecoder,  # with a ``needle`` or a ``scan`` (ChunkScanner), or both
    needle: bytes | None,
    source: str,
    size: int,
    chosen: str,
    max_line: int,
    batch_size: int,
    clock: Callable[[], float],
    on_progress: Callable[[int], None] | None,
    chunk_size: int = CHUNK,
) -> Iterator[list[Event]]:
    """Report-mode fast path for decoders that declare a ``needle``: bytes every line they
    can use contains (Claude Code: ``"usage"``). Only lines holding the needle are cut out of
    each chunk and decoded; the others are just counted (``bytes.count``), never visited one
    by one in Python. Same results as the line-by-line path: every complete line counted once,
    a partial last line held back, a line over ``max_line`` cut and flagged. Needs
    ``max_line >= chunk_size``: then a line longer than the limit always spans a chunk boundary,
    so only the carried-over tail has to be watched."""
    lines = 0
    batch: list[Event] = []
    now = clock()
    scan: ChunkScan | None = getattr(decoder, "scan", None)  # optional: ChunkScanner.scan
    if scan is None and not needle:
        raise ValueError(f"{decoder.name}: read_sparse needs a needle or a scan")
    carry = b""  # incomplete last line so far (at most max_line bytes kept)
    carry_start = 0  # file offset of carry[0]
    skipping = False  # inside an over-long line: discard up to its newline
    pos = 0  # file offset of the next chunk's first byte
    chunk = head
    while chunk:
        chunk_start = pos
        pos += len(chunk)
        if on_progress is not None:
            on_progress(len(chunk))
        first_nl = chunk.find(b"\n")
        if first_nl < 0:  # no line ends here: grow (or keep skipping) the carried line
            if not skipping:
                carry += chunk[: max_line + 1 - len(carry)]
                if len(carry) > max_line:
                    skipping = True
            chunk = f.read(chunk_size)
            continue
        # the line that ends at first_nl started in an earlier chunk (or at this chunk's start)
        lines += 1
        if skipping or len(carry) + first_nl > max_line:
            batch.append(cut_line(source, carry_start, now, max_line,
                                  (carry + chunk[:first_nl])[:max_line]))
        else:
            line = carry + chunk[:first_nl] if carry else chunk[:first_nl]
            batch.extend(decode_line(decoder.decode, line, source, carry_start, now, needle))
        skipping = False
        last_nl = chunk.rfind(b"\n")
        if chunk.find(b"\x00", first_nl + 1, last_nl + 1) >= 0:  # rare: one memchr to know
            lines += _lines_with_nuls(decoder.decode, needle, chunk, first_nl + 1, last_nl + 1,
                                      chunk_start, source, now, batch)
        elif scan is not None:  # the decoder walks the chunk's complete lines itself
            lines += scan(chunk, first_nl + 1, last_nl + 1, chunk_start, source, now, batch)
        else:
            assert needle is not None  # (checked on entry: without a scan there is a needle)
            lines += count_newlines(chunk, first_nl + 1, last_nl + 1)
            at = chunk.find(needle, first_nl + 1, last_nl)
            while at >= 0:
                start = chunk.rfind(b"\n", 0, at) + 1
                end = chunk.find(b"\n", at)
                batch.extend(decoder.decode(chunk[start:end], source, chunk_start + start, now))
                at = chunk.find(needle, end + 1, last_nl)
        if len(batch) >= batch_size:
            yield batch
            batch = []
            now = clock()
        carry = chunk[last_nl + 1 : last_nl + 2 + max_line]
        carry_start = chunk_start + last_nl + 1
        if len(carry) > max_line:
            skipping = True
        chunk = f.read(chunk_size)
    why = getattr(f, "error", "")  # a compressed log that broke off
    if pos > carry_start:  # at report time a file's end is its end: its last line is read
        lines += 1
        why = why or LAST_LINE_WHY
        if skipping or len(carry) > max_line:
            batch.append(cut_line(source, carry_start, now, max_line, carry))
        else:
            batch.extend(decode_line(decoder.decode, carry, source, carry_start, now, needle))
        carry_start = pos
    batch.append(FileStatus(ts=clock(), source=source, format=chosen, lines=lines,
                            offset=carry_start, state="done", why=why, size=size))
    yield batch


LAST_LINE_WHY = "last line had no newline: read as it is (a report reads files to their end)"


def _lines_with_nuls(decode: LineDecode, needle: bytes | None, chunk: bytes, lo: int,
                     hi: int, base: int, source: str, now: float, out: list[Event]) -> int:
    """The complete lines of ``chunk[lo:hi]`` one by one, for a chunk holding NUL bytes: each
    NUL run is counted as a bad line (the fast paths would see it only as broken JSON, or
    not at all), the rest decoded as ``read_sparse`` would."""
    lines = 0
    pos = lo
    while pos < hi:
        end = chunk.find(b"\n", pos, hi)
        lines += 1
        out.extend(decode_line(decode, chunk[pos:end], source, base + pos, now, needle))
        pos = end + 1
    return lines


def _skip(f: BinaryIO, head: bytes, skip: int, chunk_size: int) -> bytes:
    """Pass over the stream's first ``skip`` bytes (``head`` already read): what follows."""
    chunk = head
    while chunk and skip >= len(chunk):
        skip -= len(chunk)
        chunk = f.read(chunk_size)
    return chunk[skip:]


def _why(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "file vanished before it could be read"
    return exc.strerror or str(exc)
