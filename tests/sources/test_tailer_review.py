"""Found in review: copies across restarts, a descriptor leak, binary files rewritten as text."""

from __future__ import annotations

import asyncio
import json
import os
import shutil

import pytest
from tailharness import Harness, expect, numbered

from swarmtop.events import FileStatus
from swarmtop.sources import checkpoint, tailread
from swarmtop.sources import tailer as tailer_mod
from swarmtop.sources.fileid import FP_BYTES


def _append(path, data: bytes) -> None:
    with open(path, "ab") as f:
        f.write(data)


def _truncate(path) -> None:
    with open(path, "r+b") as f:
        f.truncate(0)


def _saved(state: str) -> dict[str, dict]:
    return {os.path.basename(e["path"]): e for e in json.loads(open(state).read())["files"]}


def _assert_once(total, want) -> None:
    dup = sorted(k for k, v in total.items() if v > 1)
    missing = sorted(set(want) - set(total))
    extra = sorted(set(total) - set(want))
    assert not dup and not missing and not extra, (len(dup), dup[:3], len(missing), missing[:3],
                                                   extra[:3])
    assert total == want


# ---- 1. a linked copy across a restart --------------------------------------------------------
async def _run_until_linked(d, state: str, copy: str) -> Harness:
    """A first run that has read app.log and linked ``copy`` to it, then stopped."""
    first = Harness(str(d), state_file=state)
    async with first:
        await first.settle(120)
        shutil.copyfile(d / "app.log", d / copy)
        await first.until(lambda: "copy of" in getattr(first.status.get(str(d / copy)), "why", ""))
    return first


async def test_copy_in_watched_dir_not_read_again_after_restart(tmp_path):
    """(a) ``cp app.log app.log.bak``, the original keeps growing, restart."""
    d = tmp_path / "logs"
    d.mkdir()
    state = str(tmp_path / "state.json")
    _append(d / "app.log", numbered("a", 120))
    first = await _run_until_linked(d, state, "app.log.bak")
    assert first.texts == expect("a", 120)
    saved = _saved(state)
    # what the copy holds was read through the original: a restart must not read it again
    assert saved["app.log.bak"]["offset"] == saved["app.log"]["offset"] == len(numbered("a", 120))
    _append(d / "app.log", numbered("a", 10, 120))  # written while stopped
    async with Harness(str(d), state_file=state) as second:
        await second.settle(10)
        _append(d / "app.log", numbered("a", 5, 130))
        await second.settle(15)
    _assert_once(first.texts + second.texts, expect("a", 135))
    assert first.lines + second.lines == 135


async def test_copytruncate_stopped_between_copy_and_truncate(tmp_path):
    """(c) swarmtop stopped between copytruncate's copy and its truncate."""
    d = tmp_path / "logs"
    d.mkdir()
    state = str(tmp_path / "state.json")
    _append(d / "app.log", numbered("a", 120))
    first = await _run_until_linked(d, state, "app.log.1")
    _truncate(d / "app.log")
    _append(d / "app.log", numbered("b", 30))
    async with Harness(str(d), state_file=state) as second:
        await second.settle(30)
    _assert_once(first.texts + second.texts, expect("a", 120) + expect("b", 30))


async def test_copy_original_truncated_after_restart(tmp_path):
    """(b) copy made, restart, then the original is truncated."""
    d = tmp_path / "logs"
    d.mkdir()
    state = str(tmp_path / "state.json")
    _append(d / "app.log", numbered("a", 120))
    first = await _run_until_linked(d, state, "app.log.1")
    async with Harness(str(d), state_file=state) as second:
        await second.ready()
        _truncate(d / "app.log")
        _append(d / "app.log", numbered("b", 30))
        await second.settle(30)
    _assert_once(first.texts + second.texts, expect("a", 120) + expect("b", 30))


class _StopAfterLink(Harness):
    """Stops delivering (the queue is full) right after the copy's "copy of" status: the
    original has then been read only part-way, so the copy holds lines not read anywhere yet."""

    def __init__(self, *a, copy: str, **kw) -> None:
        super().__init__(*a, **kw)
        self.copy = copy
        self.linked = False

    async def emit(self, batch):
        if self.linked:
            await asyncio.Event().wait()
        await super().emit(batch)
        if any(isinstance(e, FileStatus) and e.source == self.copy and "copy of" in e.why
               for e in batch):
            self.linked = True


async def _first_run_part_read(d, state: str) -> _StopAfterLink:
    _append(d / "app.log", numbered("a", 1000))
    shutil.copyfile(d / "app.log", d / "app.log.1")
    first = _StopAfterLink(str(d), state_file=state, copy=str(d / "app.log.1"))
    async with first:
        await first.until(lambda: first.linked)
    size = len(numbered("a", 1000))
    assert 0 < first.count < 1000  # the original was read only part-way
    saved = _saved(state)
    assert saved["app.log"]["offset"] == len(numbered("a", first.count))
    # if the original is gone or truncated at the restart, the copy is read from there
    assert saved["app.log.1"]["offset"] == saved["app.log"]["offset"] < size
    return first


@pytest.mark.parametrize("while_stopped", ["grows", "truncated", "deleted", "nothing"])
async def test_copy_holding_unread_lines_restart(tmp_path, monkeypatch, while_stopped):
    """Lines between the original's offset and the copy's end come once: from the original
    when it is still there, from the copy when it was truncated or deleted while stopped."""
    monkeypatch.setattr(tailread, "PASS_BYTES", 4096)  # the original is read in passes
    d = tmp_path / "logs"
    d.mkdir()
    state = str(tmp_path / "state.json")
    first = await _first_run_part_read(d, state)
    want = expect("a", 1000)
    if while_stopped == "grows":
        _append(d / "app.log", numbered("a", 10, 1000))
        want += expect("a", 10, 1000)
    elif while_stopped == "truncated":
        _truncate(d / "app.log")
        _append(d / "app.log", numbered("b", 30))
        want += expect("b", 30)
    elif while_stopped == "deleted":
        os.unlink(d / "app.log")
    second = Harness(str(d), state_file=state)
    async with second:
        await second.settle(sum(want.values()) - first.count, timeout=30)
        if while_stopped in ("grows", "nothing"):  # (b): truncated after the restart
            _truncate(d / "app.log")
            _append(d / "app.log", numbered("c", 20))
            want += expect("c", 20)
            await second.settle(sum(want.values()) - first.count, timeout=30)
    _assert_once(first.texts + second.texts, want)


async def test_copy_linked_again_after_restart_is_read_when_original_truncated(tmp_path,
                                                                               monkeypatch):
    """After a restart the copy is still the original's copy: when the original is then
    truncated before its unread tail was read, the copy supplies that tail."""
    monkeypatch.setattr(tailread, "PASS_BYTES", 4096)
    d = tmp_path / "logs"
    d.mkdir()
    state = str(tmp_path / "state.json")
    first = await _first_run_part_read(d, state)
    second = Harness(str(d), state_file=state)
    async with second:
        await second.settle(1000 - first.count, timeout=30)
        copy = second.tailer._by_path[str(d / "app.log.1")]
        assert copy.copy_of is second.tailer._by_path[str(d / "app.log")]
    _assert_once(first.texts + second.texts, expect("a", 1000))


async def test_copy_named_before_its_original_made_while_stopped(tmp_path):
    """``app.1.log`` sorts before ``app.log``: the original still resumes from its own entry
    and the copy made while stopped is recognised, not read again."""
    d = tmp_path / "logs"
    d.mkdir()
    state = str(tmp_path / "state.json")
    _append(d / "app.log", numbered("a", 120))
    async with Harness(str(d), state_file=state) as first:
        await first.settle(120)
    shutil.copyfile(d / "app.log", d / "app.1.log")
    _append(d / "app.log", numbered("a", 10, 120))
    async with Harness(str(d), state_file=state) as second:
        await second.settle(10)
    _assert_once(first.texts + second.texts, expect("a", 130))


async def test_copy_still_being_written_when_stopped(tmp_path):
    """The copy was linked from its first bytes while ``cp`` went on writing it; the size saved
    for it is the copy's size at the stop, not when it was linked."""
    d = tmp_path / "logs"
    d.mkdir()
    state = str(tmp_path / "state.json")
    data = numbered("a", 120)
    _append(d / "app.log", data)
    first = Harness(str(d), state_file=state)
    async with first:
        await first.settle(120)
        _append(d / "app.log.1", data[:300])
        await first.until(lambda: "copy of" in getattr(first.status.get(str(d / "app.log.1")),
                                                       "why", ""))
        _append(d / "app.log.1", data[300:])  # the rest of the copy, then stopped at once
    assert _saved(state)["app.log.1"]["offset"] == len(data)
    _truncate(d / "app.log")
    _append(d / "app.log", numbered("b", 30))
    async with Harness(str(d), state_file=state) as second:
        await second.settle(30)
    _assert_once(first.texts + second.texts, expect("a", 120) + expect("b", 30))


def test_checkpoint_entry_names_a_copys_original(tmp_path):
    path = str(tmp_path / "s.json")
    entries = [checkpoint.Entry(1, 2, 256, "ab", 10, "/d/app.log"),
               checkpoint.Entry(1, 3, 256, "ab", 10, "/d/app.log.1", (1, 2))]
    checkpoint.save(path, entries)
    assert checkpoint.load(path) == entries
    files = json.loads(open(path).read())["files"]
    assert "copy_of" not in files[0] and files[1]["copy_of"] == [1, 2]
    files[1]["copy_of"] = "junk"  # a damaged entry costs that entry only
    open(path, "w").write(json.dumps({"version": 1, "files": files}))
    assert checkpoint.load(path) == entries[:1]


def test_resume_claim_says_whether_the_file_is_intact():
    head = b"h" * FP_BYTES
    orig = checkpoint.entry((1, 2), head, 50, "/d/app.log")
    copy = checkpoint.entry((1, 3), head, 40, "/d/app.log.1", copy_of=(1, 2))
    r = checkpoint.Resume([orig, copy])
    assert [r.start_order(k) for k in ((1, 3), (1, 2), (1, 9))] == [1, 0, None]
    got = r.claim((1, 2), "/d/app.log", head, 100)
    assert got == checkpoint.Claim(50, orig, True) and r.resumed == {(1, 2): (1, 2)}
    assert r.start_order((1, 2)) is None  # claimed
    assert r.claim((1, 3), "/d/app.log.1", head, 40) == checkpoint.Claim(40, copy, True)
    r = checkpoint.Resume([orig])
    assert r.claim((1, 2), "/d/app.log", head, 30) == checkpoint.Claim(0, orig, False)
    assert r.resumed == {}  # truncated: its copies are read
    r = checkpoint.Resume([orig])
    assert r.claim((1, 9), "/d/app.log", head, 60) == checkpoint.Claim(50, orig, True)
    assert r.resumed == {(1, 2): (1, 9)}  # moved while stopped: the new identity


# ---- 2. no descriptor leaked when a new file cannot be taken up -------------------------------
def _fds_on(path) -> list[int]:
    out = []
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}") == str(path):
                out.append(int(name))
        except OSError:
            continue
    return out


needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")


@needs_proc
async def test_new_file_from_end_error_after_open_closes_descriptor(tmp_path, monkeypatch):
    log = tmp_path / "app.log"
    _append(log, numbered("a", 5))

    def boom(fd, size):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(tailer_mod, "size_at_line_end", boom)
    async with Harness(str(log), from_end=True, rescan_s=60) as h:
        await h.ready()
        assert "cannot read" in h.status[str(log)].why
        assert _fds_on(log) == []


@needs_proc
async def test_new_file_fstat_error_closes_descriptor(tmp_path, monkeypatch):
    log = tmp_path / "app.log"
    _append(log, numbered("a", 5))
    real = os.fstat

    def boom(fd):
        if isinstance(fd, int) and os.readlink(f"/proc/self/fd/{fd}") == str(log):
            raise OSError(5, "Input/output error")
        return real(fd)

    monkeypatch.setattr(tailer_mod.os, "fstat", boom)
    async with Harness(str(log), rescan_s=0.1) as h:
        await h.until(lambda: "cannot read" in getattr(h.status.get(str(log)), "why", ""))
        await asyncio.sleep(0.5)  # several re-scans, each trying again
        assert _fds_on(log) == []
        monkeypatch.undo()
        await h.settle(5)  # taken up once it can be
    assert h.texts == expect("a", 5)


@needs_proc
async def test_reopen_fstat_error_closes_descriptor(tmp_path, monkeypatch):
    """The same when an idle file whose descriptor was let go is opened again."""
    log = tmp_path / "app.log"
    _append(log, numbered("a", 5))
    async with Harness(str(log), rescan_s=0.1) as h:
        await h.settle(5)
        h.tailer._by_path[str(log)].close_fd()  # as when more than MAX_OPEN files are idle
        real = os.fstat

        def boom(fd):
            if isinstance(fd, int) and os.readlink(f"/proc/self/fd/{fd}") == str(log):
                raise OSError(5, "Input/output error")
            return real(fd)

        monkeypatch.setattr(tailer_mod.os, "fstat", boom)
        _append(log, numbered("a", 3, 5))
        await asyncio.sleep(0.6)  # several looks, each opening it again
        assert _fds_on(log) == []
        monkeypatch.undo()
        await h.settle(8)
    assert h.texts == expect("a", 8)


# ---- 3. a skipped binary file rewritten as text -----------------------------------------------
BLOB = b"\x00\x01\x02\x03binary\x7f\xfe\n" * 200


async def test_binary_file_truncated_and_rewritten_as_text_is_read(tmp_path):
    blob = tmp_path / "blob.log"
    _append(blob, BLOB)
    ino = os.stat(blob).st_ino
    async with Harness(str(tmp_path)) as h:
        await h.until(lambda: getattr(h.status.get(str(blob)), "state", "") == "skipped")
        _append(blob, BLOB)  # still binary: still skipped, nothing read
        await asyncio.sleep(0.5)
        assert h.count == 0 and h.status[str(blob)].state == "skipped"
        _truncate(blob)
        _append(blob, numbered("t", 40))
        assert os.stat(blob).st_ino == ino  # same inode
        await h.settle(40)
        assert h.texts == expect("t", 40)
        assert h.status[str(blob)].state == "following"
        _append(blob, numbered("t", 5, 40))
        await h.settle(45)
        assert h.texts == expect("t", 45)
        assert h.lines == 45


async def test_binary_file_first_bytes_rewritten_as_text_is_read(tmp_path):
    blob = tmp_path / "blob.log"
    _append(blob, BLOB)
    async with Harness(str(tmp_path)) as h:
        await h.until(lambda: getattr(h.status.get(str(blob)), "state", "") == "skipped")
        text = numbered("t", len(BLOB) // 9 + 10)  # longer than the blob: no shrink
        with open(blob, "r+b") as f:  # overwritten in place, never shorter
            f.write(text)
        n = text.count(b"\n")
        await h.settle(n)
        assert h.texts == expect("t", n)
        assert h.lines == n


async def test_binary_file_truncated_to_binary_stays_skipped(tmp_path):
    blob = tmp_path / "blob.log"
    _append(blob, BLOB)
    async with Harness(str(tmp_path)) as h:
        await h.until(lambda: getattr(h.status.get(str(blob)), "state", "") == "skipped")
        _truncate(blob)
        _append(blob, BLOB[:500])
        await h.until(lambda: h.tailer._by_path[str(blob)].size == 500)
        assert h.status[str(blob)].state == "skipped" and h.count == 0 and not h.errors
        assert h.tailer._by_path[str(blob)].fd is None  # a skipped file holds no descriptor
