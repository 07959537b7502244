"""The headless path: Tailer -> Aggregator -> snapshot, with native JSONL and plain text."""

from __future__ import annotations

import json

from tailharness import Harness


def _rec(i: int) -> bytes:
    return json.dumps({"ts": 1764000000 + i, "type": "llm_call", "model": "claude-sonnet-4",
                       "agent": "a1", "input_tokens": 10, "output_tokens": 5}).encode() + b"\n"


async def test_snapshot_sources_section(tmp_path):
    (tmp_path / "calls.jsonl").write_bytes(b"".join(_rec(i) for i in range(30)))
    (tmp_path / "app.log").write_bytes(b"INFO start\nERROR boom\n")
    async with Harness(str(tmp_path)) as h:
        await h.ready()
        p = h.tailer.progress()
        assert p.done and p.files_total == 2 and p.bytes_read == p.bytes_total > 0
        with open(tmp_path / "calls.jsonl", "ab") as f:
            f.write(b"".join(_rec(i) for i in range(30, 40)) + b"{not json\n")
        await h.until(lambda: h.lines == 43)
        snap = h.agg.snapshot()
        assert snap.sources.lines == 43
        assert snap.tokens.calls == 40
        assert snap.tokens.input == 400
        files = {f.path: f for f in snap.sources.files}
        calls = files[str(tmp_path / "calls.jsonl")]
        assert (calls.format, calls.lines, calls.state) == ("native", 41, "following")
        assert calls.bad_lines == 1 and calls.events == 40
        assert calls.offset == (tmp_path / "calls.jsonl").stat().st_size
        log = files[str(tmp_path / "app.log")]
        assert (log.format, log.lines, log.events) == ("text", 2, 2)
