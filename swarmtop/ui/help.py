"""The `?` screen: every key, built from the bindings themselves so it cannot go stale."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

PANELS_HELP = (
    "Panels: 0 Agents (once an agent is seen; k ends the selected agent's process after y/N) · "
    "1 Health · 2 Memory · 3 Tokens · 4 Patterns · 5 Alerts · 6 Log · 7 Sources · "
    "8 Metrics (in the grid from 160 columns; else tab or 8 shows it alone). "
    "~ marks token counts estimated with tiktoken; ? a model without a price; "
    "! a pattern over its p99 target; LEAK a process whose memory keeps growing; "
    "▲/▼ the change against --baseline (green better, red worse, = the same)."
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 100; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", expand=True)
        table.add_column("key", no_wrap=True)
        table.add_column("does")
        table.add_column("where", style="dim", no_wrap=True)
        for key, does, where in self.rows:
            table.add_row(Text(key, style="bold"), Text(does), Text(where))
        with VerticalScroll():
            yield Static(Text("swarmtop keys  (esc, ? or q closes)", style="bold"))
            yield Static(table)
            yield Static(Text(PANELS_HELP, style="dim"))
