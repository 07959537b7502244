"""Progress through the history the tailer reads at start: bytes and files of the total."""

from __future__ import annotations

from swarmtop.feed import Progress
from swarmtop.sources.tracked import Tracked


class Backlog:
    """Counts bytes read of the files that existed at start. Each such file counts its bytes
    as they are read (``count``), and is done once read to its end (``finish``); bytes it will
    never read (a checkpoint or ``--from-end`` starts it later, it vanished) count at once."""

    __slots__ = ("read", "total", "done", "files")

    def __init__(self) -> None:
        self.read = 0
        self.total = 0
        self.done = 0
        self.files = 0

    def plan(self, sizes: list[int]) -> None:
        """The files found at start, by size."""
        self.total = sum(sizes)
        self.files = len(sizes)

    def passed(self, size: int) -> None:
        """A file found at start that will not be read (vanished, unreadable)."""
        self.read += size
        self.done += 1

    def begin(self, tf: Tracked, size: int, start: int) -> None:
        """``tf``, ``size`` bytes long, is read from ``start``."""
        tf.backlog_left = max(0, size - start)
        tf.in_backlog = True
        self.read += min(start, size)

    def count(self, tf: Tracked, n: int) -> None:
        if tf.backlog_left:
            take = min(n, tf.backlog_left)
            tf.backlog_left -= take
            self.read += take

    def finish(self, tf: Tracked) -> None:
        if tf.in_backlog:
            self.read += tf.backlog_left
            tf.backlog_left = 0
            tf.in_backlog = False
            self.done += 1

    def progress(self) -> Progress:
        return Progress(min(self.read, self.total), self.total, min(self.done, self.files),
                        self.files)
