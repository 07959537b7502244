"""``claude -p --output-format stream-json`` output: one JSON event per line.

``assistant`` lines carry ``message.usage`` per API response (repeated on each content-block
line, like transcripts: deduplicated on ``message.id``). The final ``result`` line carries the
run's totals (``usage``, ``total_cost_usd``). Tokens are counted once: when a session's
assistant lines were seen, the result line only adds what they did not already count (streamed
usage can under-report output); when none were seen, the result line is the one call, with its
stated cost.
"""

from __future__ import annotations

from collections import OrderedDict

import msgspec

from swarmtop.events import AgentInfo, Event, LLMCall, ToolCall
from swarmtop.sources.decoders.claude_code import (
    SYNTHETIC,
    _Message,
    _Usage,
    _UserMessage,
    tool_summary,
)
from swarmtop.sources.decoders.common import Amount, decode_or_bad

_MAX_SESSIONS = 10_000
_MAX_IDS = 100_000


class _Record(msgspec.Struct):
    type: str | None = None
    subtype: str | None = None
    session_id: str | None = None
    parent_tool_use_id: str | None = None
    model: str | None = None  # system/init
    message: _Message | None = None
    usage: _Usage | None = None  # result
    total_cost_usd: Amount | None = None  # (a negative cost or duration is a bad line)
    is_error: bool | None = None
    duration_api_ms: Amount | None = None


class _UserRecord(msgspec.Struct):
    type: str | None = None
    session_id: str | None = None
    parent_tool_use_id: str | None = None
    message: _UserMessage | None = None


_decoder = msgspec.json.Decoder(_Record)
_user_decoder = msgspec.json.Decoder(_UserRecord)
_TYPES = (b'"assistant"', b'"result"', b'"system"', b'"user"')


class _Session:
    __slots__ = ("model", "input", "output", "cache_read", "cache_write", "calls", "last")

    def __init__(self) -> None:
        self.model = "unknown"
        self.input = self.output = self.cache_read = self.cache_write = self.calls = 0
        # the last response counted: (message id, model, agent, its four figures)
        self.last: tuple[str, str, str, tuple[int, int, int, int]] | None = None


class ClaudeStreamDecoder:
    name = "claude-stream"

    def __init__(self) -> None:
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._seen: OrderedDict[str, None] = OrderedDict()
        # tool_use id -> (tool, summary, agent): its tool_result ends it (stream-json lines
        # carry no time, so a tool call's duration is not known)
        self._tools: OrderedDict[str, tuple[str, str, str]] = OrderedDict()
        self._agents: set[str] = set()

    def _session(self, sid: str) -> _Session:
        s = self._sessions.get(sid)
        if s is None:
            s = self._sessions[sid] = _Session()
            if len(self._sessions) > _MAX_SESSIONS:
                self._sessions.popitem(last=False)
        return s

    def decode(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        if not any(t in line for t in _TYPES):
            return []
        if b'"tool_result"' in line:
            return self._tool_results(line, source, offset, now)
        rec, bad = decode_or_bad(_decoder, line, source, offset, now, "unexpected record shape")
        if rec is None:
            return bad
        sid = rec.session_id or "(no session)"
        if rec.type == "system":
            if rec.model:
                self._session(sid).model = rec.model
            return []
        if rec.type == "assistant":
            return self._assistant(rec, sid, source, now)
        if rec.type == "result":
            return self._result(rec, sid, source, now)
        return []

    def _assistant(self, rec: _Record, sid: str, source: str, now: float) -> list[Event]:
        msg = rec.message
        if msg is None or msg.usage is None or msg.model == SYNTHETIC:
            return []
        if msg.id:
            if msg.id in self._seen:
                return []  # another content block of a response already counted
            self._seen[msg.id] = None
            if len(self._seen) > _MAX_IDS:
                self._seen.popitem(last=False)
        u = msg.usage
        s = self._session(sid)
        s.model = msg.model or s.model
        i, o = max(0, u.input_tokens or 0), max(0, u.output_tokens or 0)
        cr = max(0, u.cache_read_input_tokens or 0)
        cw = max(0, u.cache_creation_input_tokens or 0)
        s.input += i
        s.output += o
        s.cache_read += cr
        s.cache_write += cw
        s.calls += 1
        agent = f"{sid}/{rec.parent_tool_use_id}" if rec.parent_tool_use_id else sid
        if msg.id:
            s.last = (msg.id, msg.model or "unknown", agent, (i, o, cr, cw))
        out: list[Event] = []
        if agent not in self._agents and len(self._agents) < _MAX_SESSIONS:
            self._agents.add(agent)
            out.append(AgentInfo(ts=now, source=source, agent=agent,
                                 parent=sid if agent != sid else "", agent_kind="claude-stream"))
        out.append(LLMCall(ts=now, source=source, model=msg.model or "unknown", agent=agent,
                           input_tokens=i, output_tokens=o, cache_read_tokens=cr,
                           cache_write_tokens=cw, dedupe_key=msg.id))
        for b in msg.content if isinstance(msg.content, list) else ():
            if b.type == "tool_use" and b.id and b.id not in self._tools:
                summary, _ = tool_summary(b.name or "", b.input)
                self._tools[b.id] = (b.name or "(unknown tool)", summary, agent)
                if len(self._tools) > _MAX_IDS:
                    self._tools.popitem(last=False)
                out.append(ToolCall(ts=now, source=source, tool=b.name or "(unknown tool)",
                                    agent=agent, call_id=b.id, phase="start", summary=summary))
        return out

    def _tool_results(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        rec, bad = decode_or_bad(_user_decoder, line, source, offset, now,
                                 "unexpected record shape")
        if rec is None:
            return bad
        content = rec.message.content if rec.message is not None else None
        out: list[Event] = []
        for block in content if isinstance(content, list) else ():
            if block.type != "tool_result" or not block.tool_use_id:
                continue
            tool, summary, agent = self._tools.pop(block.tool_use_id, (
                "(unknown tool)", "", rec.session_id or "(no session)"))
            out.append(ToolCall(ts=now, source=source, tool=tool, agent=agent,
                                call_id=block.tool_use_id, phase="end", ok=not block.is_error,
                                summary=summary))
        return out

    def _result(self, rec: _Record, sid: str, source: str, now: float) -> list[Event]:
        u = rec.usage
        s = self._sessions.pop(sid, None) or _Session()
        if u is None:
            return []
        i, o = max(0, u.input_tokens or 0), max(0, u.output_tokens or 0)
        cr = max(0, u.cache_read_input_tokens or 0)
        cw = max(0, u.cache_creation_input_tokens or 0)
        ok = not rec.is_error
        if s.calls == 0:
            return [LLMCall(ts=now, source=source, model=s.model, agent=sid, input_tokens=i,
                            output_tokens=o, cache_read_tokens=cr, cache_write_tokens=cw,
                            cost_usd=rec.total_cost_usd, latency_ms=rec.duration_api_ms, ok=ok)]
        rest = (max(0, i - s.input), max(0, o - s.output), max(0, cr - s.cache_read),
                max(0, cw - s.cache_write))
        if not any(rest):
            return []
        if s.last is not None:
            # what the stream under-reported belongs to the responses already counted, not to
            # a call of its own (a one-call capture is one call): it is counted as growth of
            # the last response, under its key
            mid, model, agent, (li, lo, lcr, lcw) = s.last
            return [LLMCall(ts=now, source=source, model=model, agent=agent,
                            input_tokens=li + rest[0], output_tokens=lo + rest[1],
                            cache_read_tokens=lcr + rest[2], cache_write_tokens=lcw + rest[3],
                            ok=ok, dedupe_key=mid)]
        return [LLMCall(ts=now, source=source, model=s.model, agent=sid, input_tokens=rest[0],
                        output_tokens=rest[1], cache_read_tokens=rest[2],
                        cache_write_tokens=rest[3], ok=ok)]
