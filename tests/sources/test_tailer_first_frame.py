"""The start over a backlog (issue 23): the first lines are delivered before the tailer first
gives the loop a turn (so the runtime's first snapshot, taken at that turn, has them), and with
``hold_for_first_frame`` the rest waits for the display's first frame, or a bounded time."""

from __future__ import annotations

import asyncio
import json

from swarmtop.events import Event, LogLine
from swarmtop.sources import tailer as tailer_mod
from swarmtop.sources import tailread
from swarmtop.sources.paths import parse_source
from swarmtop.sources.tailer import Tailer


def _backlog(tmp_path, files: int = 2, per_file: int = 1200) -> int:
    """Files of long native log lines, each more than one read (tailread.CHUNK) long."""
    pad = "x" * 1000
    for f in range(files):
        with open(tmp_path / f"run-{f}.jsonl", "w") as out:
            for i in range(per_file):
                out.write(json.dumps({"ts": 1764000000 + i, "type": "log",
                                      "message": f"f{f} line {i} {pad}"}) + "\n")
    assert (tmp_path / "run-0.jsonl").stat().st_size > tailread.CHUNK
    return files * per_file


class Lines:
    """An emit that counts the log lines delivered (a put that never waits)."""

    def __init__(self) -> None:
        self.n = 0

    async def __call__(self, batch: list[Event]) -> None:
        self.n += sum(isinstance(e, LogLine) for e in batch)


async def _stop(task: asyncio.Task[None], t: Tailer) -> None:
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    await t.close()


async def test_first_lines_delivered_before_the_first_turn(tmp_path, monkeypatch):
    _backlog(tmp_path)
    monkeypatch.setattr(tailread, "SLICE_S", 1e9)  # no slice ends early: only the read's end
    t = Tailer([parse_source(str(tmp_path))])
    got = Lines()
    task = asyncio.create_task(t.run(got))
    await asyncio.sleep(0)  # the tailer's first step, up to its first turn
    try:
        assert got.n > 0, "the first chunk's lines were held over the loop's turn"
        assert t.progress().files_total == 2  # the backlog is planned by then too
    finally:
        await _stop(task, t)


async def test_backlog_waits_for_the_first_frame(tmp_path):
    total = _backlog(tmp_path)
    t = Tailer([parse_source(str(tmp_path))])
    shown = t.hold_for_first_frame()
    got = Lines()
    task = asyncio.create_task(t.run(got))
    try:
        await asyncio.sleep(0.3)
        held = got.n
        assert 0 < held < total, "the first lines, then nothing until the frame is shown"
        assert not t.progress().done
        shown()
        await _all_lines(got, total)
    finally:
        await _stop(task, t)


async def _all_lines(got: Lines, total: int) -> None:
    """Wait (at most 4 s) until every line of the backlog has been handed on."""
    for _ in range(200):
        if got.n == total:
            break
        await asyncio.sleep(0.02)
    assert got.n == total


async def test_hold_is_bounded(tmp_path, monkeypatch):
    total = _backlog(tmp_path)
    monkeypatch.setattr(tailer_mod, "FIRST_FRAME_WAIT_S", 0.05)
    t = Tailer([parse_source(str(tmp_path))])
    t.hold_for_first_frame()  # never shown: a display that failed to draw
    got = Lines()
    task = asyncio.create_task(t.run(got))
    try:
        await _all_lines(got, total)
    finally:
        await _stop(task, t)


async def test_stopped_while_holding(tmp_path):
    _backlog(tmp_path)
    t = Tailer([parse_source(str(tmp_path))])
    t.hold_for_first_frame()
    got = Lines()
    task = asyncio.create_task(t.run(got))
    await asyncio.sleep(0.1)
    assert got.n > 0
    await asyncio.wait_for(_stop(task, t), 5)
    assert task.done()
