"""The shapes swarmtop reads of a Codex rollout's lines (msgspec Structs naming only the fields
read, and their decoders), and the recorder's compact prefix that says, before any parsing,
whether a line is of a kind read at all (codex.py reads them)."""

from __future__ import annotations

from typing import Any

import msgspec

from swarmtop.sources.decoders.common import Count, Figure

_HEAD = b'{"timestamp":"'
_PAYLOAD_TYPE = b',"payload":{"type":"'
# what is read of each kind; other lines with the recorder's prefix are passed over
_EVENTS = {b"token_count", b"user_message", b"task_started", b"turn_started",
           b"task_complete", b"turn_complete", b"turn_aborted", b"mcp_tool_call_end"}
_ITEMS = {b"function_call", b"function_call_output", b"custom_tool_call",
          b"custom_tool_call_output", b"local_shell_call"}
_KINDS = {b"session_meta", b"turn_context"}


class _Line(msgspec.Struct):
    timestamp: str | None = None
    type: str | None = None
    payload: msgspec.Raw = msgspec.Raw(b"null")


# a usage as (input, cached input, output, reasoning output, total) tokens
_Key = tuple[int, int, int, int, int]
# a rate-limit reading as (used %, window minutes, resets at, plan)
_Reading = tuple[float, int | None, float | None, str]


class _Usage(msgspec.Struct):
    input_tokens: Count | None = None
    cached_input_tokens: Count | None = None
    output_tokens: Count | None = None
    reasoning_output_tokens: Count | None = None
    total_tokens: Count | None = None

    def key(self) -> _Key:
        return (self.input_tokens or 0, self.cached_input_tokens or 0, self.output_tokens or 0,
                self.reasoning_output_tokens or 0, self.total_tokens or 0)


class _Info(msgspec.Struct):
    total_token_usage: _Usage | None = None
    last_token_usage: _Usage | None = None
    model_context_window: Count | None = None


class _Window(msgspec.Struct):
    used_percent: Figure | None = None
    window_minutes: Count | None = None
    resets_at: Figure | None = None  # epoch seconds
    resets_in_seconds: Count | None = None  # older versions


class _RateLimits(msgspec.Struct):
    limit_id: str | None = None
    primary: _Window | None = None
    secondary: _Window | None = None
    plan_type: Any = None


class _TokenCount(msgspec.Struct):
    info: _Info | None = None
    rate_limits: _RateLimits | None = None


class _Meta(msgspec.Struct):
    id: str | None = None
    timestamp: str | None = None
    cwd: str | None = None
    source: Any = None  # "cli" | "exec" | {"subagent": "review" | {"thread_spawn": {...}}}
    forked_from_id: str | None = None
    agent_nickname: str | None = None
    agent_role: str | None = None


class _TurnContext(msgspec.Struct):
    model: str | None = None
    cwd: str | None = None


class _Event(msgspec.Struct):
    """An ``event_msg`` payload: the fields of the kinds read (each kind has some)."""

    type: str | None = None
    message: Any = None  # user_message: the prompt
    turn_id: str | None = None
    started_at: Figure | None = None  # task_started, epoch seconds
    call_id: str | None = None  # mcp_tool_call_end: the call it ends
    result: Any = None  # mcp_tool_call_end: {"Ok": CallToolResult} | {"Err": "why"}


class _Item(msgspec.Struct):
    """A ``response_item`` payload of a tool call or its output."""

    type: str | None = None
    name: str | None = None
    call_id: str | None = None
    arguments: Any = None  # function_call: a JSON string
    input: Any = None  # custom_tool_call: text
    action: Any = None  # local_shell_call: {"command": [...]}
    output: Any = None  # *_output: text (or {"content", "success"})


_line_decoder = msgspec.json.Decoder(_Line)
_decoders: dict[str, msgspec.json.Decoder[Any]] = {
    "token_count": msgspec.json.Decoder(_TokenCount),
    "session_meta": msgspec.json.Decoder(_Meta),
    "turn_context": msgspec.json.Decoder(_TurnContext),
    "event_msg": msgspec.json.Decoder(_Event),
    "response_item": msgspec.json.Decoder(_Item),
}


def head(line: bytes) -> tuple[bytes, bytes] | None:
    """(kind, payload type) from the recorder's compact prefix; None when the line does not
    open the way the recorder writes it (then it is parsed whole)."""
    if not line.startswith(_HEAD):
        return None
    i = line.find(b'","type":"', 14, 64)
    if i < 0:
        return None
    j = line.find(b'"', i + 10, i + 40)
    if j < 0:
        return None
    kind = line[i + 10 : j]
    sub = b""
    if line.startswith(_PAYLOAD_TYPE, j + 1):
        k = j + 1 + len(_PAYLOAD_TYPE)
        e = line.find(b'"', k, k + 48)
        if e > 0:
            sub = line[k:e]
    return kind, sub


def wanted(kind: bytes, sub: bytes) -> bool:
    if kind == b"event_msg":
        return sub in _EVENTS or not sub
    if kind == b"response_item":
        return sub in _ITEMS or not sub
    return kind in _KINDS

