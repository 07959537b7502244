"""Pilot tests of the dashboard on a fake feed, at 80x24 (compact) and 200x60 (wide)."""

from __future__ import annotations

import msgspec
import pytest

from swarmtop.feed import Progress
from swarmtop.ui import SwarmtopApp
from swarmtop.ui.health import HealthPanel
from swarmtop.ui.logtail import LogTailPanel
from swarmtop.ui.memory import MemoryPanel
from swarmtop.ui.metrics import MetricsPanel
from swarmtop.ui.table import SyncTable
from swarmtop.ui.tokens import TokensPanel
from tests.ui.fakes import FakeFeed, make_snapshot, screen_text

WIDE, SMALL = (200, 60), (80, 24)


def make_app(feed: FakeFeed | None = None, **kw) -> SwarmtopApp:
    # a long interval: the tests drive ticks themselves, so nothing depends on timing
    return SwarmtopApp(feed or FakeFeed(), interval=3600, **kw)


async def test_start_and_stop_the_feed():
    feed = FakeFeed()
    app = make_app(feed)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert feed.started == 1 and feed.stopped == 0
        await pilot.press("q")
        await pilot.pause()
    assert feed.stopped == 1
    assert app.return_code == 0


@pytest.mark.parametrize("size", [WIDE, SMALL])
async def test_panels_show_the_snapshot_figures(size):
    feed = FakeFeed()
    app = make_app(feed)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "health 72" in text  # the status line, on screen at every size
        assert "$1.48" in text
        if size == WIDE:
            for figure in ("swarm-main", "100MiB", "LEAK", "claude-sonnet-4", "~50.0k",
                           "gone in 1h30m", "$0.4200 caching", "convergent", "custom-pattern",
                           "memory.leak", "CRITICAL", "line 19 of the log",
                           "/runs/a/agent.jsonl", "rotated", "invalid JSON"):
                assert figure in text, figure
        else:
            assert "1 Health" in text and "7 Sources" in text  # the tab strip
            assert "errors 90" in text
            assert "swarm-main" not in text  # one panel at a time in 80x24


async def test_every_panel_is_reachable_with_tab_at_80x24():
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        seen = []
        for _ in range(8):  # (no agents in this feed: tab passes the empty Agents panel)
            seen.append(app.current_panel.TITLE)
            assert app.current_panel.display
            assert sum(p.display for p in app.panels.values()) == 1
            await pilot.press("tab")
            await pilot.pause()
        assert seen == ["Health", "Memory", "Tokens", "Patterns", "Alerts", "Log", "Sources",
                        "Metrics"]
        assert app.current_panel is app.panel(HealthPanel)
        await pilot.press("shift+tab")
        assert app.current_panel is app.panel(MetricsPanel)


async def test_tab_moves_focus_between_panels_when_wide():
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        # (the Agents panel joins the grid once an agent is seen: none in this feed)
        assert all(p.display for p in app.panels.values() if p is not app.agents_panel)
        assert not app.agents_panel.display
        await pilot.press("tab")
        await pilot.pause()
        assert isinstance(app.current_panel, MemoryPanel)
        assert app.focused is app.panel(MemoryPanel).query_one(SyncTable)


async def test_zoom_and_escape():
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        assert app.zoomed and isinstance(app.current_panel, TokensPanel)
        assert [k for k, p in app.panels.items() if p.display] == ["tokens"]
        assert "zoom (esc)" in screen_text(app)
        await pilot.press("6")
        assert isinstance(app.current_panel, LogTailPanel) and app.zoomed
        await pilot.press("escape")
        await pilot.pause()
        assert not app.zoomed and all(p.display for k, p in app.panels.items() if k != "agents")
        await pilot.press("4", "4")  # the same number again: back
        assert not app.zoomed


async def test_hidden_panels_are_not_rendered_but_catch_up_when_shown():
    feed = FakeFeed(snapshots=[make_snapshot(0), make_snapshot(4)])
    app = make_app(feed)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("1")  # zoom health: the others are hidden
        await pilot.pause()
        memory = app.panel(MemoryPanel)
        before = memory.shown
        feed.advance()
        app.tick()
        await pilot.pause()
        assert memory.shown == before  # not touched while hidden
        await pilot.press("escape")
        await pilot.pause()
        assert memory.shown > before
        assert "104MiB" in screen_text(app)  # the newest figures, not the old ones


async def test_unchanged_snapshot_writes_nothing():
    snap = make_snapshot(2, baseline=True)  # metrics, trends, history and baseline too
    # equal content, a new object: the app reads it, and every panel finds nothing to draw
    feed = FakeFeed(snapshots=[snap, msgspec.structs.replace(snap)])
    app = make_app(feed)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        counts = [p.shown for p in app.panels.values()]
        tables = [(t.updates, t.rebuilds) for t in app.query(SyncTable)]
        feed.advance()
        app.tick()
        await pilot.pause()
        assert app.last is feed.snapshots[1]
        assert [p.shown for p in app.panels.values()] == counts
        assert [(t.updates, t.rebuilds) for t in app.query(SyncTable)] == tables


async def test_changed_figures_update_cells_not_whole_tables():
    feed = FakeFeed(snapshots=[make_snapshot(1), make_snapshot(2)])
    app = make_app(feed)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        table = app.panel(MemoryPanel).query_one(SyncTable)
        rebuilds = table.rebuilds
        feed.advance()
        app.tick()
        await pilot.pause()
        assert table.rebuilds == rebuilds  # same rows: cells updated in place
        assert table.updates >= 1
        assert "102MiB" in screen_text(app)


async def test_pause_freezes_the_display_but_not_collection():
    feed = FakeFeed(snapshots=[make_snapshot(0), make_snapshot(10)])
    app = make_app(feed)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        await pilot.press("space")
        feed.advance()
        app.tick()
        await pilot.pause()
        text = screen_text(app)
        assert "PAUSED" in text and "health 72" in text  # old figures stay
        assert app.last is feed.snapshots[1]  # ...while the newest was read
        health = app.panel(HealthPanel)
        assert isinstance(health, HealthPanel) and list(health.history.values)[-1] == 62.0
        await pilot.press("p")
        await pilot.pause()
        text = screen_text(app)
        assert "PAUSED" not in text and "health 62" in text


async def test_backlog_progress_bar():
    feed = FakeFeed(progress_value=Progress(bytes_read=50, bytes_total=200, files_done=1,
                                            files_total=4))
    app = make_app(feed)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert "loading history" in screen_text(app) and "25%" in screen_text(app)
        feed.progress_value = Progress(bytes_read=200, bytes_total=200, files_done=4,
                                       files_total=4)
        app.tick()
        await pilot.pause()
        assert "loading history" not in screen_text(app)


async def test_backlog_progress_comes_with_a_snapshot():
    """The sources plan the backlog after the mount's own tick: the loading line is drawn with
    the next snapshot, not only at the timer's next tick (issue 23's first frame)."""
    feed = FakeFeed()
    app = make_app(feed)  # its timer never ticks during the test
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert "loading history" not in screen_text(app)
        feed.progress_value = Progress(bytes_read=50, bytes_total=200, files_done=1,
                                       files_total=4)
        feed.push()
        await pilot.pause()
        assert "loading history" in screen_text(app) and "25%" in screen_text(app)


async def test_waiting_for_first_snapshot():
    app = make_app(FakeFeed(snapshots=[]))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert "waiting for the first snapshot" in screen_text(app)


async def test_start_failure_is_reported_after_exit():
    class Broken(FakeFeed):
        async def start(self) -> None:
            raise OSError("cannot watch /nope")

    app = make_app(Broken())
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
    assert isinstance(app.start_error, OSError)
    assert app.return_code == 1


async def test_resizing_switches_between_grid_and_single_panel():
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        on_grid = [k for k in app.panels if k != "agents"]
        assert not app.compact and all(app.panels[k].display for k in on_grid)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.compact and sum(p.display for p in app.panels.values()) == 1
        await pilot.resize_terminal(160, 50)
        await pilot.pause()
        assert not app.compact and all(app.panels[k].display for k in on_grid)
