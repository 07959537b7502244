"""The event loop's inotify reader: paths inside watched directories (new subdirectories
watched as they appear), the first change at once, the kernel's queue overflow as the roots."""

from __future__ import annotations

import asyncio
import os

import pytest

from swarmtop.sources import inotify

pytestmark = pytest.mark.skipif(not inotify.available(), reason="no inotify here")


async def _until(cond, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not cond():
        assert asyncio.get_running_loop().time() < deadline, "not seen in time"
        await asyncio.sleep(0.01)


async def test_changes_inside_watched_directories_are_named(tmp_path):
    seen: set[str] = set()
    flat, deep = tmp_path / "flat", tmp_path / "deep"
    flat.mkdir()
    deep.mkdir()
    watch = inotify.InotifyWatch({str(flat): False, str(deep): True}, seen.update, 0.1)
    try:
        (flat / "a.log").write_text("x\n")
        await _until(lambda: str(flat / "a.log") in seen)
        (deep / "sub").mkdir()
        await _until(lambda: str(deep / "sub") in seen)
        await asyncio.sleep(0.25)  # the new directory is watched as it is seen
        (deep / "sub" / "b.log").write_text("y\n")
        await _until(lambda: str(deep / "sub" / "b.log") in seen)
        (flat / "inner").mkdir()
        (flat / "inner" / "c.log").write_text("z\n")  # not recursive: not looked into
        await asyncio.sleep(0.3)
        assert str(flat / "inner" / "c.log") not in seen
        assert watch.alive
    finally:
        watch.close()
    assert watch.closed and not watch.alive


async def test_first_change_after_quiet_comes_at_once_then_on_the_beat(tmp_path):
    calls: list[float] = []
    loop = asyncio.get_running_loop()
    watch = inotify.InotifyWatch({str(tmp_path): False}, lambda p: calls.append(loop.time()),
                                 0.5)
    try:
        t0 = loop.time()
        (tmp_path / "a.log").write_text("x\n")
        await _until(lambda: calls)
        assert calls[0] - t0 < 0.3  # not held for the 0.5 s beat
        for i in range(5):  # busy: read on the beat, one hand-over for many writes
            with open(tmp_path / "a.log", "a") as f:
                f.write(f"{i}\n")
            await asyncio.sleep(0.02)
        await _until(lambda: len(calls) >= 2)
        await asyncio.sleep(0.6)
        assert len(calls) <= 3  # six writes; the beat may fall once among the five
    finally:
        watch.close()


def test_overflow_names_the_roots():
    paths: set[str] = set()
    watch = object.__new__(inotify.InotifyWatch)
    watch._roots = {"/a": True, "/b": False}
    watch._dirs = {}
    watch._event(-1, inotify.IN_Q_OVERFLOW, "", paths)
    assert paths == {"/a", "/b"}


def test_events_are_parsed():
    import struct

    name = os.fsencode("app.log") + b"\0" * 9
    data = struct.pack("iIII", 3, inotify.IN_MODIFY, 0, len(name)) + name
    data += struct.pack("iIII", 4, inotify.IN_DELETE_SELF, 0, 0)
    assert inotify.parse(data) == [(3, inotify.IN_MODIFY, "app.log"),
                                   (4, inotify.IN_DELETE_SELF, "")]
