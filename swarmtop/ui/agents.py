"""Panel 0: the agents, as htop lists processes — one row each, sub-agents under their parent:
status, name, model, what it is doing now, $, $/min, tok/min, context used, calls, errors,
p99, its process. The selected agent's detail (id, process, what it repeats) is below."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from swarmtop.export.fmt import fmt_usd
from swarmtop.sanitize import safe_text
from swarmtop.snapshot import AgentRow, Snapshot
from swarmtop.ui.lines import TextLines
from swarmtop.ui.memory import clock
from swarmtop.ui.panel import Panel
from swarmtop.ui.table import Column, Row, SyncTable
from swarmtop.ui.text import clip, fmt_latency, fmt_mem, fmt_rate_usd, plain, sig3

COLUMNS = [
    Column("Status", "status", numeric=False), Column("Agent", "name", numeric=False),
    Column("Model", "model", numeric=False), Column("Doing", "activity", numeric=False),
    Column("$", "cost"), Column("$/min", "burn"), Column("Tok/min", "tpm"),
    Column("Ctx%", "ctx"), Column("Calls", "calls"), Column("Err", "errors"),
    Column("p99", "p99"), Column("RSS", "rss"), Column("CPU%", "cpu"),
    Column("Seen", "seen", numeric=False),
]
ACTIVITY_WIDTH = 34  # the "Doing" cell: the figures after it stay in view at 100 columns
# narrower panels cut it further, down to this, so that $ and $/min stay in view at 80
ACTIVITY_MIN, ACTIVITY_ROOM = 16, 56  # (the room the other columns up to $/min need)
# working first, then what needs a look, then the quiet ones
STATUS_ORDER = {"working": 0, "stalled": 1, "failed": 2, "waiting": 3, "idle": 4, "done": 5}
STATUS_MARK = {"working": "▶ working", "stalled": "■ stalled", "failed": "✗ failed",
               "waiting": "… waiting", "idle": "· idle", "done": "✓ done"}


def counts(agents: list[AgentRow]) -> dict[str, int]:
    out: dict[str, int] = {}
    for a in agents:
        out[a.status] = out.get(a.status, 0) + 1
    return out


def short_model(model: str) -> str:
    """``claude-sonnet-4-5-20250929`` -> ``sonnet-4-5``: what a person tells models by."""
    m = model.removeprefix("claude-")
    head, _, tail = m.rpartition("-")
    return head if tail.isdigit() and len(tail) == 8 else m


class AgentsPanel(Panel):
    NUMBER = 0
    TITLE = "Agents"
    HELP = ("one row per agent, sub-agents under their parent: status, what it is doing, "
            "cost, $/min, context used; s sorts (working first), / filters")

    DEFAULT_CSS = """
    AgentsPanel #agents-summary { height: 1; }
    AgentsPanel #agents-detail { height: auto; max-height: 2; }
    """

    def empty_reason(self, snap: Snapshot) -> str | None:
        return None if snap.agents else "none seen"

    def compose(self) -> ComposeResult:
        yield TextLines("", id="agents-summary")
        yield SyncTable(COLUMNS, natural_label="tree", id="agents-table")
        yield TextLines("", id="agents-detail", hold_height=True)

    def on_sync_table_row_highlighted(self, event: SyncTable.RowHighlighted) -> None:
        if self._snapshot is not None:
            self._render_detail(self._snapshot)

    def render_snapshot(self, snap: Snapshot) -> None:
        pal = self.palette
        agents = snap.agents
        summary = Text(end="")
        if not agents:
            summary.append("no agents seen yet", style=pal.muted)
        else:
            c = counts(agents)
            summary.append(f"{len(agents)} agent{'s' * (len(agents) != 1)}", style="bold")
            for status in ("working", "waiting", "stalled", "failed", "idle", "done"):
                if c.get(status):
                    style = (pal.bad if status in ("stalled", "failed") else
                             pal.good if status == "working" else pal.muted)
                    summary.append(f"  {c[status]} {status}", style=style)
            looping = sum(1 for a in agents if a.loop_count >= 5)
            if looping:
                summary.append(f"  {looping} looping", style=f"bold {pal.bad}")
        self.put(self.query_one("#agents-summary", TextLines), summary)
        rows = []
        doing = max(ACTIVITY_MIN, min(ACTIVITY_WIDTH, self.size.width - ACTIVITY_ROOM))
        for a in agents:
            dim = pal.muted if a.status in ("done", "idle") else ""
            status_style = (pal.bad if a.status in ("stalled", "failed") else
                            pal.good if a.status == "working" else
                            pal.warn if a.status == "waiting" else pal.muted)
            name = ("  " * min(a.depth - 1, 6) + "└ " if a.depth else "") + clip(
                safe_text(a.name), 40)
            ctx = a.context_used_pct
            ctx_style = (pal.bad if ctx is not None and ctx >= 90 else
                         pal.warn if ctx is not None and ctx >= 75 else dim)
            activity = safe_text(a.activity)
            if a.loop_count >= 5:
                activity = f"LOOP {safe_text(a.loop)} x{a.loop_count}"
            cells = (
                plain(STATUS_MARK.get(a.status, a.status), status_style),
                plain(name, dim), plain(short_model(a.model), dim),
                plain(clip(activity, doing), pal.bad if a.loop_count >= 5 else dim),
                plain(fmt_usd(a.cost_usd), dim),
                plain(fmt_rate_usd(a.burn_usd_per_min) if a.burn_usd_per_min else "-", dim),
                plain(sig3(a.tokens_per_min) if a.tokens_per_min else "-", dim),
                plain(f"{ctx:.0f}" if ctx is not None else "-", ctx_style),
                plain(a.calls, dim),
                plain(a.errors + a.tool_errors or "-", pal.bad if a.errors else dim),
                plain(fmt_latency(a.p99_ms) if a.p99_ms is not None else "-", dim),
                plain(fmt_mem(a.rss_bytes) if a.rss_bytes is not None else "-", dim),
                plain(f"{a.cpu_percent:.0f}" if a.cpu_percent is not None else "-", dim),
                plain(clock(a.last_seen), pal.muted),
            )
            rows.append(Row(
                key=a.id, cells=cells,
                sort=(STATUS_ORDER.get(a.status, 9), a.name, a.model, a.activity, a.cost_usd,
                      a.burn_usd_per_min, a.tokens_per_min, ctx or 0.0, a.calls,
                      a.errors + a.tool_errors, a.p99_ms or 0.0, a.rss_bytes or 0,
                      a.cpu_percent or 0.0, a.last_seen or ""),
                filter_text=f"{a.name} {a.id} {a.model} {a.status} {a.activity}",
            ))
        self.query_one(SyncTable).set_rows(rows)
        self._render_detail(snap)

    def _render_detail(self, snap: Snapshot) -> None:
        pal = self.palette
        key = self.query_one(SyncTable).selected_key
        a = next((x for x in snap.agents if x.id == key), None)
        detail = Text(end="")
        if a is None:
            detail.append("no agent selected", style=pal.muted)
        else:
            detail.append_text(plain(clip(safe_text(a.id), 60), "bold"))
            if a.kind:
                detail.append(f"  {a.kind}", style=pal.muted)
            detail.append(f"  {a.calls} calls, {a.tool_calls} tool calls"
                          f" ({a.tool_errors} failed)", style=pal.muted)
            if a.pid is not None:
                detail.append(f"  pid {a.pid}" + (" (matched by cwd)" if a.pid_match == "heuristic" else ""))
            if a.context_window:
                detail.append(f"  context {sig3(a.context_window)}", style=pal.muted)
            if a.loop:
                detail.append("  repeats ")
                detail.append_text(plain(clip(f"{safe_text(a.loop)} x{a.loop_count} in 10 min", 80),
                                         pal.bad if a.loop_count >= 5 else pal.warn))
        self.put(self.query_one("#agents-detail", TextLines), detail)
