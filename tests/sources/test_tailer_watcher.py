"""The watcher: falls back to polling when file notifications cannot be used."""

from __future__ import annotations

import watchfiles
from tailharness import Harness, expect, numbered

from swarmtop import errorlog
from swarmtop.errorlog import Failures


async def test_falls_back_to_polling_when_inotify_fails(tmp_path, monkeypatch, state_home):
    real = watchfiles.watch

    def limited(*paths, force_polling=None, **kw):
        if not force_polling:
            raise OSError(28, "OS file watch limit reached")
        return real(*paths, force_polling=force_polling, **kw)

    monkeypatch.setattr(watchfiles, "watch", limited)
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
