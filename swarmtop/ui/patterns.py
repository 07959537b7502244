"""Panel 4: the work — per-pattern task latency (count, errors, p50/p90/p99 over the rolling
window and all time, against the target; a pattern over its target is highlighted and marked
!) and, beside it, per-tool latency from the agents' tool calls. Only the kinds seen show: the
cognitive patterns with their targets appear once a log uses them."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from swarmtop.export.fmt import fmt_num
from swarmtop.snapshot import PatternStats, Snapshot
from swarmtop.ui.delta import baseline_figures, with_delta
from swarmtop.ui.lines import TextLines
from swarmtop.ui.panel import Panel
from swarmtop.ui.table import Column, Row, SyncTable
from swarmtop.ui.text import fmt_latency, plain

COLUMNS = [
    Column("Pattern", "name", numeric=False), Column("Count", "count"), Column("Err", "err"),
    Column("p50 win", "wp50"), Column("p90 win", "wp90"), Column("p99 win", "wp99"),
    Column("Target", "target"), Column("!", "flag"),
    Column("p50 all", "p50"), Column("p90 all", "p90"), Column("p99 all", "p99"),
]


def over_target(p: PatternStats) -> bool:
    """Judged on the rolling window when it has data (what is happening now), else all-time."""
    if not p.target_ms:
        return False
    p99 = p.window_p99_ms if p.window_count else p.p99_ms
    return p99 is not None and p99 > p.target_ms


class PatternsPanel(Panel):
    NUMBER = 4
    TITLE = "Patterns"
    SHORT = "Pat"
    HELP = "task latency per pattern: rolling window and all time; ! = p99 over target"

    DEFAULT_CSS = """
    PatternsPanel #pat-summary { height: 1; }
    """

    def empty_reason(self, snap: Snapshot) -> str | None:
        used = snap.tools or any(p.count or p.window_count for p in snap.patterns.values())
        return None if used else "no tasks or tools"

    def compose(self) -> ComposeResult:
        yield TextLines("", id="pat-summary")
        yield SyncTable(COLUMNS, natural_label="pattern", id="pat-table")

    def render_snapshot(self, snap: Snapshot) -> None:
        pal = self.palette
        base = baseline_figures(snap)  # compares all-time figures: shown beside those only
        rows = []
        over = 0
        window = 60.0
        used = any(p.count or p.window_count for p in snap.patterns.values())
        for name, p in (snap.patterns.items() if used else ()):
            window = p.window_s
            hot = over_target(p)
            over += hot
            st = pal.bad if hot else ""
            err_style = pal.bad if p.error_rate >= 0.05 else pal.warn if p.errors else ""
            fig = f"patterns.{name}."
            cells = (
                plain(name, f"bold {pal.bad}" if hot else ""),
                with_delta(plain(fmt_num(p.count)), base.get(fig + "count"), pal),
                with_delta(plain(fmt_num(p.errors), err_style), base.get(fig + "errors"), pal),
                plain(fmt_latency(p.window_p50_ms)), plain(fmt_latency(p.window_p90_ms)),
                plain(fmt_latency(p.window_p99_ms), st), plain(fmt_latency(p.target_ms), pal.muted),
                plain("!" if hot else "", f"bold {pal.bad}"),
                with_delta(plain(fmt_latency(p.p50_ms), pal.muted), base.get(fig + "p50_ms"), pal),
                with_delta(plain(fmt_latency(p.p90_ms), pal.muted), base.get(fig + "p90_ms"), pal),
                with_delta(plain(fmt_latency(p.p99_ms), pal.muted), base.get(fig + "p99_ms"), pal),
            )
            rows.append(Row(key=name, cells=cells,
                            sort=(name, p.count, p.errors, p.window_p50_ms, p.window_p90_ms,
                                  p.window_p99_ms, p.target_ms, int(hot), p.p50_ms, p.p90_ms,
                                  p.p99_ms),
                            filter_text=name))
        patterns = len(rows)
        for name, t in sorted(snap.tools.items(), key=lambda kv: -kv[1].count):
            err_style = pal.bad if t.count and t.errors / t.count >= 0.05 else ""
            label = f"tool {name}" + (f" ({t.in_flight} running)" if t.in_flight else "")
            cells = (
                plain(label), plain(fmt_num(t.count)), plain(fmt_num(t.errors), err_style),
                plain("-", pal.muted), plain("-", pal.muted), plain("-", pal.muted),
                plain("", pal.muted), plain(""),
                plain(fmt_latency(t.p50_ms), pal.muted), plain(fmt_latency(t.p90_ms), pal.muted),
                plain(fmt_latency(t.p99_ms), pal.muted),
            )
            rows.append(Row(key=f"tool:{name}", cells=cells,
                            sort=(label, t.count, t.errors, None, None, None, None, 0,
                                  t.p50_ms, t.p90_ms, t.p99_ms),
                            filter_text=label))
        summary = Text(end="")
        if not rows:
            summary.append("no tasks or tool calls seen yet", style=pal.muted)
        else:
            summary.append(f"{patterns} patterns", style="bold")
            if snap.tools:
                summary.append(f"  {len(snap.tools)} tools", style="bold")
            summary.append(f"  window {window:.0f}s", style=pal.muted)
        if over:
            summary.append(f"  {over} over target", style=f"bold {pal.bad}")
        if base:
            summary.append("  ▲▼ vs baseline: all-time figures", style=pal.muted)
        self.put(self.query_one("#pat-summary", TextLines), summary)
        self.query_one(SyncTable).set_rows(rows)
