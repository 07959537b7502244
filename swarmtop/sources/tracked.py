"""What the tailer keeps per followed file: one ``Tracked`` per identity (dev, inode), and
the rotation-name families copy detection looks in."""

from __future__ import annotations

import contextlib
import os
import time
from typing import Literal

from swarmtop.events import FileStatus
from swarmtop.sources.decoders import Decoder
from swarmtop.sources.fileid import FamilyKey, FileKey, family_key
from swarmtop.sources.lines import LineSplitter

# A followed file's FileStatus.state. These strings are part of the snapshot JSON.
TrackedState = Literal["following", "rotated", "deleted", "skipped"]
# Every state the tailer reports: also a SOURCE that names nothing yet.
FileState = TrackedState | Literal["waiting"]
APPEARED = "appeared"  # not a state but a notice: a waiting SOURCE's row gives way to its files


class Tracked:
    """One followed identity (dev, inode)."""

    __slots__ = (
        "key", "path", "report", "fd", "splitter", "decoder", "format", "head", "state", "why",
        "ck_offset", "copy_of", "copies", "mtime", "size", "last_active", "idle_since",
        "prev_head", "prev_committed", "prev_at", "whole", "whole_sig", "backlog_left",
        "in_backlog",
    )

    def __init__(self, key: FileKey, path: str, fd: int | None, start: int, max_line: int) -> None:
        self.key = key
        self.path: str | None = path  # where it is visible now; None once renamed away/deleted
        self.report = path  # the path its lines are counted under
        self.fd = fd
        self.splitter = LineSplitter(start, max_line)
        self.decoder: Decoder | None = None  # set with format once its first line is there
        self.format: str | None = None
        self.head = b""  # first bytes, up to FP_BYTES
        self.state: TrackedState = "following"
        self.why = ""
        self.ck_offset = start  # end of the last complete line handed on (checkpointed)
        self.copy_of: Tracked | None = None  # a copytruncate copy of this followed file
        self.copies: list[Tracked] = []
        self.mtime = -1  # st_mtime_ns and st_size at the last read
        self.size = -1
        self.last_active = time.monotonic()
        self.idle_since = time.monotonic()
        self.prev_head = b""  # the head before the last truncation, for copy matching
        self.prev_committed = 0  # how far it had been read then
        self.prev_at = 0.0  # when (monotonic)
        self.whole = False  # a whole-file format: re-read whole on each change
        self.whole_sig: tuple[int, int, int] | None = None  # (inode, size, mtime) last read
        self.backlog_left = 0  # bytes of the history at start still to read
        self.in_backlog = False

    def close_fd(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None

    def status(self, source: str, lines: int, ts: float, mid_read: int | None) -> FileStatus:
        """Its FileStatus under ``source`` with ``lines`` counted there; ``mid_read`` is the
        offset reached part-way through a read (the splitter's own figures are only settled
        at the end of a chunk)."""
        offset = self.copy_of.ck_offset if self.copy_of is not None else self.splitter.committed
        if mid_read is not None:
            offset = mid_read
        why = self.why
        pending = self.splitter.pending
        if mid_read is None and self.state != "skipped" and pending and not self.whole:
            pend = f"last line incomplete ({pending} bytes): waiting for its newline"
            why = f"{why}; {pend}" if why else pend
        return FileStatus(
            ts=ts, source=source, format=self.format or "auto", lines=lines, offset=offset,
            state=self.state, why=why, size=max(self.size, 0),
        )

    def saved_offset(self) -> int:
        """Where a restart resumes it. A linked copy, not read itself: where its original got
        to, capped at the copy's size (``size`` is kept current for copies). That is where the
        copy is read from if its original does not resume intact; if it does, the copy is
        linked again and not read (the entry also names the original)."""
        if self.copy_of is not None:
            return min(self.copy_of.ck_offset, max(self.size, 0))
        return self.ck_offset


class Families:
    """Followed files grouped by ``family_key``: copy detection compares only within one."""

    def __init__(self) -> None:
        self._groups: dict[FamilyKey, set[Tracked]] = {}

    def of(self, path: str) -> set[Tracked]:
        return self._groups.setdefault(family_key(path), set())

    def add(self, tf: Tracked) -> None:
        self.of(tf.report).add(tf)

    def leave(self, tf: Tracked) -> None:
        fam = self.of(tf.report)
        fam.discard(tf)
        if not fam:
            del self._groups[family_key(tf.report)]
