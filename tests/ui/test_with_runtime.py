"""The dashboard on the real Runtime and Aggregator (not the fake): events in, figures on
screen, acknowledge and stop reach the runtime."""

from __future__ import annotations

import asyncio
import os
import time

from swarmtop.core.aggregator import Aggregator
from swarmtop.events import Event, LLMCall, LogLine, TaskEvent
from swarmtop.runtime import Runtime
from swarmtop.sources.sampler import ProcessSampler
from swarmtop.ui import SwarmtopApp
from tests.ui.fakes import screen_text
from tests.ui.waiting import wait_until


class ScriptedSource:
    """Emits a fixed list of events once, then waits to be closed."""

    def __init__(self, events: list[Event]) -> None:
        self.events = events
        self.closed = False

    async def run(self, emit) -> None:
        await emit(self.events)
        while not self.closed:
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        self.closed = True


async def _wait_for(pilot, app, text: str) -> str:
    """The screen once it shows ``text``."""
    def shown() -> str | None:
        screen = screen_text(app)
        return screen if text in screen else None

    return await wait_until(pilot, shown,
                            what=lambda: f"{text!r} not on screen:\n{screen_text(app)}")


async def test_real_runtime_feeds_the_panels():
    now = time.time()
    events: list[Event] = [
        LLMCall(ts=now, source="/runs/x.jsonl", model="claude-sonnet-4", agent="planner",
                pattern="convergent", input_tokens=1200, output_tokens=300, cost_usd=0.5),
        TaskEvent(ts=now, source="/runs/x.jsonl", task_id="t1", agent="planner",
                  pattern="lateral", duration_ms=1234.0),
        LogLine(ts=now, source="/runs/x.jsonl", level="error", text="[bold]boom[/bold] \x1b[2J"),
    ]
    source = ScriptedSource(events)
    runtime = Runtime(Aggregator(), [source, ProcessSampler([os.getpid()], interval=0.2)],
                      interval=0.2)
    app = SwarmtopApp(runtime, interval=0.2)
    async with app.run_test(size=(200, 60)) as pilot:
        text = await _wait_for(pilot, app, "claude-sonnet-4")
        text = await _wait_for(pilot, app, "[bold]boom[/bold] ^[[2J")
        assert "planner" in text and "lateral" in text
        await _wait_for(pilot, app, str(os.getpid()))  # the sampled process
        await pilot.press("a")  # whatever fires (or not), acknowledging must not raise
        await pilot.press("q")
        await pilot.pause()
    assert source.closed  # runtime.stop() closed the sources


async def test_each_snapshot_is_drawn_as_it_lands_not_at_the_apps_next_beat():
    runtime = Runtime(Aggregator(), [ScriptedSource([])], interval=0.1)
    app = SwarmtopApp(runtime, interval=3600)  # the app's own timer never beats again
    async with app.run_test(size=(120, 40)) as pilot:
        first = await wait_until(pilot, lambda: app.shown, what="a first snapshot drawn")
        # new snapshots drawn without the app's timer: only the SnapshotReady messages of the
        # app's subscription can draw them
        drawn = {id(first)}

        def three_more_drawn() -> bool:
            drawn.add(id(app.shown))
            return len(drawn) >= 4

        await wait_until(pilot, three_more_drawn, what="three more snapshots drawn")
    assert runtime.on_snapshot == []  # the app's subscription ended on the way out
