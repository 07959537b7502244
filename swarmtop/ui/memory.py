"""Panel 2: processes as a tree with RSS, peak, growth, leak flag, CPU and threads, and an
RSS graph of the selected process (from ProcessInfo.history)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from swarmtop.sanitize import safe_text
from swarmtop.snapshot import ProcessInfo, Snapshot
from swarmtop.ui.graph import bar_graph
from swarmtop.ui.lines import TextLines
from swarmtop.ui.panel import Panel
from swarmtop.ui.table import Column, Row, SyncTable
from swarmtop.ui.text import clip, fmt_duration, fmt_mem, plain

COLUMNS = [
    Column("PID", "pid"), Column("Name", "name", numeric=False), Column("RSS", "rss"),
    Column("Peak", "peak"), Column("Growth", "growth", numeric=False), Column("Rate", "rate"),
    Column("Leak", "leak"), Column("CPU%", "cpu"), Column("Thr", "threads"),
    Column("State", "state", numeric=False),
]


def tree_order(procs: list[ProcessInfo]) -> list[tuple[int, ProcessInfo]]:
    """(depth, process) in tree order: each parent followed by its children, by pid."""
    by_pid = {p.pid: p for p in procs}
    children: dict[int | None, list[ProcessInfo]] = {}
    for p in procs:
        parent = p.parent if p.parent in by_pid and p.parent != p.pid else None
        children.setdefault(parent, []).append(p)
    out: list[tuple[int, ProcessInfo]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for p in sorted(children.get(parent, []), key=lambda p: p.pid):
            if p.pid in seen:  # a cycle in bad data must not recurse forever
                continue
            seen.add(p.pid)
            out.append((depth, p))
            walk(p.pid, depth + 1)

    walk(None, 0)
    out.extend((0, p) for p in procs if p.pid not in seen)  # cycles without a root
    return out


def clock(iso: str | None) -> str:
    """HH:MM:SS of an ISO time (what a person reads), or the text as given."""
    if not iso:
        return ""
    return iso.split("T", 1)[1][:8] if "T" in iso else iso[:19]


def rate_text(p: ProcessInfo) -> str:
    if p.samples < 2 or (p.growth in ("stable", "unknown") and abs(p.growth_bytes_per_s) < 1024):
        return "-"
    sign = "+" if p.growth_bytes_per_s >= 0 else ""
    return f"{sign}{fmt_mem(p.growth_bytes_per_s)}/s"


class MemoryPanel(Panel):
    NUMBER = 2
    TITLE = "Memory"
    SHORT = "Mem"
    HELP = "processes as a tree; up/down selects the process graphed below; s sorts"

    DEFAULT_CSS = """
    MemoryPanel #mem-summary { height: 1; }
    MemoryPanel #mem-graph { height: auto; max-height: 5; }
    """

    def empty_reason(self, snap: Snapshot) -> str | None:
        return None if snap.memory.processes else "no processes"

    def compose(self) -> ComposeResult:
        yield TextLines("", id="mem-summary")
        yield SyncTable(COLUMNS, natural_label="tree", id="mem-table")
        yield TextLines("", id="mem-graph", hold_height=True)

    def on_sync_table_row_highlighted(self, event: SyncTable.RowHighlighted) -> None:
        if self._snapshot is not None:
            self._render_graph(self._snapshot)

    def render_snapshot(self, snap: Snapshot) -> None:
        pal = self.palette
        mem = snap.memory
        summary = Text(end="")
        if not mem.processes:
            summary.append("no processes watched (--pid PID)", style=pal.muted)
        else:
            summary.append(f"total RSS {fmt_mem(mem.total_rss_bytes)}", style="bold")
            alive = sum(1 for p in mem.processes if p.alive)
            summary.append(f"  {alive} running, {len(mem.processes) - alive} exited",
                           style=pal.muted)
            summary.append(f"  growth {mem.growth}")
            if mem.leak_suspected:
                summary.append("  LEAK SUSPECTED", style=f"bold {pal.bad}")
            if mem.limit_bytes:
                summary.append(f"  limit {fmt_mem(mem.limit_bytes)}", style=pal.muted)
        self.put(self.query_one("#mem-summary", TextLines), summary)

        rows = []
        for depth, p in tree_order(list(mem.processes)):
            dim = "" if p.alive else pal.muted
            leak = plain("LEAK", f"bold {pal.bad}") if p.leak_suspected else plain("")
            growth_style = (pal.bad if p.growth == "exponential" else
                            pal.warn if p.growth == "linear" else dim)
            state = (f"exited {clock(p.exited_at)}".strip() if not p.alive else
                     p.status if p.status != "running" else "")
            if p.denied:
                state = (state + " partial").strip()
            name = ("  " * min(depth, 8) + ("└ " if depth else "")) + clip(
                safe_text(p.name or "?"), 32)
            cells = (
                plain(p.pid, dim), plain(name, dim), plain(fmt_mem(p.rss_bytes), dim),
                plain(fmt_mem(p.peak_rss_bytes), dim), plain(p.growth, growth_style),
                plain(rate_text(p), growth_style), leak,
                plain(f"{p.cpu_percent:.0f}" if p.alive else "-", dim),
                plain(p.threads if p.alive else "-", dim), plain(state, dim),
            )
            rows.append(Row(
                key=str(p.pid), cells=cells,
                sort=(p.pid, p.name, p.rss_bytes, p.peak_rss_bytes, p.growth,
                      p.growth_bytes_per_s, int(p.leak_suspected), p.cpu_percent, p.threads,
                      "" if p.alive else "exited"),
                filter_text=f"{p.pid} {p.name}",
            ))
        self.query_one(SyncTable).set_rows(rows)
        self._render_graph(snap)

    def _render_graph(self, snap: Snapshot) -> None:
        pal = self.palette
        table = self.query_one(SyncTable)
        key = table.selected_key
        proc = next((p for p in snap.memory.processes if str(p.pid) == key), None)
        graph = Text(end="")
        if proc is None:
            graph.append("no process selected", style=pal.muted)
        else:
            values = [pt[1] for pt in proc.history if len(pt) >= 2]
            graph.append(f"RSS of {proc.pid} ", style="bold")
            graph.append_text(plain(proc.name))
            rate = rate_text(proc)
            graph.append(f"  now {fmt_mem(proc.rss_bytes)}  peak {fmt_mem(proc.peak_rss_bytes)}"
                         f"  {proc.growth}" + (f" {rate}" if rate != "-" else ""))
            if proc.time_to_limit_s is not None:
                graph.append(f"  limit in {fmt_duration(proc.time_to_limit_s)}", style=pal.bad)
            height = 2 if self.size.height < 14 else 3
            width = max(10, self.size.width - 4)
            style = pal.bad if proc.leak_suspected else pal.accent
            for line in bar_graph(values, width, height):
                graph.append("\n" + line, style=style)
        self.put(self.query_one("#mem-graph", TextLines), graph)
