"""Panel 7: what is being read — files with format, lines, bad lines, state and why; the
PIDs attached; the network receivers (--otlp: address, requests, items accepted and refused
with the reasons, who sent); what of swarmtop itself failed (a source that stopped, the process tree scan,
an analyzer...) and the log file with the tracebacks; the most recent lines that could not
be decoded."""

from __future__ import annotations

import os

from rich.text import Text
from textual.app import ComposeResult

from swarmtop.export.fmt import fmt_num, found_text
from swarmtop.snapshot import ReceiverInfo, Snapshot
from swarmtop.ui.lines import TextLines
from swarmtop.ui.panel import Panel
from swarmtop.ui.table import Column, Row, SyncTable
from swarmtop.ui.text import Flow, clip, plain

# the figures first, so a narrow panel still shows them; the path after them, relative to
# what the files share and elided in its middle (a sub-agent's file stays told apart from its
# session's: the file name is kept)
COLUMNS = [
    Column("Lines", "lines"), Column("Events", "events"), Column("Bad", "bad"),
    Column("State", "state", numeric=False), Column("File", "path", numeric=False),
    Column("Format", "format", numeric=False), Column("Why", "why", numeric=False),
]
PATH_WIDTH = 48


def shown_paths(paths: list[str], width: int = PATH_WIDTH) -> dict[str, str]:
    """Each path relative to the directory all of them share, elided in the middle to
    ``width`` characters, the file name kept whole as far as it fits."""
    files = [p for p in paths if os.path.isabs(p)]
    base = ""
    if len(files) > 1:
        try:
            base = os.path.commonpath(files)
        except ValueError:
            base = ""
    elif files:
        base = os.path.dirname(files[0])
    out = {}
    for p in paths:
        rel = os.path.relpath(p, base) if base and p.startswith(base) and p != base else p
        out[p] = middle(rel, width)
    return out


def middle(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    head, _, name = text.rpartition("/")
    if len(name) + 2 >= width:
        return "…" + name[-(width - 1):]
    keep = width - len(name) - 2
    return f"{head[: keep]}…/{name}"


class SourcesPanel(Panel):
    NUMBER = 7
    TITLE = "Sources"
    SHORT = "Src"
    HELP = ("files read (format, lines, bad lines, state) and PIDs watched; OTLP receivers "
            "(requests, items accepted and refused, senders); failures of swarmtop itself and "
            "its log file; recent bad lines")

    DEFAULT_CSS = """
    SourcesPanel #src-summary { height: auto; }
    SourcesPanel #src-receivers { height: auto; max-height: 6; display: none; }
    SourcesPanel.-receivers #src-receivers { display: block; }
    SourcesPanel #src-failed { height: auto; max-height: 3; display: none; }
    SourcesPanel #src-failures { height: auto; max-height: 3; display: none; }
    SourcesPanel.-failed #src-failed, SourcesPanel.-failed #src-failures { display: block; }
    SourcesPanel #src-bad { height: auto; max-height: 4; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._paths: tuple[str, ...] = ()
        self._shown: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield TextLines("", id="src-summary")
        yield TextLines("", id="src-receivers")
        yield TextLines("", id="src-failed")
        yield TextLines("", id="src-failures")
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
        if src.untimed_events:  # events with no time: in totals, not in rates (say so)
            items.insert(3, Text(src.untimed_why, style=pal.warn))
        if src.discovered:  # no SOURCE given: which agent session stores are being read
            items.append(plain(found_text(src.discovered, short_path), pal.muted))
        self.put(self.query_one("#src-summary", TextLines), Flow(tuple(items)))
        self.set_class(bool(src.receivers), "-receivers")  # no room taken without one
        self.put(self.query_one("#src-receivers", TextLines),
                 receivers_text(src.receivers, pal.good, pal.warn, pal.muted))
        self.set_class(bool(src.errors), "-failed")  # no room taken while nothing failed
        head, places = failed_text(snap, pal.bad, pal.muted)
        self.put(self.query_one("#src-failed", TextLines), head)
        self.put(self.query_one("#src-failures", TextLines), places)

        rows = []
        paths = tuple(f.path for f in src.files)
        if paths != self._paths:  # (the files seldom change; relpath walks each path)
            self._paths, self._shown = paths, shown_paths(list(paths))
        shown = self._shown
        for f in src.files:
            state_style = (pal.good if f.state == "following" else
                           pal.bad if f.state in ("deleted", "skipped") else pal.warn)
            cells = (plain(fmt_num(f.lines)), plain(fmt_num(f.events)),
                     plain(fmt_num(f.bad_lines), pal.warn if f.bad_lines else ""),
                     plain(f.state, state_style), plain(shown[f.path]), plain(f.format),
                     plain(f.why, pal.muted))
            rows.append(Row(key=f.path, cells=cells,
                            sort=(f.lines, f.events, f.bad_lines, f.state, f.path, f.format,
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


_ITEMS = (("spans", "spans"), ("log_records", "log records"), ("data_points", "data points"))


def receivers_text(receivers: list[ReceiverInfo], good: str, warn: str, muted: str,
                   show: int = 3) -> Flow:
    """Each receiver: where, what it took, what it refused and why (the reasons by count), who
    sent, the latest refusal; laid out at the panel's width, broken between items. Senders
    and refusal details came from the network: plain text, never markup."""
    items: list[Text] = []
    for r in receivers:
        head = Text("OTLP ", style="bold", end="")
        head.append_text(plain(r.address))
        head.append(f" {r.state}", style=good if r.state == "listening" else warn)
        items.append(head)
        took = ", ".join(f"{fmt_num(r.accepted.get(k, 0))} {label}" for k, label in _ITEMS
                         if r.accepted.get(k))
        items.append(Text(f"{fmt_num(r.requests)} requests: {took or 'nothing yet'}", end=""))
        refused = sum(r.rejections.values())
        if refused:
            reasons = sorted(r.rejections.items(), key=lambda kv: -kv[1])[:show]
            items.append(plain(f"refused {fmt_num(refused)} ("
                               + ", ".join(f"{k} ×{fmt_num(n)}" for k, n in reasons) + ")", warn))
        if sum(r.rejected.values()):
            items.append(plain(f"{fmt_num(sum(r.rejected.values()))} items refused", warn))
        if r.senders:
            more = f" +{len(r.senders) - show}" if len(r.senders) > show else ""
            items.append(plain("from " + clip(", ".join(r.senders[:show]), 60) + more, muted))
        if r.why:
            items.append(plain(clip(r.why, 100), muted))
        if r.last_rejection:
            items.append(plain("last refused: " + clip(r.last_rejection, 160), muted))
    return Flow(tuple(items))


def short_path(path: str, home: str | None = None) -> str:
    """``path`` with the home directory as ``~`` (as a shell shows it: fits a narrow panel)."""
    home = os.path.expanduser("~") if home is None else home
    if home and home != "/" and (path == home or path.startswith(home.rstrip("/") + "/")):
        return "~" + path[len(home.rstrip("/")):]
    return path


def failed_text(snap: Snapshot, bad: str, muted: str, show: int = 3) -> tuple[Flow, Text]:
    """What of swarmtop failed: a line naming the log file with the tracebacks (the path on
    a line of its own when the panel is narrow, never cut), and the latest ``show`` places,
    one line each (cut with an ellipsis). Exception text is untrusted: plain, never markup."""
    errors = snap.sources.errors
    places = Text(end="", no_wrap=True, overflow="ellipsis")
    if not errors:
        return Flow(()), places
    n = len(errors)
    s = "s" * (n != 1)
    head = Flow((Text(f"{n} swarmtop failure{s}: traceback{s} in", style=f"bold {bad}"),
                 plain(short_path(snap.sources.log_file) or "the log file", bad)), sep=" ")
    for i, e in enumerate(sorted(errors, key=lambda e: e.last or e.since)[-show:]):
        if i:
            places.append("\n")
        places.append_text(plain(clip(e.where, 40), bad))
        if e.count > 1:
            places.append(f" ×{fmt_num(e.count)}", style=muted)
        places.append(" ")
        places.append_text(plain(clip(e.message, 200), muted))
    return head, places
