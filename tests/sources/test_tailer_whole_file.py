"""Whole-file formats: re-read on change, the decoder says which events are new."""

from __future__ import annotations

import json
import os

from tailharness import Harness

from swarmtop.events import MetricEvent
from swarmtop.sources.decoders import DECODERS


class _FakeMetrics:
    """A JSON document of counters rewritten whole; each new key is one new event."""

    name = "fake-whole"
    whole_file = True

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def decode(self, line, source, offset, now):  # pragma: no cover - never line by line
        raise AssertionError("whole-file decoders are not fed lines")

    def decode_file(self, data: bytes, source: str, now: float):
        doc = json.loads(data or b"{}")
        new = [k for k in sorted(doc) if k not in self.seen]
        self.seen.update(new)
        return [MetricEvent(ts=now, source=source, name=k, value=float(doc[k])) for k in new]


async def test_whole_file_decoder_rewritten_in_place_and_replaced(tmp_path, monkeypatch):
    monkeypatch.setitem(DECODERS, "fake-whole", _FakeMetrics)
    doc = tmp_path / "metrics.json"
    doc.write_text(json.dumps({"a": 1}, indent=1))
    events: list[MetricEvent] = []
    h = Harness(str(tmp_path), fmt="fake-whole")
    orig = h.emit

    async def emit(batch):
        events.extend(e for e in batch if isinstance(e, MetricEvent))
        await orig(batch)

    h.emit = emit
    async with h:
        await h.until(lambda: [e.name for e in events] == ["a"])
        doc.write_text(json.dumps({"a": 1, "b": 2}, indent=1))  # rewritten in place
        await h.until(lambda: [e.name for e in events] == ["a", "b"])
        tmp = tmp_path / ".metrics.tmp"
        tmp.write_text(json.dumps({"a": 1, "b": 2, "c": 3}, indent=1))
        os.replace(tmp, doc)  # atomic replace: a new inode, the same decoder
        await h.until(lambda: [e.name for e in events] == ["a", "b", "c"])
        await h.settle(0)
        assert [e.name for e in events] == ["a", "b", "c"]
        st = h.status[str(doc)]
        assert st.format == "fake-whole"
        assert st.lines == doc.read_bytes().count(b"\n")
