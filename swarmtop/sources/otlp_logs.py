"""OTLP log records and metrics into events: the agent CLIs' own telemetry, and plain logs.

Log records are events by their ``event.name`` (the record's ``event_name`` field, else its
``event.name`` attribute; a bare name such as Claude Code's ``api_request`` is completed from
the body, ``claude_code.api_request``):

- Claude Code: ``claude_code.api_request`` → LLMCall (model, the stated ``cost_usd``,
  ``input_tokens``/``output_tokens``/``cache_read_tokens``/``cache_creation_tokens`` as given —
  they exclude the cache already — ``duration_ms``); ``claude_code.api_error`` → a failed call;
  ``claude_code.tool_result`` → ToolCall (``tool_name``, ``duration_ms``, ``success``). The agent
  is ``session.id``; a sub-agent's records (``agent.name``, or ``query_source`` "subagent") are
  its own agent under the session.
- Codex: ``codex.sse_event`` (and ``codex.websocket_event``) of kind ``response.completed`` →
  LLMCall (input = ``input_token_count`` − ``cached_token_count``, cache_read = cached, output =
  ``output_token_count``, reasoning already inside it); ``codex.api_request`` with an error →
  a failed call; ``codex.tool_result`` → ToolCall. The agent is ``conversation.id``.
- Gemini CLI: ``gemini_cli.api_response`` → LLMCall (input = ``input_token_count`` −
  ``cached_content_token_count`` + ``tool_token_count``, cache_read = cached, output =
  ``output_token_count`` + ``thoughts_token_count``: the four add up to Gemini's total);
  ``gemini_cli.api_error`` → a failed call; ``gemini_cli.tool_call`` → ToolCall. The agent is
  ``session.id``.
- other events of those CLIs, and GenAI convention events (``gen_ai.*``, which restate spans):
  counted, not mapped. A record with no event name and a body is a LogLine (its severity as
  the level).

Metrics are custom metrics (MetricEvent: a delta sum as a ``counter``, a cumulative sum or a
gauge as a ``gauge``; the ``type`` attribute, when there is one, joins the name); histograms
and summaries are counted only. Claude Code's ``claude_code.token.usage`` and
``claude_code.cost.usage`` are also usage for a session that sends no ``api_request`` events,
and never both (``otlp_claude_usage``); ``gen_ai.client.token.usage`` restates spans: never
tokens.

A record seen before (same time, name and attributes: an exporter's retry) is not mapped again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

from swarmtop.events import AgentInfo, Event, LLMCall, LogLine, MetricEvent, ToolCall
from swarmtop.sources.otlp_claude_usage import USAGE_METRICS, ClaudeUsage
from swarmtop.sources.otlp_model import (
    Attrs,
    Batch,
    LogRecord,
    as_bool,
    as_float,
    as_int,
    as_str,
)
from swarmtop.timeparse import parse_ts

MEMORY = 50_000  # log records remembered, to skip a retried request's
MAX_POINTS = 1_000  # metric data points mapped per request (more are counted only)
TEXT_CHARS = 2_000
SUMMARY_CHARS = 200

_LEVELS = {"trace": "debug", "debug": "debug", "info": "info", "information": "info",
           "notice": "info", "warn": "warning", "warning": "warning", "error": "error",
           "err": "error", "fatal": "critical", "critical": "critical"}


_CLAUDE_BARE = frozenset({"api_request", "api_error", "tool_result"})


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def event_name(rec: LogRecord, service: str) -> str:
    name = rec.event_name or as_str(rec.attrs.get("event.name"))
    body = rec.body if isinstance(rec.body, str) else ""
    if name and "." not in name:
        if body.endswith("." + name) and " " not in body:
            return body
        if service.startswith("claude-code") or (name in _CLAUDE_BARE
                                                 and "session.id" in rec.attrs):
            return "claude_code." + name
    if not name and body.startswith(("claude_code.", "codex.", "gemini_cli.")) and " " not in body:
        return body
    return name


def _ts(rec: LogRecord, now: float) -> float:
    stamp = rec.attrs.get("event.timestamp")
    if isinstance(stamp, str):
        ts = parse_ts(stamp)
        if ts is not None:
            return ts
    ns = rec.time_ns or rec.observed_ns
    return ns / 1e9 if ns else now


def _n(a: Attrs, key: str) -> int:
    return as_int(a.get(key)) or 0


class LogMapper:
    """Maps log records and metric points of export requests to events (one mapper per
    source, one thread at a time)."""

    def __init__(self, memory: int = MEMORY) -> None:
        self.memory = memory
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._agents: OrderedDict[str, None] = OrderedDict()  # agents introduced already
        self.usage = ClaudeUsage()  # Claude Code's usage metrics, for sessions without events
        self.skipped_repeats = 0

    # ---- logs -------------------------------------------------------------------------------
    def map_logs(self, batch: Batch, source: str, now: float) -> list[Event]:
        out: list[Event] = []
        for res in batch.resources:
            service = res.service
            for rec in res.logs:
                if not self._first_time(rec):
                    self.skipped_repeats += 1
                    continue
                name = event_name(rec, service)
                self._record(rec, name, service, source, now, out)
        return out

    def _first_time(self, rec: LogRecord) -> bool:
        if not (rec.time_ns or rec.observed_ns):
            return True  # nothing to know a repeat by
        return self._new_key((rec.time_ns, rec.observed_ns, rec.event_name, repr(rec.body),
                              tuple(sorted(map(repr, rec.attrs.items())))))

    def _new_key(self, what: tuple[Hashable, ...]) -> bool:
        key = hash(what)
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self.memory:
            self._seen.popitem(last=False)
        return True

    def _record(self, rec: LogRecord, name: str, service: str, source: str, now: float,
                out: list[Event]) -> None:
        a = rec.attrs
        if name.startswith("claude_code."):
            kind = name[len("claude_code."):]
            if kind in ("api_request", "api_error", "tool_result"):
                agent = self._claude_agent(a, _ts(rec, now), source, out)
                if kind == "tool_result":
                    out.append(self._tool(a, "tool_name", agent, _ts(rec, now), source))
                else:
                    call = self._claude_call(a, kind == "api_error", agent, _ts(rec, now),
                                             source)
                    if kind == "api_request":
                        session = as_str(a.get("session.id")) or "claude-code"
                        call = self.usage.event(call, session)
                    out.append(call)
        elif name.startswith("codex."):
            agent = as_str(a.get("conversation.id")) or service or "codex"
            if name in ("codex.sse_event", "codex.websocket_event"):
                if as_str(a.get("event.kind")) == "response.completed":
                    self._introduce(agent, "codex", "Codex", _ts(rec, now), source, out)
                    out.append(self._codex_call(a, agent, _ts(rec, now), source))
            elif name == "codex.api_request" and _codex_failed(a):
                self._introduce(agent, "codex", "Codex", _ts(rec, now), source, out)
                out.append(LLMCall(ts=_ts(rec, now), source=source,
                                   model=as_str(a.get("model")) or "unknown", agent=agent,
                                   input_tokens=0, output_tokens=0, ok=False,
                                   latency_ms=as_float(a.get("duration_ms"))))
            elif name == "codex.tool_result":
                self._introduce(agent, "codex", "Codex", _ts(rec, now), source, out)
                out.append(self._tool(a, "tool_name", agent, _ts(rec, now), source))
        elif name.startswith("gemini_cli."):
            agent = as_str(a.get("session.id")) or service or "gemini-cli"
            if name in ("gemini_cli.api_response", "gemini_cli.api_error"):
                self._introduce(agent, "gemini", "Gemini CLI", _ts(rec, now), source, out)
                out.append(self._gemini_call(a, name.endswith("error"), agent, _ts(rec, now),
                                             source))
            elif name == "gemini_cli.tool_call":
                self._introduce(agent, "gemini", "Gemini CLI", _ts(rec, now), source, out)
                out.append(self._tool(a, "function_name", agent, _ts(rec, now), source))
        elif not name and rec.body is not None:
            text = rec.body if isinstance(rec.body, str) else repr(rec.body)
            level = _LEVELS.get(rec.severity.strip().lower(), "info")
            agent = as_str(a.get("gen_ai.agent.name")) or service
            out.append(LogLine(ts=_ts(rec, now), source=source, level=level,
                               text=_clip(text, TEXT_CHARS), agent=agent))

    def _introduce(self, agent: str, kind: str, label: str, ts: float, source: str,
                   out: list[Event], parent: str = "", name: str = "") -> None:
        if agent in self._agents:
            return
        self._agents[agent] = None
        if len(self._agents) > self.memory:
            self._agents.popitem(last=False)
        out.append(AgentInfo(ts=ts, source=source, agent=agent,
                             name=name or f"{label} {agent[:8]}", parent=parent,
                             agent_kind=kind))

    def _claude_agent(self, a: Attrs, ts: float, source: str, out: list[Event]) -> str:
        session = as_str(a.get("session.id")) or "claude-code"
        self._introduce(session, "claude-code", "Claude Code", ts, source, out)
        sub = as_str(a.get("agent.name"))
        if not sub and as_str(a.get("query_source")) == "subagent":
            sub = "subagent"
        if not sub:
            return session
        agent = f"{session}/{sub}"
        self._introduce(agent, "claude-code", "Claude Code", ts, source, out, parent=session,
                        name=sub)
        return agent

    @staticmethod
    def _claude_call(a: Attrs, failed: bool, agent: str, ts: float, source: str) -> LLMCall:
        cost = as_float(a.get("cost_usd"))
        ok = not failed and not a.get("error")
        return LLMCall(
            ts=ts, source=source, model=as_str(a.get("model")) or "unknown", agent=agent,
            input_tokens=_n(a, "input_tokens"), output_tokens=_n(a, "output_tokens"),
            cache_read_tokens=_n(a, "cache_read_tokens"),
            cache_write_tokens=_n(a, "cache_creation_tokens"),
            latency_ms=as_float(a.get("duration_ms")),
            cost_usd=cost if cost is not None and cost >= 0 else None, ok=ok,
        )

    @staticmethod
    def _codex_call(a: Attrs, agent: str, ts: float, source: str) -> LLMCall:
        total_in = _n(a, "input_token_count")
        cached = _n(a, "cached_token_count")
        return LLMCall(
            ts=ts, source=source, model=as_str(a.get("model")) or "unknown", agent=agent,
            input_tokens=max(0, total_in - cached), output_tokens=_n(a, "output_token_count"),
            cache_read_tokens=cached, latency_ms=as_float(a.get("duration_ms")),
        )

    @staticmethod
    def _gemini_call(a: Attrs, failed: bool, agent: str, ts: float, source: str) -> LLMCall:
        cached = _n(a, "cached_content_token_count")
        status = as_int(a.get("status_code"))
        ok = not failed and not a.get("error") and not (status is not None and status >= 400)
        return LLMCall(
            ts=ts, source=source, model=as_str(a.get("model")) or "unknown", agent=agent,
            input_tokens=max(0, _n(a, "input_token_count") - cached + _n(a, "tool_token_count")),
            output_tokens=_n(a, "output_token_count") + _n(a, "thoughts_token_count"),
            cache_read_tokens=cached, latency_ms=as_float(a.get("duration_ms")), ok=ok,
        )

    @staticmethod
    def _tool(a: Attrs, name_key: str, agent: str, ts: float, source: str) -> ToolCall:
        ok = as_bool(a.get("success"))
        error = as_str(a.get("error")) or as_str(a.get("error.message"))
        ok = (not error) if ok is None else ok
        args = as_str(a.get("arguments")) or as_str(a.get("tool_parameters")) \
            or as_str(a.get("function_args"))
        return ToolCall(
            ts=ts, source=source, tool=as_str(a.get(name_key)) or "tool", agent=agent,
            call_id=as_str(a.get("call_id")) or as_str(a.get("tool_use_id")), phase="end",
            duration_ms=as_float(a.get("duration_ms")), ok=ok,
            summary=_clip(args, SUMMARY_CHARS),
            error=_clip(error or ("" if ok else "failed"), SUMMARY_CHARS),
        )

    # ---- metrics ----------------------------------------------------------------------------
    def map_metrics(self, batch: Batch, source: str, now: float) -> list[Event]:
        out: list[Event] = []
        shown = 0
        for res in batch.resources:
            service = res.service
            for p in res.points:
                if p.value is None or p.kind not in ("sum", "gauge"):
                    continue
                if p.time_ns and not self._new_key((p.metric, p.time_ns, p.value,
                                                    tuple(sorted(map(repr, p.attrs.items()))))):
                    self.skipped_repeats += 1
                    continue
                ts = p.time_ns / 1e9 if p.time_ns else now
                if p.metric in USAGE_METRICS:
                    self.usage.point(p, res.attrs, ts)
                if shown >= MAX_POINTS:
                    continue  # counted (accepted), not shown
                shown += 1
                kind = "counter" if p.kind == "sum" and p.delta else "gauge"
                typ = as_str(p.attrs.get("type"))
                name = f"{p.metric}.{typ}" if typ else p.metric
                agent = as_str(p.attrs.get("session.id")) or service
                out.append(MetricEvent(ts=ts, source=source, name=name, value=p.value,
                                       unit=p.unit, agent=agent, metric_kind=kind))
        for call in self.usage.flush(source):
            self._introduce(call.agent, "claude-code", "Claude Code", call.ts, source, out)
            out.append(call)
        return out


def _codex_failed(a: Attrs) -> bool:
    status = as_int(a.get("http.response.status_code"))
    return bool(as_str(a.get("error.message"))) or (status is not None and status >= 400)
