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
from swarmtop.ui.logtail import PREVIEW_GAP
from tests.test_runtime import Gate
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


def _log_texts(app: SwarmtopApp) -> list[str]:
    from swarmtop.ui.lines import LogLines

    return [t.plain for t in app.query_one(LogLines)._lines]


async def test_a_log_line_shows_before_the_next_snapshot_and_once_after_it():
    source = Gate()  # emits each batch put on its queue, as a live tailer hands on a read
    runtime = Runtime(Aggregator(), [source], interval=3600)  # one snapshot, at the start
    app = SwarmtopApp(runtime, interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.shown, what="the first snapshot drawn")
        now = time.time()
        # (a log tail with no line yet is off the grid: its first line comes by snapshot)
        await source.queue.put([LogLine(ts=now, source="/runs/a.log", level="info",
                                        text="zeroth line")])
        await wait_until(pilot, lambda: runtime._pending, what="the line handed on")
        await runtime.refresh()
        await wait_until(pilot, lambda: _log_texts(app), what="the first line by snapshot")
        ticks = runtime.ticks
        await pilot.pause(PREVIEW_GAP * 1.2)  # (a line soon after a write waits for the snapshot)
        await source.queue.put([LogLine(ts=now, source="/runs/a.log", level="error",
                                        text="first line")])
        await wait_until(pilot, lambda: any("first line" in t for t in _log_texts(app)),
                         what=lambda: f"the line previewed: {_log_texts(app)}")
        await pilot.pause(PREVIEW_GAP * 1.2)
        await source.queue.put([
            LLMCall(ts=now, source="/runs/a.log", model="m", agent="a", input_tokens=1),
            LogLine(ts=now, source="/runs/a.log", level="info", text="second line")])
        await wait_until(pilot, lambda: any("second line" in t for t in _log_texts(app)),
                         what=lambda: f"the lines previewed: {_log_texts(app)}")
        assert runtime.ticks == ticks, "shown by a snapshot, not by the preview"
        assert [t.split()[-2:] for t in _log_texts(app)] == [
            ["zeroth", "line"], ["first", "line"], ["second", "line"]]
        await runtime.refresh()  # the snapshot that holds both keeps them: no line twice
        await wait_until(pilot, lambda: app.shown is runtime.latest(), what="snapshot drawn")
        assert [t.split()[-2:] for t in _log_texts(app)] == [
            ["zeroth", "line"], ["first", "line"], ["second", "line"]]
        await pilot.press("q")
    assert runtime.on_lines == []  # the subscription ended on the way out
