"""Native swarmtop JSONL (docs/log-format.md): llm_call, task, metric, log and gc records.

A typed msgspec Struct decodes only the keys we use; unknown keys are skipped by the parser.
"""

from __future__ import annotations

import msgspec

from swarmtop.events import Event, GcEvent, LLMCall, LogLine, MetricEvent, TaskEvent
from swarmtop.sources.decoders.common import bad_line
from swarmtop.sources.decoders.text import detect_level
from swarmtop.sources.timeparse import parse_ts

_Num = int | float | None


class NativeRecord(msgspec.Struct):
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


_decoder = msgspec.json.Decoder(NativeRecord)
_TYPES = ("llm_call", "task", "metric", "log", "gc")


def _nonneg(value: int | None, name: str) -> int | None:
    if value is not None and value < 0:
        raise ValueError(f"{name} is negative")
    return value


class NativeDecoder:
    name = "native"

    def decode(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        if not line.strip():
            return []
        try:
            rec = _decoder.decode(line)
        except UnicodeDecodeError:
            # invalid UTF-8 is replaced, never fatal
            try:
                rec = _decoder.decode(line.decode("utf-8", errors="replace").encode())
            except msgspec.DecodeError as exc:
                return bad_line(source, offset, now, f"not valid JSON: {exc}", line)
        except msgspec.ValidationError as exc:
            return bad_line(source, offset, now, f"wrong field type: {exc}", line)
        except msgspec.DecodeError as exc:
            return bad_line(source, offset, now, f"not valid JSON: {exc}", line)
        kind = rec.type
        if kind not in _TYPES:
            return bad_line(source, offset, now, f"unknown or missing \"type\": {kind!r}", line)
        ts = rec.ts
        if type(ts) is not float or not 1e8 < ts < 1e11:  # the common case needs no parsing
            ts = parse_ts(ts) if ts is not None else now
        if ts is None:
            return bad_line(source, offset, now, f"unreadable \"ts\": {rec.ts!r}", line)
        agent = rec.agent or ""
        try:
            if kind == "llm_call":
                if rec.model is None:
                    return bad_line(source, offset, now, 'llm_call without "model"', line)
                i, o = rec.input_tokens, rec.output_tokens
                cr, cw = rec.cache_read_tokens or 0, rec.cache_write_tokens or 0
                has_usage = i is not None or o is not None
                if (i or 0) < 0 or (o or 0) < 0 or cr < 0 or cw < 0:  # raises, naming it
                    for value, name in ((i, "input_tokens"), (o, "output_tokens"),
                                        (cr, "cache_read_tokens"), (cw, "cache_write_tokens")):
                        _nonneg(value, name)
                if not has_usage and rec.prompt is None and rec.completion is None:
                    return bad_line(
                        source, offset, now, "llm_call without token counts or text", line
                    )
                return [
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
            # log
            text = rec.message if rec.message is not None else ""
            level = _norm_level(rec.level) if rec.level else detect_level(text)
            return [LogLine(ts=ts, source=source, level=level, text=text, agent=agent)]
        except ValueError as exc:
            return bad_line(source, offset, now, str(exc), line)


def _gc_event(rec: NativeRecord, ts: float, source: str) -> GcEvent:
    if rec.duration_ms is None or rec.duration_ms < 0:
        raise ValueError('gc without a non-negative "duration_ms"')
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
