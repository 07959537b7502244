"""Native swarmtop JSONL (docs/log-format.md): llm_call, task, metric, log and gc records.

A typed msgspec Struct decodes only the keys we use; unknown keys are skipped by the parser.

Two ways in: ``decode`` (one line: the tailer, and the careful path) and ``decode_block``
(a block of complete lines at once: backlogs, through the reader's ``scan`` hook). The block
is decoded with one msgspec call into per-type Structs that are at least as strict as the line
path's checks; any run it cannot take whole is redone with ``decode`` line by line, so every
bad line is still counted and worded exactly as ``decode`` words it.
"""

from __future__ import annotations

from typing import Any, Union

import msgspec
import numpy as np

from swarmtop.events import (
    AgentInfo,
    Event,
    GcEvent,
    LLMCall,
    LogLine,
    MetricEvent,
    TaskEvent,
    ToolCall,
)
from swarmtop.sources.decoders.common import (
    MAX_COUNT,
    TOO_DEEP,
    Amount,
    Count,
    Figure,
    bad_line,
    event_time,
    valid_utf8,
)
from swarmtop.sources.decoders.text import detect_level

_Num = Figure | None  # (1e400, a 400-digit integer, 1e300: a wrong field type, common.py)


class NativeRecord(msgspec.Struct, gc=False):
    type: str | None = None
    ts: str | float | int | None = None
    # llm_call
    model: str | None = None
    agent: str | None = None
    pattern: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    latency_ms: _Num = None
    ok: bool | None = None
    cost_usd: _Num = None
    prompt: str | None = None
    completion: str | None = None
    # task
    task_id: str | int | None = None
    status: str | None = None
    duration_ms: _Num = None
    phase: str | None = None
    # metric
    name: str | None = None
    value: _Num = None
    unit: str | None = None
    metric_kind: str | None = None
    # log
    level: str | None = None
    message: str | None = None
    # gc (swarmtop.probe gc=True; duration_ms above is the summed pause)
    generation: int | None = None
    collections: int | None = None
    collected: int | None = None
    uncollectable: int | None = None
    max_ms: _Num = None
    pid: int | None = None
    # the agent tree (any record): its parent, its session, its process (pid above)
    parent_agent: str | None = None
    session: str | None = None
    # tool (and agent: name)
    tool: str | None = None
    input: str | None = None
    error: str | None = None
    call_id: str | None = None


_decoder = msgspec.json.Decoder(NativeRecord)
_TYPES = ("llm_call", "task", "metric", "log", "gc", "tool", "agent")
AGENT_STATES = {"done": "done", "failed": "failed", "error": "failed", "working": "model",
                "waiting": "user"}

# ---- the block path's record types ----------------------------------------------------------
# One Struct per record type, tagged on "type", with every field of NativeRecord (so a wrong
# type in any field fails here as it does there). Fields the line path checks in Python are
# narrowed so msgspec rejects what the line path would flag: a required "model", token counts
# within common.MAX_COUNT, non-negative latency, cost and duration. A rejected block is redone
# line by line, which words the reason.
_NonNeg = Count
_NonNegNum = Amount


def _record_type(tag: str, **narrowed: tuple[object, object]) -> type:
    fields = [
        (f.name, *narrowed[f.name]) if f.name in narrowed else (f.name, f.type, f.default)
        for f in msgspec.structs.fields(NativeRecord)
        if f.name != "type"
    ]
    return msgspec.defstruct(f"Native_{tag}", fields, tag_field="type", tag=tag, kw_only=True,
                             gc=False)


_REQUIRED = msgspec.NODEFAULT
_LLMRec = _record_type(
    "llm_call", model=(str, _REQUIRED), input_tokens=(_NonNeg | None, None),
    output_tokens=(_NonNeg | None, None), cache_read_tokens=(_NonNeg | None, None),
    cache_write_tokens=(_NonNeg | None, None), latency_ms=(_NonNegNum | None, None),
    cost_usd=(_NonNegNum | None, None))
_TaskRec = _record_type("task", pattern=(str, _REQUIRED), duration_ms=(_NonNegNum | None, None))
_MetricRec = _record_type("metric", name=(str, _REQUIRED), value=(Figure, _REQUIRED))
_LogRec = _record_type("log")
_GcRec = _record_type("gc")
_ToolRec = _record_type("tool", tool=(str, _REQUIRED),
                        duration_ms=(_NonNegNum | None, None))
_AgentRec = _record_type("agent", agent=(str, _REQUIRED))
_block_decoder = msgspec.json.Decoder(
    Union[_LLMRec, _TaskRec, _MetricRec, _LogRec, _GcRec, _ToolRec, _AgentRec]  # noqa: UP007
)
RUN_LINES = 256  # after a block fails whole, it is retried in runs of this many lines


class _Fallback(Exception):
    """A record the block path does not take: its run is redone line by line."""


def _count(value: int | None, name: str) -> int | None:
    if value is not None and value < 0:
        raise ValueError(f"{name} is negative")
    if value is not None and value > MAX_COUNT:
        raise ValueError(f"{name} is over {MAX_COUNT}: no count")
    return value


class NativeDecoder:
    name = "native"

    def __init__(self) -> None:
        self._levels: dict[str, str] = {}  # level as written -> normalised (bounded)
        # agent -> (parent, session, pid) last said: an AgentInfo only when that changes
        self._tree: dict[str, tuple[str | None, str | None, int | None]] = {}

    def _placed(self, rec: NativeRecord, ts: float, source: str) -> list[Event]:
        """AgentInfo for a record that places its agent (parent_agent, session, pid), the
        first time or when that changed; a session is the parent of an agent without one."""
        agent = rec.agent
        pid = rec.pid  # (a gc record's pid is its process's, not an agent's: never passed)
        where = (rec.parent_agent, rec.session, pid)
        if not agent or self._tree.get(agent) == where:
            return []
        if len(self._tree) < 10_000:
            self._tree[agent] = where
        out: list[Event] = []
        parent = rec.parent_agent or rec.session or ""
        if rec.session and not rec.parent_agent and rec.session not in self._tree:
            self._tree[rec.session] = (None, None, None)
            out.append(AgentInfo(ts=ts, source=source, agent=rec.session, name=rec.session,
                                 agent_kind="native"))
        out.append(AgentInfo(ts=ts, source=source, agent=agent, parent=parent,
                             agent_kind="native", pid=pid))
        return out

    def decode_block(self, block: bytes, source: str, offset: int,
                     now: float) -> tuple[list[Event], int]:
        """(events, lines) for ``block``: complete lines, each ending in a newline, the first
        at file offset ``offset``. Same events, same bad lines, same order as ``decode`` line
        by line; ``lines`` is how many lines the block holds."""
        n = _one_object_per_line(block)
        events = self._try_block(block, n, source, now) if n else None
        if events is not None:
            return events, n
        lines = block.split(b"\n")
        lines.pop()  # after the last newline: empty
        out: list[Event] = []
        for start in range(0, len(lines), RUN_LINES):
            run = lines[start : start + RUN_LINES]
            events = None
            if len(lines) > RUN_LINES:  # else this run is the block that just failed
                part = b"\n".join(run) + b"\n"
                n = _one_object_per_line(part)
                events = self._try_block(part, n, source, now) if n else None
            if events is None:
                events = []
                for line in run:
                    events += self.decode(line, source, offset, now)
                    offset += len(line) + 1
            else:
                offset += sum(map(len, run)) + len(run)
            out += events
        return out, len(lines)

    def scan(self, chunk: bytes, lo: int, hi: int, base: int, source: str, now: float,
             out: list[Event]) -> int:
        """The reader's chunk hook (sources/reader.py ``read_sparse``): the complete lines of
        ``chunk[lo:hi]`` (``hi`` just after a newline, ``base`` the file offset of
        ``chunk[0]``) decoded as one block; their events appended to ``out``, their number
        returned."""
        events, lines = self.decode_block(chunk[lo:hi], source, base + lo, now)
        out += events
        return lines

    def _try_block(self, block: bytes, n: int, source: str, now: float) -> list[Event] | None:
        """All ``n`` lines of ``block`` decoded at once (it has passed _one_object_per_line),
        or None if any needs the line path."""
        try:
            # (replacing bad bytes moves no newline, and block events carry no offsets)
            recs = _block_decoder.decode_lines(valid_utf8(block))
        except (msgspec.DecodeError, RecursionError):  # ValidationError is a DecodeError
            return None
        if len(recs) != n:
            return None
        try:
            return self._events(recs, source, now)
        except _Fallback:
            return None

    def decode(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        if not line.strip():
            return []
        try:
            rec = _decoder.decode(valid_utf8(line))  # invalid UTF-8 is replaced, never fatal
        except msgspec.ValidationError as exc:
            return bad_line(source, offset, now, f"wrong field type: {exc}", line)
        except msgspec.DecodeError as exc:
            return bad_line(source, offset, now, f"not valid JSON: {exc}", line)
        except RecursionError:
            return bad_line(source, offset, now, TOO_DEEP, line)
        kind = rec.type
        if kind not in _TYPES:
            return bad_line(source, offset, now, f"unknown or missing \"type\": {kind!r}", line)
        ts = rec.ts
        if type(ts) is not float or not 1e8 < ts < 1e11:  # the common case needs no parsing
            ts = event_time(ts) if ts is not None else now
        if ts is None:
            return bad_line(source, offset, now, f"unreadable \"ts\": {rec.ts!r}", line)
        agent = rec.agent or ""
        placed = self._placed(rec, ts, source) if kind == "agent" or (
            rec.parent_agent is not None or rec.session is not None
            or (rec.pid is not None and kind != "gc")) else []
        try:
            if kind == "llm_call":
                if rec.model is None:
                    return bad_line(source, offset, now, 'llm_call without "model"', line)
                i, o = rec.input_tokens, rec.output_tokens
                cr, cw = rec.cache_read_tokens or 0, rec.cache_write_tokens or 0
                has_usage = i is not None or o is not None
                if not (0 <= (i or 0) <= MAX_COUNT and 0 <= (o or 0) <= MAX_COUNT
                        and 0 <= cr <= MAX_COUNT and 0 <= cw <= MAX_COUNT):  # raises, naming it
                    for value, name in ((i, "input_tokens"), (o, "output_tokens"),
                                        (cr, "cache_read_tokens"), (cw, "cache_write_tokens")):
                        _count(value, name)
                if (rec.latency_ms or 0) < 0 or (rec.cost_usd or 0) < 0:
                    name = "latency_ms" if (rec.latency_ms or 0) < 0 else "cost_usd"
                    return bad_line(source, offset, now, f"{name} is negative", line)
                if not has_usage and rec.prompt is None and rec.completion is None:
                    return bad_line(
                        source, offset, now, "llm_call without token counts or text", line
                    )
                return [
                    *placed,
                    LLMCall(
                        ts=ts,
                        source=source,
                        model=rec.model,
                        agent=agent,
                        pattern=rec.pattern,
                        input_tokens=i if has_usage else None,
                        output_tokens=o if has_usage else None,
                        cache_read_tokens=cr,
                        cache_write_tokens=cw,
                        latency_ms=float(rec.latency_ms) if rec.latency_ms is not None else None,
                        cost_usd=float(rec.cost_usd) if rec.cost_usd is not None else None,
                        ok=rec.ok if rec.ok is not None else True,
                        prompt=None if has_usage else rec.prompt,
                        completion=None if has_usage else rec.completion,
                    )
                ]
            if kind == "task":
                if rec.pattern is None:
                    return bad_line(source, offset, now, 'task without "pattern"', line)
                phase = rec.phase or "end"
                if phase == "end" and rec.duration_ms is None:
                    return bad_line(source, offset, now, 'task end without "duration_ms"', line)
                if rec.duration_ms is not None and rec.duration_ms < 0:
                    return bad_line(source, offset, now, "duration_ms is negative", line)
                return [
                    *placed,
                    TaskEvent(
                        ts=ts,
                        source=source,
                        task_id=str(rec.task_id) if rec.task_id is not None else "",
                        agent=agent,
                        pattern=rec.pattern,
                        phase=phase,
                        duration_ms=float(rec.duration_ms)
                        if rec.duration_ms is not None
                        else None,
                        status=rec.status or "ok",
                    )
                ]
            if kind == "metric":
                if rec.name is None or rec.value is None:
                    return bad_line(source, offset, now, 'metric without "name" or "value"', line)
                return [
                    *placed,
                    MetricEvent(
                        ts=ts,
                        source=source,
                        name=rec.name,
                        value=float(rec.value),
                        unit=rec.unit or "",
                        agent=agent,
                        metric_kind=rec.metric_kind or "gauge",
                    )
                ]
            if kind == "gc":
                return [_gc_event(rec, ts, source)]
            if kind == "tool":
                if not rec.tool:
                    return bad_line(source, offset, now, 'tool without "tool"', line)
                if rec.duration_ms is not None and rec.duration_ms < 0:
                    return bad_line(source, offset, now, "duration_ms is negative", line)
                return [*placed, _tool_event(rec, ts, source)]
            if kind == "agent":
                if not rec.agent:
                    return bad_line(source, offset, now, 'agent record without "agent"', line)
                return [*placed, _agent_event(rec, ts, source)]
            # log
            text = rec.message if rec.message is not None else ""
            level = _norm_level(rec.level) if rec.level else detect_level(text)
            return [*placed, LogLine(ts=ts, source=source, level=level, text=text, agent=agent)]
        except ValueError as exc:
            return bad_line(source, offset, now, str(exc), line)


    def _events(self, recs: list[Any], source: str, now: float) -> list[Event]:
        """The block path's records as events; raises _Fallback where ``decode`` would say
        more than the Struct types did (a bad line, or a field it words itself)."""
        out: list[Event] = []
        append = out.append
        levels = self._levels
        for rec in recs:
            ts = rec.ts
            if type(ts) is not float or not 1e8 < ts < 1e11:  # the common case needs no parsing
                ts = event_time(ts) if ts is not None else now
                if ts is None:
                    raise _Fallback
            kind = type(rec)
            if (rec.parent_agent is not None or rec.session is not None or (
                    rec.pid is not None and kind is not _GcRec)) and kind is not _AgentRec:
                out += self._placed(rec, ts, source)
            if kind is _LLMRec:
                i, o = rec.input_tokens, rec.output_tokens
                has_usage = i is not None or o is not None
                if not has_usage and rec.prompt is None and rec.completion is None:
                    raise _Fallback
                ok = rec.ok
                # positional, in LLMCall's field order (a million per backlog: keywords cost a
                # third more); test_native_block compares with decode()'s keyword-built events
                append(LLMCall(
                    ts, source, rec.model, rec.agent or "", rec.pattern,
                    i if has_usage else None, o if has_usage else None,
                    rec.cache_read_tokens or 0, rec.cache_write_tokens or 0,
                    False, rec.latency_ms, rec.cost_usd, ok if ok is not None else True,
                    None if has_usage else rec.prompt, None if has_usage else rec.completion,
                ))
            elif kind is _TaskRec:
                phase = rec.phase or "end"
                duration = rec.duration_ms
                if duration is None and phase == "end":
                    raise _Fallback
                task_id = rec.task_id
                append(TaskEvent(  # positional, in TaskEvent's field order (as LLMCall above)
                    ts, source,
                    task_id if type(task_id) is str else (
                        str(task_id) if task_id is not None else ""),
                    rec.agent or "", rec.pattern, phase, duration, rec.status or "ok",
                ))
            elif kind is _LogRec:
                text = rec.message if rec.message is not None else ""
                level = rec.level
                if level:
                    norm = levels.get(level)
                    if norm is None:
                        norm = _norm_level(level)
                        if len(levels) < 64:
                            levels[level] = norm
                    level = norm
                else:
                    level = detect_level(text)
                append(LogLine(ts, source, level, text, rec.agent or ""))  # positional
            elif kind is _MetricRec:
                append(MetricEvent(ts, source, rec.name, rec.value, rec.unit or "",  # positional
                                   rec.agent or "", rec.metric_kind or "gauge"))
            elif kind is _ToolRec:
                append(_tool_event(rec, ts, source))
            elif kind is _AgentRec:
                out += self._placed(rec, ts, source)
                append(_agent_event(rec, ts, source))
            else:
                try:
                    append(_gc_event(rec, ts, source))
                except ValueError:
                    raise _Fallback from None
        return out


def _one_object_per_line(block: bytes) -> int:
    """How many lines ``block`` has if each one looks like a single JSON object, else 0.

    ``decode_lines`` reads any whitespace-separated JSON values, so this makes sure its values
    map one to one onto lines: the block starts with "{", every line ends with "}" (or "}\r")
    and the next starts with "{". A value cannot then span lines (inside a value, after "}"
    only "," "}" "]" may follow, never "{") and each line holds at least one value, so as many
    values as lines means exactly one per line. Checked with numpy: ``bytes.count`` of a
    two-byte pattern costs ten times more."""
    a = np.frombuffer(block, np.uint8)
    nl = np.flatnonzero(a == 10)  # "\n"
    if not nl.size or a[0] != 123 or nl[-1] != a.size - 1:  # "{"
        return 0
    if nl.size > 1 and not (a[nl[:-1] + 1] == 123).all():
        return 0
    ends = a[nl - 1]  # nl[0] >= 1: the block starts with "{"
    if not (ends == 125).all():  # "}"
        cr = ends == 13  # "\r"
        ends[cr] = a[nl[cr] - 2]
        if not (ends == 125).all():
            return 0
    return int(nl.size)


def _tool_event(rec: NativeRecord, ts: float, source: str) -> ToolCall:
    phase = "start" if rec.phase == "start" else "end"
    return ToolCall(ts=ts, source=source, tool=rec.tool or "", agent=rec.agent or "",
                    call_id=rec.call_id or "", phase=phase,
                    duration_ms=float(rec.duration_ms) if rec.duration_ms is not None else None,
                    ok=rec.ok if rec.ok is not None else rec.status in (None, "ok"),
                    summary=rec.input or "", error=rec.error or "")


def _agent_event(rec: NativeRecord, ts: float, source: str) -> AgentInfo:
    """An ``agent`` record: its name, and a state it states (done, failed, working...)."""
    return AgentInfo(ts=ts, source=source, agent=rec.agent or "", name=rec.name or "",
                     agent_kind="native", turn=AGENT_STATES.get(rec.status or "", ""),
                     model=rec.model or "")


def _gc_event(rec: NativeRecord, ts: float, source: str) -> GcEvent:
    if rec.duration_ms is None or rec.duration_ms < 0:
        raise ValueError('gc without a non-negative "duration_ms"')
    if rec.max_ms is not None and rec.max_ms < 0:
        raise ValueError("max_ms is negative")
    for value in (rec.collections, rec.collected, rec.uncollectable):
        if value is not None and value > MAX_COUNT:
            raise ValueError(f"gc count over {MAX_COUNT}: no count")
    gen = rec.generation if rec.generation is not None else 0
    return GcEvent(
        ts=ts,
        source=source,
        generation=min(max(gen, 0), 2),
        collections=max(rec.collections if rec.collections is not None else 1, 0),
        duration_ms=float(rec.duration_ms),
        max_ms=float(rec.max_ms) if rec.max_ms is not None else None,
        collected=max(rec.collected or 0, 0),
        uncollectable=max(rec.uncollectable or 0, 0),
        pid=rec.pid,
    )


_LEVEL_NAMES = {
    "warn": "warning", "err": "error", "fatal": "critical", "crit": "critical",
    "trace": "debug", "notice": "info",
}


def _norm_level(level: str) -> str:
    low = level.strip().lower()
    low = _LEVEL_NAMES.get(low, low)
    return low if low in ("debug", "info", "warning", "error", "critical") else "info"
