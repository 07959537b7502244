"""The live dashboard: eight panels over the Feed's latest Snapshot, refreshed each tick.

The app reads only `feed.latest()` (a Snapshot) and `feed.progress()`; the feed keeps
collecting whatever the display does (pause, zoom, hidden panels)."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable, Iterable
from typing import Any

from rich.console import RenderableType
from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Input

from swarmtop import errorlog
from swarmtop.export.fmt import fmt_usd
from swarmtop.feed import Feed
from swarmtop.gctune import settle_gc
from swarmtop.sanitize import safe_text
from swarmtop.snapshot import Snapshot
from swarmtop.ui.agent_detail import AgentScreen
from swarmtop.ui.agents import AgentsPanel, counts
from swarmtop.ui.alerts import AlertsPanel, pick_alert
from swarmtop.ui.compositor import SparseScreen
from swarmtop.ui.confirm import Confirm
from swarmtop.ui.health import HealthPanel
from swarmtop.ui.help import HelpScreen
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

COMPACT_WIDTH, COMPACT_HEIGHT = 110, 32  # below either: one panel at a time, with tabs
METRICS_WIDTH = 160  # the grid has a column for panel 8 from this width; below, tab/8 zoom it
STOP_TIMEOUT_S = 10.0  # feed.stop() flushes files; don't hang the terminal forever on it
FIRST_FRAME_CHECKS_S = (0.03, 0.08, 0.15, 0.25, 0.35)  # extra looks for the first snapshot
EXIT_SIGNALS = ("SIGTERM", "SIGHUP")


class FilterBar(Input):
    """The `/` prompt. Typing filters the target panel live; enter keeps, esc clears."""

    BINDINGS = [Binding("escape", "cancel", "Clear filter", show=False)]

    def action_cancel(self) -> None:
        self.value = ""
        self.app.call_later(self.app.close_filter)  # type: ignore[attr-defined]


class Dashboard(Vertical):
    """The panel area. Its Resize is the reliable signal that the terminal size changed."""

    def on_resize(self) -> None:
        self.app.check_compact()  # type: ignore[attr-defined]


class SwarmtopApp(App[int]):
    TITLE = "swarmtop"
    ENABLE_COMMAND_PALETTE = True

    CSS = """
    Screen { layout: vertical; }
    #status { height: 1; background: $panel; padding: 0 1; }
    #tabs { height: 1; padding: 0 1; display: none; }
    #progress { height: 1; padding: 0 1; display: none; }
    #grid { height: 1fr; }
    #row-agents { height: 2fr; display: none; }
    #grid.-agents #row-agents { display: block; }
    #row-a { height: 10; }
    #row-b, #row-c { height: 1fr; }
    #panel-health { width: 38; }
    Panel { width: 1fr; }
    #grid.-single .row { height: 1fr; }
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
        self.panels: list[Panel] = [HealthPanel(), MemoryPanel(), TokensPanel(),
                                    PatternsPanel(), AlertsPanel(), LogTailPanel(),
                                    SourcesPanel(), MetricsPanel(), AgentsPanel()]
        self.agents_panel = self.panels[-1]
        self.has_agents = False  # the Agents panel is on the grid once an agent is seen
        self.navigated = False  # the user moved between panels: agents do not take focus
        self.current = 0  # index of the current panel (focus, tab strip, single view)
        self.zoomed = False
        self.auto_zoomed = False  # zoomed by tab onto a panel the grid has no room for
        self.compact = False
        self.metrics_on_grid = False
        self.paused = False
        self.last: Snapshot | None = None  # the newest snapshot read from the feed
        self.shown: Snapshot | None = None  # the snapshot on screen
        self.ticks = 0
        self.start_error: BaseException | None = None
        self.exit_signal: int | None = None
        self._installed_signals: list[int] = []
        self.leaving = False  # exit() was called: widgets may be gone before the timers stop

    def get_default_screen(self) -> Screen[Any]:
        # Partial updates re-render only the widgets under changed cells (ui/compositor.py).
        return SparseScreen(id="_default")

    # layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        p = self.panels
        yield TextLines("", id="status")
        yield TextLines("", id="tabs")
        yield TextLines("", id="progress")
        with Dashboard(id="grid"):
            with Horizontal(id="row-agents", classes="row"):
                yield self.agents_panel
            with Horizontal(id="row-a", classes="row"):
                yield p[0]
                yield p[4]
                yield p[6]
            with Horizontal(id="row-b", classes="row"):
                yield p[2]
                yield p[3]
            with Horizontal(id="row-c", classes="row"):
                yield p[1]
                yield p[5]
                yield p[7]
        yield FilterBar(placeholder="filter", id="filter")
        yield Footer()

    @property
    def single(self) -> bool:
        """One panel on screen: zoomed, or a small terminal."""
        return self.zoomed or self.compact

    def on_grid(self, panel: Panel) -> bool:
        """Whether the grid layout has a place for the panel (panel 8 only when wide, the
        agents once there are some)."""
        if panel is self.agents_panel:
            return self.has_agents
        return self.metrics_on_grid or not isinstance(panel, MetricsPanel)

    def panel_index(self, number: int) -> int:
        """The index in ``panels`` of the panel a number key names."""
        return next(i for i, p in enumerate(self.panels) if p.NUMBER == number)

    def visible_panels(self) -> list[Panel]:
        if self.single:
            return [self.panels[self.current]]
        return [p for p in self.panels if self.on_grid(p)]

    def apply_layout(self) -> None:
        grid = self.query_one("#grid")
        grid.set_class(self.single, "-single")
        grid.set_class(self.has_agents, "-agents")
        current = self.panels[self.current]
        for row in self.query(".row"):
            row.display = (current in row.children if self.single else
                           self.has_agents or self.agents_panel not in row.children)
        for panel in self.panels:
            panel.display = panel is current if self.single else self.on_grid(panel)
            panel.set_class(panel is current, "-current")
        self.query_one("#tabs").display = self.single
        self._render_tabs()
        if self.shown is not None:  # a panel that was hidden shows the present, not the past
            for panel in self.visible_panels():
                panel.show(self.shown)

    def _measure(self) -> tuple[bool, bool]:
        compact = self.size.width < COMPACT_WIDTH or self.size.height < COMPACT_HEIGHT
        return compact, self.size.width >= METRICS_WIDTH

    def check_compact(self) -> None:
        self._render_tabs()  # sized to the width
        layout = self._measure()
        if layout != (self.compact, self.metrics_on_grid):
            self.compact, self.metrics_on_grid = layout
            if self.auto_zoomed and not self.compact and self.on_grid(self.panels[self.current]):
                self.zoomed = self.auto_zoomed = False  # the grid has room for it now
            elif not self.single and not self.on_grid(self.panels[self.current]):
                self.current = 0  # the current panel left the grid
            self.apply_layout()
            self._render_status()

    # lifecycle ------------------------------------------------------------------------
    async def on_mount(self) -> None:
        self.compact, self.metrics_on_grid = self._measure()
        self.apply_layout()
        self.panels[0].focus_main()
        self._install_signal_handlers()
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        for problem in self.themes.problems:
            self.notify(problem, title="theme skipped", severity="warning", timeout=8)
        try:
            await self.feed.start()
        except Exception as exc:  # noqa: BLE001 - re-raised by run_app once the terminal is restored
            self.start_error = exc
            self.exit(return_code=1)
            return
        self.tick()
        self.set_interval(self.interval, self.tick, name="swarmtop-tick")
        # A feed that announces its snapshots (the live Runtime) is drawn as each lands, not
        # at our own timer's next beat: the frame is up to an interval fresher, and it is
        # drawn after the aggregator thread is done rather than while it computes. The timer
        # then only finds the snapshot already shown (and draws the loading progress).
        hooks = getattr(self.feed, "on_snapshot", None)
        if isinstance(hooks, list):
            hooks.append(self._on_feed_snapshot)
        # the feed's first snapshot lands a few ms after start(): look again soon rather than
        # a whole interval later, so the first frame with data shows promptly (a tick with no
        # new snapshot returns at once)
        for delay in FIRST_FRAME_CHECKS_S:
            if delay < self.interval:
                self.set_timer(delay, self._first_look)

    def _on_feed_snapshot(self, _snap: Snapshot) -> None:
        if self.is_running and self.start_error is None:
            self.tick()

    def _first_look(self) -> None:
        if self.last is not None or not self.is_running:
            return  # the first snapshot is shown (the interval takes over), or we are leaving
        self.tick()

    def exit(self, result: int | None = None, return_code: int = 0,
             message: RenderableType | None = None) -> None:
        self.leaving = True
        super().exit(result, return_code, message)

    async def on_unmount(self) -> None:
        self.leaving = True
        self._remove_signal_handlers()
        hooks = getattr(self.feed, "on_snapshot", None)
        if isinstance(hooks, list) and self._on_feed_snapshot in hooks:
            hooks.remove(self._on_feed_snapshot)
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
    def tick(self) -> None:
        try:
            self._tick()
        except NoMatches as exc:
            if self.leaving or not self.is_running:
                return  # a timer that fired while the app was shutting down: nothing to draw
            # otherwise a bug: recorded (the Sources panel and an alert show it), not fatal
            errorlog.record("display (a widget went missing)", exc)

    def _tick(self) -> None:
        self.ticks += 1
        self._render_progress()
        snap = self.feed.latest()
        if snap is None and self.last is None:
            self._render_status()  # "waiting for the first snapshot"
        if snap is None or snap is self.last:
            return
        self.last = snap
        for panel in self.panels:
            panel.observe(snap)
        if self.paused:
            self._render_status()
            return
        self.show_snapshot(snap)

    def show_snapshot(self, snap: Snapshot) -> None:
        self.shown = snap
        if bool(snap.agents) != self.has_agents:
            self._agents_changed(bool(snap.agents))
        with self.batch_update():
            self._render_status()
            for panel in self.visible_panels():
                panel.show(snap)
        hook, self.on_first_frame = self.on_first_frame, None
        if hook is not None:
            self.call_after_refresh(hook)

    def _agents_changed(self, present: bool) -> None:
        """Agents appeared (or all went): their panel takes (or gives back) its place, and
        becomes the current panel unless the user has moved to another one."""
        self.has_agents = present
        index = self.panels.index(self.agents_panel)
        if present and not self.navigated:
            self.current = index
        elif not present and self.current == index:
            self.current = 0
            self.zoomed = self.auto_zoomed = False
        self.apply_layout()
        if self.current == index:
            self.agents_panel.focus_main()

    # top lines ------------------------------------------------------------------------
    def _put(self, widget_id: str, text: Text) -> None:
        self.query_one(widget_id, TextLines).update(text)  # repaints only a changed line

    def _render_status(self) -> None:
        pal = self.palette
        s = Text(no_wrap=True, overflow="ellipsis", end="")
        s.append("swarmtop", style="bold")
        snap = self.shown or self.last
        if snap is None:
            s.append("  waiting for the first snapshot…", style=pal.muted)
        else:
            score = round(snap.health.score)
            s.append("  health ")
            s.append(str(score), style=f"bold {pal.band(score)}")
            s.append(f"  {fmt_usd(snap.tokens.cost_usd)}")
            s.append(f" ({fmt_rate_usd(snap.tokens.burn_usd_per_min)}/min)", style=pal.muted)
            budget = snap.tokens.budget_usd
            if budget:
                used = snap.tokens.cost_usd / budget
                s.append(f" of {fmt_usd(budget)} ")
                s.append(bar(min(1.0, used), 8),
                         style=pal.bad if used >= 1 else pal.warn if used >= 0.8 else pal.good)
            if snap.agents:
                c = counts(snap.agents)
                s.append(f"  agents {len(snap.agents)}:")
                for status, mark, style in (("working", "▶", pal.good), ("waiting", "…", ""),
                                            ("stalled", "■", pal.bad)):
                    if c.get(status):
                        s.append(f" {c[status]}{mark}", style=style)
            if snap.memory.processes:  # (no PID watched: no RSS to speak of)
                s.append(f"  RSS {fmt_mem(snap.memory.total_rss_bytes)}")
            firing = [a for a in snap.alerts if not a.acknowledged]
            if firing:
                crit = any(a.severity == "critical" for a in firing)
                s.append(f"  {len(firing)} alert{'s' * (len(firing) != 1)}",
                         style=f"bold {pal.bad if crit else pal.warn}")
            s.append(f"  up {fmt_uptime(snap.uptime_s)}", style=pal.muted)
        if self.paused:
            s.append("  PAUSED (space)", style=f"bold reverse {pal.warn}")
        if self.zoomed:
            s.append("  zoom (esc)", style=pal.accent)
        self._put("#status", s)

    def _render_progress(self) -> None:
        widget = self.query_one("#progress", TextLines)
        try:
            prog = self.feed.progress()
        except Exception as exc:  # noqa: BLE001 - the dashboard goes on without the bar
            errorlog.record("display (loading progress)", exc)
            return
        loading = not prog.done and prog.bytes_total > 0
        if widget.display != loading:
            widget.display = loading
        if not loading:
            return
        frac = prog.bytes_read / prog.bytes_total if prog.bytes_total else 0.0
        t = Text(no_wrap=True, end="")
        t.append("loading history ")
        t.append(bar(frac, max(10, min(40, self.size.width - 50))), style=self.palette.accent)
        t.append(f" {frac:.0%}  {fmt_mem(prog.bytes_read)} of {fmt_mem(prog.bytes_total)}"
                 f"  {prog.files_done}/{prog.files_total} files", style=self.palette.muted)
        self._put("#progress", t)

    def _render_tabs(self) -> None:
        # one space less around each label when the full strip does not fit (80 columns)
        order = self.tab_order()
        full = sum(len(f" {self.panels[i].NUMBER} {self.panels[i].TITLE} ") for i in order) + 2
        fmt = " {} {} " if full <= self.size.width else "{} {} "
        t = Text(no_wrap=True, overflow="ellipsis", end="")
        for i in order:
            panel = self.panels[i]
            label = fmt.format(panel.NUMBER, panel.TITLE)
            t.append(label, style="reverse bold" if i == self.current else self.palette.muted)
        self._put("#tabs", t)

    # focus follows the panel ------------------------------------------------------------
    def on_descendant_focus(self, event: object) -> None:
        if not self.screen_stack:
            return  # a focus event delivered while the app tears its screens down
        focused = self.focused
        for i, panel in enumerate(self.panels):
            if focused is panel or (focused is not None and panel in focused.ancestors):
                if i != self.current:
                    self.current = i
                    for p in self.panels:
                        p.set_class(p is panel, "-current")
                    self._render_tabs()
                return

    def set_current(self, index: int) -> None:
        self.current = index % len(self.panels)
        panel = self.panels[self.current]
        if self.auto_zoomed and not self.compact and self.on_grid(panel):
            self.zoomed = self.auto_zoomed = False  # back to the grid
            self.apply_layout()
            self._render_status()
        elif not self.single and not self.on_grid(panel):
            self.zoomed = self.auto_zoomed = True  # no room in the grid: show it alone
            self.apply_layout()
            self._render_status()
        elif self.single:
            self.apply_layout()
        else:
            for p in self.panels:
                p.set_class(p is self.panels[self.current], "-current")
            self._render_tabs()
        self.panels[self.current].focus_main()

    # actions --------------------------------------------------------------------------
    def action_pause(self) -> None:
        self.paused = not self.paused
        if not self.paused and self.last is not None:
            self.show_snapshot(self.last)
        else:
            self._render_status()

    def tab_order(self) -> list[int]:
        """Panel indices in number order (the agents first, once there are some)."""
        order = sorted(range(len(self.panels)), key=lambda i: self.panels[i].NUMBER)
        return [i for i in order if self.has_agents or self.panels[i] is not self.agents_panel]

    def _step(self, by: int) -> None:
        self.navigated = True
        order = self.tab_order()
        at = order.index(self.current) if self.current in order else -1
        self.set_current(order[(at + by) % len(order)])

    def action_next_panel(self) -> None:
        self._step(1)

    def action_previous_panel(self) -> None:
        self._step(-1)

    def action_zoom(self, number: int) -> None:
        self.navigated = True
        index = self.panel_index(number)
        if self.zoomed and index == self.current:
            self.zoomed = False  # the same number again toggles back
            if not self.compact and not self.on_grid(self.panels[index]):
                self.current = 0  # the grid has no room for it
        else:
            self.zoomed = True
            self.current = index
        self.auto_zoomed = False
        self.apply_layout()
        self.panels[self.current].focus_main()
        self._render_status()

    def action_back(self) -> None:
        if self.query_one(FilterBar).has_class("-open"):
            self.close_filter()
        elif self.zoomed:
            self.zoomed = self.auto_zoomed = False
            if not self.compact and not self.on_grid(self.panels[self.current]):
                self.current = 0
            self.apply_layout()
            self.panels[self.current].focus_main()
            self._render_status()

    def filter_target(self) -> Panel:
        panel = self.panels[self.current]
        return panel if panel.FILTERABLE else self.panels[5]  # the log tail

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
        if snap is None or self.panels[self.current] is not self.agents_panel:
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
        if self.panels[self.current] is not self.agents_panel:
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
        name = self.panels[self.current].cycle_sort()
        if name is not None:
            self.notify(f"sorted by {name}", timeout=2)

    def action_acknowledge(self) -> None:
        snap = self.last
        if snap is None:
            return
        panel = self.panels[self.current]
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
                rows.append(("1-8", "zoom a panel full screen (again or esc: back)", "anywhere"))
                continue
            rows.append((b.key.replace("slash", "/").replace("question_mark", "?"),
                         _DESCRIPTIONS.get(b.action, b.description), "anywhere"))
        rows.append((self.COMMAND_PALETTE_BINDING, "command palette: every action by name",
                     "anywhere"))
        for panel in self.panels:
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
        for panel in self.panels:
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
        log = self.panels[5]
        assert isinstance(log, LogTailPanel)
        yield SystemCommand("Log level", "Cycle the log tail's minimum level (l)",
                            log.action_level)
        yield SystemCommand("Freeze log tail", "Freeze/unfreeze the log tail only (f)",
                            log.action_follow)
        health = self.panels[0]
        assert isinstance(health, HealthPanel)
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


def run_app(feed: Feed, *, theme: str | None = None, interval: float = 0.5) -> int:
    """Run the dashboard until quit or SIGTERM/SIGHUP; returns the exit status
    (0 on quit, 128+signal on a signal, 2 for an unknown theme). An exception raised by
    `feed.start()` is re-raised here, after the terminal is restored."""
    themes = load_themes()
    try:
        resolve_theme(theme, themes)
    except UnknownTheme as exc:
        print(f"swarmtop: {exc}", file=sys.stderr)
        return 2
    app = SwarmtopApp(feed, theme=theme, interval=interval, themes=themes,
                      on_first_frame=settle_gc)
    app.run()
    if app.start_error is not None:
        raise app.start_error
    return app.return_code or 0
