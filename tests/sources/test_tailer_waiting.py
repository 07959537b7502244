"""A SOURCE that does not exist yet is followed as `tail -F` does: listed as waiting for it to
appear, then read when it comes (a file, a directory, a glob, or a directory deeper than any
that exists). `report` keeps exit 2 for a missing path."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from tailharness import Harness

from tests.conftest import run_cli


def _state(h: Harness, name: str) -> str | None:
    for f in h.agg.snapshot().sources.files:
        if f.path == name:
            return f.state
    return None


async def test_file_that_appears_later(tmp_path: Path) -> None:
    log = tmp_path / "today.jsonl"
    async with Harness(str(log)) as h:
        await h.until(lambda: _state(h, str(log)) == "waiting")
        [row] = h.agg.snapshot().sources.files
        assert "waiting for it to appear" in row.why
        log.write_bytes(b"INFO one\nINFO two\n")
        await h.settle(2)
        assert h.texts == {"INFO one": 1, "INFO two": 1}
        assert _state(h, str(log)) == "following"


async def test_directory_that_appears_later_two_levels_down(tmp_path: Path) -> None:
    d = tmp_path / "runs" / "2026-12-02"
    async with Harness(str(d)) as h:
        await h.until(lambda: _state(h, str(d)) == "waiting")
        d.mkdir(parents=True)
        (d / "a.log").write_bytes(b"INFO a\n")
        await h.until(lambda: h.count == 1)
        time.sleep(0.05)
        (d / "b.log").write_bytes(b"INFO b\n")
        await h.settle(2)
        assert h.texts == {"INFO a": 1, "INFO b": 1}
        paths = [f.path for f in h.agg.snapshot().sources.files]
        assert str(d) not in paths  # the waiting row gave way to the files
        assert sorted(paths) == [str(d / "a.log"), str(d / "b.log")]


async def test_glob_that_matches_later(tmp_path: Path) -> None:
    pattern = str(tmp_path / "runs" / "*.log")
    async with Harness(pattern) as h:
        await h.until(lambda: _state(h, pattern) == "waiting")
        (tmp_path / "runs").mkdir()
        (tmp_path / "runs" / "x.log").write_bytes(b"INFO x\n")
        await h.settle(1)
        assert h.texts == {"INFO x": 1}
        assert _state(h, pattern) is None


def test_live_mode_waits_and_report_still_exits_2(tmp_path: Path) -> None:
    log = tmp_path / "later.log"

    def write() -> None:
        time.sleep(1.0)
        log.write_bytes(b"ERROR it came\n")

    t = threading.Thread(target=write)
    t.start()
    r = run_cli(str(log), "--no-ui", "--json", "--duration", "3")
    t.join()
    assert r.returncode in (0, 1), r.stderr
    src = json.loads(r.stdout)["sources"]
    assert src["lines"] == 1 and src["files"][0]["state"] == "following"
    r = run_cli("report", str(tmp_path / "never.log"))
    assert r.returncode == 2 and "no such file or directory" in r.stderr
