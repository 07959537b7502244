"""The Agents panel in the real app, driven by the pilot: agent rows (from a Claude Code tree
in the real shape, tests/sources/claude_tree.py) are in view under the header at 80x24,
100x30 and 120x40; sub-agents sit under their parent; a looping agent is flagged; hostile
names are shown as text."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

import msgspec
import pytest

from swarmtop.commands.report import build_report
from swarmtop.core.config import Config
from swarmtop.snapshot import Snapshot
from swarmtop.ui.app import SwarmtopApp
from tests.sources import claude_tree as ct
from tests.ui.fakes import FakeFeed, screen_text


def _snap(tmp_path: Path) -> Snapshot:
    return build_report(Namespace(sources=[str(ct.build(tmp_path))], format="auto", since=None),
                        Config())


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)])
async def test_agent_rows_in_view_at_each_size(tmp_path: Path, size: tuple[int, int]) -> None:
    app = SwarmtopApp(FakeFeed(snapshots=[_snap(tmp_path)]))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.pause()
        text = screen_text(app)
        assert app.agents_panel.display and app.current_panel is app.agents_panel
        assert "0 Agents" in text
        lines = text.splitlines()
        at = {name: next(i for i, ln in enumerate(lines) if name in ln)
              for name in ("Fix the flaky suite", "Explore: find flaky", "Release notes")}
        assert at["Fix the flaky suite"] < at["Explore: find flaky"] < at["Release notes"]
        assert at["Fix the flaky suite"] < size[1] // 2 + 4  # near the top, under the header
        assert "agents 4" in lines[0]  # the header meters


async def test_looping_agent_is_flagged_and_keys_still_reach_every_panel(tmp_path: Path) -> None:
    snap = _snap(tmp_path)
    app = SwarmtopApp(FakeFeed(snapshots=[snap]))
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert "1 looping" in screen_text(app)
        await pilot.press("3")  # numbers still zoom their panels
        await pilot.pause()
        assert app.zoomed and app.current_panel.TITLE == "Tokens"
        await pilot.press("0")
        await pilot.pause()
        assert app.current_panel is app.agents_panel and app.zoomed
        text = screen_text(app)
        assert "LOOP Bash" in text and "✓ done" in text


async def test_hostile_agent_names_are_text(tmp_path: Path) -> None:
    snap = _snap(tmp_path)
    evil = "[bold red]x[/] \x1b]0;pwned\x07 [@click=app.quit]"
    agents = [msgspec.structs.replace(a, name=evil) for a in snap.agents]
    app = SwarmtopApp(FakeFeed(snapshots=[msgspec.structs.replace(snap, agents=agents)]))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.pause()
        text = screen_text(app)
        assert "[bold red]x[/]" in text and "\x1b" not in text
        assert app.is_running


async def test_enter_opens_an_agent_and_esc_goes_back(tmp_path: Path) -> None:
    from swarmtop.ui.agent_detail import AgentScreen

    app = SwarmtopApp(FakeFeed(snapshots=[_snap(tmp_path)]))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.pause()
        await pilot.press("down", "enter")  # the Explore sub-agent
        await pilot.pause()
        assert isinstance(app.screen, AgentScreen)
        text = screen_text(app)
        assert "Explore: find flaky tests" in text and "latest tool calls" in text
        assert ct.LOOP_CMD in text and "failed" in text and "repeats" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, AgentScreen)
