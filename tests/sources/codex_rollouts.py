"""Codex CLI rollouts in the real shape: a session that spawns a forked sub-agent, whose file
replays the parent's history before its own work.

Where the shapes come from (openai/codex, read for this fixture):
- every line: ``RolloutLineRef {timestamp, #[serde(flatten)] item}`` written by
  ``JsonlWriter::write_rollout_item`` in ``codex-rs/rollout/src/recorder.rs`` — compact JSON,
  ``timestamp`` stamped at write time as ``%Y-%m-%dT%H:%M:%S.mmmZ``, then ``type`` and
  ``payload`` (``RolloutItem``: tag "type", content "payload");
- ``session_meta``: ``SessionMetaLine`` (SessionMeta flattened + ``git``); ``source`` is
  ``"cli"`` or ``{"subagent": {"thread_spawn": {parent_thread_id, depth, agent_path,
  agent_nickname, agent_role}}}`` (``SubAgentSource``); ``forked_from_id`` on forks; a real
  line captured in a public test: ``{"id":"019bd6d8-b99b-7eb1-…","timestamp":"…",
  "cwd":"…","originator":"codex_cli_rs","cli_version":"0.88.0-alpha.4","source":"cli",
  "model_provider":"openai"}``;
- ``event_msg`` ``token_count``: ``TokenCountEvent {info: Option<TokenUsageInfo>,
  rate_limits: Option<RateLimitSnapshot>}`` in ``codex-rs/protocol/src/protocol.rs``;
  ``TokenUsageInfo {total_token_usage, last_token_usage, model_context_window}``;
  ``TokenUsage {input_tokens, cached_input_tokens, output_tokens, reasoning_output_tokens,
  total_tokens}``; ``RateLimitSnapshot {limit_id, limit_name, primary, secondary, credits,
  plan_type, rate_limit_reached_type}``, ``RateLimitWindow {used_percent, window_minutes,
  resets_at}``. Re-sent unchanged by ``update_rate_limits`` → ``send_token_count_event``;
  ``set_token_usage_full`` → ``fill_to_context_window`` (totals reset to
  ``{total_tokens: window}``);
- ``task_started`` (``TurnStartedEvent {turn_id, started_at, model_context_window,
  collaboration_mode_kind}``), ``task_complete``, ``user_message``: persisted per
  ``codex-rs/rollout/src/policy.rs``;
- ``response_item``: ``function_call {name, arguments (a JSON string), call_id}``,
  ``function_call_output {call_id, output}``, ``custom_tool_call {status, call_id, name,
  input}`` (apply_patch), ``reasoning`` (``encrypted_content``), ``message``;
  exec output text ``Exit code: N\\nWall time: S seconds\\nOutput:\\n…``;
- the fork: ``spawn_forked_thread`` in ``codex-rs/core/src/agent/control/spawn.rs`` keeps
  the parent's ``session_meta``, ``event_msg``s (token counts included), user messages and
  turn contexts, drops its tool calls and reasoning; ``record_initial_history``
  (``InitialHistory::Forked``) persists them after the child's own meta and seeds the child's
  running totals from the last copied token count.

Hand count (``EXPECTED``): parent calls c1..c5 (c5 after a context-window fill), child calls
d1, d2 (its totals continue from the copied c3); re-sent events and ``info: null`` add nothing;
the child's copy of c1..c3 adds nothing; d3, the child's last line, has no newline (a report
reads it as it is: files are read to their end).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

T0 = datetime(2026, 11, 20, 13, 0, 0, tzinfo=UTC).timestamp()
MODEL, MINI = "gpt-5.1-codex", "gpt-5.1-codex-mini"
WINDOW = 272_000
PROMPT = "fix the failing test in tests/test_app.py"
SPAWN_PROMPT = "find every TODO in src/ and say which are stale"
RESETS = datetime(2026, 11, 20, 14, 10, 0, tzinfo=UTC).timestamp()


def uuid7(ms: float, n: int) -> str:
    """A UUIDv7 (Codex thread and turn ids) whose time is ``ms``."""
    h = f"{int(ms):012x}"
    return f"{h[:8]}-{h[8:12]}-7{n:03x}-8000-{n:012x}"


PARENT = uuid7(T0 * 1000, 1)
CHILD_AT = T0 + 95  # the child is created during the parent's second turn
CHILD = uuid7(CHILD_AT * 1000, 2)


def stamp(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{int(round(t * 1000)) % 1000:03d}Z"


def line(t: float, kind: str, payload: dict) -> str:
    return json.dumps({"timestamp": stamp(t), "type": kind, "payload": payload},
                      separators=(",", ":"))


def meta(t: float, thread: str, cwd: str, source: object = "cli",
         forked_from: str | None = None) -> dict:
    p: dict = {"id": thread}
    if forked_from:
        p["forked_from_id"] = forked_from
    p.update({"timestamp": stamp(t), "cwd": cwd, "originator": "codex_cli_rs",
              "cli_version": "0.98.0", "source": source, "model_provider": "openai",
              "base_instructions": {"text": "You are Codex, based on GPT-5. …"},
              "git": {"commit_hash": "3f1c2a9", "branch": "main",
                      "repository_url": "git@github.com:acme/app.git"}})
    return p


def usage(i: int, c: int, o: int, r: int) -> dict:
    return {"input_tokens": i, "cached_input_tokens": c, "output_tokens": o,
            "reasoning_output_tokens": r, "total_tokens": i + o}


def add(a: dict, b: dict) -> dict:
    return {k: a[k] + b[k] for k in a}


def limits(primary: float, secondary: float) -> dict:
    return {"limit_id": "codex", "limit_name": None,
            "primary": {"used_percent": primary, "window_minutes": 300, "resets_at": int(RESETS)},
            "secondary": {"used_percent": secondary, "window_minutes": 10080,
                          "resets_at": int(RESETS) + 5 * 86400},
            "credits": None, "plan_type": "plus", "rate_limit_reached_type": None}


def token_count(total: dict | None, last: dict | None, rl: dict | None) -> dict:
    info = None if total is None else {"total_token_usage": total, "last_token_usage": last,
                                       "model_context_window": WINDOW}
    return {"type": "token_count", "info": info, "rate_limits": rl}


def turn(t: float, turn_id: str, started_at: float) -> list[str]:
    return [line(t, "event_msg", {"type": "task_started", "turn_id": turn_id,
                                  "started_at": int(started_at),
                                  "model_context_window": WINDOW,
                                  "collaboration_mode_kind": "default"})]


def turn_context(t: float, turn_id: str, cwd: str, model: str) -> str:
    return line(t, "turn_context", {"turn_id": turn_id, "cwd": cwd,
                                    "approval_policy": "on-request",
                                    "sandbox_policy": {"type": "workspace-write",
                                                       "network_access": False},
                                    "model": model, "effort": "medium", "summary": "auto"})


def reasoning(t: float) -> str:
    return line(t, "response_item", {"type": "reasoning", "id": "rs_0a1b", "summary": [
        {"type": "summary_text", "text": "**Running the tests**"}], "content": None,
        "encrypted_content": "gAAAAABpX3" + "x" * 3000})


def call(t: float, call_id: str, name: str, args: dict) -> str:
    return line(t, "response_item", {"type": "function_call", "name": name,
                                     "arguments": json.dumps(args), "call_id": call_id})


def output(t: float, call_id: str, text: str) -> str:
    return line(t, "response_item", {"type": "function_call_output", "call_id": call_id,
                                     "output": text})


# per-request usage (last_token_usage) and the running totals after it
C1, C2, C3 = usage(12000, 8000, 300, 120), usage(13000, 12000, 500, 200), \
    usage(15000, 12800, 900, 400)
C4, C5 = usage(16200, 14900, 250, 0), usage(5000, 0, 100, 0)
D1, D2, D3 = usage(9000, 0, 400, 250), usage(10500, 8800, 600, 300), usage(2000, 1500, 50, 0)
T1 = C1
T2 = add(T1, C2)
T3 = add(T2, C3)
T4 = add(T3, C4)
FILL = {"input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0,
        "reasoning_output_tokens": 0, "total_tokens": WINDOW}
T5 = add(FILL, C5)
U1 = add(T3, D1)  # the child's totals start from the copied c3
U2 = add(U1, D2)
U3 = add(U2, D3)

# By hand: input = input_tokens - cached_input_tokens, cache_read = cached, output = output
# (reasoning is inside it: total_tokens = input_tokens + output_tokens).
#   parent: c1 4000/8000/300  c2 1000/12000/500  c3 2200/12800/900  c4 1300/14900/250
#           c5 5000/0/100                 -> input 13500, cache_read 47700, output 2050
#   child:  d1 9000/0/400  d2 1700/8800/600  d3 500/1500/50
#                                         -> input 11200, cache_read 10300, output 1050
#   total = 24700 + 58000 + 3100 = 85800 = the sum of the counted calls' total_tokens
#           (12300 + 13500 + 15900 + 16450 + 5100 + 9400 + 11100 + 2050)
EXPECTED = {"input": 24700, "cache_read": 58000, "output": 3100, "cache_write": 0,
            "total": 85800, "calls": 8}
EXPECTED_PARENT = {"input": 13500, "cache_read": 47700, "output": 2050, "calls": 5}
EXPECTED_CHILD = {"input": 11200, "cache_read": 10300, "output": 1050, "calls": 3}
# what summing every token_count's last_token_usage would give (the bugs ccusage had):
# the parent's re-sent c2 (+1000/12000/500), the child's copy of c1..c3 and its re-sent d2
NAIVE_INPUT = 24700 + 1000 + (4000 + 1000 + 2200 + 1000) + 1700


def parent_lines(cwd: str = "/home/u/acme/app") -> list[str]:
    t = T0
    turn1, turn2 = uuid7(t * 1000 + 5, 11), uuid7((t + 60) * 1000, 12)
    out = [line(t, "session_meta", meta(t, PARENT, cwd))]
    out += turn(t + 1, turn1, t + 1)
    out += [line(t + 1, "response_item", {"type": "message", "role": "user", "content": [
                {"type": "input_text", "text": PROMPT}]}),
            line(t + 1, "event_msg", {"type": "user_message", "message": PROMPT,
                                      "images": [], "local_images": [], "text_elements": []}),
            turn_context(t + 1, turn1, cwd, MODEL),
            line(t + 1.2, "event_msg", token_count(None, None, limits(61.0, 20.0))),
            reasoning(t + 4),
            call(t + 5, "call_pytest", "exec_command",
                 {"cmd": "pytest -q tests/test_app.py", "workdir": cwd}),
            line(t + 5, "event_msg", token_count(T1, C1, limits(61.5, 20.0))),
            output(t + 9, "call_pytest",
                   "Exit code: 1\nWall time: 3.9 seconds\nOutput:\nFAILED tests/test_app.py::"
                   "test_total - assert 3 == 4\n"),
            "{not json at all",  # a malformed line: counted and shown, the rest still read
            line(t + 14, "event_msg", token_count(T2, C2, limits(62.0, 20.0))),
            # the same totals again, with rate limits refreshed: no new request
            line(t + 15, "event_msg", token_count(T2, C2, limits(62.4, 20.1))),
            line(t + 15, "event_msg", {"type": "agent_message", "message": "Fixed."}),
            line(t + 15, "response_item", {"type": "message", "role": "assistant", "content": [
                {"type": "output_text", "text": "Fixed."}]}),
            line(t + 16, "event_msg", {"type": "task_complete", "turn_id": turn1,
                                       "last_agent_message": "Fixed."})]
    t2 = t + 60
    out += turn(t2, turn2, t2)
    out += [line(t2, "event_msg", {"type": "user_message", "message": "now look for stale TODOs",
                                   "images": [], "local_images": [], "text_elements": []}),
            turn_context(t2, turn2, cwd, MODEL),
            line(t2 + 20, "response_item", {
                "type": "custom_tool_call", "status": "completed", "call_id": "call_patch",
                "name": "apply_patch",
                "input": "*** Begin Patch\n*** Update File: src/app.py\n@@\n-    return 3\n"
                         "+    return 4\n*** End Patch\n"}),
            line(t2 + 20, "event_msg", token_count(T3, C3, limits(63.0, 20.5))),
            line(t2 + 21, "response_item", {
                "type": "custom_tool_call_output", "call_id": "call_patch",
                "output": json.dumps({"output": "Success. Updated the following files:\n"
                                                "M src/app.py\n",
                                      "metadata": {"exit_code": 0, "duration_seconds": 0.0}})}),
            call(t2 + 30, "call_spawn", "spawn_agent",
                 {"message": SPAWN_PROMPT, "agent_type": "explorer", "fork_context": True}),
            output(t2 + 36, "call_spawn", json.dumps({"agent_id": CHILD, "nickname": "Euclid"})),
            line(t2 + 40, "event_msg", token_count(T4, C4, limits(66.0, 21.0))),
            # the context window filled up (set_token_usage_full): no request, totals reset
            line(t2 + 41, "event_msg", token_count(FILL, {**FILL, "total_tokens": WINDOW
                                                          - T4["total_tokens"]}, None)),
            line(t2 + 50, "event_msg", token_count(T5, C5, limits(70.0, 22.0))),
            line(t2 + 52, "event_msg", token_count(None, None, limits(71.0, 23.0))),
            line(t2 + 53, "event_msg", {"type": "task_complete", "turn_id": turn2,
                                        "last_agent_message": "Spawned Euclid."})]
    return out


def child_lines(cwd: str = "/home/u/acme/app", newline_at_end: bool = False) -> list[str]:
    """The forked sub-agent: its meta, the copy of the parent's history (stamped with the time
    of the copy, turn contexts kept: a full-history fork), then its own turn."""
    t = CHILD_AT
    src = {"subagent": {"thread_spawn": {"parent_thread_id": PARENT, "depth": 1,
                                         "agent_path": None, "agent_nickname": "Euclid",
                                         "agent_role": "explorer"}}}
    p1, p2 = uuid7(T0 * 1000 + 5, 11), uuid7((T0 + 60) * 1000, 12)
    c = t + 0.004  # the copy: one burst
    out = [line(t, "session_meta", meta(t, CHILD, cwd, src, forked_from=PARENT)),
           line(c, "session_meta", meta(T0, PARENT, cwd))]
    out += turn(c, p1, T0 + 1)
    out += [line(c, "event_msg", {"type": "user_message", "message": PROMPT,
                                  "images": [], "local_images": [], "text_elements": []}),
            turn_context(c, p1, cwd, MODEL),
            line(c, "event_msg", token_count(None, None, limits(61.0, 20.0))),
            line(c, "event_msg", token_count(T1, C1, limits(61.5, 20.0))),
            line(c, "event_msg", token_count(T2, C2, limits(62.0, 20.0))),
            line(c, "event_msg", token_count(T2, C2, limits(62.4, 20.1))),
            line(c, "event_msg", {"type": "task_complete", "turn_id": p1,
                                  "last_agent_message": "Fixed."})]
    out += turn(c + 0.001, p2, T0 + 60)
    out += [turn_context(c + 0.001, p2, cwd, MODEL),
            line(c + 0.001, "event_msg", token_count(T3, C3, limits(63.0, 20.5)))]
    own = uuid7((t + 0.3) * 1000, 21)
    out += turn(t + 0.3, own, t + 0.3)
    out += [line(t + 0.3, "event_msg", {"type": "user_message", "message": SPAWN_PROMPT,
                                        "images": [], "local_images": [], "text_elements": []}),
            turn_context(t + 0.3, own, cwd, MINI),
            call(t + 3, "call_rg", "exec_command", {"cmd": "rg -n TODO src/"}),
            line(t + 3, "event_msg", token_count(U1, D1, limits(64.0, 20.6))),
            output(t + 4, "call_rg", "Exit code: 0\nWall time: 0.1 seconds\nOutput:\n"
                                     "src/app.py:3: # TODO drop\n"),
            line(t + 9, "event_msg", token_count(U2, D2, limits(65.0, 20.8))),
            line(t + 10, "event_msg", token_count(U2, D2, limits(65.2, 20.8))),
            line(t + 10, "event_msg", {"type": "task_complete", "turn_id": own,
                                       "last_agent_message": "One stale TODO."}),
            # a call whose line is still being written: no newline yet
            line(t + 12, "event_msg", token_count(U3, D3, limits(65.3, 20.8)))]
    return out


def rollout_name(t: float, thread: str) -> str:
    return "rollout-" + datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H-%M-%S") + \
        f"-{thread}.jsonl"


def build(codex_home: Path) -> tuple[Path, Path]:
    """``$CODEX_HOME/sessions/2026/11/20/`` with the parent and its forked child; the child's
    last line has no newline. Returns (parent, child)."""
    day = codex_home / "sessions" / "2026" / "11" / "20"
    day.mkdir(parents=True, exist_ok=True)
    parent = day / rollout_name(T0, PARENT)
    child = day / rollout_name(CHILD_AT, CHILD)
    parent.write_text("\n".join(parent_lines()) + "\n")
    child.write_text("\n".join(child_lines()))  # the last line without its newline
    return parent, child
