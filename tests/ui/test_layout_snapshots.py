"""SVG snapshots of the main layouts (pytest-textual-snapshot): a swarm with agents and every
panel filled at 80x24, 100x30, 120x40 and 200x60, and a Claude Code tree (agents, no process,
no log) at 120x40, where the empty panels leave the grid.

The input is fixed so that the pictures are the same at every run: snapshots built in code
(tests/ui/fakes.py: fixed figures, clock times and fake pids) and a Claude Code tree in the real
shape (tests/sources/claude_tree.py) reported under a fixed clock, its temporary path replaced;
log times are drawn in UTC. A changed picture fails the test and writes snapshot_report.html;
after looking at it, accept the new pictures with

    pytest tests/ui/test_layout_snapshots.py --snapshot-update
"""

from __future__ import annotations

import calendar
import time
from argparse import Namespace
from pathlib import Path
from unittest import mock

import msgspec
import pytest

from swarmtop.commands.report import build_report
from swarmtop.core.config import Config
from swarmtop.snapshot import Snapshot
from swarmtop.ui.app import SwarmtopApp
from tests.sources import claude_tree as ct
from tests.ui.fakes import FakeFeed, make_snapshot
from tests.ui.waiting import wait_until

SIZES = [(80, 24), (100, 30), (120, 40), (200, 60)]
# ten minutes after the tree's last record (2026-11-20T10:0x): idle, not days idle
CLAUDE_NOW = calendar.timegm((2026, 11, 20, 10, 15, 0, 0, 0, 0))


@pytest.fixture
def fixed_env(monkeypatch: pytest.MonkeyPatch):
    """Log lines show local clock times: draw them in UTC, whatever the machine's zone; and in
    colour, whether or not NO_COLOR is set where the tests run."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def claude_snapshot(tmp_path: Path) -> Snapshot:
    root = ct.build(tmp_path)
    with mock.patch("time.time", lambda: CLAUDE_NOW):
        snap = build_report(Namespace(sources=[str(root)], format="auto", since=None), Config())
    # the files' temporary directory is the one thing that differs between runs
    raw = msgspec.json.encode(snap).replace(str(tmp_path).encode(), b"/home/u/.claude")
    return msgspec.json.decode(raw, type=Snapshot)


async def drawn(pilot) -> None:
    """Until the snapshot is on screen, then a few more frames for the layout passes it
    starts (a panel that learns its size draws again at that size)."""
    app = pilot.app
    await wait_until(pilot, lambda: app.shown is not None, what="the snapshot drawn")
    for _ in range(3):
        await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_swarm_with_agents(snap_compare, fixed_env, size: tuple[int, int]) -> None:
    """The demo's planner and sub-agents (one looping, one stalled), processes, tokens,
    patterns and tools, alerts, log, sources and probe metrics: the grid (8 Metrics only from
    160 columns), or the Agents panel alone with the tab strip below 110x32."""
    app = SwarmtopApp(FakeFeed(snapshots=[make_snapshot(3, agents=True)]), interval=3600)
    assert snap_compare(app, terminal_size=size, run_before=drawn)


def test_claude_code_tree_without_processes(snap_compare, fixed_env, tmp_path: Path) -> None:
    """Two Claude Code sessions, one with two sub-agents: no process, no log line, no probe
    metric — Memory, Log and Metrics leave the grid (named on the line under it) and the
    Agents, Tokens and Patterns rows take their room."""
    app = SwarmtopApp(FakeFeed(snapshots=[claude_snapshot(tmp_path)]), interval=3600)
    assert snap_compare(app, terminal_size=(120, 40), run_before=drawn)
