"""The live monitor settles the garbage collector once start-up is done (swarmtop/gctune.py)."""

from __future__ import annotations

import subprocess
import sys

from swarmtop.ui import SwarmtopApp
from tests.ui.fakes import MovingFeed
from tests.ui.waiting import wait_until


def test_settle_gc_freezes_the_startup_heap_and_raises_the_young_threshold():
    # in a child process: freezing the test process would pin every test's garbage
    code = (
        "import gc\n"
        "from swarmtop.gctune import settle_gc, YOUNG_THRESHOLD\n"
        "assert gc.get_freeze_count() == 0\n"
        "settle_gc(); frozen = gc.get_freeze_count(); settle_gc()\n"
        "assert frozen > 1000, frozen\n"
        "assert gc.get_freeze_count() == frozen  # once only\n"
        "assert gc.get_threshold()[0] == YOUNG_THRESHOLD\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


async def test_the_dashboard_calls_its_first_frame_hook_once_after_data_is_shown():
    calls: list[int] = []
    app = SwarmtopApp(MovingFeed(), interval=0.1,
                      on_first_frame=lambda: calls.append(app.shown is not None))
    async with app.run_test(size=(120, 40)) as pilot:
        # data shown, then a few more frames in which a second call would show
        await wait_until(pilot, lambda: calls and app.ticks > 5, what="the hook and five ticks")
        ticks = app.ticks
        await wait_until(pilot, lambda: app.ticks >= ticks + 3, what="three more ticks")
        await pilot.pause()
    assert calls == [True]
