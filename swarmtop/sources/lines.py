"""Split a byte stream into complete lines, holding a partial last line and cutting
over-long lines without ever holding more than ``max_line`` bytes of one."""

from __future__ import annotations

from collections.abc import Iterator


class LineSplitter:
    """Feed chunks as they are read; get ``(offset, line, was_cut)`` for each complete line.

    ``offset`` is the byte position of the line's start in the file. ``line`` excludes the
    newline. A line longer than ``max_line`` keeps its first ``max_line`` bytes, the rest is
    skipped up to the newline, and ``was_cut`` is true.
    """

    __slots__ = ("max_line", "_buf", "_buf_start", "_skipping", "_skip_start", "pos")

    def __init__(self, start: int = 0, max_line: int = 1 << 20) -> None:
        self.max_line = max_line
        self._buf = bytearray()
        self._buf_start = start  # file offset of _buf[0]
        self._skipping = False  # inside an over-long line, discarding to its newline
        self._skip_start = 0
        self.pos = start  # file offset just after everything fed

    @property
    def committed(self) -> int:
        """Offset after the last complete line: where a restart must resume."""
        return self._skip_start if self._skipping else self._buf_start

    @property
    def pending(self) -> int:
        """Bytes of an incomplete last line held back."""
        return self.pos - self.committed

    def feed(self, chunk: bytes) -> Iterator[tuple[int, bytes, bool]]:
        self.pos += len(chunk)
        start = 0
        n = len(chunk)
        if self._skipping:
            nl = chunk.find(b"\n")
            if nl < 0:
                return
            line = bytes(self._buf)
            self._buf.clear()
            self._skipping = False
            yield self._skip_start, line, True
            start = nl + 1
            self._buf_start = self.pos - n + start
        if self._buf:
            nl = chunk.find(b"\n", start)
            if nl < 0:
                self._append(chunk[start:])
                return
            self._buf += chunk[start:nl]
            line = bytes(self._buf)
            self._buf.clear()
            line_start = self._buf_start
            cut = len(line) > self.max_line
            yield line_start, line[: self.max_line] if cut else line, cut
            start = nl + 1
            self._buf_start = self.pos - n + start
        base = self.pos - n
        while True:
            nl = chunk.find(b"\n", start)
            if nl < 0:
                break
            length = nl - start
            if length > self.max_line:
                yield base + start, chunk[start : start + self.max_line], True
            else:
                yield base + start, chunk[start:nl], False
            start = nl + 1
        self._buf_start = base + start
        if start < n:
            self._append(chunk[start:])

    def _append(self, data: bytes) -> None:
        room = self.max_line + 1 - len(self._buf)
        if len(data) <= room:
            self._buf += data
            return
        # over the limit with no newline yet: keep the head, discard until the newline
        self._buf += data[:room]
        del self._buf[self.max_line :]
        self._skipping = True
        self._skip_start = self._buf_start

    def flush(self) -> tuple[int, bytes, bool] | None:
        """The held last line, as ``feed`` yields lines, for a file whose end is its end (a
        report); None when there is none. The splitter is then at the end."""
        if not self.pending:
            return None
        start, line, cut = self.committed, bytes(self._buf), self._skipping
        self._buf.clear()
        self._skipping = False
        self._buf_start = self.pos
        return start, line, cut

    def reset(self, start: int = 0) -> None:
        self._buf.clear()
        self._buf_start = start
        self._skipping = False
        self.pos = start
