"""A Claude Code projects tree in the real shape: two sessions, the first with two sub-agents
started by an `Agent` and a `Task` tool_use. Record shapes follow Claude Code 2.1.x transcripts
as captured verbatim in public notes on its spawn records (parent tool_use with input
{description, prompt, subagent_type}; the sub-agent file <session>/subagents/agent-<id>.jsonl
whose first record is a user message equal to the prompt, with isSidechain and agentId; the
parent's tool_result with toolUseResult {status, agentId, ...}; ai-title / custom-title
records; tool_result blocks keyed by tool_use_id with is_error), and ccusage's test data for
message.usage. Used by the agent tests of the core, the report and the UI."""

from __future__ import annotations

import json
from pathlib import Path

S1 = "5e55a000-0000-4000-8000-000000000001"
S2 = "5e55a000-0000-4000-8000-000000000002"
SONNET, HAIKU = "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"
P1 = "Find the tests that fail only under load and say why."
P2 = "Review the plan in PLAN.md and list its risks."
LOOP_CMD = "pytest tests/ui/test_compositor.py -x"


def ts(sec: int) -> str:
    return f"2026-11-20T10:{sec // 60:02d}:{sec % 60:02d}.000Z"


def _base(session: str, sec: int, agent: str | None = None) -> dict:
    rec = {"parentUuid": None, "isSidechain": agent is not None, "userType": "external",
           "cwd": "/home/u/swarmtop", "sessionId": session, "version": "2.1.228",
           "gitBranch": "main", "uuid": f"u-{session[-4:]}-{agent}-{sec}", "timestamp": ts(sec)}
    if agent:
        rec["agentId"] = agent
    return rec


def prompt(session: str, sec: int, text: str, agent: str | None = None) -> dict:
    return {**_base(session, sec, agent), "type": "user",
            "message": {"role": "user", "content": text}}


def assistant(session: str, sec: int, n: int, blocks: list[dict], usage: tuple[int, int, int, int],
              agent: str | None = None, model: str = SONNET, stop: str | None = None) -> dict:
    i, o, cr, cw = usage
    return {**_base(session, sec, agent), "type": "assistant", "requestId": f"req_{session[-1]}{agent}{n}",
            "message": {"model": model, "id": f"msg_{session[-1]}{agent}{n}", "type": "message",
                        "role": "assistant", "content": blocks, "stop_reason": stop,
                        "stop_sequence": None,
                        "usage": {"input_tokens": i, "cache_creation_input_tokens": cw,
                                  "cache_read_input_tokens": cr, "output_tokens": o,
                                  "service_tier": "standard"}}}


def tool_use(tid: str, name: str, **inp: object) -> dict:
    return {"type": "tool_use", "id": tid, "name": name, "input": inp}


def result(session: str, sec: int, tid: str, text: str, error: bool = False,
           agent: str | None = None, **extra: object) -> dict:
    block = {"tool_use_id": tid, "type": "tool_result", "content": text}
    if error:
        block["is_error"] = True
    return {**_base(session, sec, agent), "type": "user",
            "message": {"role": "user", "content": [block]}, **extra}


def text(t: str) -> dict:
    return {"type": "text", "text": t}


def write(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records))


def build(root: Path) -> Path:
    """Writes the tree; returns the projects directory. Hand count, per agent:
    S1: 4 calls (in 10+20+30+40, out 5+6+7+8); S1/a1 (Explore): 7 calls, 6 failing Bash runs of
    one command; S1/a2 (critic): 1 call; S2: 2 calls."""
    proj = root / "projects" / "-home-u-swarmtop"
    u = (1, 0, 100, 0)
    main = [
        prompt(S1, 0, "Make the suite pass on a busy machine"),
        {"type": "ai-title", "aiTitle": "Fix the flaky suite", "sessionId": S1},
        assistant(S1, 2, 1, [text("I'll start two sub-agents.")], (10, 5, 100, 50)),
        assistant(S1, 3, 2, [tool_use("toolu_A", "Agent", description="find flaky tests",
                                      prompt=P1, subagent_type="Explore")], (20, 6, 100, 0),
                  stop="tool_use"),
        assistant(S1, 4, 3, [tool_use("toolu_B", "Task", description="review the plan",
                                      prompt=P2, subagent_type="critic")], (30, 7, 100, 0),
                  stop="tool_use"),
        result(S1, 60, "toolu_B", "No risks found.", toolUseResult={
            "status": "completed", "agentId": "a2", "agentType": "critic", "totalTokens": 999,
            "usage": {"input_tokens": 1, "output_tokens": 999}}),
        result(S1, 90, "toolu_A", "Found it.", toolUseResult={
            "status": "completed", "agentId": "a1", "agentType": "Explore", "totalTokens": 999,
            "usage": {"input_tokens": 1, "output_tokens": 999}}),
        assistant(S1, 95, 4, [text("Done: the compositor test waits on frames.")],
                  (40, 8, 100, 0), stop="end_turn"),
    ]
    write(proj / f"{S1}.jsonl", main)
    a1 = [prompt(S1, 5, P1, agent="a1")]
    for k in range(6):  # the same failing command, again and again
        a1.append(assistant(S1, 10 + 10 * k, k, [tool_use(f"toolu_L{k}", "Bash",
                                                          command=LOOP_CMD)], u,
                            agent="a1", model=HAIKU, stop="tool_use"))
        a1.append(result(S1, 15 + 10 * k, f"toolu_L{k}", "Exit code 1\nFAILED test_frames",
                         error=True, agent="a1"))
    a1.append(assistant(S1, 80, 9, [text("It waits on frame counts.")], u, agent="a1",
                        model=HAIKU, stop="end_turn"))
    write(proj / S1 / "subagents" / "agent-a1.jsonl", a1)
    write(proj / S1 / "subagents" / "agent-a2.jsonl", [
        prompt(S1, 6, P2, agent="a2"),
        assistant(S1, 50, 1, [text("No risks found.")], u, agent="a2", model=HAIKU,
                  stop="end_turn"),
    ])
    write(proj / f"{S2}.jsonl", [
        prompt(S2, 100, "Write the release notes"),
        {"type": "custom-title", "customTitle": "Release notes", "sessionId": S2},
        assistant(S2, 102, 1, [tool_use("toolu_R", "Read", file_path="/home/u/swarmtop/CHANGES")],
                  (3, 4, 0, 0), stop="tool_use"),
        result(S2, 103, "toolu_R", "# Changes"),
        assistant(S2, 110, 2, [text("Here they are.")], (5, 6, 0, 0), stop="end_turn"),
    ])
    return root / "projects"
