"""Rotation scenarios: every complete line handed on exactly once."""

from __future__ import annotations

import os
import shutil

from tailharness import Harness, expect, numbered


def _append(path, data: bytes) -> None:
    with open(path, "ab") as f:
        f.write(data)


async def test_rename_rotation_writes_to_both_files(tmp_path):
    log = tmp_path / "app.log"
    old = open(log, "ab", buffering=0)  # the writer keeps its handle across the rename
    old.write(numbered("a", 100))
    async with Harness(str(tmp_path)) as h:
        await h.until(lambda: h.count == 100)
        os.rename(log, tmp_path / "app.log.1")
        _append(log, numbered("b", 50))
        old.write(numbered("a", 30, 100))  # still writing to the renamed file
        old.close()
        await h.settle(180)
        assert h.texts == expect("a", 130) + expect("b", 50)
        assert h.lines == 180
        assert h.status[str(log)].state == "following"
        rotated = h.status[str(tmp_path / "app.log.1")]
        assert rotated.why == f"renamed from {log}"
        assert h.status[str(log)].lines + rotated.lines == 180


async def test_rename_rotation_file_source_drains_old_file(tmp_path):
    log = tmp_path / "app.log"
    old = open(log, "ab", buffering=0)
    old.write(numbered("a", 100))
    async with Harness(str(log)) as h:  # app.log.1 is outside what is watched
        await h.until(lambda: h.count == 100)
        os.rename(log, tmp_path / "app.log.1")
        old.write(numbered("a", 30, 100))
        _append(log, numbered("b", 50))
        old.write(numbered("a", 20, 130))
        old.close()
        await h.settle(200)
        assert h.texts == expect("a", 150) + expect("b", 50)
        assert h.lines == 200
        assert str(tmp_path / "app.log.1") not in h.status


async def test_copytruncate_not_read_twice(tmp_path):
    log = tmp_path / "app.log"
    _append(log, numbered("a", 100))
    async with Harness(str(tmp_path)) as h:
        await h.until(lambda: h.count == 100)
        _append(log, numbered("a", 20, 100))  # written just before the copy: maybe unread
        shutil.copyfile(log, tmp_path / "app.log.1")
        with open(log, "r+b") as f:
            f.truncate(0)
        _append(log, numbered("b", 50))
        await h.settle(170)
        assert h.texts == expect("a", 120) + expect("b", 50)
        assert h.lines == 170


async def test_copytruncate_copy_seen_after_read(tmp_path):
    log = tmp_path / "app.log"
    _append(log, numbered("a", 100))
    async with Harness(str(tmp_path)) as h:
        await h.until(lambda: h.count == 100)
        shutil.copyfile(log, tmp_path / "app.log.1")
        await h.until(lambda: str(tmp_path / "app.log.1") in h.status)
        assert "copy of" in h.status[str(tmp_path / "app.log.1")].why
        with open(log, "r+b") as f:
            f.truncate(0)
        _append(log, numbered("b", 50))
        await h.settle(150)
        assert h.texts == expect("a", 100) + expect("b", 50)
        assert h.lines == 150


async def test_truncate_and_regrow(tmp_path):
    log = tmp_path / "app.log"
    _append(log, numbered("old", 100))
    async with Harness(str(log)) as h:
        await h.until(lambda: h.count == 100)
        with open(log, "r+b") as f:
            f.truncate(0)
        _append(log, numbered("new", 150))  # regrows past the old offset at once
        await h.settle(250)
        assert h.texts == expect("old", 100) + expect("new", 150)
        assert h.lines == 250


async def test_delete_and_recreate(tmp_path):
    log = tmp_path / "app.log"
    _append(log, numbered("a", 100))
    async with Harness(str(log)) as h:
        await h.until(lambda: h.count == 100)
        os.unlink(log)
        _append(log, numbered("b", 40))
        await h.settle(140)
        assert h.texts == expect("a", 100) + expect("b", 40)
        assert h.lines == 140
        assert h.status[str(log)].state == "following"


async def test_deleted_file_held_open_is_read_to_end(tmp_path):
    log = tmp_path / "app.log"
    w = open(log, "ab", buffering=0)
    w.write(numbered("a", 10))
    async with Harness(str(tmp_path)) as h:
        await h.until(lambda: h.count == 10)
        os.unlink(log)
        w.write(numbered("a", 15, 10))  # the writer still has it open
        w.close()
        await h.settle(25)
        assert h.texts == expect("a", 25)
        assert h.lines == 25
        await h.until(lambda: h.status[str(log)].state == "deleted")


async def test_directory_deleted_and_recreated(tmp_path):
    d = tmp_path / "runs"
    d.mkdir()
    _append(d / "a.log", numbered("a", 100))
    async with Harness(str(d)) as h:
        await h.until(lambda: h.count == 100)
        shutil.rmtree(d)
        await h.until(lambda: h.status[str(d / "a.log")].state == "deleted")
        d.mkdir()
        (d / "sub").mkdir()
        _append(d / "b.log", numbered("b", 30))
        _append(d / "sub" / "c.log", numbered("c", 20))
        await h.settle(150)
        assert h.texts == expect("a", 100) + expect("b", 30) + expect("c", 20)
        assert h.lines == 150
        # and it is watched again, not just re-scanned once
        _append(d / "b.log", numbered("b", 5, 30))
        await h.settle(155)
        assert h.count == 155
