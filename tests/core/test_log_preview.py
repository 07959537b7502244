"""Aggregator.preview_lines: the log-tail entries a live batch will add, by ingest's rules, so
the TUI can show a line before the snapshot that holds it (and that snapshot then agrees)."""

from __future__ import annotations

from swarmtop.core.aggregator import Aggregator
from swarmtop.events import UNTIMED, LLMCall, LogLine


def _batch(now: float) -> list:
    return [
        LLMCall(ts=now, source="/r/a.jsonl", model="m", agent="a", input_tokens=3),
        LogLine(ts=now - 100, source="/r/a.log", level="info", text="old"),
        LogLine(ts=UNTIMED, source="/r/a.log", level="warning", text="no time"),
        LogLine(ts=now, source="/r/a.log", level="error", text="x" * 5000),
    ]


def test_preview_is_what_the_snapshot_tail_then_holds():
    now = 1_764_000_000.0
    agg = Aggregator(clock=lambda: now)
    batch = _batch(now)
    preview = agg.preview_lines(batch, arrived=now + 0.5)
    agg.ingest(batch, arrived=now + 0.5)
    assert preview == agg.snapshot().log_tail  # same entries, order, stamped time and cut text
    assert [e.text[:7] for e in preview] == ["old", "no time", "xxxxxxx"]
    assert preview[1].ts == now + 0.5  # live, an untimed line takes its arrival


def test_preview_skips_what_ingest_skips():
    now = 1_764_000_000.0
    live = Aggregator(clock=lambda: now, since=now - 10)
    assert [e.text for e in live.preview_lines(_batch(now), arrived=now)][:2] == [
        "no time", "x" * 2000]  # the line before --since is skipped
    replay = Aggregator(event_time=True)  # on event time an untimed line is in no timeline
    assert [e.text[:1] for e in replay.preview_lines(_batch(now), arrived=now)] == ["o", "x"]
