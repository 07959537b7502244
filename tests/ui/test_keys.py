"""Every key does its thing (pilot tests on the fake feed)."""

from __future__ import annotations

from swarmtop.ui import SwarmtopApp
from swarmtop.ui.alerts import AlertsPanel
from swarmtop.ui.health import HealthPanel
from swarmtop.ui.help import HelpScreen
from swarmtop.ui.logtail import LogTailPanel
from swarmtop.ui.memory import MemoryPanel
from swarmtop.ui.table import SyncTable
from swarmtop.ui.tokens import TokensPanel
from tests.ui.fakes import FakeFeed, make_snapshot, screen_text

WIDE, SMALL = (200, 60), (80, 24)


def make_app(feed: FakeFeed | None = None, **kw) -> SwarmtopApp:
    # a long interval: the tests drive ticks themselves, so nothing depends on timing
    return SwarmtopApp(feed or FakeFeed(), interval=3600, **kw)


async def test_help_lists_every_key():
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for key in ("q", "space,p", "/", "?", "tab", "shift+tab", "0-8", "escape", "s", "a",
                    "t", "ctrl+p", "e,enter", "l", "f", "mouse click"):
            assert f" {key} " in f" {text} ".replace("\n", " "), key
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_filter_the_log_and_a_table():
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("6", "slash")
        await pilot.press(*"line 1")
        await pilot.pause()
        log = app.panel(LogTailPanel)
        assert log.filter_text == "line 1"
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        assert "line 10 of the log" in text and "line 9 of the log" not in text
        assert "/line 1" in text  # the panel title shows the filter
        await pilot.press("escape")  # un-zoom; the filter stays
        await pilot.press("2", "slash", *"worker-1", "enter")
        await pilot.pause()
        table = app.panel(MemoryPanel).query_one(SyncTable)
        assert table.row_count == 1
        await pilot.press("slash", "escape")  # esc in the prompt clears the filter
        await pilot.pause()
        assert table.row_count == 3 and app.panel(MemoryPanel).filter_text == ""


async def test_log_level_toggle_and_freeze():
    feed = FakeFeed(snapshots=[make_snapshot(0), make_snapshot(5)])
    app = make_app(feed)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("6")
        await pilot.pause()
        log = app.panel(LogTailPanel)
        await pilot.press("l", "l", "l")  # all -> info -> warning -> error
        await pilot.pause()
        text = screen_text(app)
        assert "line 14 of the log" in text and "line 15 of the log" not in text
        await pilot.press("l")  # back to all
        await pilot.press("f")
        feed.advance()
        app.tick()
        await pilot.pause()
        text = screen_text(app)
        assert "FROZEN" in text and "line 34 of the log" not in text
        assert len(log.buffer) == 35  # collection went on: 20 first lines + 15 new
        await pilot.press("f")
        await pilot.pause()
        assert "line 34 of the log" in screen_text(app)


async def test_sort_cycles_columns():
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        table = app.panel(MemoryPanel).query_one(SyncTable)
        assert table.selected_key == "100"  # tree order
        await pilot.press("s", "s")  # PID, then Name
        await pilot.press("s")  # RSS, largest first
        await pilot.pause()
        assert table.sort_index == 2
        order = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert order == ["100", "101", "102"]
        await pilot.press("s", "s", "s", "s", "s", "s", "s", "s")  # ... and back to tree
        assert table.sort_index is None


async def test_acknowledge_calls_the_feed():
    feed = FakeFeed()
    app = make_app(feed)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        await pilot.press("a")  # not on the alerts panel: the worst alert
        assert feed.acknowledged == ["memory.leak"]
        await pilot.press("5", "down", "a")  # the selected one
        assert feed.acknowledged == ["memory.leak", "tokens.burn"]
        assert isinstance(app.current_panel, AlertsPanel)


async def test_acknowledge_without_alerts_does_nothing():
    feed = FakeFeed(snapshots=[make_snapshot(0, alerts=False)])
    app = make_app(feed)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert feed.acknowledged == []
        assert "no alerts firing" in screen_text(app)


async def test_theme_cycling_and_start_theme():
    app = make_app(theme="terminal")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert app.theme == "terminal"
        names = app.themes.names
        assert len(names) >= 4
        seen = {app.theme}
        for _ in range(len(names)):
            await pilot.press("t")
            await pilot.pause()
            seen.add(app.theme)
        assert seen == set(names) and app.theme == "terminal"
        assert app.panel(HealthPanel).palette.bad == "red"  # ANSI theme: the terminal's own red


async def test_health_expands_why():
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        await pilot.press("1")  # zoomed, so the reasons fit on their lines
        await pilot.pause()
        assert "swarm-main leaking" not in screen_text(app)
        await pilot.press("e")
        await pilot.pause()
        assert "swarm-main leaking" in screen_text(app)
        assert "bottlenecks" in screen_text(app)


async def test_click_focuses_a_panel():
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        await pilot.click(TokensPanel)
        await pilot.pause()
        assert app.current_panel is app.panel(TokensPanel)


async def test_command_palette_holds_every_action():
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for t in ("Quit", "Pause / resume display", "Filter", "Help", "Next panel",
                  "Zoom Memory", "Back", "Sort", "Acknowledge alert", "Next theme",
                  "Log level", "Freeze log tail", "Health: why", "Theme: high-contrast"):
            assert t in titles, t


async def test_the_log_filter_finds_a_level_as_shown():
    """`/ERROR` in the log finds the ERROR lines, whose text need not say "error"."""
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("6", "slash", *"ERROR", "enter")
        await pilot.pause()
        shown = [line for line in screen_text(app).splitlines() if "of the log" in line]
        assert shown and all("ERROR" in line for line in shown)
        assert len(shown) == 3  # lines 0, 7 and 14 of the first 20
