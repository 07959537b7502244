"""The last N log lines from every source, and the last bad lines, for the log-tail panel."""

from __future__ import annotations

from collections import deque

from swarmtop.events import LogLine, ParseError
from swarmtop.snapshot import BadLine, LogEntry

MAX_TEXT = 2000  # characters of one line kept for display


def entry_of(ev: LogLine) -> LogEntry:
    """The tail's entry for a log line (also what the TUI previews before a snapshot)."""
    return LogEntry(ts=ev.ts, source=ev.source, level=ev.level, text=ev.text[:MAX_TEXT])


class LogTail:
    def __init__(self, lines: int = 500, bad_lines: int = 100) -> None:
        self._lines: deque[LogEntry] = deque(maxlen=lines)
        self._bad: deque[BadLine] = deque(maxlen=bad_lines)
        self.by_level: dict[str, int] = {}

    def add_line(self, ev: LogLine) -> None:
        self.by_level[ev.level] = self.by_level.get(ev.level, 0) + 1
        self._lines.append(entry_of(ev))

    def add_lines(self, evs: list[LogLine]) -> None:
        """``add_line`` of each, in order (the backlog path): every line is counted, only
        those the tail can still hold are kept."""
        by_level = self.by_level
        for ev in evs:
            level = ev.level
            by_level[level] = by_level.get(level, 0) + 1
        keep = self._lines.maxlen or 0
        self._lines.extend(map(entry_of, evs[-keep:] if len(evs) > keep else evs))

    def add_bad(self, ev: ParseError) -> None:
        self._bad.append(
            BadLine(source=ev.source, offset=ev.offset, reason=ev.reason, excerpt=ev.excerpt)
        )

    def lines(self) -> list[LogEntry]:
        return list(self._lines)

    def bad(self) -> list[BadLine]:
        return list(self._bad)
