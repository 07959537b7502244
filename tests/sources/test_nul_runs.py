"""A file is binary by the share of its first bytes that cannot be text, never by one NUL;
inside a text log a NUL run (what a crash leaves where space was preallocated) is one counted
bad line, and the records around it are read on. Shape of the transcript records: Claude Code
assistant lines as in tests/sources/test_decoders_claude_code.py (from real
~/.claude/projects files)."""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

from tailharness import Harness

from swarmtop.events import ParseError
from swarmtop.sources.reader import read_file
from swarmtop.sources.textbytes import is_binary
from tests.conftest import run_cli
from tests.sources.test_decoders_claude_code import _assistant

NULS = b"\x00" * 4096


def _rec(n: int) -> bytes:
    return json.dumps(_assistant(f"msg_{n}", f"req_{n}", "claude-sonnet-4-5", 10 * n, n)).encode()


def test_share_of_non_text_decides_binary() -> None:
    assert is_binary(gzip.compress(os.urandom(6000)))
    assert is_binary(Path(sys.executable).read_bytes()[:9000])  # an ELF (or Mach-O) binary
    assert is_binary(b"\x00\x01\x02binary\n" * 100)
    assert not is_binary(_rec(1) + b"\n" + NULS + _rec(2) + b"\n")
    assert not is_binary(b"\x00" * 9000)  # preallocated, nothing written yet
    assert not is_binary("r\u00e9sum\u00e9 \u2713 \x1b[31mred\x1b[0m\tok\r\n".encode() * 200)


def test_report_reads_a_transcript_with_a_nul_run(tmp_path: Path) -> None:
    d = tmp_path / "proj"
    d.mkdir()
    (d / "s.jsonl").write_bytes(_rec(1) + b"\n" + NULS + _rec(2) + b"\n")
    r = run_cli("report", str(d), "--output", "json")
    assert r.returncode in (0, 1), r.stderr
    snap = json.loads(r.stdout)
    [f] = snap["sources"]["files"]
    assert f["state"] != "skipped" and f["format"] == "claude-code", f
    assert snap["tokens"]["calls"] == 2 and snap["tokens"]["output"] == 3
    assert f["bad_lines"] == 1 and snap["sources"]["bad_lines"] == 1


def test_every_reader_path_counts_the_run_once(tmp_path: Path) -> None:
    native = b'{"type": "log", "message": "one", "ts": 1763632800}\n'
    p = tmp_path / "n.jsonl"
    p.write_bytes(native * 3 + NULS + native + b"\x00\x00" + native)
    for chunk in (1 << 20, 64):  # the chunk path and, with tiny chunks, the line path
        events = [e for b in read_file(p, chunk_size=chunk, max_line=1 << 20) for e in b]
        errors = [e for e in events if isinstance(e, ParseError)]
        assert len(errors) == 2 and "NUL" in errors[0].reason
        assert errors[0].offset == len(native) * 3
        assert sum(e.__class__.__name__ == "LogLine" for e in events) == 5


async def test_live_file_ending_in_a_nul_run_then_appended(tmp_path: Path) -> None:
    log = tmp_path / "s.jsonl"
    log.write_bytes(_rec(1) + b"\n" + NULS)  # the crash: preallocated space left as NULs
    async with Harness(str(log)) as h:
        await h.until(lambda: h.agg.snapshot().tokens.calls == 1)
        assert h.status[str(log)].state == "following"
        with open(log, "ab") as f:  # the restarted writer appends after the NULs
            f.write(_rec(2) + b"\n" + _rec(3) + b"\n")
        await h.until(lambda: h.agg.snapshot().tokens.calls == 3)
        assert len(h.errors) == 1 and "NUL" in h.errors[0].reason
        assert h.agg.snapshot().sources.bad_lines == 1
        assert h.lines == 3
