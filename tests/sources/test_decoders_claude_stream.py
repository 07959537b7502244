"""claude stream-json: assistant lines and the final result line are counted once."""

from __future__ import annotations

import json

from swarmtop.core.aggregator import Aggregator
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


def _run(lines: list[bytes]) -> list[LLMCall]:
    d = ClaudeStreamDecoder()
    return [e for n, line in enumerate(lines) for e in d.decode(line, "s.jsonl", n, 0.0)
            if isinstance(e, LLMCall)]


def test_counted_once_when_result_matches_stream():
    lines = _lines(INIT, _asst("m1", 50), _asst("m1", 50), _asst("m2", 30, parent="toolu_1"),
                   {"type": "user", "session_id": "S", "message": {"content": []}},
                   _result(20, 80, 200, 10))
    calls = _run(lines)
    assert len(calls) == 2  # m1 once, m2; the result adds nothing new
    assert calls[1].agent == "S/toolu_1"
    agg = Aggregator()
    agg.ingest(calls)
    t = agg.snapshot().tokens
    assert (t.input, t.output, t.cache_read, t.cache_write) == (20, 80, 200, 10)


def test_result_adds_what_the_stream_under_reported_to_the_same_call():
    """A capture of one API call (num_turns: 1, shape of a real `claude -p --output-format
    stream-json --verbose` run) is one call: the result line's top-up is growth of the last
    response (its key), not a second call."""
    calls = _run(_lines(INIT, _asst("m1", 5), _result(10, 60, 100, 5)))
    assert [c.output_tokens for c in calls] == [5, 60]
    assert [c.dedupe_key for c in calls] == ["m1", "m1"] and calls[1].cost_usd is None
    agg = Aggregator()
    agg.ingest(calls)
    t = agg.snapshot().tokens
    assert t.calls == 1 and (t.input, t.output, t.cache_read, t.cache_write) == (10, 60, 100, 5)


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
    assert sum(isinstance(e, LLMCall) for e in events) == 1
    assert events[-1].format == "claude-stream"


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
