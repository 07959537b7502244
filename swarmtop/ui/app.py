"""The live dashboard: nine panels over the Feed's latest Snapshot, drawn as each one lands.

The app reads only `feed.latest()` (a Snapshot), `feed.progress()` and the `SnapshotReady`
messages its feed subscription posts; the feed keeps collecting whatever the display does
(pause, zoom, hidden panels). Which panels are on screen is one pure `LayoutState`
(ui/layout.py); panels are named by key ("log"), never by position.

About 800 lines on purpose: Textual hands keys, actions, messages and signals to the App's
own methods, so what is left here is the App class itself (its handlers and the header and
tab lines it draws); each panel, the layout state, the tables and lines, the compositor and
the driver pieces are modules of their own."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from rich.console import RenderableType
from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.driver import Driver
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input

from swarmtop import errorlog
from swarmtop.export.fmt import fmt_usd
from swarmtop.feed import Feed
from swarmtop.gctune import settle_gc
from swarmtop.sanitize import safe_text
from swarmtop.snapshot import LogEntry, Snapshot
from swarmtop.ui import writer
from swarmtop.ui.agent_detail import AgentScreen
from swarmtop.ui.agents import AgentsPanel, counts
from swarmtop.ui.alerts import AlertsPanel, pick_alert
from swarmtop.ui.compositor import SparseScreen
from swarmtop.ui.confirm import Confirm
from swarmtop.ui.health import HealthPanel
from swarmtop.ui.help import HelpScreen
from swarmtop.ui.layout import LayoutState
from swarmtop.ui.lines import TextLines
from swarmtop.ui.logtail import LogTailPanel
from swarmtop.ui.memory import MemoryPanel
from swarmtop.ui.metrics import MetricsPanel
from swarmtop.ui.panel import Panel
from swarmtop.ui.patterns import PatternsPanel
from swarmtop.ui.sources import SourcesPanel
from swarmtop.ui.table import SyncTable
from swarmtop.ui.text import Palette, bar, clip, fmt_mem, fmt_rate_usd, fmt_uptime, plain
from swarmtop.ui.themes import ThemeSet, UnknownTheme, load_themes, resolve_theme
from swarmtop.ui.tokens import TokensPanel

P = TypeVar("P", bound=Panel)

COMPACT_WIDTH, COMPACT_HEIGHT = 110, 32  # below either: one panel at a time, with tabs
METRICS_WIDTH = 160  # the grid has a column for panel 8 from this width; below, tab/8 zoom it
STOP_TIMEOUT_S = 10.0  # feed.stop() flushes files; don't hang the terminal forever on it
EXIT_SIGNALS = ("SIGTERM", "SIGHUP")
# the grid's rows, top to bottom, and the panels in each (by key); a row with no panel on the
# grid is hidden and the others share its lines
ROWS: dict[str, tuple[str, ...]] = {
    "row-agents": (AgentsPanel.KEY,),
    "row-a": (HealthPanel.KEY, AlertsPanel.KEY, SourcesPanel.KEY),
    "row-b": (TokensPanel.KEY, PatternsPanel.KEY),
    "row-c": (MemoryPanel.KEY, LogTailPanel.KEY, MetricsPanel.KEY),
}
ROW_A_HEIGHT = 10  # health digits and its component scores, alerts, sources
AGENTS_CHROME = 6  # the Agents panel's lines besides its rows: borders, summary, header, detail
AGENTS_MIN = 8
AGENTS_SHARE = 0.6  # at most this share of the lines under row a: the other panels keep some


class SnapshotReady(Message):
    """The feed made a new snapshot (posted by the app's `Feed.subscribe` listener)."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class FilterBar(Input):
    """The `/` prompt. Typing filters the target panel live; enter keeps, esc clears."""

    BINDINGS = [Binding("escape", "cancel", "Clear filter", show=False)]

    def action_cancel(self) -> None:
        self.value = ""
        self.app.call_later(self.app.close_filter)  # type: ignore[attr-defined]  # self.app is typed App; it is SwarmtopApp


class Dashboard(Vertical):
    """The panel area. Its Resize is the reliable signal that the terminal size changed."""

    def on_resize(self) -> None:
        self.app.check_compact()  # type: ignore[attr-defined]  # self.app is typed App; it is SwarmtopApp


class SwarmtopApp(App[int]):
    TITLE = "swarmtop"
    ENABLE_COMMAND_PALETTE = True

    CSS = """
    Screen { layout: vertical; }
    #status { height: 1; background: $panel; padding: 0 1; }
    #tabs { height: 1; padding: 0 1; display: none; }
    #progress { height: 1; padding: 0 1; display: none; }
    #offgrid { height: 1; padding: 0 1; display: none; }
    #grid { height: 1fr; }
    .row { height: 1fr; }
    #row-agents { height: 2fr; }
    #row-a { height: 10; }
    #panel-health { width: 38; }
    Panel { width: 1fr; }
    #grid.-single Panel { width: 1fr; }
    FilterBar { dock: bottom; display: none; height: 3; margin-bottom: 1; }
    FilterBar.-open { display: block; }
    """

    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("space,p", "pause", "Pause", key_display="space"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("tab", "next_panel", "Next", priority=True),
        Binding("shift+tab", "previous_panel", "Previous", show=False, priority=True),
        *[Binding(str(n), f"zoom({n})", "Zoom", show=n == 1, key_display="0-8")
          for n in range(0, 9)],
        Binding("escape", "back", "Back", show=False),
        Binding("s", "sort", "Sort"),
        Binding("a", "acknowledge", "Ack"),
        Binding("k", "kill", "Kill", show=False),
        Binding("enter", "open_agent", "Details", show=False),
        Binding("t", "next_theme", "Theme"),
    ]

    def __init__(self, feed: Feed, *, theme: str | None = None, interval: float = 0.5,
                 themes: ThemeSet | None = None,
                 on_first_frame: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.feed = feed
        self.on_first_frame = on_first_frame  # called once, after the first data is painted
        self.interval = interval
        self.themes = themes if themes is not None else load_themes()
        for t in self.themes.themes.values():
            self.register_theme(t)
        self.theme = resolve_theme(theme, self.themes) or self.theme
        self.palette = Palette.from_variables(self.get_css_variables())
        panels: list[Panel] = [AgentsPanel(), HealthPanel(), MemoryPanel(), TokensPanel(),
                               PatternsPanel(), AlertsPanel(), LogTailPanel(), SourcesPanel(),
                               MetricsPanel()]
        # by key, in number order (the tab strip's, the help's and the palette's order)
        self.panels: dict[str, Panel] = {p.KEY: p for p in sorted(panels, key=lambda p: p.NUMBER)}
        # before the first snapshot: the grid as it has always been, the agents not yet on it
        self.layout_state = LayoutState(
            order=tuple(self.panels), current=HealthPanel.KEY,
            empty=frozenset({AgentsPanel.KEY}), wide_only=frozenset({MetricsPanel.KEY}),
            lead=AgentsPanel.KEY)
        self.empty_why: dict[str, str] = {}  # panel key -> why it has nothing to show
        self.paused = False
        self.last: Snapshot | None = None  # the newest snapshot read from the feed
        self.shown: Snapshot | None = None  # the snapshot on screen
        self.ticks = 0
        self.start_error: BaseException | None = None
        self.exit_signal: int | None = None
        self._installed_signals: list[int] = []
        self._unsubscribe: Callable[[], None] | None = None
        self._unsubscribe_lines: Callable[[], None] | None = None
        self._agent_rows = 0  # agents in the snapshot on screen: sizes the Agents row
        self.leaving = False  # exit() was called: widgets may be gone before the timers stop
        # the feed announces its snapshots: once the history is loaded, they drive the
        # screen and our own timer (a wake-up per tick) stops
        self._announced = False
        self._tick_timer: Timer | None = None

    def get_driver_class(self) -> type[Driver]:
        # the stock Linux driver, with an input thread that sleeps until there is input
        cls = super().get_driver_class()
        if cls.__module__ == "textual.drivers.linux_driver" and cls.__name__ == "LinuxDriver":
            from swarmtop.ui.driver import QuietLinuxDriver  # (termios: POSIX only)

            return QuietLinuxDriver
        return cls

    def get_default_screen(self) -> Screen[Any]:
        # Partial updates re-render only the widgets under changed cells (ui/compositor.py).
        return SparseScreen(id="_default")

    # panels by type and number --------------------------------------------------------
    def panel(self, kind: type[P]) -> P:
        """The panel of a type: ``app.panel(LogTailPanel)``."""
        return next(p for p in self.panels.values() if isinstance(p, kind))

    def panel_numbered(self, number: int) -> Panel:
        return next(p for p in self.panels.values() if p.NUMBER == number)

    @property
    def current_panel(self) -> Panel:
        return self.panels[self.layout_state.current]

    @property
    def agents_panel(self) -> AgentsPanel:
        return self.panel(AgentsPanel)

    @property
    def zoomed(self) -> bool:
        return self.layout_state.zoomed

    @property
    def compact(self) -> bool:
        return self.layout_state.compact

    @property
    def single(self) -> bool:
        """One panel on screen (zoomed, or a small terminal): panels draw their long form."""
        return self.layout_state.single

    def visible_panels(self) -> list[Panel]:
        return [self.panels[k] for k in self.layout_state.visible()]

    # layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TextLines("", id="status")
        yield TextLines("", id="tabs")
        yield TextLines("", id="progress")
        with Dashboard(id="grid"):
            for row, keys in ROWS.items():
                with Horizontal(id=row, classes="row"):
                    yield from (self.panels[k] for k in keys)
        yield TextLines("", id="offgrid")
        yield FilterBar(placeholder="filter", id="filter")
        yield Footer()

    def apply_layout(self, catch_up: bool = True) -> None:
        """Show what the layout state says; ``catch_up``: draw the panels that come into view
        from the snapshot on screen (they were not drawn while hidden)."""
        st = self.layout_state
        visible = st.visible()
        self.query_one("#grid").set_class(st.single, "-single")
        for row, keys in ROWS.items():
            self.query_one(f"#{row}").display = any(k in visible for k in keys)
        for key, panel in self.panels.items():
            panel.display = key in visible
            panel.set_class(key == st.current, "-current")
        self._size_rows()
        self.query_one("#tabs").display = st.single
        self._render_tabs()
        self._render_offgrid()
        if catch_up and self.shown is not None:  # a panel that was hidden shows the present
            for panel in self.visible_panels():
                panel.show(self.shown)

    def _size_rows(self) -> None:
        """Row heights: one panel at a time takes everything; on the grid the Agents row is as
        tall as its rows need (up to a share), row a keeps its height, and what is left goes
        to rows b and c — or to the agents, when neither has a panel with data."""
        st = self.layout_state
        rows = {row: self.query_one(f"#{row}") for row in ROWS}
        if st.single:
            for widget in rows.values():
                widget.styles.height = "1fr"
            return
        flexible = rows["row-b"].display or rows["row-c"].display
        agents, row_a = rows["row-agents"], rows["row-a"]
        row_a.styles.height = ROW_A_HEIGHT if flexible or agents.display else "1fr"
        if not flexible:
            agents.styles.height = "1fr"
            return
        grid = self.query_one("#grid").size.height or max(0, self.size.height - 2)
        below = grid - (ROW_A_HEIGHT if row_a.display else 0)
        agents.styles.height = max(AGENTS_MIN, min(self._agent_rows + AGENTS_CHROME,
                                                   int(below * AGENTS_SHARE)))

    def _measure(self) -> tuple[bool, bool]:
        compact = self.size.width < COMPACT_WIDTH or self.size.height < COMPACT_HEIGHT
        return compact, self.size.width >= METRICS_WIDTH

    def set_layout(self, new: LayoutState, *, focus: bool | None = None,
                   catch_up: bool = True) -> None:
        """Move to a new layout state and show it. ``focus``: move the focus to the current
        panel (None: only when the current panel changed)."""
        old, self.layout_state = self.layout_state, new
        if new != old:
            if (new.visible(), new.single, new.off_grid()) != (old.visible(), old.single,
                                                               old.off_grid()):
                self.apply_layout(catch_up=catch_up)
            else:
                for key, panel in self.panels.items():
                    panel.set_class(key == new.current, "-current")
                self._render_tabs()
            if new.zoomed != old.zoomed:
                self._render_status()
        if focus or (focus is None and new.current != old.current):
            self.current_panel.focus_main()

    def check_compact(self) -> None:
        self.set_layout(self.layout_state.resized(*self._measure()))
        self._size_rows()  # the grid's height may have changed
        self._render_tabs()  # sized to the width
        self._render_offgrid()
        self._render_status()

    # lifecycle ------------------------------------------------------------------------
    async def on_mount(self) -> None:
        self.layout_state = self.layout_state.resized(*self._measure())
        self.apply_layout()
        self.current_panel.focus_main()
        self._install_signal_handlers()
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        for problem in self.themes.problems:
            self.notify(problem, title="theme skipped", severity="warning", timeout=8)
        # Each snapshot is drawn as it lands (a message from the feed), not at our own timer's
        # next beat: the first frame shows as soon as there is data, and later frames are up
        # to an interval fresher and drawn after the aggregator thread is done. The timer then
        # only finds the snapshot already shown (it draws the loading progress, and serves a
        # feed that never announces).
        self._unsubscribe = self.feed.subscribe(self._announce)
        subscribe_lines = getattr(self.feed, "subscribe_lines", None)
        if subscribe_lines is not None:  # log lines as read, between snapshots
            self._unsubscribe_lines = subscribe_lines(self._preview_lines)
        try:
            await self.feed.start()
        except Exception as exc:  # noqa: BLE001 - re-raised by run_app once the terminal is restored
            self.start_error = exc
            self.exit(return_code=1)
            return
        self.tick()
        self._tick_timer = self.set_interval(self.interval, self.tick, name="swarmtop-tick")

    def _announce(self, snap: Snapshot) -> None:
        """The feed's listener: on the event loop, so posting is all it does."""
        self.post_message(SnapshotReady(snap))

    def _preview_lines(self, entries: list[LogEntry]) -> None:
        """The feed's line listener (on the event loop): a log tail on screen shows them now,
        the rest of the dashboard at the next snapshot."""
        if self.paused or self.leaving or self.shown is None:
            return
        panel = self.panel(LogTailPanel)
        if panel.KEY in self.layout_state.visible():
            self._guarded(panel.preview, entries)

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        if self.start_error is None:
            self._announced = True
            # the loading line with each snapshot, not only at the timer: the first frame of a
            # backlog shows it (the sources plan it after the mount's own tick)
            self._guarded(self._render_progress)
            self._guarded(self._take, message.snapshot)

    def exit(self, result: int | None = None, return_code: int = 0,
             message: RenderableType | None = None) -> None:
        self.leaving = True
        super().exit(result, return_code, message)

    async def on_unmount(self) -> None:
        self.leaving = True
        self._remove_signal_handlers()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._unsubscribe_lines is not None:
            self._unsubscribe_lines()
            self._unsubscribe_lines = None
        try:
            await asyncio.wait_for(self.feed.stop(), STOP_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - a failing stop must not leave the terminal in a state
            errorlog.record("stopping the monitor", exc)
            print(f"swarmtop: stopping failed: {exc} (traceback in {errorlog.log_path()})",
                  file=sys.stderr)

    def _install_signal_handlers(self) -> None:
        try:
            loop = asyncio.get_running_loop()
            for name in EXIT_SIGNALS:
                signum = getattr(signal, name, None)
                if signum is None:
                    continue
                loop.add_signal_handler(signum, self._on_exit_signal, int(signum))
                self._installed_signals.append(int(signum))
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread, or a platform without loop signal handlers

    def _remove_signal_handlers(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        for signum in self._installed_signals:
            loop.remove_signal_handler(signum)
        self._installed_signals.clear()

    def _on_exit_signal(self, signum: int) -> None:
        """SIGTERM/SIGHUP (an SSH drop): leave like `q` does — feed stopped, terminal restored."""
        self.exit_signal = signum
        self.exit(return_code=128 + signum)

    # the tick ---------------------------------------------------------------------------
    def _guarded(self, fn: Callable[..., object], *args: object) -> None:
        try:
            fn(*args)
        except NoMatches as exc:
            if self.leaving or not self.is_running:
                return  # a timer or message that came while the app was shutting down
            # otherwise a bug: recorded (the Sources panel and an alert show it), not fatal
            errorlog.record("display (a widget went missing)", exc)

    def tick(self) -> None:
        self._guarded(self._tick)

    def _tick(self) -> None:
        self.ticks += 1
        loading = self._render_progress()
        snap = self.feed.latest()
        if snap is None and self.last is None:
            self._render_status()  # "waiting for the first snapshot"
        if snap is not None:
            self._take(snap)
        if self._announced and loading is False and self._tick_timer is not None:
            self._tick_timer.stop()  # each snapshot is drawn as it lands, progress with it
            self._tick_timer = None

    def _take(self, snap: Snapshot) -> None:
        if snap is self.last:
            return
        self.last = snap
        for panel in self.panels.values():
            panel.observe(snap)
        if self.paused:
            self._render_status()
            return
        self.show_snapshot(snap)

    def show_snapshot(self, snap: Snapshot) -> None:
        self.shown = snap
        # panels with nothing to show give their place to the others (drawn just below)
        why = {k: r for k, p in self.panels.items() if (r := p.empty_reason(snap)) is not None}
        if why != self.empty_why:
            self.empty_why = why
            self._render_offgrid()
        self.set_layout(self.layout_state.with_empty(frozenset(why)), catch_up=False)
        if len(snap.agents) != self._agent_rows:
            self._agent_rows = len(snap.agents)
            self._size_rows()
        with self.batch_update():
            self._render_status()
            for panel in self.visible_panels():
                panel.show(snap)
        hook, self.on_first_frame = self.on_first_frame, None
        if hook is not None:
            self.call_after_refresh(hook)

    # top lines ------------------------------------------------------------------------
    def _put(self, widget_id: str, text: Text) -> None:
        self.query_one(widget_id, TextLines).update(text)  # repaints only a changed line

    def _render_status(self) -> None:
        """The header's meters, htop-style. When they do not fit the width the least needed
        go first (uptime, the budget bar, RSS, $/min), so that health, $, the agents and the
        alerts stay in view at 80 columns."""
        pal = self.palette
        meters: list[tuple[int, Text]] = []  # (rank: the higher, the sooner it goes; text)

        def meter(rank: int, *parts: tuple[str, str]) -> None:
            t = Text(end="")
            for text, style in parts:
                t.append(text, style=style)
            meters.append((rank, t))

        meter(0, ("swarmtop", "bold"))
        snap = self.shown or self.last
        if snap is None:
            meter(0, ("  waiting for the first snapshot…", pal.muted))
        else:
            score = round(snap.health.score)
            meter(0, ("  health ", ""), (str(score), f"bold {pal.band(score)}"))
            meter(1, (f"  {fmt_usd(snap.tokens.cost_usd)}", ""))
            meter(4, (f" ({fmt_rate_usd(snap.tokens.burn_usd_per_min)}/min)", pal.muted))
            budget = snap.tokens.budget_usd
            if budget:
                used = snap.tokens.cost_usd / budget
                meter(5, (f" of {fmt_usd(budget)} ", ""), (bar(min(1.0, used), 8),
                      pal.bad if used >= 1 else pal.warn if used >= 0.8 else pal.good))
            if snap.agents:
                c = counts(snap.agents)
                parts = [(f"  agents {len(snap.agents)}:", "")]
                for status, mark, style in (("working", "▶", pal.good), ("waiting", "…", ""),
                                            ("stalled", "■", pal.bad)):
                    if c.get(status):
                        parts.append((f" {c[status]}{mark}", style))
                meter(2, *parts)
            if snap.memory.processes:  # (no PID watched: no RSS to speak of)
                meter(6, (f"  RSS {fmt_mem(snap.memory.total_rss_bytes)}", ""))
            firing = [a for a in snap.alerts if not a.acknowledged]
            if firing:
                crit = any(a.severity == "critical" for a in firing)
                meter(1, (f"  {len(firing)} alert{'s' * (len(firing) != 1)}",
                          f"bold {pal.bad if crit else pal.warn}"))
            meter(8, (f"  up {fmt_uptime(snap.uptime_s)}", pal.muted))
        if self.paused:
            meter(0, ("  PAUSED (space)", f"bold reverse {pal.warn}"))
        if self.layout_state.zoomed:
            meter(3, ("  zoom (esc)", pal.accent))
        room = self.size.width - 2
        while sum(t.cell_len for _, t in meters) > room and any(r for r, _ in meters):
            worst = max(r for r, _ in meters)
            meters = [m for m in meters if m[0] != worst]
        s = Text(no_wrap=True, overflow="ellipsis", end="")
        for _, t in meters:
            s.append_text(t)
        self._put("#status", s)

    def _render_progress(self) -> bool | None:
        """The loading bar; returns whether the history is still loading (None: unknown)."""
        widget = self.query_one("#progress", TextLines)
        try:
            prog = self.feed.progress()
        except Exception as exc:  # noqa: BLE001 - the dashboard goes on without the bar
            errorlog.record("display (loading progress)", exc)
            return None
        loading = not prog.done and prog.bytes_total > 0
        if widget.display != loading:
            widget.display = loading
        if not loading:
            return False
        frac = prog.bytes_read / prog.bytes_total if prog.bytes_total else 0.0
        t = Text(no_wrap=True, end="")
        t.append("loading history ")
        t.append(bar(frac, max(10, min(40, self.size.width - 50))), style=self.palette.accent)
        t.append(f" {frac:.0%}  {fmt_mem(prog.bytes_read)} of {fmt_mem(prog.bytes_total)}"
                 f"  {prog.files_done}/{prog.files_total} files", style=self.palette.muted)
        self._put("#progress", t)
        return True

    def _render_tabs(self) -> None:
        """The tab strip (one panel at a time): the panels with something to show, the
        current one marked, then the numbers of the empty ones if there is room. When the
        labels do not fit (80 columns): one space less around each, then short titles but the
        current one's."""
        st = self.layout_state
        room = self.size.width - 2
        shown = [k for k in st.order if k not in st.empty or k == st.current]
        empty = [str(self.panels[k].NUMBER) for k in st.order if k not in shown]
        tail = f" · empty: {' '.join(empty)}" if empty else ""
        for fmt, short in ((" {} {} ", False), ("{} {} ", False), ("{} {} ", True)):
            labels = [(fmt.format(p.NUMBER, p.SHORT if short and k != st.current else p.TITLE), k)
                      for k, p in ((k, self.panels[k]) for k in shown)]
            if sum(len(label) for label, _ in labels) <= room:
                break
        if sum(len(label) for label, _ in labels) + len(tail) > room:
            tail = ""  # (their numbers still open them)
        t = Text(no_wrap=True, overflow="ellipsis", end="")
        for label, key in labels:
            t.append(label, style="reverse bold" if key == st.current else "")
        t.append(tail, style=self.palette.muted)
        self._put("#tabs", t)

    def _render_offgrid(self) -> None:
        """The line under the grid naming the panels it has no place for — empty ones with
        why — so that each is one number key away; the reasons go first when it is narrow."""
        keys = self.layout_state.off_grid()
        widget = self.query_one("#offgrid", TextLines)
        if widget.display != bool(keys):
            widget.display = bool(keys)
        if not keys:
            return
        pal = self.palette
        for with_why in (True, False):
            t = Text(no_wrap=True, overflow="ellipsis", end="")
            for key in keys:
                panel = self.panels[key]
                t.append(f"{panel.NUMBER} {panel.TITLE}", style="bold" if key not in
                         self.layout_state.empty else "")
                why = self.empty_why.get(key) if with_why else None
                t.append(f" ({why})  " if why else "  ", style=pal.muted)
            t.append("· a number opens it", style=pal.muted)
            if t.cell_len <= self.size.width - 2:
                break
        self._put("#offgrid", t)

    # focus follows the panel ------------------------------------------------------------
    def on_descendant_focus(self, event: object) -> None:
        if not self.screen_stack:
            return  # a focus event delivered while the app tears its screens down
        focused = self.focused
        for key, panel in self.panels.items():
            if focused is panel or (focused is not None and panel in focused.ancestors):
                self.set_layout(self.layout_state.focused(key), focus=False)
                return

    # actions --------------------------------------------------------------------------
    def action_pause(self) -> None:
        self.paused = not self.paused
        if not self.paused and self.last is not None:
            self.show_snapshot(self.last)
        else:
            self._render_status()

    def action_next_panel(self) -> None:
        self.set_layout(self.layout_state.step(1), focus=True)

    def action_previous_panel(self) -> None:
        self.set_layout(self.layout_state.step(-1), focus=True)

    def action_zoom(self, number: int) -> None:
        self.set_layout(self.layout_state.zoom(self.panel_numbered(number).KEY), focus=True)

    async def action_back(self) -> None:  # (async as App.action_back, which it replaces)
        if self.query_one(FilterBar).has_class("-open"):
            self.close_filter()
        elif self.layout_state.zoomed:
            self.set_layout(self.layout_state.back(), focus=True)

    def filter_target(self) -> Panel:
        panel = self.current_panel
        return panel if panel.FILTERABLE else self.panel(LogTailPanel)

    def action_filter(self) -> None:
        target = self.filter_target()
        bar_ = self.query_one(FilterBar)
        bar_.placeholder = f"filter {target.TITLE}: type to filter, enter keeps, esc clears"
        bar_.value = target.filter_text
        bar_.add_class("-open")
        bar_.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, FilterBar) and event.input.has_class("-open"):
            self.filter_target().set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, FilterBar):
            self.close_filter(keep=True)

    def close_filter(self, keep: bool = False) -> None:
        bar_ = self.query_one(FilterBar)
        target = self.filter_target()
        if not keep:
            target.set_filter("")
        bar_.remove_class("-open")
        target.focus_main()

    def action_open_agent(self) -> None:
        """enter on an agent: its details and latest tool calls (esc goes back)."""
        snap = self.shown or self.last
        if snap is None or self.current_panel is not self.agents_panel:
            return
        key = self.agents_panel.query_one(SyncTable).selected_key
        agent = next((a for a in snap.agents if a.id == key), None)
        if agent is not None:
            children = [a for a in snap.agents if a.parent == agent.id]
            self.push_screen(AgentScreen(agent, children))

    def action_kill(self) -> None:
        """htop's F9 for agents: SIGTERM to the selected agent's process, after y/N; only a
        live process that swarmtop watches (its pid is in the Memory panel)."""
        snap = self.shown or self.last
        if snap is None:
            return
        if self.current_panel is not self.agents_panel:
            self.notify("k ends an agent's process: select it in the Agents panel (0)",
                        severity="warning", timeout=4)
            return
        key = self.agents_panel.query_one(SyncTable).selected_key
        agent = next((a for a in snap.agents if a.id == key), None)
        proc = None if agent is None or agent.pid is None else next(
            (p for p in snap.memory.processes if p.pid == agent.pid and p.alive), None)
        if agent is None or proc is None:
            self.notify("this agent's process is not one swarmtop watches: nothing to end",
                        severity="warning", timeout=4)
            return
        question = Text("Send SIGTERM to ")
        question.append_text(plain(f"pid {proc.pid} ({safe_text(proc.name)})", "bold"))
        question.append(", the process of agent ")
        question.append_text(plain(clip(safe_text(agent.name), 40), "bold"))
        question.append("?")

        def answered(yes: bool | None) -> None:
            if yes:
                self._terminate(proc.pid, proc.create_time)

        self.push_screen(Confirm(question), answered)

    def _terminate(self, pid: int, create_time: float) -> None:
        import psutil

        try:
            p = psutil.Process(pid)
            if create_time and abs(p.create_time() - create_time) > 1.0:
                self.notify(f"pid {pid} is now another process: not signalled",
                            severity="warning")
                return
            p.terminate()
        except psutil.NoSuchProcess:
            self.notify(f"pid {pid} has already exited")
        except psutil.AccessDenied:
            self.notify(f"not allowed to signal pid {pid}", severity="error")
        else:
            self.notify(f"SIGTERM sent to pid {pid}")

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.key_help()))

    def action_sort(self) -> None:
        name = self.current_panel.cycle_sort()
        if name is not None:
            self.notify(f"sorted by {name}", timeout=2)

    def action_acknowledge(self) -> None:
        snap = self.last
        if snap is None:
            return
        panel = self.current_panel
        selected = panel.selected_rule() if isinstance(panel, AlertsPanel) else None
        alert = pick_alert(list(snap.alerts), selected)
        if alert is None:
            self.notify("no alert waiting for acknowledgement", timeout=2)
            return
        self.feed.acknowledge(alert.rule)
        self.notify(f"acknowledged {alert.rule}", timeout=2, markup=False)

    def action_next_theme(self) -> None:
        names = self.themes.names
        if not names:
            return
        i = names.index(self.theme) + 1 if self.theme in names else 0
        self.theme = names[i % len(names)]
        self.notify(f"theme {self.theme}", timeout=2, markup=False)

    def set_theme(self, name: str) -> None:
        if name not in self.available_themes:
            raise UnknownTheme(name)
        self.theme = name

    def _theme_changed(self, _theme: object) -> None:
        self.palette = Palette.from_variables(self.get_css_variables())
        self._render_status()
        self._render_tabs()
        for panel in self.visible_panels():
            panel.rerender()

    # help and the command palette ---------------------------------------------------------
    def key_help(self) -> list[tuple[str, str, str]]:
        """(keys, what it does, where) for every binding: the help screen's source of truth."""
        rows: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for b in self.BINDINGS:
            assert isinstance(b, Binding)
            if b.action.startswith("zoom"):
                if "zoom" in seen:
                    continue
                seen.add("zoom")
                rows.append(("0-8", "zoom a panel full screen (again or esc: back)", "anywhere"))
                continue
            rows.append((b.key.replace("slash", "/").replace("question_mark", "?"),
                         _DESCRIPTIONS.get(b.action, b.description), "anywhere"))
        rows.append((self.COMMAND_PALETTE_BINDING, "command palette: every action by name",
                     "anywhere"))
        for panel in self.panels.values():
            for b in panel.BINDINGS:
                assert isinstance(b, Binding)
                rows.append((b.key, b.tooltip or b.description, f"{panel.NUMBER} {panel.TITLE}"))
        rows.append(("up/down, pgup/pgdn", "move in a table or the log", "tables"))
        rows.append(("mouse click", "focus a panel (nothing needs the mouse)", "anywhere"))
        return rows

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("Quit", "Stop swarmtop", self.action_quit)
        yield SystemCommand("Pause / resume display", "Freeze the screen; collection goes on",
                            self.action_pause)
        yield SystemCommand("Filter", "Filter the current panel (/)", self.action_filter)
        yield SystemCommand("Help", "List every key (?)", self.action_help)
        yield SystemCommand("Next panel", "Cycle panels (tab)", self.action_next_panel)
        for panel in self.panels.values():
            yield SystemCommand(f"Zoom {panel.TITLE}", f"Show {panel.TITLE} full screen "
                                f"({panel.NUMBER})",
                                lambda n=panel.NUMBER: self.action_zoom(n))
        yield SystemCommand("Back", "Leave zoom or the filter (esc)", self.action_back)
        yield SystemCommand("Sort", "Next sort column of the focused table (s)",
                            self.action_sort)
        yield SystemCommand("Acknowledge alert", "Silence the selected or worst alert (a)",
                            self.action_acknowledge)
        yield SystemCommand("Next theme", "Cycle colour themes (t)", self.action_next_theme)
        for name in self.themes.names:
            yield SystemCommand(f"Theme: {name}", "Use this colour theme",
                                lambda n=name: self.set_theme(n))
        log = self.panel(LogTailPanel)
        yield SystemCommand("Log level", "Cycle the log tail's minimum level (l)",
                            log.action_level)
        yield SystemCommand("Freeze log tail", "Freeze/unfreeze the log tail only (f)",
                            log.action_follow)
        health = self.panel(HealthPanel)
        yield SystemCommand("Health: why", "Show each health component's reason (e)",
                            health.action_expand)
        yield SystemCommand("Screenshot", "Save an SVG of the screen", self.action_screenshot)


_DESCRIPTIONS = {
    "quit": "quit (the feed is stopped and files flushed)",
    "pause": "pause the display; collection goes on (space or p)",
    "filter": "filter the current panel (the log tail when it has no rows)",
    "help": "this help",
    "next_panel": "next panel (in a small terminal: show the next panel)",
    "previous_panel": "previous panel",
    "back": "leave zoom, close the filter",
    "sort": "next sort column of the focused table",
    "acknowledge": "acknowledge the selected alert (else the worst one)",
    "next_theme": "next colour theme",
}


def run_app(feed: Feed, *, theme: str | None = None, interval: float = 0.5,
            on_first_frame: Callable[[], None] | None = None) -> int:
    """Run the dashboard until quit or SIGTERM/SIGHUP; returns the exit status
    (0 on quit, 128+signal on a signal, 2 for an unknown theme). An exception raised by
    `feed.start()` is re-raised here, after the terminal is restored. ``on_first_frame`` is
    called once the first snapshot is on screen."""
    themes = load_themes()
    try:
        resolve_theme(theme, themes)
    except UnknownTheme as exc:
        print(f"swarmtop: {exc}", file=sys.stderr)
        return 2

    def first_frame() -> None:
        settle_gc()
        if on_first_frame is not None:
            on_first_frame()

    app = SwarmtopApp(feed, theme=theme, interval=interval, themes=themes,
                      on_first_frame=first_frame)
    writer.install()  # an SSH drop must not leave the exit blocked on a dead output thread
    app.run()
    if app.start_error is not None:
        raise app.start_error
    return app.return_code or 0
