"""OpenTelemetry GenAI spans exported as OTLP/JSON, one export request per line
(``{"resourceSpans": [{"resource": .., "scopeSpans": [{"spans": [..]}]}]}``).

A span with ``gen_ai.usage.*`` attributes is one model call. OTel's
``gen_ai.usage.input_tokens`` *includes* cached tokens (``gen_ai.usage.cache_read.input_tokens``,
``gen_ai.usage.cache_creation.input_tokens``); swarmtop's ``input`` excludes them, so the
cached parts are subtracted. Agent = ``gen_ai.agent.name``, else the resource's
``service.name``. Latency = end - start. Older attribute names (``prompt_tokens`` /
``completion_tokens``) are read too.
"""

from __future__ import annotations

import math

import msgspec

from swarmtop.events import Event, LLMCall
from swarmtop.sources.decoders.common import MAX_COUNT, MAX_TS, bad_line, decode_or_bad


class _AnyValue(msgspec.Struct):
    stringValue: str | None = None  # noqa: N815 - OTLP/JSON names
    intValue: int | str | None = None  # noqa: N815 - int64 is a string in proto3 JSON
    doubleValue: float | None = None  # noqa: N815
    boolValue: bool | None = None  # noqa: N815


class _KeyValue(msgspec.Struct):
    key: str = ""
    value: _AnyValue | None = None


class _Status(msgspec.Struct):
    code: int | str | None = None


class _Span(msgspec.Struct):
    traceId: str | None = None  # noqa: N815
    spanId: str | None = None  # noqa: N815
    name: str | None = None
    startTimeUnixNano: int | str | None = None  # noqa: N815
    endTimeUnixNano: int | str | None = None  # noqa: N815
    attributes: list[_KeyValue] = []
    status: _Status | None = None


class _ScopeSpans(msgspec.Struct):
    spans: list[_Span] = []


class _Resource(msgspec.Struct):
    attributes: list[_KeyValue] = []


class _ResourceSpans(msgspec.Struct):
    resource: _Resource | None = None
    scopeSpans: list[_ScopeSpans] = []  # noqa: N815


class _Export(msgspec.Struct):
    resourceSpans: list[_ResourceSpans] = []  # noqa: N815


_decoder = msgspec.json.Decoder(_Export)
NEEDLE = b"gen_ai.usage"

_INPUT = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")
_OUTPUT = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")
_CACHE_READ = "gen_ai.usage.cache_read.input_tokens"
_CACHE_WRITE = "gen_ai.usage.cache_creation.input_tokens"


def _value(v: _AnyValue | None) -> str | int | float | bool | None:
    if v is None:
        return None
    if v.stringValue is not None:
        return v.stringValue
    if v.intValue is not None:
        try:
            return int(v.intValue)
        except ValueError:
            return None
    if v.doubleValue is not None:
        return v.doubleValue
    return v.boolValue


def _attrs(kvs: list[_KeyValue]) -> dict[str, str | int | float | bool | None]:
    return {kv.key: _value(kv.value) for kv in kvs}


class _Absurd(ValueError):
    """A token count no count can be (inf, 1e300): the line is a bad line."""


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int | float):
        if not (isinstance(value, int) or math.isfinite(value)) or value > MAX_COUNT:
            raise _Absurd(f"token count {value!r} is over {MAX_COUNT}: no count")
        return max(0, int(value))
    return None


def _first(attrs: dict, keys: tuple[str, ...]) -> int | None:
    for k in keys:
        v = _int(attrs.get(k))
        if v is not None:
            return v
    return None


_MAX_NANOS = int(MAX_TS) * 10**9


def _nanos(value: int | str | None) -> int | None:
    """A span time; None when missing, unreadable or no time a calendar shows."""
    if value is None:
        return None
    try:
        n = int(value)
    except ValueError:
        return None
    return n if 0 < n <= _MAX_NANOS else None


class OtelDecoder:
    name = "otel"

    def decode(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        if NEEDLE not in line:
            return []
        export, bad = decode_or_bad(_decoder, line, source, offset, now, "not OTLP/JSON spans")
        if export is None:
            return bad
        out: list[Event] = []
        try:
            for rs in export.resourceSpans:
                service = None
                if rs.resource is not None:
                    service = _attrs(rs.resource.attributes).get("service.name")
                for ss in rs.scopeSpans:
                    for span in ss.spans:
                        call = self._call(span, service, source, now)
                        if call is not None:
                            out.append(call)
        except _Absurd as exc:
            return bad_line(source, offset, now, str(exc), line)
        return out

    def _call(self, span: _Span, service: object, source: str, now: float) -> LLMCall | None:
        attrs = _attrs(span.attributes)
        total_in = _first(attrs, _INPUT)
        out_tokens = _first(attrs, _OUTPUT)
        if total_in is None and out_tokens is None:
            return None  # a span of the trace that is not a model call
        cr = _int(attrs.get(_CACHE_READ)) or 0
        cw = _int(attrs.get(_CACHE_WRITE)) or 0
        start, end = _nanos(span.startTimeUnixNano), _nanos(span.endTimeUnixNano)
        latency = (end - start) / 1e6 if start and end and end >= start else None
        ts = (end or start) / 1e9 if (end or start) else now
        model = attrs.get("gen_ai.response.model") or attrs.get("gen_ai.request.model")
        agent = attrs.get("gen_ai.agent.name") or service or ""
        code = span.status.code if span.status is not None else None
        ok = code not in (2, "2", "STATUS_CODE_ERROR") and attrs.get("error.type") is None
        key = f"{span.traceId}:{span.spanId}" if span.traceId and span.spanId else None
        return LLMCall(
            ts=ts, source=source, model=str(model) if model else "unknown", agent=str(agent),
            input_tokens=max(0, (total_in or 0) - cr - cw), output_tokens=out_tokens or 0,
            cache_read_tokens=cr, cache_write_tokens=cw, latency_ms=latency, ok=ok,
            dedupe_key=key,
        )
