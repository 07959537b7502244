"""``claude -p --output-format stream-json`` output: one JSON event per line.

``assistant`` lines carry ``message.usage`` per API response (repeated on each content-block
line, like transcripts: deduplicated on ``message.id``). The final ``result`` line of a run
states its totals: ``total_cost_usd``, ``usage`` (the main model's) and ``modelUsage`` (per
model: tokens and ``costUSD``, including models no assistant line shows, such as the small
model Claude Code calls in the background). Counted once, with the stated cost winning: the
run's calls of one model form a group (``LLMCall.group``) and the result line restates each
group's totals (``restates``): the core adds only the tokens beyond what the assistant lines
counted and replaces their computed cost by the stated one; a model with no assistant line
is one call of its own. One ``claude -p`` run is one result (the SDK's "each query() call
reports its own cost"): calls after a result start new groups.

Times: newer versions write ``timestamp`` on assistant and user lines; the result and system
lines have none and take the time of the line before them in the file. A line with no time
and none before it (older captures have no timestamps at all) is ``UNTIMED``: counted in the
totals, kept out of rates and uptime (core/aggregator.py).
"""

from __future__ import annotations

from collections import OrderedDict

import msgspec

from swarmtop.events import UNTIMED, AgentInfo, Event, LLMCall, ToolCall
from swarmtop.sources.decoders.claude_code import SYNTHETIC
from swarmtop.sources.decoders.claude_code_records import _Message, _Usage, _UserMessage
from swarmtop.sources.decoders.common import Amount, Count, decode_or_bad, event_time
from swarmtop.sources.decoders.summaries import tool_summary

_MAX_SESSIONS = 10_000
_MAX_IDS = 100_000


class _ModelUsage(msgspec.Struct):
    """One model's figures in a result line's ``modelUsage`` (camelCase, as written)."""

    inputTokens: Count | None = None
    outputTokens: Count | None = None
    cacheReadInputTokens: Count | None = None
    cacheCreationInputTokens: Count | None = None
    costUSD: Amount | None = None


class _Record(msgspec.Struct):
    type: str | None = None
    subtype: str | None = None
    session_id: str | None = None
    parent_tool_use_id: str | None = None
    timestamp: str | None = None  # assistant and user lines of newer versions
    model: str | None = None  # system/init
    message: _Message | None = None
    usage: _Usage | None = None  # result
    modelUsage: dict[str, _ModelUsage] | None = None  # result
    total_cost_usd: Amount | None = None  # (a negative cost or duration is a bad line)
    is_error: bool | None = None
    duration_api_ms: Amount | None = None


class _UserRecord(msgspec.Struct):
    type: str | None = None
    session_id: str | None = None
    parent_tool_use_id: str | None = None
    timestamp: str | None = None
    message: _UserMessage | None = None


_decoder = msgspec.json.Decoder(_Record)
_user_decoder = msgspec.json.Decoder(_UserRecord)
_TYPES = (b'"assistant"', b'"result"', b'"system"', b'"user"')


class _Session:
    __slots__ = ("model", "run", "models", "calls", "counted", "last")

    def __init__(self) -> None:
        self.model = "unknown"
        self.run = 0  # results seen: the run the next calls belong to
        self.models: set[str] = set()  # models of the calls counted in this run
        self.calls = 0
        self.counted = [0, 0, 0, 0]  # this run's tokens counted from assistant lines
        # the last response counted: (message id, model, agent, its four figures)
        self.last: tuple[str, str, str, tuple[int, int, int, int]] | None = None

    def group(self, sid: str, model: str) -> str:
        return f"{sid}#{self.run}\x1f{model}"


def _four(u: _Usage) -> tuple[int, int, int, int]:
    return (u.input_tokens or 0, u.output_tokens or 0, u.cache_read_input_tokens or 0,
            u.cache_creation_input_tokens or 0)


class ClaudeStreamDecoder:
    name = "claude-stream"

    def __init__(self) -> None:
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._seen: OrderedDict[str, None] = OrderedDict()
        # tool_use id -> (tool, summary, agent, start time): its tool_result ends it
        self._tools: OrderedDict[str, tuple[str, str, str, float]] = OrderedDict()
        self._agents: set[str] = set()
        self._times: OrderedDict[str, float] = OrderedDict()  # source -> its latest time

    def _session(self, sid: str) -> _Session:
        s = self._sessions.get(sid)
        if s is None:
            s = self._sessions[sid] = _Session()
            if len(self._sessions) > _MAX_SESSIONS:
                self._sessions.popitem(last=False)
        return s

    def _time(self, source: str, stamp: str | None) -> float:
        """The line's own time, else that of the line before it in the file, else UNTIMED."""
        ts = event_time(stamp) if stamp else None
        if ts is None:
            return self._times.get(source, UNTIMED)
        if source not in self._times and len(self._times) >= _MAX_SESSIONS:
            self._times.popitem(last=False)
        self._times[source] = ts
        return ts

    def decode(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        if not any(t in line for t in _TYPES):
            return []
        if b'"tool_result"' in line:
            return self._tool_results(line, source, offset, now)
        rec, bad = decode_or_bad(_decoder, line, source, offset, now, "unexpected record shape")
        if rec is None:
            return bad
        sid = rec.session_id or "(no session)"
        ts = self._time(source, rec.timestamp)
        if rec.type == "system":
            if rec.model:
                self._session(sid).model = rec.model
            return []
        if rec.type == "assistant":
            return self._assistant(rec, sid, source, ts)
        if rec.type == "result":
            return self._result(rec, sid, source, ts)
        return []

    def _assistant(self, rec: _Record, sid: str, source: str, ts: float) -> list[Event]:
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
        model = msg.model or s.model
        s.model = model
        i, o, cr, cw = _four(u)
        cw1h = min(cw, (u.cache_creation.ephemeral_1h_input_tokens or 0)
                   if u.cache_creation is not None else 0)
        s.models.add(model)
        s.calls += 1
        for k, v in enumerate((i, o, cr, cw)):
            s.counted[k] += v
        agent = f"{sid}/{rec.parent_tool_use_id}" if rec.parent_tool_use_id else sid
        if msg.id:
            s.last = (msg.id, model, agent, (i, o, cr, cw))
        out: list[Event] = []
        if agent not in self._agents and len(self._agents) < _MAX_SESSIONS:
            self._agents.add(agent)
            out.append(AgentInfo(ts=ts, source=source, agent=agent,
                                 parent=sid if agent != sid else "", agent_kind="claude-stream"))
        out.append(LLMCall(ts=ts, source=source, model=model, agent=agent, input_tokens=i,
                           output_tokens=o, cache_read_tokens=cr, cache_write_tokens=cw,
                           cache_write_1h_tokens=cw1h, dedupe_key=msg.id,
                           group=s.group(sid, model)))
        for b in msg.content if isinstance(msg.content, list) else ():
            if b.type == "tool_use" and b.id and b.id not in self._tools:
                summary, _ = tool_summary(b.name or "", b.input)
                self._tools[b.id] = (b.name or "(unknown tool)", summary, agent, ts)
                if len(self._tools) > _MAX_IDS:
                    self._tools.popitem(last=False)
                out.append(ToolCall(ts=ts, source=source, tool=b.name or "(unknown tool)",
                                    agent=agent, call_id=b.id, phase="start", summary=summary))
        return out

    def _tool_results(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        rec, bad = decode_or_bad(_user_decoder, line, source, offset, now,
                                 "unexpected record shape")
        if rec is None:
            return bad
        ts = self._time(source, rec.timestamp)
        content = rec.message.content if rec.message is not None else None
        out: list[Event] = []
        for block in content if isinstance(content, list) else ():
            if block.type != "tool_result" or not block.tool_use_id:
                continue
            tool, summary, agent, start = self._tools.pop(block.tool_use_id, (
                "(unknown tool)", "", rec.session_id or "(no session)", UNTIMED))
            took = (ts - start) * 1000.0 if UNTIMED not in (ts, start) and ts >= start else None
            out.append(ToolCall(ts=ts, source=source, tool=tool, agent=agent,
                                call_id=block.tool_use_id, phase="end", ok=not block.is_error,
                                summary=summary, duration_ms=took))
        return out

    def _result(self, rec: _Record, sid: str, source: str, ts: float) -> list[Event]:
        s = self._session(sid)
        ok = not rec.is_error
        out: list[Event] = []
        # the run's latency goes with a call the result makes, not onto growth of calls
        # already counted (each of those had its own)
        latency = rec.duration_api_ms if s.calls == 0 else None
        if rec.modelUsage:
            for model, m in rec.modelUsage.items():
                out.append(LLMCall(
                    ts=ts, source=source, model=model, agent=sid,
                    input_tokens=m.inputTokens or 0, output_tokens=m.outputTokens or 0,
                    cache_read_tokens=m.cacheReadInputTokens or 0,
                    cache_write_tokens=m.cacheCreationInputTokens or 0, cost_usd=m.costUSD,
                    ok=ok, latency_ms=latency if model == s.model else None,
                    group=s.group(sid, model), restates=True))
        elif rec.usage is not None:
            i, o, cr, cw = _four(rec.usage)
            if len(s.models) <= 1:
                # one model (or none seen): the result's usage and cost are its totals
                model = next(iter(s.models), s.model)
                out.append(LLMCall(ts=ts, source=source, model=model, agent=sid,
                                   input_tokens=i, output_tokens=o, cache_read_tokens=cr,
                                   cache_write_tokens=cw, cost_usd=rec.total_cost_usd, ok=ok,
                                   latency_ms=latency, group=s.group(sid, model),
                                   restates=True))
            elif s.last is not None:
                # several models and no per-model figures: the cost cannot be apportioned
                # (it stays the price table's); the tokens the stream under-reported are
                # growth of the last response, under its key (never a call of their own)
                mid, model, agent, (li, lo, lcr, lcw) = s.last
                ci, co, ccr, ccw = s.counted
                out.append(LLMCall(ts=ts, source=source, model=model, agent=agent,
                                   input_tokens=li + max(0, i - ci),
                                   output_tokens=lo + max(0, o - co),
                                   cache_read_tokens=lcr + max(0, cr - ccr),
                                   cache_write_tokens=lcw + max(0, cw - ccw),
                                   ok=ok, dedupe_key=mid))
        s.run += 1
        s.models = set()
        s.calls = 0
        s.counted = [0, 0, 0, 0]
        s.last = None
        return out
