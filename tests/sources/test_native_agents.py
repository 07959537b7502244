"""Native JSONL names its agents (docs/log-format.md): `agent`, with `parent_agent`, `session`
and `pid` on any record; `"type": "tool"` records are tool calls; `"type": "agent"` records
name an agent and state its end. The block path and the line path give the same events."""

from __future__ import annotations

import json

from swarmtop.core.aggregator import Aggregator
from swarmtop.events import AgentInfo, ToolCall
from swarmtop.sources.decoders.native import NativeDecoder

T = 1_764_000_000.0
LINES = [
    {"type": "agent", "ts": T, "agent": "planner", "name": "Planner", "pid": 4121},
    {"type": "llm_call", "ts": T + 1, "agent": "planner", "model": "claude-sonnet-4-5",
     "input_tokens": 100, "output_tokens": 20, "latency_ms": 900},
    {"type": "llm_call", "ts": T + 2, "agent": "coder-1", "parent_agent": "planner",
     "model": "claude-haiku-4-5", "input_tokens": 50, "output_tokens": 5, "latency_ms": 300},
    {"type": "tool", "ts": T + 3, "agent": "coder-1", "parent_agent": "planner", "tool": "bash",
     "input": "pytest -x", "duration_ms": 1200, "ok": False, "error": "1 failed"},
    {"type": "tool", "ts": T + 4, "agent": "coder-1", "tool": "bash", "input": "pytest -x",
     "duration_ms": 1100, "ok": True},
    {"type": "log", "ts": T + 5, "agent": "tester", "session": "run-7", "message": "start"},
    {"type": "agent", "ts": T + 6, "agent": "coder-1", "status": "done"},
]
BLOCK = "".join(json.dumps(r) + "\n" for r in LINES).encode()


def _brief(events: list) -> list[tuple]:
    return [(type(e).__name__, getattr(e, "agent", None), getattr(e, "parent", None),
             getattr(e, "turn", None), getattr(e, "tool", None)) for e in events]


def test_block_and_line_paths_agree() -> None:
    line_dec = NativeDecoder()
    by_line = [e for ln in BLOCK.splitlines() for e in line_dec.decode(ln, "n", 0, T)]
    by_block, n = NativeDecoder().decode_block(BLOCK, "n", 0, T)
    assert n == len(LINES)
    assert _brief(by_block) == _brief(by_line)
    infos = [e for e in by_block if isinstance(e, AgentInfo)]
    assert ("coder-1", "planner") in {(i.agent, i.parent) for i in infos}
    assert ("tester", "run-7") in {(i.agent, i.parent) for i in infos}
    tools = [e for e in by_block if isinstance(e, ToolCall)]
    assert [(t.ok, t.summary, t.error, t.duration_ms) for t in tools] == [
        (False, "pytest -x", "1 failed", 1200.0), (True, "pytest -x", "", 1100.0)]


def test_the_tree_in_the_snapshot() -> None:
    agg = Aggregator(clock=lambda: T + 7)
    events, _ = NativeDecoder().decode_block(BLOCK, "n", 0, T)
    agg.ingest(events)
    snap = agg.snapshot()
    rows = {a.id: a for a in snap.agents}
    assert [a.id for a in snap.agents] == ["planner", "coder-1", "run-7", "tester"]
    assert rows["planner"].name == "Planner" and rows["planner"].pid == 4121
    assert rows["coder-1"].parent == "planner" and rows["coder-1"].depth == 1
    assert rows["coder-1"].status == "done" and rows["coder-1"].tool_calls == 2
    assert rows["coder-1"].p50_ms == 300.0 and rows["planner"].calls == 1
    assert rows["tester"].parent == "run-7"
    assert snap.tools["bash"].count == 2 and snap.tools["bash"].errors == 1
