"""The watcher: falls back to polling when file notifications cannot be used."""

from __future__ import annotations

import watchfiles
from tailharness import Harness, expect, numbered


async def test_falls_back_to_polling_when_inotify_fails(tmp_path, monkeypatch):
    real = watchfiles.watch

    def limited(*paths, force_polling=None, **kw):
        if not force_polling:
            raise OSError(28, "OS file watch limit reached")
        return real(*paths, force_polling=force_polling, **kw)

    monkeypatch.setattr(watchfiles, "watch", limited)
    (tmp_path / "app.log").write_bytes(numbered("a", 3))
    async with Harness(str(tmp_path), rescan_s=0.5) as h:
        await h.until(lambda: h.count == 3)
        await h.until(lambda: h.tailer.watcher.mode == "polling")
        assert "watch limit" in h.tailer.watcher.why
        with open(tmp_path / "app.log", "ab") as f:
            f.write(numbered("a", 4, 3))
        (tmp_path / "new.log").write_bytes(numbered("n", 2))
        await h.settle(9)
        assert h.texts == expect("a", 7) + expect("n", 2)
        assert h.lines == 9
