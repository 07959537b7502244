"""Panel 1: the 0-100 health score, big and coloured by band, its trend, and its parts."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Digits

from swarmtop.export.fmt import describe_trend
from swarmtop.snapshot import Snapshot
from swarmtop.ui.graph import sparkline
from swarmtop.ui.history import History
from swarmtop.ui.lines import TextLines
from swarmtop.ui.panel import Panel
from swarmtop.ui.text import Flow, plain


class HealthPanel(Panel, can_focus=True):
    NUMBER = 1
    TITLE = "Health"
    FILTERABLE = False
    HELP = ("score 0-100 (green >= 80, yellow >= 50, red below); e/enter/click shows why, "
            "the bottlenecks and the trends")
    BINDINGS = [Binding("e,enter", "expand", "Why", tooltip="show each component's reason")]

    DEFAULT_CSS = """
    HealthPanel #health-top { height: auto; }
    HealthPanel Digits { width: auto; margin-right: 2; }
    HealthPanel Digits.-good { color: $success; }
    HealthPanel Digits.-warn { color: $warning; }
    HealthPanel Digits.-bad { color: $error; }
    HealthPanel #health-parts { height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.expanded = False
        self.history = History(maxlen=240, step_s=2.0)

    def compose(self) -> ComposeResult:
        from textual.containers import Horizontal

        with Horizontal(id="health-top"):
            yield Digits("--", id="health-score")
            yield TextLines("", id="health-trend")
        yield TextLines("", id="health-parts")

    def observe(self, snap: Snapshot) -> None:
        self.history.add(snap.uptime_s, snap.health.score)

    def action_expand(self) -> None:
        self.expanded = not self.expanded
        self.rerender()

    def on_click(self) -> None:
        if self.app.focused is self:
            self.action_expand()  # a click on the focused panel toggles the reasons
        else:
            self.focus()

    def render_snapshot(self, snap: Snapshot) -> None:
        pal = self.palette
        score = round(snap.health.score)
        digits = self.query_one("#health-score", Digits)
        band = "-good" if score >= 80 else "-warn" if score >= 50 else "-bad"
        if digits.value != str(score):
            digits.update(str(score))
            self.shown += 1
        for cls in ("-good", "-warn", "-bad"):
            digits.set_class(cls == band, cls)

        width = max(10, self.size.width - 16)
        trend = Text(end="")
        trend.append("health over time\n", style=pal.muted)
        line = sparkline(list(self.history.values), width, lo=0, hi=100)
        trend.append(line, style=pal.band(score))
        word = "good" if score >= 80 else "degraded" if score >= 50 else "poor"
        trend.append(f"\n{word}", style=pal.band(score))
        self.put(self.query_one("#health-trend", TextLines), trend)

        comps = sorted(snap.health.components.items(), key=lambda kv: kv[1].score)
        if not self.expanded:
            # one line of "name score" pairs, broken between pairs only
            items = [plain(name) + Text(f" {comp.score:.0f}", style=pal.band(comp.score))
                     for name, comp in comps]
            if comps:
                items.append(Text("(e: why)", style=pal.muted))
            self.put(self.query_one("#health-parts", TextLines), Flow(tuple(items)))
            return
        parts = Text(end="")
        for i, (name, comp) in enumerate(comps):
            if i:
                parts.append("\n")
            parts.append_text(plain(name))
            parts.append(f" {comp.score:.0f}", style=pal.band(comp.score))
            parts.append(f" (weight {comp.weight:.2f}) ", style=pal.muted)
            parts.append_text(plain(comp.why, pal.muted))
        if snap.bottlenecks:
            parts.append("\nbottlenecks:", style="bold")
            for b in sorted(snap.bottlenecks, key=lambda b: -b.severity)[:5]:
                parts.append(f"\n {b.kind} {b.severity:.1f} ", style=pal.warn)
                parts.append_text(plain(b.why))
        if snap.trends:
            parts.append("\ntrends:", style="bold")
            for name, tr in snap.trends.items():
                style = (pal.warn if tr.kind in ("linear", "exponential") else
                         pal.muted if tr.kind in ("flat", "unknown") else "")
                parts.append("\n ")
                parts.append_text(plain(name, style))
                parts.append(" ")
                parts.append_text(plain(describe_trend(name, tr), style))
        self.put(self.query_one("#health-parts", TextLines), parts)
