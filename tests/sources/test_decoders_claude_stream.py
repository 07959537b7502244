"""claude stream-json: assistant lines and the final result line are counted once."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from swarmtop.commands.report import build_report
from swarmtop.core.aggregator import Aggregator
from swarmtop.core.config import Config
from swarmtop.events import LLMCall
from swarmtop.sources.decoders import detect_format
from swarmtop.sources.decoders.claude_stream import ClaudeStreamDecoder
from swarmtop.sources.reader import read_file


def _lines(*recs: dict) -> list[bytes]:
    return [json.dumps(r).encode() for r in recs]


INIT = {"type": "system", "subtype": "init", "session_id": "S", "model": "claude-sonnet-4-5"}


def _asst(mid: str, o: int, parent: str | None = None) -> dict:
    return {"type": "assistant", "session_id": "S", "parent_tool_use_id": parent,
            "message": {"id": mid, "model": "claude-sonnet-4-5", "content": [],
                        "usage": {"input_tokens": 10, "output_tokens": o,
                                  "cache_read_input_tokens": 100,
                                  "cache_creation_input_tokens": 5}}}


def _result(i: int, o: int, cr: int, cw: int, cost: float = 0.42) -> dict:
    return {"type": "result", "subtype": "success", "is_error": False, "session_id": "S",
            "duration_api_ms": 1234.0, "total_cost_usd": cost,
            "usage": {"input_tokens": i, "output_tokens": o, "cache_read_input_tokens": cr,
                      "cache_creation_input_tokens": cw}}


DATA = Path(__file__).parent.parent / "data" / "claude_stream"  # real captures: README.md there


def _report(*paths: Path):  # a Snapshot
    args = argparse.Namespace(sources=[str(p) for p in paths], format="auto", since=None,
                              pid=[], baseline=None)
    return build_report(args, Config())


def _run(lines: list[bytes]) -> list[LLMCall]:
    d = ClaudeStreamDecoder()
    return [e for n, line in enumerate(lines) for e in d.decode(line, "s.jsonl", n, 0.0)
            if isinstance(e, LLMCall)]


def test_counted_once_when_result_matches_stream():
    lines = _lines(INIT, _asst("m1", 50), _asst("m1", 50), _asst("m2", 30, parent="toolu_1"),
                   {"type": "user", "session_id": "S", "message": {"content": []}},
                   _result(20, 80, 200, 10))
    calls = _run(lines)
    assert len(calls) == 3  # m1 once, m2, and the result restating their totals
    assert calls[1].agent == "S/toolu_1" and calls[2].restates
    agg = Aggregator()
    agg.ingest(calls)
    t = agg.snapshot().tokens
    assert (t.input, t.output, t.cache_read, t.cache_write) == (20, 80, 200, 10)
    assert t.calls == 2 and t.cost_usd == pytest.approx(0.42)  # the stated cost wins


def test_result_adds_what_the_stream_under_reported_to_the_same_call():
    """A capture of one API call (num_turns: 1, shape of a real `claude -p --output-format
    stream-json --verbose` run) is one call: the result line's top-up is growth of the last
    response (its key), not a second call."""
    calls = _run(_lines(INIT, _asst("m1", 5), _result(10, 60, 100, 5)))
    assert [c.output_tokens for c in calls] == [5, 60]
    assert calls[0].group == calls[1].group and calls[1].restates
    agg = Aggregator()
    agg.ingest(calls)
    t = agg.snapshot().tokens
    assert t.calls == 1 and (t.input, t.output, t.cache_read, t.cache_write) == (10, 60, 100, 5)
    assert t.cost_usd == pytest.approx(0.42)


def test_result_alone_is_the_call_with_its_stated_cost():
    (call,) = _run(_lines(INIT, _result(10, 60, 100, 5, cost=0.25)))
    assert call.cost_usd == 0.25 and call.model == "claude-sonnet-4-5"
    assert call.latency_ms == 1234.0


def test_detected_and_read(tmp_path):
    lines = _lines(INIT, _asst("m1", 50), _result(10, 50, 100, 5))
    assert detect_format(lines) == "claude-stream"
    p = tmp_path / "run.jsonl"
    p.write_bytes(b"\n".join(lines) + b"\n")
    events = [e for b in read_file(p) for e in b]
    assert sum(isinstance(e, LLMCall) and not e.restates for e in events) == 1
    assert events[-1].format == "claude-stream"
    assert _report(p).tokens.calls == 1


def test_tool_use_and_its_result_are_a_tool_call_of_the_agent():
    """`claude -p --output-format stream-json --verbose` writes the assistant's tool_use
    blocks and a `user` line with the tool_result (shape of real captures): one tool call of
    the session, or of the sub-agent whose parent_tool_use_id it carries."""
    from swarmtop.events import AgentInfo, ToolCall

    asst = _asst("m1", 5)
    asst["message"]["content"] = [{"type": "tool_use", "id": "toolu_9", "name": "Bash",
                                   "input": {"command": "ls -la"}}]
    res = {"type": "user", "session_id": "S", "parent_tool_use_id": None,
           "message": {"role": "user", "content": [{"type": "tool_result",
                                                    "tool_use_id": "toolu_9",
                                                    "content": "no such dir", "is_error": True}]}}
    d = ClaudeStreamDecoder()
    events = [e for n, line in enumerate(_lines(INIT, asst, res))
              for e in d.decode(line, "s.jsonl", n, 0.0)]
    tools = [e for e in events if isinstance(e, ToolCall)]
    assert [(t.phase, t.tool, t.summary, t.ok, t.agent) for t in tools] == [
        ("start", "Bash", "ls -la", True, "S"), ("end", "Bash", "ls -la", False, "S")]
    assert any(isinstance(e, AgentInfo) and e.agent_kind == "claude-stream" for e in events)
    agg = Aggregator()
    agg.ingest(events)
    [row] = agg.snapshot().agents
    assert row.tool_calls == 1 and row.tool_errors == 1 and row.calls == 1


def test_stated_cost_and_model_usage_win_on_a_real_capture():
    """Issue 21 item 5, on a real capture (tests/data/claude_stream/README.md): the assistant
    lines show claude-opus-4-5 with streamed output counts of 23 and 1; the result line states
    $0.2628845 in all, per model in ``modelUsage``, including claude-haiku-4-5, which no
    assistant line shows. Priced from the assistant lines it came out far lower."""
    snap = _report(DATA / "old-no-timestamps.jsonl")
    t = snap.tokens
    assert t.cost_usd == pytest.approx(0.2628845, abs=1e-6)
    opus, haiku = t.by_model["claude-opus-4-5-20251101"], t.by_model["claude-haiku-4-5-20251001"]
    assert (opus.input, opus.output, opus.cache_read, opus.cache_write) == (5, 1587, 59073, 30316)
    assert opus.cost_usd == pytest.approx(0.2587115, abs=1e-6) and opus.calls == 2
    assert (haiku.input, haiku.output, haiku.calls) == (2823, 270, 1)
    assert haiku.cost_usd == pytest.approx(0.004173, abs=1e-6)
    assert snap.tools["Bash"].count == 1


def test_a_capture_without_times_is_untimed_not_read_time(tmp_path):
    """Issue 21 item 6: the old capture has no time on any line. Read beside a transcript of
    last month, its calls used to be stamped with the read time, so "now" was today, uptime
    months long and burn rates divided by it. Now they count in the totals and in no window,
    and the snapshot says so."""
    old = DATA / "old-no-timestamps.jsonl"
    transcript = tmp_path / "t.jsonl"  # a Claude Code transcript (shape: docs/tokens.md)
    recs = [{"type": "assistant", "sessionId": "T", "requestId": f"req_{k}",
             "uuid": f"u{k}", "timestamp": f"2026-01-07T10:0{k}:00.000Z",
             "message": {"id": f"msg_{k}", "model": "claude-sonnet-4-5-20250929",
                         "usage": {"input_tokens": 10, "output_tokens": 100}}}
            for k in range(3)]
    transcript.write_text("".join(json.dumps(r) + "\n" for r in recs))
    snap = _report(old, transcript)
    assert snap.uptime_s == 120.0  # the transcript's span, not months
    assert snap.as_of.startswith("2026-01-07T10:02:00")
    t = snap.tokens
    assert t.calls == 6 and t.cost_usd > 0.26  # 3 + the capture's 3: all in the totals
    # the burn rate at 10:02 holds the transcript's calls of the last minute only
    assert 0 < t.burn_usd_per_min < 0.01
    src = snap.sources
    assert src.untimed_events > 0 and "no time" in src.untimed_why
    [row] = [f for f in src.files if f.path == str(old)]
    assert row.untimed == src.untimed_events
    alone = _report(old)
    assert alone.uptime_s == 0.0 and alone.tokens.burn_usd_per_min == 0.0
    assert alone.tokens.cost_usd == pytest.approx(0.2628845, abs=1e-6)


def test_lines_without_time_take_the_time_of_the_line_before():
    """The newer capture (Claude Code 2.1.260) times assistant and user lines, not the result
    line: the result's restatement takes the user line's time; the tool's duration is the
    span from its tool_use to its tool_result (32 ms)."""
    snap = _report(DATA / "new-with-timestamps.jsonl")
    assert snap.sources.untimed_events == 0
    assert snap.as_of.startswith("2026-09-04T03:22:16.850")
    t = snap.tokens
    assert t.calls == 1 and t.cost_usd == pytest.approx(0.0189534, abs=1e-6)
    assert (t.input, t.output, t.cache_read, t.cache_write) == (18, 175, 34324, 7314)
    assert snap.tools["Read"].max_ms == pytest.approx(32.0, abs=0.5)
