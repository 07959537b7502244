"""--state: a restart resumes exactly where the previous run stopped (no loss, no repeat)."""

from __future__ import annotations

import asyncio
import json
import os

from tailharness import Harness, expect, numbered

from swarmtop.sources import checkpoint


def _append(path, data: bytes) -> None:
    with open(path, "ab") as f:
        f.write(data)


class _StallingHarness(Harness):
    """Its queue fills up after a few batches: the source waits in emit until cancelled,
    and the batch it was trying to hand on is never delivered."""

    def __init__(self, *a, deliver: int, **kw) -> None:
        super().__init__(*a, **kw)
        self.deliver = deliver

    async def emit(self, batch):
        if len(self.batches) >= self.deliver:
            await asyncio.Event().wait()
        await super().emit(batch)


async def test_restart_mid_file_totals_exactly(tmp_path):
    log = tmp_path / "app.log"
    state = str(tmp_path / "state.json")
    _append(log, numbered("a", 200_000))
    first = _StallingHarness(str(log), state_file=state, deliver=5)
    async with first:
        await first.until(lambda: len(first.batches) == 5)
    assert 0 < first.count < 200_000  # stopped mid-file
    second = Harness(str(log), state_file=state)
    async with second:
        await second.settle(200_000 - first.count, timeout=60)
        _append(log, numbered("a", 10, 200_000))
        await second.settle(200_000 - first.count + 10)
    both = first.texts + second.texts
    dup = sorted(k for k, v in both.items() if v > 1)
    missing = sorted(set(expect("a", 200_010)) - set(both))
    assert not dup and not missing, (len(dup), dup[:3], len(missing), missing[:3], first.count)
    assert both == expect("a", 200_010)
    assert first.lines + second.lines == 200_010


async def test_restart_after_writes_while_stopped(tmp_path):
    d = tmp_path / "logs"
    d.mkdir()
    state = str(tmp_path / "state.json")
    _append(d / "app.log", numbered("a", 50) + b"partial")
    async with Harness(str(d), state_file=state) as first:
        await first.settle(50)
    saved = json.loads(open(state).read())
    assert saved["version"] == 1 and len(saved["files"]) == 1
    assert saved["files"][0]["offset"] == len(numbered("a", 50))  # not past the partial line
    # while stopped: the partial line completes, then a rename rotation and a new file
    _append(d / "app.log", b" line\n" + numbered("a", 20, 50))
    os.rename(d / "app.log", d / "app.log.1")
    _append(d / "app.log", numbered("b", 30))
    async with Harness(str(d), state_file=state) as second:
        await second.settle(51)
        assert second.texts == Counter_of("partial line") + expect("a", 20, 50) + expect("b", 30)
        assert second.lines == 51


def Counter_of(*items: str):  # reads like the Counter it builds
    from collections import Counter

    return Counter(items)


async def test_file_replaced_while_stopped_is_read_from_start(tmp_path):
    log = tmp_path / "app.log"
    state = str(tmp_path / "state.json")
    _append(log, numbered("a", 40))
    async with Harness(str(log), state_file=state) as first:
        await first.settle(40)
    os.unlink(log)
    _append(log, numbered("z", 60))  # may even reuse the inode: the head tells it apart
    async with Harness(str(log), state_file=state) as second:
        await second.settle(60)
        assert second.texts == expect("z", 60)


def test_checkpoint_written_atomically(tmp_path):
    path = str(tmp_path / "s.json")
    entries = [checkpoint.Entry(1, 2, 256, "ab", 10, "/x.log")]
    checkpoint.save(path, entries)
    assert checkpoint.load(path) == entries
    assert [p for p in os.listdir(tmp_path) if p != "s.json"] == []  # no temp file left
    open(path, "w").write("{not json")
    try:
        checkpoint.load(path)
    except checkpoint.StateError as exc:
        assert "cannot read state file" in str(exc)
    else:
        raise AssertionError("a damaged state file must be reported")
    assert checkpoint.load(str(tmp_path / "missing.json")) == []


async def test_state_file_inside_watched_directory_is_not_followed(tmp_path):
    state = str(tmp_path / "state.json")
    _append(tmp_path / "app.log", numbered("a", 5))
    async with Harness(str(tmp_path), state_file=state) as h:
        await h.settle(5)
        h.tailer._save_checkpoint(force=True)
        h.tailer._save_checkpoint(force=True)
        _append(tmp_path / "app.log", numbered("a", 5, 5))
        await h.settle(10)
        assert list(h.status) == [str(tmp_path / "app.log")]
        assert h.texts == expect("a", 10)
