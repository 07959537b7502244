"""`k` in the Agents panel ends the selected agent's process after a y/N prompt, as htop's F9
does — only a live process swarmtop watches; `n` (or any other key) leaves it running."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil

from swarmtop.snapshot import AgentRow, Memory, ProcessInfo, Snapshot
from swarmtop.ui.app import SwarmtopApp
from swarmtop.ui.confirm import Confirm
from tests.ui.fakes import FakeFeed, screen_text


def _snap(pid: int) -> Snapshot:
    proc = psutil.Process(pid)
    return Snapshot(
        agents=[AgentRow(id="w1", name="worker one", status="working", pid=pid),
                AgentRow(id="w2", name="no process", status="idle")],
        memory=Memory(processes=[ProcessInfo(pid=pid, name=proc.name(), alive=True,
                                             create_time=proc.create_time())]))


def _wait_gone(child: subprocess.Popen, timeout: float = 10.0) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            return child.returncode
        time.sleep(0.05)
    return None


async def test_k_then_n_spares_and_k_then_y_terminates() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        app = SwarmtopApp(FakeFeed(snapshots=[_snap(child.pid)]), interval=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.pause()
            assert app.current_panel is app.agents_panel
            await pilot.press("k")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            assert f"pid {child.pid}" in screen_text(app) and "[y/N]" in screen_text(app)
            await pilot.press("n")
            await pilot.pause()
            assert not isinstance(app.screen, Confirm) and child.poll() is None
            await pilot.press("k", "y")
            await pilot.pause()
            assert _wait_gone(child) == -15  # SIGTERM
            await pilot.press("down", "k")  # the agent without a process: nothing to end
            await pilot.pause()
            assert not isinstance(app.screen, Confirm)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
