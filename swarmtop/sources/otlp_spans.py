"""GenAI spans (OpenTelemetry semantic conventions, and OpenInference) into events.

What a span is (``classify``):

- a **call**: ``gen_ai.operation.name`` (or the first word of the span name) is chat,
  text_completion, generate_content or embeddings; OpenInference kind LLM or EMBEDDING; or any
  span that states token usage. → ``LLMCall``: model from ``gen_ai.response.model`` else
  ``gen_ai.request.model`` (``llm.model_name``); tokens from ``gen_ai.usage.*`` (legacy
  ``prompt_tokens``/``completion_tokens``, OpenInference ``llm.token_count.*``), where swarmtop's
  input = input_tokens − cache_read − cache_creation (the convention's input includes the
  cache); latency = the span's duration; ok unless status ERROR or ``error.type``; a stated
  ``gen_ai.usage.cost`` wins over the price table.
- an **agent**: ``invoke_agent`` (OpenInference AGENT). → ``AgentInfo`` (kind "otel", parent =
  the enclosing agent) and a ``TaskEvent`` (pattern "agent", duration, status). Identity =
  ``gen_ai.agent.id``, else ``gen_ai.agent.name``, else the name after "invoke_agent ".
- a **tool**: ``execute_tool`` (OpenInference TOOL). → ``ToolCall(phase="end")``.

Every span belongs to the agent of its nearest agent ancestor, else to the agent it names
itself (``gen_ai.agent.*``), else to its resource's ``service.name``.

**Usage is counted at the leaves only.** An ``invoke_agent`` span may carry the sum of its
children's usage (pydantic-ai issue #3995), and two instrumentations may nest a chat span in a
chat span: a span's usage counts only when no span below it states usage or is a call. Deciding
that needs the tree, so a whole request (or file line) is mapped at once: spans are grouped by
trace, linked to their parents, and the spans seen before are remembered (bounded).

**Exporters send a span when it ends**, so children, which end first, often arrive in an
earlier request than their ``invoke_agent`` parent (BatchSpanProcessor cuts its batches
anywhere). A span whose walk up stops at a span not seen yet (and that names no agent itself)
is **held** (``_Held``), keyed by that missing span, until it arrives — then the walk goes on
from there — or for at most ``hold_s`` (10 s of arrival time): then it is mapped under its
service, and the missing span is marked long-running, so that what comes under it later is not
held again (an agent that runs for minutes). A service whose waits end so three times in a row
(its traces begin in a service that sends elsewhere) does not wait for a minute, then tries
again. The other way round, an agent span that states usage and has no call below it yet keeps
that usage back for ``hold_s`` (its children may come later: another process, a retried
request); a call below it in that time means it is not counted. Held spans are bounded
(``MAX_HELD``; past it the oldest go out at once), never dropped: ``expire(now)`` hands on what
is due (the receiver asks every second), ``drain()`` everything (the end of a file, a receiver
closing).

A span seen before (the same trace and span id: an exporter retrying a request that timed out)
is not mapped again. Spans of the agent CLIs' own services (Claude Code, Codex, Gemini CLI) are
counted but not mapped: their log events (``otlp_logs``) carry the same calls.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from swarmtop.events import AgentInfo, Event, LLMCall, TaskEvent, ToolCall
from swarmtop.sources.otlp_model import (
    Batch,
    Span,
    as_float,
    as_str,
)
from swarmtop.sources.otlp_span_attrs import (
    CACHE_READ,
    CACHE_WRITE,
    CALL_OPS,
    COST,
    INPUT,
    MODEL,
    OUTPUT,
    TOOL_OPS,
    agent_identity,
    classify,
    clip,
    first,
    first_int,
    has_usage,
    is_cli_service,
    span_failed,
    stated_agent,
)

MEMORY = 50_000  # spans remembered (parent, agent) for the requests that follow
MAX_DEPTH = 64  # parents followed up from one span
HOLD_S = 10.0  # a span waits this long (arrival time) for its missing ancestor
MAX_HELD = 20_000  # spans held at once, all groups together
IN_VAIN = 3  # waits of one service ended in vain in a row: its spans stop waiting ...
QUIET_S = 60.0  # ... for this long (then one wait is tried again)
@dataclass(slots=True)
class _Node:
    span: Span
    key: tuple[str, str] | None
    parent: tuple[str, str] | None
    service: str
    kind: str
    usage: bool
    identity: str = ""  # its own, when it is an agent


@dataclass(slots=True)
class _Known:
    """A span of an earlier request, as much as its descendants need."""

    parent: tuple[str, str] | None
    identity: str  # when it is an agent


# what _enclosing found for each span on its walks within one request: span -> its result
_Memo = dict[tuple[str, str], tuple[str, tuple[str, str] | None]]


@dataclass(slots=True)
class _Held:
    """Spans waiting for the span ``_held`` keys them by (their nearest unseen ancestor)."""

    since: float  # arrival time of the first
    nodes: list[tuple[_Node, str]]  # (span, source)


class SpanMapper:
    """Maps the spans of export requests to events, one request at a time, remembering what
    the next requests need (bounded). Not thread-safe: one mapper per source, used by one
    thread at a time."""

    def __init__(self, memory: int = MEMORY, hold_s: float = HOLD_S,
                 max_held: int = MAX_HELD) -> None:
        self.memory = memory
        self.hold_s = hold_s
        self.max_held = max_held
        self._seen: OrderedDict[tuple[str, str], _Known] = OrderedDict()
        self._below: OrderedDict[tuple[str, str], None] = OrderedDict()  # usage below these
        # agents whose enclosing agent was not known yet, by the topmost unknown span above
        self._orphans: OrderedDict[tuple[str, str], list[str]] = OrderedDict()
        self._held: OrderedDict[tuple[str, str], _Held] = OrderedDict()
        self._held_count = 0
        self._long: OrderedDict[tuple[str, str], None] = OrderedDict()  # waited for in vain
        # per service: waits ended in vain in a row, and until when its spans do not wait
        self._vain: dict[str, tuple[int, float]] = {}
        # agent spans' own usage, kept back while a call below them may still come
        self._usage_wait: OrderedDict[tuple[str, str], tuple[float, _Node, str]] = OrderedDict()
        self.skipped_repeats = 0  # spans seen before (an exporter's retry), not mapped again
        self.held_late = 0  # spans whose ancestor came too late: mapped under their service

    @property
    def holding(self) -> int:
        """Spans (and agent usages) held back now."""
        return self._held_count + len(self._usage_wait)

    # ---- the batch --------------------------------------------------------------------------
    def map(self, batch: Batch, source: str, now: float) -> list[Event]:
        nodes: dict[tuple[str, str], _Node] = {}
        loose: list[_Node] = []  # spans without ids: mapped, never linked
        for res in batch.resources:
            service = res.service
            if is_cli_service(service):
                continue
            for span in res.spans:
                key = (span.trace_id, span.span_id) if span.trace_id and span.span_id else None
                if key is not None and (key in self._seen or key in nodes):
                    self.skipped_repeats += 1
                    continue
                parent = (span.trace_id, span.parent_id) if key and span.parent_id else None
                node = _Node(span, key, parent, service, classify(span), has_usage(span.attrs))
                if node.kind == "agent":
                    node.identity = agent_identity(span)[0] or service or "(otel agent)"
                if key is None:
                    loose.append(node)
                else:
                    nodes[key] = node
        for node in nodes.values():
            if node.kind == "call" or node.usage or node.key in self._below:
                self._mark_above(node.parent, nodes)
        enclosing: _Memo = {}
        out: list[Event] = self.expire(now)
        for node in [*nodes.values(), *loose]:
            agent, top = self._enclosing(node.parent, nodes, enclosing)
            if top is not None and node.kind != "agent" and self._waits(node, top, now):
                self._hold(top, node, source, now, out)
                continue
            out.extend(self._events(node, agent, top, source, now))
        for key, node in nodes.items():
            self._remember(key, _Known(node.parent, node.identity))
        for key, node in nodes.items():
            if key in self._orphans:
                out.extend(self._adopt(node, nodes, enclosing, source))
            if key in self._held:
                out.extend(self._resolve(key, nodes, enclosing, now))
        out.sort(key=lambda e: e.ts)
        return out

    def expire(self, now: float) -> list[Event]:
        """What has waited ``hold_s`` or more: spans whose ancestor has not come are mapped
        under their service (the ancestor is long-running: nothing waits for it again), and
        agents' own usage with no call below is counted."""
        out: list[Event] = []
        while self._held:
            top, held = next(iter(self._held.items()))
            if now - held.since < self.hold_s:
                break
            self._release(top, out, now)
        while self._usage_wait:
            key, (since, node, source) = next(iter(self._usage_wait.items()))
            if now - since < self.hold_s:
                break
            del self._usage_wait[key]
            if key not in self._below:
                out.append(self._call_of(node, node.identity, source))
        return out

    def drain(self) -> list[Event]:
        """Everything held, now (the end of a file, a receiver closing)."""
        out: list[Event] = []
        while self._held:
            top, held = next(iter(self._held.items()))
            self._release(top, out, held.since)
        for key, (_, node, source) in list(self._usage_wait.items()):
            if key not in self._below:
                out.append(self._call_of(node, node.identity, source))
        self._usage_wait.clear()
        return out

    def _waits(self, node: _Node, top: tuple[str, str], now: float) -> bool:
        """Whether a span whose walk up stopped at the unseen ``top`` waits for it."""
        if node.key is None or self.hold_s <= 0 or top in self._long:
            return False
        if stated_agent(node.span.attrs):
            return False  # it says whose it is
        if not (node.kind in ("call", "tool") or node.usage):
            return False
        vain = self._vain.get(node.service)
        return vain is None or vain[0] < IN_VAIN or now >= vain[1]

    def _hold(self, top: tuple[str, str], node: _Node, source: str, now: float,
              out: list[Event]) -> None:
        held = self._held.get(top)
        if held is None:
            held = self._held[top] = _Held(now, [])
        held.nodes.append((node, source))
        self._held_count += 1
        while self._held_count > self.max_held and self._held:
            self._release(next(iter(self._held)), out, now)  # the oldest go out at once

    def _release(self, top: tuple[str, str], out: list[Event], now: float) -> None:
        held = self._held.pop(top)
        self._held_count -= len(held.nodes)
        self.held_late += len(held.nodes)
        self._long[top] = None
        if len(self._long) > self.memory:
            self._long.popitem(last=False)
        for service in {n.service for n, _ in held.nodes}:
            # parents that never reach swarmtop (a trace begun in a service that exports
            # elsewhere) would make every trace wait: after IN_VAIN, a quiet spell
            count = self._vain.get(service, (0, 0.0))[0] + 1
            if len(self._vain) >= 1000:
                self._vain.clear()
            self._vain[service] = (count, now + QUIET_S if count >= IN_VAIN else 0.0)
        for node, source in held.nodes:
            out.extend(self._events(node, "", None, source, now))

    def _resolve(self, key: tuple[str, str], nodes: dict[tuple[str, str], _Node],
                 memo: _Memo, now: float) -> list[Event]:
        """The span held spans waited for has come: walk on from it."""
        held = self._held.pop(key)
        self._held_count -= len(held.nodes)
        agent, top = self._enclosing(key, nodes, memo)
        if top is not None and top != key and top not in self._long:
            later = self._held.get(top)
            if later is None:
                self._held[top] = held  # keeps its own arrival time
            else:
                later.nodes.extend(held.nodes)
                later.since = min(later.since, held.since)
            self._held_count += len(held.nodes)
            return []
        out: list[Event] = []
        for node, source in held.nodes:
            self._vain.pop(node.service, None)  # waiting pays off for this service
            out.extend(self._events(node, agent, None, source, now))
        return out

    def _mark_above(self, key: tuple[str, str] | None, nodes: dict[tuple[str, str], _Node]) -> None:
        """Usage lies below ``key`` and every span above it (as far as they are known)."""
        for _ in range(MAX_DEPTH):
            if key is None:
                return
            self._below[key] = None
            self._below.move_to_end(key)
            if key in self._usage_wait:
                del self._usage_wait[key]  # an agent's usage kept back: a sum after all
            if len(self._below) > self.memory:
                self._below.popitem(last=False)
            node = nodes.get(key)
            if node is not None:
                key = node.parent
                continue
            known = self._seen.get(key)
            key = known.parent if known is not None else None

    def _enclosing(self, key: tuple[str, str] | None, nodes: dict[tuple[str, str], _Node],
                   memo: _Memo) -> tuple[str, tuple[str, str] | None]:
        """(agent id of the nearest agent at or above ``key``, or ""; the topmost unknown span
        the walk stopped at, or None when it reached a root or an agent)."""
        path: list[tuple[str, str]] = []
        result: tuple[str, tuple[str, str] | None] = ("", None)
        for _ in range(MAX_DEPTH):
            if key is None:
                break
            if key in memo:
                result = memo[key]
                break
            path.append(key)
            node = nodes.get(key)
            if node is not None:
                if node.kind == "agent":
                    result = (node.identity, None)
                    break
                key = node.parent
                continue
            known = self._seen.get(key)
            if known is None:
                result = ("", key)  # not seen (yet): its agent is unknown
                break
            if known.identity:
                result = (known.identity, None)
                break
            key = known.parent
        for k in path:
            memo[k] = result
        return result

    def _remember(self, key: tuple[str, str], known: _Known) -> None:
        self._seen[key] = known
        if len(self._seen) > self.memory:
            self._seen.popitem(last=False)

    def _adopt(self, node: _Node, nodes: dict[tuple[str, str], _Node], memo: _Memo,
               source: str) -> list[Event]:
        """Agents below ``node`` that arrived before it (sub-agents end first) learn their
        parent agent now: ``node`` itself, or the agent above it; when the spans above it are
        not known yet either, they wait for the topmost of those."""
        assert node.key is not None
        waiting = self._orphans.pop(node.key, [])
        if node.kind == "agent":
            parent, top = node.identity, None
        else:
            parent, top = self._enclosing(node.parent, nodes, memo)
        if top is not None:
            for a in waiting:
                self._orphan(top, a)
            return []
        if not parent:
            return []  # they are top-level agents
        ts = node.span.end_ns / 1e9 if node.span.end_ns else 0.0
        return [AgentInfo(ts=ts, source=source, agent=a, parent=parent, agent_kind="otel")
                for a in waiting if a != parent]

    def _orphan(self, top: tuple[str, str], agent: str) -> None:
        lst = self._orphans.get(top)
        if lst is None:
            lst = self._orphans[top] = []
            if len(self._orphans) > self.memory:
                self._orphans.popitem(last=False)
        if agent not in lst and len(lst) < 1000:
            lst.append(agent)

    # ---- one span ---------------------------------------------------------------------------
    def _events(self, node: _Node, enclosing: str, top: tuple[str, str] | None, source: str,
                now: float) -> list[Event]:
        span = node.span
        start, end = span.start_ns, span.end_ns
        ts = (end or start) / 1e9 if (end or start) else now
        duration = (end - start) / 1e6 if start and end and end >= start else None
        failed = span_failed(span)
        out: list[Event] = []
        if node.kind == "agent":
            ident, name = agent_identity(span)
            ident = node.identity
            if top is not None:
                self._orphan(top, ident)  # its parent agent may come later
            model = as_str(first(span.attrs, MODEL))
            out.append(AgentInfo(ts=ts, source=source, agent=ident, name=name or ident,
                                 parent=enclosing if enclosing != ident else "",
                                 agent_kind="otel", model=model))
            out.append(TaskEvent(ts=ts, source=source, task_id=span.span_id, agent=ident,
                                 pattern="agent", phase="end", duration_ms=duration,
                                 status="error" if failed else "ok"))
            agent = ident
        else:
            agent = enclosing or stated_agent(span.attrs)
            agent = agent or node.service or "(otel)"
        if node.kind == "tool":
            out.append(self._tool(span, agent, ts, duration, failed, source))
        counts = node.kind == "call" or (node.usage and node.kind != "tool")
        if counts and (node.key is None or node.key not in self._below):
            if node.kind == "agent" and node.key is not None and self.hold_s > 0:
                # its calls may still come (another process, a retried request): wait
                self._usage_wait[node.key] = (now, node, source)
                if len(self._usage_wait) > self.max_held:
                    k, (_, n, src) = self._usage_wait.popitem(last=False)
                    if k not in self._below:
                        out.append(self._call_of(n, n.identity, src))
            else:
                out.append(self._call(span, agent, ts, duration, failed, source))
        return out

    def _call_of(self, node: _Node, agent: str, source: str) -> LLMCall:
        span = node.span
        start, end = span.start_ns, span.end_ns
        ts = (end or start) / 1e9 if (end or start) else 0.0
        duration = (end - start) / 1e6 if start and end and end >= start else None
        return self._call(span, agent, ts, duration, span_failed(span), source)

    def _call(self, span: Span, agent: str, ts: float, duration: float | None, failed: bool,
              source: str) -> LLMCall:
        a = span.attrs
        total_in = first_int(a, INPUT) or 0
        cr = first_int(a, CACHE_READ) or 0
        cw = first_int(a, CACHE_WRITE) or 0
        model = as_str(first(a, MODEL))
        if not model:
            parts = span.name.split(" ", 1)
            model = parts[1].strip() if len(parts) == 2 and parts[0] in CALL_OPS else ""
        cost = None
        for k in COST:
            cost = as_float(a.get(k))
            if cost is not None:
                break
        key = f"{span.trace_id}:{span.span_id}" if span.trace_id and span.span_id else None
        return LLMCall(
            ts=ts, source=source, model=model or "unknown", agent=agent,
            input_tokens=max(0, total_in - cr - cw), output_tokens=first_int(a, OUTPUT) or 0,
            cache_read_tokens=cr, cache_write_tokens=cw, latency_ms=duration,
            cost_usd=cost if cost is not None and cost >= 0 else None, ok=not failed,
            dedupe_key=key,
        )

    def _tool(self, span: Span, agent: str, ts: float, duration: float | None, failed: bool,
              source: str) -> ToolCall:
        a = span.attrs
        tool = as_str(a.get("gen_ai.tool.name")) or as_str(a.get("tool.name"))
        if not tool:
            parts = span.name.split(" ", 1)
            tool = parts[1].strip() if len(parts) == 2 and parts[0] in TOOL_OPS else span.name
        args = as_str(a.get("gen_ai.tool.call.arguments")) or as_str(a.get("tool.parameters")) \
            or as_str(a.get("input.value"))
        error = ""
        if failed:
            error = span.status_message or as_str(a.get("error.type")) or "error"
        return ToolCall(
            ts=ts, source=source, tool=tool or "tool", agent=agent,
            call_id=as_str(a.get("gen_ai.tool.call.id")) or span.span_id, phase="end",
            duration_ms=duration, ok=not failed, summary=clip(args), error=clip(error),
        )
