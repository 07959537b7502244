"""Panel 5: firing alerts — severity, since, value against threshold; `a` acknowledges."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from swarmtop.export.fmt import fmt_num
from swarmtop.snapshot import Alert, Snapshot
from swarmtop.ui.lines import TextLines
from swarmtop.ui.memory import clock
from swarmtop.ui.panel import Panel
from swarmtop.ui.table import Column, Row, SyncTable
from swarmtop.ui.text import clip, plain

COLUMNS = [
    Column("Sev", "sev", numeric=False), Column("Rule", "rule", numeric=False),
    Column("Since", "since", numeric=False), Column("Value", "value"),
    Column("Thresh", "threshold"), Column("Message", "message", numeric=False),
]
RANK = {"critical": 0, "warning": 1, "info": 2}


def _num(x: float | None) -> str:
    return "-" if x is None else fmt_num(round(x, 2))


def pick_alert(alerts: list[Alert], selected: str | None) -> Alert | None:
    """The alert `a` acknowledges: the selected one, else the most severe unacknowledged."""
    for a in alerts:
        if a.rule == selected and not a.acknowledged:
            return a
    waiting = [a for a in alerts if not a.acknowledged]
    waiting.sort(key=lambda a: (RANK.get(a.severity, 3), a.since))
    return waiting[0] if waiting else None


class AlertsPanel(Panel):
    NUMBER = 5
    TITLE = "Alerts"
    HELP = ("firing alerts, most severe first, then recently resolved ones; a acknowledges "
            "the selected (or worst) one")

    DEFAULT_CSS = """
    AlertsPanel #alert-summary { height: 1; }
    AlertsPanel #alert-recent { height: auto; }
    """

    def empty_reason(self, snap: Snapshot) -> str | None:
        return None if snap.alerts or snap.alert_history else "none fired"

    def compose(self) -> ComposeResult:
        yield TextLines("", id="alert-summary")
        yield SyncTable(COLUMNS, natural_label="severity", id="alert-table")
        yield TextLines("", id="alert-recent")

    def render_snapshot(self, snap: Snapshot) -> None:
        pal = self.palette
        alerts = sorted(snap.alerts, key=lambda a: (a.acknowledged, RANK.get(a.severity, 3),
                                                    a.since))
        rows = []
        for a in alerts:
            sev_style = pal.muted if a.acknowledged else pal.severity(a.severity)
            sev = ("ack " if a.acknowledged else "") + a.severity.upper()
            cells = (plain(sev, sev_style), plain(a.rule), plain(clock(a.since)),
                     plain(_num(a.value), sev_style), plain(_num(a.threshold)),
                     plain(a.message, pal.muted if a.acknowledged else ""))
            rows.append(Row(key=a.rule, cells=cells,
                            sort=(RANK.get(a.severity, 3), a.rule, a.since, a.value,
                                  a.threshold, a.message),
                            filter_text=f"{a.rule} {a.severity} {a.message}"))
        summary = Text(end="")
        firing = [a for a in snap.alerts if not a.acknowledged]
        if not snap.alerts:
            summary.append("no alerts firing", style=pal.good)
        else:
            crit = sum(1 for a in firing if a.severity == "critical")
            summary.append(f"{len(firing)} firing", style=f"bold {pal.bad if crit else pal.warn}")
            if crit:
                summary.append(f" ({crit} critical)", style=pal.bad)
            acked = len(snap.alerts) - len(firing)
            if acked:
                summary.append(f"  {acked} acknowledged", style=pal.muted)
            summary.append("  a: acknowledge", style=pal.muted)
        self.put(self.query_one("#alert-summary", TextLines), summary)
        self.query_one(SyncTable).set_rows(rows)
        self.put(self.query_one("#alert-recent", TextLines), self.recent_text(snap))

    def recent_text(self, snap: Snapshot) -> Text:
        """Resolved alerts, newest first, as many as the panel has room for (1 to 8)."""
        pal = self.palette
        t = Text(end="")
        history = snap.alert_history
        if not history:
            return t
        room = max(1, min(8, self.size.height - 8))
        shown = list(reversed(history))[:room]
        t.append(f"recent ({len(history)} resolved", style="bold")
        t.append(f", newest {len(shown)})" if len(shown) < len(history) else ")", style="bold")
        width = max(20, self.size.width - 40)
        for r in shown:
            t.append("\n")
            t.append(f"{clock(r.since)}-{clock(r.until)} ", style=pal.muted)
            t.append_text(plain(r.severity.upper()[:4], pal.severity(r.severity)))
            t.append(" ")
            t.append_text(plain(r.rule))
            if r.peak_value is not None:
                t.append(f" peak {_num(r.peak_value)}", style=pal.muted)
            t.append(" ")
            t.append_text(plain(clip(r.message, width), pal.muted))
        return t

    def selected_rule(self) -> str | None:
        return self.query_one(SyncTable).selected_key
