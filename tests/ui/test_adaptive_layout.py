"""The layout adapts (issue 19): a panel with nothing to show leaves the grid to the panels
with data, is named on the line under the grid and stays one number key away; snapshots the
feed announces are drawn as they land (SnapshotReady), with no timer of the app's."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

import msgspec

from swarmtop.commands.report import build_report
from swarmtop.core.config import Config
from swarmtop.snapshot import Snapshot
from swarmtop.ui.app import SnapshotReady, SwarmtopApp
from swarmtop.ui.logtail import LogTailPanel
from swarmtop.ui.memory import MemoryPanel
from swarmtop.ui.tokens import TokensPanel
from tests.sources import claude_tree as ct
from tests.ui.fakes import FakeFeed, make_snapshot, screen_text
from tests.ui.waiting import wait_until


def claude_snapshot(tmp_path: Path) -> Snapshot:
    """A Claude Code tree in the real shape (tests/sources/claude_tree.py): agents, tokens,
    tools and an alert (a sub-agent loops), but no process, no log line, no probe metric."""
    return build_report(Namespace(sources=[str(ct.build(tmp_path))], format="auto", since=None),
                        Config())


async def test_empty_panels_give_their_room_to_the_panels_with_data(tmp_path: Path) -> None:
    app = SwarmtopApp(FakeFeed(snapshots=[claude_snapshot(tmp_path)]), interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        on_screen = [k for k, p in app.panels.items() if p.display]
        assert on_screen == ["agents", "health", "tokens", "patterns", "alerts", "sources"]
        assert not app.query_one("#row-c").display  # memory, log, metrics: nothing to show
        text = screen_text(app)
        assert "2 Memory (no processes)  6 Log (no lines)  8 Metrics (no metrics)" in text
        # the rows with data share the room: the agents as tall as their rows need (4
        # agents), the Tokens and Patterns row everything else
        agents = app.agents_panel.outer_size.height
        assert agents == len(app.shown.agents) + 6
        tokens = app.panel(TokensPanel).outer_size.height
        assert tokens == app.query_one("#grid").size.height - agents - 10
        await pilot.press("6")  # an empty panel is still its number away
        await pilot.pause()
        assert app.zoomed and app.panel(LogTailPanel).display
        await pilot.press("escape")
        await pilot.pause()
        assert not app.panel(LogTailPanel).display and app.current_panel is app.agents_panel


async def test_a_panel_returns_to_the_grid_when_its_data_arrives() -> None:
    full = make_snapshot(0)
    quiet = msgspec.structs.replace(
        full, memory=msgspec.structs.replace(full.memory, processes=[], total_rss_bytes=0))
    feed = FakeFeed(snapshots=[quiet, full])
    app = SwarmtopApp(feed, interval=3600)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        memory = app.panel(MemoryPanel)
        assert not memory.display and "2 Memory (no processes)" in screen_text(app)
        feed.advance()
        app.tick()
        await pilot.pause()
        assert memory.display and "swarm-main" in screen_text(app)
        assert "Memory" not in screen_text(app).splitlines()[-2]  # the off-grid line


async def test_small_terminals_list_the_empty_panels_after_the_others(tmp_path: Path) -> None:
    app = SwarmtopApp(FakeFeed(snapshots=[claude_snapshot(tmp_path)]), interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        tabs = screen_text(app).splitlines()[1]
        assert "0 Agents  1 Health  3 Tokens  4 Patterns  5 Alerts  7 Sources  · empty: 2 6 8" in tabs
        seen = []
        for _ in range(6):  # tab skips the empty ones
            seen.append(app.current_panel.KEY)
            await pilot.press("tab")
        assert seen == ["agents", "health", "tokens", "patterns", "alerts", "sources"]
        assert app.current_panel is app.agents_panel


async def test_announced_snapshots_are_drawn_without_the_apps_timer() -> None:
    feed = FakeFeed(snapshots=[make_snapshot(0), make_snapshot(4)])
    app = SwarmtopApp(feed, interval=3600)  # its own timer never beats again
    posted: list[SnapshotReady] = []
    async with app.run_test(size=(120, 40), message_hook=lambda m: (
            posted.append(m) if isinstance(m, SnapshotReady) else None)) as pilot:
        await pilot.pause()
        assert len(feed.listeners) == 1
        assert "health 72" in screen_text(app)
        feed.push()  # a new snapshot, announced as the Runtime does: no tick() here
        await wait_until(pilot, lambda: "health 68" in screen_text(app),
                         what=lambda: f"the pushed snapshot drawn:\n{screen_text(app)}")
        assert [m.snapshot for m in posted] == [feed.snapshots[1]]
        assert app.shown is feed.snapshots[1]
    assert feed.listeners == []  # the subscription ended with the app
