"""Panel 7: what is being read — files with format, lines, bad lines, state and why; the
PIDs attached; the most recent lines that could not be decoded."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from swarmtop.export.fmt import fmt_num
from swarmtop.snapshot import Snapshot
from swarmtop.ui.lines import TextLines
from swarmtop.ui.panel import Panel
from swarmtop.ui.table import Column, Row, SyncTable
from swarmtop.ui.text import Flow, clip, plain

COLUMNS = [
    Column("File", "path", numeric=False), Column("Format", "format", numeric=False),
    Column("Lines", "lines"), Column("Events", "events"), Column("Bad", "bad"),
    Column("State", "state", numeric=False), Column("Why", "why", numeric=False),
]


class SourcesPanel(Panel):
    NUMBER = 7
    TITLE = "Sources"
    HELP = "files read (format, lines, bad lines, state) and PIDs watched; recent bad lines"

    DEFAULT_CSS = """
    SourcesPanel #src-summary { height: auto; }
    SourcesPanel #src-bad { height: auto; max-height: 4; }
    """

    def compose(self) -> ComposeResult:
        yield TextLines("", id="src-summary")
        yield SyncTable(COLUMNS, natural_label="path", id="src-table")
        yield TextLines("", id="src-bad")

    def render_snapshot(self, snap: Snapshot) -> None:
        pal = self.palette
        src = snap.sources
        pids = ", ".join(str(p) for p in src.pids[:12]) + (" …" if len(src.pids) > 12 else "")
        items = [Text(f"{len(src.files)} files"), Text(f"{fmt_num(src.lines)} lines"),
                 Text(f"{fmt_num(src.events)} events"),
                 Text(f"{fmt_num(src.bad_lines)} bad", style=pal.warn if src.bad_lines else ""),
                 Text(f"PIDs: {pids or 'none'}", style=pal.muted)]
        self.put(self.query_one("#src-summary", TextLines), Flow(tuple(items)))

        rows = []
        for f in src.files:
            state_style = (pal.good if f.state == "following" else
                           pal.bad if f.state in ("deleted", "skipped") else pal.warn)
            cells = (plain(f.path), plain(f.format), plain(fmt_num(f.lines)),
                     plain(fmt_num(f.events)),
                     plain(fmt_num(f.bad_lines), pal.warn if f.bad_lines else ""),
                     plain(f.state, state_style), plain(f.why, pal.muted))
            rows.append(Row(key=f.path, cells=cells,
                            sort=(f.path, f.format, f.lines, f.events, f.bad_lines, f.state,
                                  f.why),
                            filter_text=f"{f.path} {f.format} {f.state}"))
        self.query_one(SyncTable).set_rows(rows)

        bad = Text(end="")
        recent = src.recent_bad_lines[-3:]
        if recent:
            bad.append("recent bad lines:", style=pal.muted)
        for b in reversed(recent):
            bad.append("\n")
            bad.append_text(plain(clip(f"{b.source}:{b.offset}", 40), pal.warn))
            bad.append(" ")
            bad.append_text(plain(b.reason))
            if b.excerpt:
                bad.append(" ")
                bad.append_text(plain(clip(b.excerpt, 80), pal.muted))
        self.put(self.query_one("#src-bad", TextLines), bad)
