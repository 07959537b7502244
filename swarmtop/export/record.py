"""`--record FILE`: an append-only JSONL of every ingested event, for `swarmtop replay`.

Events are buffered and flushed every second (and on close), each flush ending on a complete
line, so an SSH drop (SIGHUP) or a kill leaves a file that is valid JSONL to its last line.
A write failure (disk full, volume gone) stops recording and is reported, never a crash.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

from swarmtop import __version__
from swarmtop.events import Event, encode_event
from swarmtop.snapshot import RecordStatus

HEADER_KEY = "swarmtop_record"
FLUSH_S = 1.0
MAX_BUFFER = 8 << 20  # flush early rather than hold more than this in memory


class Recorder:
    def __init__(self, path: str, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self.bytes_written = 0
        self.events = 0
        self.error: str | None = None
        self._buf: list[bytes] = []
        self._buf_bytes = 0
        self._last_flush = clock()
        # line-oriented append: an existing recording is continued, never overwritten
        self._f = open(path, "ab")  # lives as long as the recorder
        if self._f.tell() == 0:
            header = {HEADER_KEY: 1, "version": __version__, "started": clock()}
            self._buf.append(json.dumps(header).encode() + b"\n")

    def __call__(self, batch: list[Event]) -> None:
        """Runtime hook: called with every ingested batch."""
        if self.error is not None:
            return
        for ev in batch:
            line = encode_event(ev) + b"\n"
            self._buf.append(line)
            self._buf_bytes += len(line)
        self.events += len(batch)
        now = self.clock()
        if now - self._last_flush >= FLUSH_S or self._buf_bytes >= MAX_BUFFER:
            self.flush()

    def flush(self) -> None:
        if self.error is not None or not self._buf:
            self._last_flush = self.clock()
            return
        data = b"".join(self._buf)
        self._buf.clear()
        self._buf_bytes = 0
        self._last_flush = self.clock()
        try:
            self._f.write(data)
            self._f.flush()
            self.bytes_written += len(data)
        except OSError as exc:
            self.error = f"recording to {self.path} stopped: {exc.strerror or exc}"
            self._truncate_partial()

    def _truncate_partial(self) -> None:
        """After a failed write, cut the file back to its last complete line."""
        try:
            self._f.flush()
        except OSError:
            pass
        try:
            if not os.path.isfile(self.path):
                return  # a device or pipe: nothing to cut
            size = os.path.getsize(self.path)
            with open(self.path, "rb+") as f:
                start = max(0, size - (1 << 16))
                f.seek(start)
                tail = f.read(1 << 16)
                cut = tail.rfind(b"\n")
                f.truncate(start + cut + 1 if cut >= 0 else start)
        except OSError:
            pass

    def close(self) -> None:
        self.flush()
        try:
            self._f.close()
        except OSError:
            pass

    def status(self) -> RecordStatus:
        return RecordStatus(path=self.path, bytes=self.bytes_written, events=self.events,
                            error=self.error)
