"""Panel 8: the swarm's own metrics (probe counters, gauges, histograms, timers, rates) and
per-process garbage-collector pauses — the snapshot's `metrics` section (docs/probe.md)."""

from __future__ import annotations

import os
from typing import Any

from msgspec import UNSET
from rich.text import Text
from textual.app import ComposeResult

from swarmtop.export.fmt import fmt_num
from swarmtop.snapshot import CustomMetric, GcStats, Snapshot
from swarmtop.ui.lines import TextLines
from swarmtop.ui.panel import Panel
from swarmtop.ui.table import Column, Row, SyncTable
from swarmtop.ui.text import plain

GC_WARN, GC_BAD = 0.01, 0.05  # share of wall time in GC: noticeable, a memory bottleneck

METRIC_COLUMNS = [
    Column("Metric", "name", numeric=False), Column("Kind", "kind", numeric=False),
    Column("Latest", "latest"), Column("Rate/s", "rate"), Column("p50", "p50"),
    Column("p90", "p90"), Column("p99", "p99"), Column("p99 win", "wp99"),
    Column("Count", "count"), Column("Total", "total"), Column("Min", "min"),
    Column("Max", "max"), Column("Unit", "unit", numeric=False),
    Column("Agent", "agent", numeric=False),
]
GC_COLUMNS = [
    Column("Process", "proc", numeric=False), Column("GC%", "share"),
    Column("Pause/s", "per_s"), Column("Longest", "max"), Column("Colls", "colls"),
    Column("Gen 0/1/2", "gens", numeric=False), Column("Freed", "freed"),
    Column("Uncoll", "uncoll"), Column("File", "file", numeric=False),
]


def num(v: Any) -> float | None:
    """A JSON number, else None (a replayed snapshot may hold anything)."""
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def fmt_value(v: Any) -> str:
    """A metric value to three significant digits (k/M/G above a thousand)."""
    x = num(v)
    if x is None:
        return "-"
    if abs(x) >= 1000:
        return fmt_num(x)
    return f"{x:.3g}"


def fmt_ms(v: Any) -> str:
    x = num(v)
    return "-" if x is None else f"{x:.3g}ms"


def metric_rows(custom: dict[str, CustomMetric]) -> list[Row]:
    rows = []
    for name, m in custom.items():
        kind = m.kind
        values = [num(v) for v in (m.latest, m.rate_per_s, m.p50, m.p90, m.p99, m.window_p99,
                                   m.count, m.total, m.min, m.max)]
        cells = (plain(name), plain(kind), *(plain(fmt_value(v)) for v in values),
                 plain(m.unit), plain(m.agent))
        rows.append(Row(key=f"m:{name}", cells=cells,
                        sort=(name, kind, *values, m.unit, m.agent),
                        filter_text=f"{name} {kind} {m.unit} {m.agent}"))
    return rows


def gc_label(src: str, g: GcStats, names: dict[int, str]) -> str:
    pid = g.pid
    if pid is not None:
        return f"{pid} {names[pid]}" if names.get(pid) else str(pid)
    return os.path.basename(src) or src


class MetricsPanel(Panel):
    NUMBER = 8
    TITLE = "Metrics"
    SHORT = "Met"
    HELP = "the swarm's own metrics (swarmtop.probe) and GC pauses per process; s sorts"

    DEFAULT_CSS = """
    MetricsPanel #met-summary { height: auto; }
    MetricsPanel #met-gc-title { height: 1; }
    """

    def compose(self) -> ComposeResult:
        yield TextLines("", id="met-summary")
        yield SyncTable(METRIC_COLUMNS, natural_label="name", id="met-table")
        yield TextLines("", id="met-gc-title")
        yield SyncTable(GC_COLUMNS, natural_label="process", id="met-gc")

    def empty_reason(self, snap: Snapshot) -> str | None:
        return None if snap.metrics.custom or snap.metrics.gc else "no metrics"

    def render_snapshot(self, snap: Snapshot) -> None:
        pal = self.palette
        section = snap.metrics
        custom = section.custom or {}
        gc = section.gc or {}

        names = {p.pid: p.name for p in snap.memory.processes}
        gc_rows = []
        worst: tuple[float, str] | None = None
        for src, g in gc.items():
            label = gc_label(src, g, names)
            share = num(g.wall_share)
            if share is not None and (worst is None or share > worst[0]):
                worst = (share, label)
            style = (f"bold {pal.bad}" if share is not None and share > GC_BAD else
                     pal.warn if share is not None and share > GC_WARN else "")
            gens_text = "/".join(fmt_value(x) for x in g.by_generation[:3]) or "-"
            cells = (plain(label, style), plain("-" if share is None else f"{share:.1%}", style),
                     plain(fmt_ms(g.pause_ms_per_s)), plain(fmt_ms(g.pause_ms_max)),
                     plain(fmt_value(g.collections)), plain(gens_text),
                     plain(fmt_value(g.collected)),
                     plain(fmt_value(g.uncollectable), pal.warn if g.uncollectable else ""),
                     plain(src, pal.muted))
            gc_rows.append(Row(key=f"g:{src}", cells=cells,
                               sort=(label, share, num(g.pause_ms_per_s),
                                     num(g.pause_ms_max), num(g.collections),
                                     gens_text, num(g.collected),
                                     num(g.uncollectable), src),
                               filter_text=f"{label} {src}"))
        gc_rows.sort(key=lambda r: -(r.sort[1] or 0.0))  # natural order: most time in GC first

        summary = Text(end="")
        if not custom and not gc_rows:
            summary.append("no custom metrics or GC records yet: a swarm sends them with "
                           "swarmtop.probe (docs/probe.md)", style=pal.muted)
        else:
            summary.append(f"{len(custom)} metric{'s' * (len(custom) != 1)}", style="bold")
            window = section.window_s
            if window is not UNSET:
                summary.append(f"  window {window:.0f}s", style=pal.muted)
            dropped = section.dropped
            if dropped:
                summary.append(f"  {fmt_value(dropped)} records dropped (too many names)",
                               style=pal.warn)
            if worst is not None:
                share, label = worst
                style = pal.bad if share > GC_BAD else pal.warn if share > GC_WARN else pal.muted
                summary.append("  most GC: ")
                summary.append_text(plain(label, style))
                summary.append(f" {share:.1%}", style=style)
        self.put(self.query_one("#met-summary", TextLines), summary)

        table = self.query_one("#met-table", SyncTable)
        gc_table = self.query_one("#met-gc", SyncTable)
        gc_title = self.query_one("#met-gc-title", TextLines)
        show_gc = bool(gc_rows)
        if gc_table.display != show_gc:  # only the tables with rows take space
            gc_table.display = gc_title.display = show_gc
        if table.display != bool(custom) and (custom or show_gc):
            table.display = bool(custom)
        title = Text(end="")
        title.append("GC pauses per process", style="bold")
        title.append(" (probe.start(..., gc=True))", style=pal.muted)
        self.put(gc_title, title)
        table.set_rows(metric_rows(custom))
        gc_table.set_rows(gc_rows)

    def main_widget(self) -> SyncTable:
        table = self.query_one("#met-table", SyncTable)
        return table if table.display else self.query_one("#met-gc", SyncTable)
