"""Many files, bursts, starting at the end, globs, new sub-directories, polling."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from tailharness import Harness, expect, numbered

from swarmtop.sources.tailer import MAX_BATCH


def _append(path, data: bytes) -> None:
    with open(path, "ab") as f:
        f.write(data)


async def test_thousand_files_appearing_at_once(tmp_path):
    async with Harness(str(tmp_path)) as h:
        await h.ready()
        for i in range(1000):
            (tmp_path / f"f{i:04d}.log").write_bytes(numbered(f"f{i:04d}", 3))
        await h.settle(3000, timeout=60)
        want = sum((expect(f"f{i:04d}", 3) for i in range(1000)), start=expect("x", 0))
        assert h.texts == want
        assert h.lines == 3000
        assert len(h.agg.snapshot().sources.files) == 1000


async def test_burst_of_100k_lines_does_not_starve_the_loop(tmp_path):
    log = tmp_path / "app.log"
    _append(log, b"start\n")
    async with Harness(str(log)) as h:
        await h.until(lambda: h.count == 1)
        ticks: list[float] = []
        stop = asyncio.Event()

        async def ticker() -> None:
            while not stop.is_set():
                ticks.append(time.monotonic())
                await asyncio.sleep(0.005)

        t = asyncio.create_task(ticker())
        _append(log, numbered("burst", 100_000))
        await h.until(lambda: h.count == 100_001, timeout=60)
        stop.set()
        await t
        await h.settle(100_001)
        assert h.count == 100_001
        assert h.texts == expect("burst", 100_000) + Counter(start=1)
        assert h.lines == 100_001
        assert max(h.batches) <= MAX_BATCH + 2  # handed on in bounded batches
        assert len(h.batches) >= 100_000 // MAX_BATCH
        assert len(ticks) >= 10  # other tasks ran while the burst was read


async def test_from_end_skips_existing_lines(tmp_path):
    log = tmp_path / "app.log"
    _append(log, numbered("old", 100))
    async with Harness(str(log), from_end=True) as h:
        await h.ready()
        _append(log, numbered("new", 10))
        await h.settle(10)
        assert h.texts == expect("new", 10)
        assert h.lines == 10


async def test_new_subdirectory_files_read_from_start(tmp_path):
    async with Harness(str(tmp_path)) as h:
        await h.ready()
        sub = tmp_path / "a" / "b"
        sub.mkdir(parents=True)
        _append(sub / "deep.log", numbered("d", 7))
        await h.settle(7)
        _append(sub / "deep.log", numbered("d", 3, 7))
        await h.settle(10)
        assert h.texts == expect("d", 10)
        assert h.lines == 10


async def test_glob_follows_only_matching_files(tmp_path):
    async with Harness(str(tmp_path / "*.jsonl")) as h:
        await h.ready()
        _append(tmp_path / "a.jsonl", numbered("a", 4))
        _append(tmp_path / "skip.txt", numbered("s", 4))
        await h.settle(4)
        assert h.texts == expect("a", 4)
        # (the glob, matching nothing at first, was listed as waiting until a.jsonl came)
        assert [p for p, st in h.status.items() if st.state not in ("waiting", "appeared")] \
            == [str(tmp_path / "a.jsonl")]
        assert h.status[str(tmp_path / "*.jsonl")].state == "appeared"


async def test_polling_mode_follows_appends_and_rotation(tmp_path):
    log = tmp_path / "app.log"
    _append(log, numbered("a", 10))
    async with Harness(str(tmp_path), poll=True, rescan_s=0.5) as h:
        await h.until(lambda: h.count == 10)
        assert h.tailer.watcher.mode == "polling"
        _append(log, numbered("a", 5, 10))
        await h.settle(15)
        log.rename(tmp_path / "app.log.1")
        _append(log, numbered("b", 5))
        await h.settle(20)
        assert h.texts == expect("a", 15) + expect("b", 5)
        assert h.lines == 20


async def test_symlinked_file_source_follows_its_target(tmp_path):
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = real_dir / "app.log"
    _append(target, numbered("a", 3))
    link = tmp_path / "current.log"
    link.symlink_to(target)
    async with Harness(str(link), rescan_s=30) as h:  # no re-scan: notifications only
        await h.until(lambda: h.count == 3)
        _append(target, numbered("a", 4, 3))
        await h.settle(7)
        assert h.texts == expect("a", 7)
        assert list(h.status) == [str(link)]
