"""The watcher: falls back to polling when file notifications cannot be used, whether they
come from the event loop's own inotify reader (Linux) or from watchfiles' thread."""

from __future__ import annotations

import ctypes
import errno

import pytest
import watchfiles
from tailharness import Harness, expect, numbered

from swarmtop import errorlog
from swarmtop.errorlog import Failures
from swarmtop.sources import inotify


class _FullLib:
    """libc's inotify with every watch refused as at the limit (ENOSPC)."""

    def __init__(self, real: ctypes.CDLL) -> None:
        self.inotify_init1 = real.inotify_init1
        self.inotify_rm_watch = real.inotify_rm_watch

    @staticmethod
    def inotify_add_watch(fd: int, path: bytes, mask: int) -> int:
        ctypes.set_errno(errno.ENOSPC)
        return -1


def _limit_watchfiles(monkeypatch: pytest.MonkeyPatch) -> None:
    real = watchfiles.watch

    def limited(*paths, force_polling=None, **kw):
        if not force_polling:
            raise OSError(28, "OS file watch limit reached")
        return real(*paths, force_polling=force_polling, **kw)

    monkeypatch.setattr(inotify, "available", lambda: False)  # watchfiles' thread watches
    monkeypatch.setattr(watchfiles, "watch", limited)


def _limit_native(monkeypatch: pytest.MonkeyPatch) -> None:
    if not inotify.available():
        pytest.skip("no inotify here")
    monkeypatch.setattr(inotify, "_lib", lambda: _FullLib(ctypes.CDLL(None, use_errno=True)))


@pytest.mark.parametrize("limit", [_limit_watchfiles, _limit_native], ids=["watchfiles", "native"])
async def test_falls_back_to_polling_when_inotify_fails(tmp_path, monkeypatch, state_home, limit):
    limit(monkeypatch)
    book = Failures()
    errorlog.use(book)  # as a running session does
    (tmp_path / "app.log").write_bytes(numbered("a", 3))
    async with Harness(str(tmp_path), rescan_s=0.5) as h:
        await h.until(lambda: h.count == 3)
        await h.until(lambda: h.tailer.watcher.mode == "polling")
        assert "watch limit" in h.tailer.watcher.why
        # said where it is seen (Sources panel, sources.errors), traceback in the log file
        [entry] = book.entries()
        assert entry.where == "file watcher" and "watch limit" in entry.message
        assert "OSError" in (state_home / "swarmtop" / "swarmtop.log").read_text()
        with open(tmp_path / "app.log", "ab") as f:
            f.write(numbered("a", 4, 3))
        (tmp_path / "new.log").write_bytes(numbered("n", 2))
        await h.settle(9)
        assert h.texts == expect("a", 7) + expect("n", 2)
        assert h.lines == 9
