"""The Sources panel says which agent session stores it found when no SOURCE was given
(issue 21 item 3), the home directory as ``~``, the paths as plain text."""

from __future__ import annotations

import os

import msgspec

from swarmtop.snapshot import SessionStore
from swarmtop.ui import SwarmtopApp
from tests.ui.fakes import HOSTILE, FakeFeed, make_snapshot, screen_text


async def test_sources_panel_names_the_stores_found() -> None:
    home = os.path.expanduser("~")
    stores = [SessionStore(tool="Claude Code", path=f"{home}/.claude/projects"),
              SessionStore(tool="Codex", path=f"/srv/{HOSTILE[0]}/sessions")]
    snap = make_snapshot(0)
    snap = msgspec.structs.replace(
        snap, sources=msgspec.structs.replace(snap.sources, discovered=stores))
    app = SwarmtopApp(FakeFeed(snapshots=[snap]), interval=3600)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "found Claude Code sessions in ~/.claude/projects, Codex sessions in" in text
        assert "[bold]not bold[/bold]" in text  # markup in a path is shown, not applied


async def test_no_stores_no_line() -> None:
    app = SwarmtopApp(FakeFeed(snapshots=[make_snapshot(0)]), interval=3600)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        assert "sessions in" not in screen_text(app)
