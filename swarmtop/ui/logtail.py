"""Panel 6: the last log lines from every source, level-coloured, with the source name.
`/` filters, `l` cycles the minimum level, `f` freezes the tail (collection goes on)."""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget

from swarmtop.sanitize import safe_text
from swarmtop.snapshot import LogEntry, Snapshot
from swarmtop.ui.lines import LogLines, TextLines
from swarmtop.ui.panel import Panel
from swarmtop.ui.text import clip, plain

LEVELS = ("all", "info", "warning", "error")
_RANK = {"trace": 0, "debug": 0, "info": 1, "notice": 1, "warning": 2, "warn": 2,
         "error": 3, "critical": 3, "fatal": 3}
_SHORT = {"warning": "WARN", "critical": "CRIT", "information": "INFO"}
BUFFER = 2000  # lines kept by the panel (the snapshot carries only the newest few hundred)
ANCHOR = 3  # entries matched to find where the previous snapshot's tail ends
# A line read between snapshots shows at once if no line was written this recently; else (a
# flood nobody reads line by line) it comes with the snapshot, as the whole tail once did
PREVIEW_GAP = 0.25
PREVIEW_LINES = 200  # more between two snapshots is a burst: it waits for the snapshot


def new_entries(previous_tail: Sequence[LogEntry], current: Sequence[LogEntry]) -> list[LogEntry]:
    """The entries of `current` that came after `previous_tail` (both are newest-last windows
    over the same stream): find the last occurrence of the previous window's final entries;
    failing that, an overlap at the very start of `current` (the window moved a long way)."""
    if not previous_tail:
        return list(current)
    anchor = list(previous_tail[-ANCHOR:])
    k = len(anchor)
    for end in range(len(current), k - 1, -1):
        if list(current[end - k:end]) == anchor:
            return list(current[end:])
    for overlap in range(k - 1, 0, -1):
        if list(current[:overlap]) == anchor[-overlap:]:
            return list(current[overlap:])
    return list(current)  # the window moved past everything we saw: all of it is new


def level_rank(level: str) -> int:
    return _RANK.get(level.lower(), 1)


class LogTailPanel(Panel):
    NUMBER = 6
    TITLE = "Log"
    HELP = "newest log lines; / filters, l minimum level, f freezes the tail"
    BINDINGS = [
        Binding("l", "level", "Level", tooltip="cycle the minimum level shown"),
        Binding("f", "follow", "Freeze tail", tooltip="freeze/unfreeze the log tail only"),
    ]

    DEFAULT_CSS = """
    LogTailPanel #log-status { height: 1; }
    LogTailPanel LogLines { height: 1fr; background: transparent; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.buffer: deque[tuple[int, LogEntry]] = deque(maxlen=BUFFER)
        self.seq = 0
        self.written_seq = 0
        self.min_level = 0  # index into LEVELS
        self.frozen = False
        self._prev_tail: list[LogEntry] = []
        self._status = ""
        self._provisional: list[LogEntry] = []  # shown by preview(), not yet in a snapshot
        self._held = False  # a preview was held back: the rest wait for the snapshot
        self._last_write = 0.0  # monotonic time lines were last written

    def compose(self) -> ComposeResult:
        yield TextLines("", id="log-status")
        yield LogLines(max_lines=1000, id="log-lines")

    def main_widget(self) -> Widget | None:
        return self.query_one(LogLines)

    def observe(self, snap: Snapshot) -> None:
        fresh = new_entries(self._prev_tail, snap.log_tail)
        self._prev_tail = list(snap.log_tail[-ANCHOR:])
        for entry in fresh:
            self.seq += 1
            self.buffer.append((self.seq, entry))

    def empty_reason(self, snap: Snapshot) -> str | None:
        return None if self.buffer else "no lines"  # (observe() has run: the lines seen)

    def passes(self, entry: LogEntry) -> bool:
        if level_rank(entry.level) < self.min_level:
            return False
        if self.filter_text:
            # what the line shows: its text, source and level ("/error" finds ERROR lines)
            needle = self.filter_text.lower()
            return (needle in entry.text.lower() or needle in entry.source.lower()
                    or needle in entry.level.lower())
        return True

    def line(self, entry: LogEntry) -> Text:
        pal = self.palette
        t = Text(no_wrap=True, end="")
        t.append(time.strftime("%H:%M:%S ", time.localtime(entry.ts)), style=pal.muted)
        src = safe_text(os.path.basename(entry.source.rstrip("/")) or entry.source)
        t.append_text(plain(clip(src, 18).ljust(18), pal.accent))
        lvl = _SHORT.get(entry.level.lower(), entry.level.upper())[:5].ljust(5)
        t.append(" ")
        t.append_text(plain(lvl, pal.level(entry.level)))
        t.append(" ")
        t.append_text(plain(entry.text, pal.level(entry.level) if level_rank(entry.level) >= 3
                            else ""))
        return t

    def preview(self, entries: list[LogEntry]) -> None:
        """Lines just read, shown before the snapshot that holds them (docs/decisions.md,
        "The log tail between snapshots"), unless lines were written less than PREVIEW_GAP
        ago: a flood then scrolls with the snapshots only, as before, and what comes after a
        held line waits with it, so lines never show out of order. Previews are provisional:
        the next snapshot keeps those it confirms and replaces the rest."""
        if self.frozen or self._snapshot is None or self._held:
            return
        fresh = [e for e in entries if self.passes(e)]
        if not fresh:
            return
        now = time.monotonic()
        if (now - self._last_write < PREVIEW_GAP
                or len(self._provisional) + len(fresh) > PREVIEW_LINES):
            self._held = True
            return
        self.query_one(LogLines).write_lines([self.line(e) for e in fresh])
        self._provisional.extend(fresh)
        self._last_write = now

    def render_snapshot(self, snap: Snapshot) -> None:
        self._render_status()
        if self.frozen:
            return
        log = self.query_one(LogLines)
        pending = self.unwritten()
        self.written_seq = self.seq
        prov, n = self._provisional, len(pending)
        shown = len(prov)
        if prov and (pending[:shown] == prov or prov[:n] == pending):
            keep = prov[n:]  # the snapshot confirmed the first n; the rest are still ahead
        else:  # (its window passed lines by): as the snapshot says
            if shown:
                log.drop_last(shown)
            keep, shown = [], 0
        self._provisional = keep
        self._held = self._held and bool(keep)  # (held lines come after those still kept)
        if n > shown:  # one write, so one scroll and one repaint per tick
            log.write_lines([self.line(e) for e in pending[shown:][-log.max_lines:]])
            self.shown += 1
            self._last_write = time.monotonic()

    def unwritten(self) -> list[LogEntry]:
        """Kept entries newer than the last write that pass the filter, oldest first: walked
        from the newest end, so a tick costs the new lines, not the whole buffer."""
        fresh: list[LogEntry] = []
        for seq, entry in reversed(self.buffer):
            if seq <= self.written_seq:
                break
            if self.passes(entry):
                fresh.append(entry)
        fresh.reverse()
        return fresh

    def _render_status(self) -> None:
        pal = self.palette
        status = Text(end="")
        status.append(f"level ≥ {LEVELS[self.min_level]}", style=pal.muted)
        if self.frozen:
            status.append("  FROZEN (f)", style=f"bold {pal.warn}")
        if not self.buffer:
            status.append("  no log lines yet (log records, text lines of the sources)",
                          style=pal.muted)
        self.put(self.query_one("#log-status", TextLines), status)

    def rewrite(self) -> None:
        """Filter or level changed: show the kept lines again through the new filter."""
        log = self.query_one(LogLines)
        log.clear()
        self._provisional, self._held = [], False
        self.written_seq = 0
        if self._snapshot is not None:
            was, self.frozen = self.frozen, False
            self.render_snapshot(self._snapshot)
            self.frozen = was
        self._render_status()

    def rerender(self) -> None:
        self.rewrite()

    def action_level(self) -> None:
        self.min_level = (self.min_level + 1) % len(LEVELS)
        self.rewrite()
        self.app.notify(f"log: level ≥ {LEVELS[self.min_level]}", timeout=2)

    def action_follow(self) -> None:
        self.frozen = not self.frozen
        if not self.frozen and self._snapshot is not None:
            self.render_snapshot(self._snapshot)
        self._render_status()
