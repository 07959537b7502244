"""Reading and decoding a followed file: choosing its format, its complete lines in slices
that leave the event loop a turn, and whole-file formats re-read on each change."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import NamedTuple

from swarmtop.events import Event, FileStatus, ParseError
from swarmtop.sources.compressed import CompressedLog, is_compressed, plain_twin
from swarmtop.sources.decoders import (
    WholeFileDecoder,
    is_whole_file,
    line_decoder,
    make_decoder,
)
from swarmtop.sources.reader import HEAD_BYTES, choose_format, read_file
from swarmtop.sources.tailprogress import Backlog
from swarmtop.sources.textbytes import BINARY_WHY, cut_line, decode_line, is_binary
from swarmtop.sources.tracked import Tracked
from swarmtop.sources.twins import Prefix, Tap, Twins, digest_prefix

CHUNK = 1 << 20  # one read
MAX_BATCH = 2000  # events per emit
SLICE_S = 0.005  # longest stretch of decoding before the loop gets a turn
PASS_BYTES = 16 << 20  # per file per pass; the rest next pass, so other files get a turn
WHOLE_FILE_CAP = 64 << 20

Send = Callable[[list[Event]], Awaitable[None]]
Turn = Callable[[], Awaitable[None]]  # give the event loop a turn
StatusOf = Callable[[Tracked, int | None], FileStatus]  # (file, offset reached mid-read)


class LinesRead(NamedTuple):
    got: int  # bytes read
    more: bool  # the pass's budget ran out before the end: read it again before sleeping


class TailReader:
    """Reads followed files for the tailer; what it decodes goes to ``send`` (delivered when
    it returns), with ``status(tf, offset)`` after each batch. ``lines`` is the tailer's
    path -> complete lines read under it, ``backlog`` its start-up progress."""

    def __init__(self, fmt: str, max_line: int, clock: Callable[[], float], send: Send,
                 status: StatusOf, backlog: Backlog, lines: dict[str, int],
                 turn: Turn | None = None, twins: Twins | None = None) -> None:
        self.fmt = fmt
        self.max_line = max_line
        self.clock = clock
        self._send = send
        self._status = status
        self._backlog = backlog
        self._lines = lines
        self._turn = turn or next_turn  # the loop's turn between slices, nothing held back
        self._whole_decoders: dict[str, WholeFileDecoder] = {}  # whole-file decoders live per path
        self.twins = twins if twins is not None else Twins()  # what compressed logs counted

    async def choose_format(self, tf: Tracked, fd: int) -> bool:
        """Pick ``tf``'s format and decoder from its first bytes. False when it cannot be read
        as lines: empty, no complete line yet, binary or an unknown format (skipped)."""
        if tf.path is not None and is_compressed(tf.path):
            tf.whole = True  # read whole, once (read_whole): a compressed log never grows
            tf.format = self.fmt if self.fmt != "auto" else "compressed"
            return True
        probe = os.pread(fd, HEAD_BYTES, 0)
        if not probe:
            return False
        if is_binary(probe):
            tf.state = "skipped"
            tf.why = BINARY_WHY
            tf.format = "binary"
            self._backlog.finish(tf)
            tf.close_fd()
            await self._send([self._status(tf, None)])
            return False
        if b"\n" not in probe and len(probe) < HEAD_BYTES:
            return False  # no complete line to judge the format by yet
        fmt = choose_format(self.fmt, probe)
        try:
            decoder = make_decoder(fmt)
        except ValueError as exc:
            tf.state, tf.why, tf.format = "skipped", str(exc), fmt
            await self._send([self._status(tf, None)])
            return False
        tf.format = fmt
        if is_whole_file(decoder):
            tf.whole = True
            decoder = self._whole_decoders.setdefault(tf.report, decoder)
        tf.decoder = decoder
        return True

    async def read_lines(self, tf: Tracked, fd: int, force_status: bool) -> LinesRead:
        """Hand on the complete lines from ``tf.splitter.pos``, at most ``PASS_BYTES`` of them.
        ``tf.ck_offset`` follows what was delivered, batch by batch."""
        assert tf.decoder is not None
        splitter = tf.splitter
        decode = line_decoder(tf.decoder).decode
        src = tf.report
        max_line = self.max_line
        batch: list[Event] = []
        now = self.clock()
        budget = PASS_BYTES
        lines = 0
        end_ok = tf.ck_offset
        got = 0
        slice_start = time.perf_counter()
        while budget > 0:
            try:
                chunk = os.pread(fd, min(CHUNK, budget), splitter.pos)
            except OSError:
                break
            if not chunk:
                break
            budget -= len(chunk)
            got += len(chunk)
            for offset, line, cut in splitter.feed(chunk):
                lines += 1
                if cut:
                    batch.append(cut_line(src, offset, now, max_line, line))
                    continue
                try:
                    batch.extend(decode_line(decode, line, src, offset, now))
                except Exception as exc:  # noqa: BLE001 - a decoder bug is a bad line
                    batch.append(decoder_failed(src, offset, now, exc, line))
                end_ok = offset + len(line) + 1
                if len(batch) >= MAX_BATCH or (
                    not lines & 255 and time.perf_counter() - slice_start > SLICE_S
                ):
                    await self._deliver(tf, batch, lines, end_ok)
                    lines = 0
                    batch = []
                    await self._turn()  # a put that did not wait never yielded
                    now = self.clock()
                    slice_start = time.perf_counter()
            end_ok = splitter.committed
            self._backlog.count(tf, len(chunk))
            if len(chunk) == CHUNK:
                # what was decoded goes before the loop gets its turn: the first snapshot,
                # taken at that turn, then has the first lines of a backlog (issue 23)
                if batch:
                    await self._deliver(tf, batch, lines, end_ok)
                    lines = 0
                    batch = []
                await self._turn()
        self._lines[src] = self._lines.get(src, 0) + lines
        now_m = time.monotonic()
        if got:
            tf.last_active = now_m
            tf.idle_since = now_m
        if got or force_status or batch:
            batch.append(self._status(tf, None))
            await self._send(batch)
        tf.ck_offset = end_ok
        return LinesRead(got, budget <= 0)

    async def _deliver(self, tf: Tracked, batch: list[Event], lines: int, end_ok: int) -> None:
        """Hand on a batch read part-way through ``tf`` (``lines`` complete lines, the last
        ending at ``end_ok``) with the file's status at that point."""
        src = tf.report
        self._lines[src] = self._lines.get(src, 0) + lines
        batch.append(self._status(tf, end_ok))  # counts keep up during a backlog
        await self._send(batch)
        # delivered: checkpoint it before the next await can be cancelled
        tf.ck_offset = end_ok

    async def read_whole(self, tf: Tracked, fd: int, st: os.stat_result,
                         counted: Prefix | None = None) -> None:
        """Whole-file formats (a JSON document rewritten in place): re-read it on each change
        and let the decoder say which events are new. A compressed log: read once (on from
        ``counted``, what was counted of its plain twin, when it begins with those bytes)."""
        sig = (st.st_ino, st.st_size, st.st_mtime_ns)
        if sig == tf.whole_sig:
            return
        if tf.decoder is None and is_compressed(tf.report):
            if tf.whole_sig is None:
                tf.whole_sig = sig
                await self.read_compressed(tf, st.st_size, counted)
            return  # (rewritten after it was read: Codex writes a .jsonl back, not this)
        assert tf.decoder is not None and is_whole_file(tf.decoder)
        tf.whole_sig = sig
        if st.st_size > WHOLE_FILE_CAP:
            tf.why = f"larger than {WHOLE_FILE_CAP >> 20} MiB: whole-file format not re-read"
            await self._send([self._status(tf, None)])
            return
        parts = []
        pos = 0
        while True:
            chunk = os.pread(fd, CHUNK, pos)
            if not chunk:
                break
            parts.append(chunk)
            pos += len(chunk)
            if len(chunk) == CHUNK:
                await asyncio.sleep(0)
        data = b"".join(parts)
        tf.splitter.reset(len(data))
        tf.ck_offset = len(data)
        self._lines[tf.report] = data.count(b"\n")  # lines of the current version
        try:
            events = tf.decoder.decode_file(data, tf.report, self.clock())
        except Exception as exc:  # noqa: BLE001 - a decoder bug is a bad file, not a crash
            events = [decoder_failed(tf.report, 0, self.clock(), exc, data)]
        self._backlog.count(tf, len(data))
        self._backlog.finish(tf)
        tf.last_active = tf.idle_since = time.monotonic()
        for i in range(0, len(events), MAX_BATCH):
            await self._send(list(events[i : i + MAX_BATCH]))
        await self._send([self._status(tf, None)])

    async def read_compressed(self, tf: Tracked, size: int,
                              counted: Prefix | None = None) -> None:
        """A compressed log (sources/compressed.py), decoded as a report reads a file, a
        batch (one chunk of the stream) per turn of the event loop. ``counted``: what was
        read of its plain twin in this run; when the stream begins with those very bytes,
        only what follows them is decoded, by the twin's decoder. What this read counts is
        remembered for the plain twin, should it be written back (sources/twins.py)."""
        done: FileStatus | None = None
        tap = Tap()
        how = "compressed: read whole, once"
        if counted is not None:
            with CompressedLog(tf.report) as log:
                digest = await digest_prefix(log.read, counted.length, self._turn)
            if digest == counted.digest:
                tap = Tap(counted.length, counted.decoder)
                how = (f"compressed copy of {counted.source}, already read to byte "
                       f"{counted.length}: read on from there")
            else:
                how = (f"compressed, but its first {counted.length} bytes differ from "
                       f"{counted.source} as read before: another log, read whole")
        for batch in read_file(Path(tf.report), self.fmt, max_line=self.max_line,
                               batch_size=MAX_BATCH, clock=self.clock, tap=tap):
            last = batch[-1] if batch else None
            if isinstance(last, FileStatus):  # the file's own row: the tailer's says it
                done = last
                batch.pop()
            if batch:
                await self._send(batch)
            await asyncio.sleep(0)
        if done is not None:
            tf.format = done.format or tf.format
            tf.why = how + (f"; {done.why}" if done.why else "")
            if done.state == "skipped":
                tf.state = "skipped"
            elif tap.decoder is not None and not is_whole_file(tap.decoder):
                self.twins.remember(str(plain_twin(Path(tf.report))), tap.prefix(tf.report))
            self._lines[tf.report] = done.lines
        self._backlog.count(tf, size)
        self._backlog.finish(tf)
        tf.last_active = tf.idle_since = time.monotonic()
        await self._send([self._status(tf, None)])


async def next_turn() -> None:
    await asyncio.sleep(0)



def size_at_line_end(fd: int, size: int) -> int:
    """--from-end starts after the last complete line, so a line being written completes."""
    if size == 0:
        return 0
    back = min(size, 64 * 1024)
    tail = os.pread(fd, back, size - back)
    nl = tail.rfind(b"\n")
    if nl < 0:
        return size if back < size else 0
    return size - back + nl + 1


def decoder_failed(src: str, offset: int, now: float, exc: Exception, data: bytes) -> ParseError:
    return ParseError(ts=now, source=src, offset=offset,
                      reason=f"decoder failed: {type(exc).__name__}: {exc}"[:200],
                      excerpt=data[:200].decode("utf-8", "replace"))
