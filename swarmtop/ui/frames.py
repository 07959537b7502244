"""Textual's screen-update timer, without the wake-up that follows each update.

A screen repaints from a 1/60 s interval timer that is resumed when a widget is dirty and
paused by the update it runs. Paused, Textual's timer still sleeps to its next 1/60 s step
before it looks at the pause: a wake-up of the event loop after every frame, for nothing
(1-2 a second at the dashboard's two snapshots a second, benchmarks/NOTES.md session 9). This
one waits while paused; resumed, it updates at once, or one period after the previous update
if that was sooner: the same cap of one update per period. It relies on ``Timer._run`` and
``Timer._tick`` (textual/timer.py, pinned below textual 9); ``supported()`` says whether this
Textual has them, and the screen keeps the stock timer otherwise."""

from __future__ import annotations

import asyncio

from textual import _time
from textual.timer import EventTargetGone, Timer


class PromptTimer(Timer):
    async def _run(self) -> None:
        interval = self._interval
        active: asyncio.Event = self._active
        last = _time.get_time() - interval
        count = 0
        while True:
            await active.wait()
            wait = last + interval - _time.get_time()
            if wait > 0:
                await _time.sleep(wait)
                if not active.is_set():
                    continue  # paused meanwhile: nothing to update
            last = _time.get_time()
            count += 1
            try:
                await self._tick(next_timer=last, count=count)
            except EventTargetGone:
                break


def supported() -> bool:
    return callable(getattr(Timer, "_run", None)) and callable(getattr(Timer, "_tick", None))
