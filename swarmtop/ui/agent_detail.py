"""`enter` on an agent: its figures, what it is doing, its sub-agents and its latest tool
calls, newest first (htop's process details); `esc` goes back. Log text is shown as text."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from swarmtop.export.fmt import fmt_num, fmt_usd
from swarmtop.sanitize import safe_text
from swarmtop.snapshot import AgentRow
from swarmtop.ui.lines import TextLines
from swarmtop.ui.memory import clock
from swarmtop.ui.text import fmt_latency, fmt_mem, fmt_rate_usd, plain


def detail_text(a: AgentRow, children: list[AgentRow]) -> Text:
    t = Text(end="")
    t.append_text(plain(safe_text(a.name), "bold"))
    t.append(f"  {a.status}", style="bold")
    if a.activity:
        t.append("  ")
        t.append_text(plain(safe_text(a.activity)))
    t.append("\n")
    t.append_text(plain(f"id {safe_text(a.id)}"))
    if a.parent:
        t.append_text(plain(f"  parent {safe_text(a.parent)}"))
    if a.kind:
        t.append(f"  {a.kind}")
    if a.model:
        t.append_text(plain(f"  {safe_text(a.model)}"))
    t.append("\n")
    ctx = f"{a.context_used_pct:.0f} % of {fmt_num(a.context_window or 0)}" \
        if a.context_used_pct is not None else "-"
    t.append(f"calls {a.calls}  errors {a.errors}  tokens in {fmt_num(a.input)} "
             f"out {fmt_num(a.output)} cache r/w {fmt_num(a.cache_read)}/{fmt_num(a.cache_write)}"
             f"\n{fmt_usd(a.cost_usd)}  {fmt_rate_usd(a.burn_usd_per_min)}/min  "
             f"context {ctx}  p50 {fmt_latency(a.p50_ms)}  p99 {fmt_latency(a.p99_ms)}\n"
             f"tool calls {a.tool_calls} ({a.tool_errors} failed)")
    if a.pid is not None:
        t.append(f"  pid {a.pid}" + (" (matched by cwd, a guess)" if a.pid_match == "heuristic" else ""))
        if a.rss_bytes is not None:
            t.append(f"  RSS {fmt_mem(a.rss_bytes)}  CPU {a.cpu_percent or 0:.0f} %")
    if a.loop:
        t.append("\nrepeats ")
        t.append_text(plain(f"{safe_text(a.loop)} x{a.loop_count} in 10 min", "bold"))
    if children:
        t.append(f"\n\nsub-agents ({len(children)}):")
        for c in children:
            t.append("\n  ")
            t.append_text(plain(f"{c.status:<8} {safe_text(c.name)}  {fmt_usd(c.cost_usd)}"))
    t.append("\n\nlatest tool calls, newest first:" if a.recent else "\n\nno tool calls yet")
    for ts, what in a.recent:
        t.append(f"\n  {clock(_iso(ts))}  ")
        t.append_text(plain(safe_text(what)))
    return t


def _iso(ts: float) -> str:
    from swarmtop.timeparse import iso

    try:
        return iso(ts)
    except (ValueError, OverflowError, OSError):
        return ""


class AgentScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "dismiss", "Back")]

    DEFAULT_CSS = """
    AgentScreen { align: center middle; }
    AgentScreen > VerticalScroll {
        width: 90%; max-width: 120; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, agent: AgentRow, children: list[AgentRow]) -> None:
        super().__init__()
        self.agent = agent
        self.children_rows = children

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield TextLines(detail_text(self.agent, self.children_rows), id="agent-detail")
