"""OTLP/JSON (``application/json``, and the Collector's file exporter) into the records of
``otlp_model``.

The OTLP/JSON rules (opentelemetry-proto's "JSON Protobuf Encoding"): keys are lowerCamelCase;
trace and span ids are hex strings, not base64; 64-bit integers are strings or numbers; enums
are integers; unknown fields are ignored. msgspec reads only the fields the mapping uses
(measured here, a span with four attributes: ~15 µs to a record, the same as the protobuf path,
against ~190 µs through ``google.protobuf.json_format`` into the generated classes), and hands
over the very records the protobuf path makes.
"""

from __future__ import annotations

import base64

import msgspec

from swarmtop.sources.otlp_model import MAX_ITEMS, Attrs, Batch, Budget, LogRecord, Point, Resource, Span

MAX_VALUE_DEPTH = 16


class BadJson(ValueError):
    """Not valid JSON, or not an export request of the expected shape."""


class AnyValue(msgspec.Struct):
    stringValue: str | None = None  # OTLP/JSON names
    boolValue: bool | None = None
    intValue: int | str | None = None  # int64: a string or a number
    doubleValue: float | str | None = None  # "NaN", "Infinity" are strings
    bytesValue: str | None = None  # base64
    arrayValue: ArrayValue | None = None
    kvlistValue: KvList | None = None


class KeyValue(msgspec.Struct):
    key: str = ""
    value: AnyValue | None = None


class ArrayValue(msgspec.Struct):
    values: list[AnyValue] = []


class KvList(msgspec.Struct):
    values: list[KeyValue] = []


Int64 = int | str | None


class _Resource(msgspec.Struct):
    attributes: list[KeyValue] = []


class _Status(msgspec.Struct):
    code: int | str | None = None
    message: str = ""


class _Span(msgspec.Struct):
    traceId: str = ""
    spanId: str = ""
    parentSpanId: str = ""
    name: str = ""
    startTimeUnixNano: Int64 = None
    endTimeUnixNano: Int64 = None
    attributes: list[KeyValue] = []
    status: _Status | None = None


class _ScopeSpans(msgspec.Struct):
    spans: list[_Span] = []


class _ResourceSpans(msgspec.Struct):
    resource: _Resource | None = None
    scopeSpans: list[_ScopeSpans] = []


class _LogRecord(msgspec.Struct):
    timeUnixNano: Int64 = None
    observedTimeUnixNano: Int64 = None
    severityText: str = ""
    body: AnyValue | None = None
    attributes: list[KeyValue] = []
    traceId: str = ""
    spanId: str = ""
    eventName: str = ""


class _ScopeLogs(msgspec.Struct):
    logRecords: list[_LogRecord] = []


class _ResourceLogs(msgspec.Struct):
    resource: _Resource | None = None
    scopeLogs: list[_ScopeLogs] = []


class _NumberPoint(msgspec.Struct):
    attributes: list[KeyValue] = []
    timeUnixNano: Int64 = None
    startTimeUnixNano: Int64 = None
    asDouble: float | str | None = None
    asInt: Int64 = None


class _Numbers(msgspec.Struct):
    dataPoints: list[_NumberPoint] = []
    aggregationTemporality: int | str | None = None


class _OtherPoint(msgspec.Struct):
    attributes: list[KeyValue] = []
    timeUnixNano: Int64 = None


class _Others(msgspec.Struct):
    dataPoints: list[_OtherPoint] = []
    aggregationTemporality: int | str | None = None


class _Metric(msgspec.Struct):
    name: str = ""
    unit: str = ""
    sum: _Numbers | None = None
    gauge: _Numbers | None = None
    histogram: _Others | None = None
    exponentialHistogram: _Others | None = None
    summary: _Others | None = None


class _ScopeMetrics(msgspec.Struct):
    metrics: list[_Metric] = []


class _ResourceMetrics(msgspec.Struct):
    resource: _Resource | None = None
    scopeMetrics: list[_ScopeMetrics] = []


class Export(msgspec.Struct):
    """Any of the three export requests (a line of the Collector's file exporter holds one)."""

    resourceSpans: list[_ResourceSpans] | None = None
    resourceLogs: list[_ResourceLogs] | None = None
    resourceMetrics: list[_ResourceMetrics] | None = None


_decoder = msgspec.json.Decoder(Export)


def _int(v: Int64 | float) -> int:
    """An int64 field: a number, or a string holding one (OTLP/JSON); anything else is not an
    export request (:class:`BadJson`, a 400), as protobuf's own JSON parser has it."""
    if v is None or isinstance(v, bool):
        return 0
    if isinstance(v, int):
        return v
    try:
        return int(v)
    except (TypeError, ValueError):
        pass
    try:
        f = float(v)
    except (TypeError, ValueError):
        f = float("nan")
    if f != f or f in (float("inf"), float("-inf")) or f != int(f):
        raise BadJson(f"not an OTLP/JSON export request: {str(v)[:40]!r} is not an integer")
    return int(f)


def _double(v: float | str | None) -> float | None:
    if v is None:
        return None
    if isinstance(v, float | int):
        return float(v)
    try:
        return float(v)  # "NaN", "Infinity", "-Infinity" and numbers as strings
    except ValueError:
        raise BadJson(f"not an OTLP/JSON export request: {v[:40]!r} is not a number") from None


def _hex_id(v: str) -> str:
    """A trace or span id, as hex (OTLP/JSON, not base64). Only linked, never shown: an id of
    another length or not hex is kept as it is (lowercased), not refused."""
    return v.lower() if v else ""


_TEMPORALITY = {"AGGREGATION_TEMPORALITY_UNSPECIFIED": 0, "AGGREGATION_TEMPORALITY_DELTA": 1,
                "AGGREGATION_TEMPORALITY_CUMULATIVE": 2}


def _temporality(v: int | str | None) -> int:
    if isinstance(v, str) and v in _TEMPORALITY:
        return _TEMPORALITY[v]
    return _int(v)


def any_value(v: AnyValue | None, depth: int = 0) -> object:
    if v is None:
        return None
    if v.stringValue is not None:
        return v.stringValue
    if v.intValue is not None:
        return _int(v.intValue)
    if v.doubleValue is not None:
        return _double(v.doubleValue)
    if v.boolValue is not None:
        return v.boolValue
    if v.bytesValue is not None:
        try:
            return base64.b64decode(v.bytesValue).hex()
        except ValueError:
            return None
    if depth >= MAX_VALUE_DEPTH:
        return None
    if v.arrayValue is not None:
        return [any_value(x, depth + 1) for x in v.arrayValue.values]
    if v.kvlistValue is not None:
        return {kv.key: any_value(kv.value, depth + 1) for kv in v.kvlistValue.values}
    return None


def attrs(kvs: list[KeyValue]) -> Attrs:
    return {kv.key: any_value(kv.value) for kv in kvs}


def _status_code(code: int | str | None) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    names = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}
    return names[code] if code in names else _int(code)


def decode(data: bytes) -> Export:
    """Raises :class:`BadJson`."""
    try:
        return _decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise BadJson(f"not an OTLP/JSON export request: {exc}") from None
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise BadJson(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise BadJson("not valid JSON: nested too deeply to decode") from None


def batches(export: Export, limit: int = MAX_ITEMS) -> list[Batch]:
    """The signals an export holds, each as a Batch (a file line may mix them); at most
    ``limit`` items of each."""
    out: list[Batch] = []
    if export.resourceSpans is not None:
        b = Budget(limit)
        out.append(Batch("traces", [_spans(rs, b) for rs in export.resourceSpans], b.dropped))
    if export.resourceLogs is not None:
        b = Budget(limit)
        out.append(Batch("logs", [_logs(rl, b) for rl in export.resourceLogs], b.dropped))
    if export.resourceMetrics is not None:
        b = Budget(limit)
        out.append(Batch("metrics", [_metrics(rm, b) for rm in export.resourceMetrics],
                         b.dropped))
    return out


def parse(signal: str, data: bytes, limit: int = MAX_ITEMS) -> Batch:
    """A request body of ``signal`` (the receiver); raises :class:`BadJson`. An empty object
    is a valid, empty request, as in protobuf."""
    export = decode(data)
    for b in batches(export, limit):
        if b.signal == signal:
            return b
    return Batch(signal, [])


def _res_attrs(r: _Resource | None) -> Attrs:
    return attrs(r.attributes) if r is not None else {}


def _spans(rs: _ResourceSpans, budget: Budget) -> Resource:
    res = Resource(_res_attrs(rs.resource))
    out = res.spans
    for ss in rs.scopeSpans:
        for s in ss.spans:
            if not budget.take():
                continue
            st = s.status
            out.append(Span(
                trace_id=_hex_id(s.traceId), span_id=_hex_id(s.spanId),
                parent_id=_hex_id(s.parentSpanId), name=s.name,
                start_ns=_int(s.startTimeUnixNano), end_ns=_int(s.endTimeUnixNano),
                attrs=attrs(s.attributes),
                status_code=_status_code(st.code) if st is not None else 0,
                status_message=st.message if st is not None else "",
            ))
    return res


def _logs(rl: _ResourceLogs, budget: Budget) -> Resource:
    res = Resource(_res_attrs(rl.resource))
    out = res.logs
    for sl in rl.scopeLogs:
        for r in sl.logRecords:
            if not budget.take():
                continue
            out.append(LogRecord(
                time_ns=_int(r.timeUnixNano), observed_ns=_int(r.observedTimeUnixNano),
                event_name=r.eventName, body=any_value(r.body), attrs=attrs(r.attributes),
                severity=r.severityText, trace_id=_hex_id(r.traceId), span_id=_hex_id(r.spanId),
            ))
    return res


def _metrics(rm: _ResourceMetrics, budget: Budget) -> Resource:
    res = Resource(_res_attrs(rm.resource))
    out = res.points
    for sm in rm.scopeMetrics:
        for m in sm.metrics:
            for kind, data in (("sum", m.sum), ("gauge", m.gauge)):
                if data is None:
                    continue
                delta = _temporality(data.aggregationTemporality) == 1
                for p in data.dataPoints:
                    if not budget.take():
                        continue
                    value = _double(p.asDouble) if p.asDouble is not None else (
                        float(_int(p.asInt)) if p.asInt is not None else None)
                    out.append(Point(metric=m.name, unit=m.unit, kind=kind, value=value,
                                     time_ns=_int(p.timeUnixNano), attrs=attrs(p.attributes),
                                     delta=delta, start_ns=_int(p.startTimeUnixNano)))
            for kind, other in (("histogram", m.histogram),
                                ("exponential_histogram", m.exponentialHistogram),
                                ("summary", m.summary)):
                if other is None:
                    continue
                delta = _temporality(other.aggregationTemporality) == 1
                for q in other.dataPoints:
                    if not budget.take():
                        continue
                    out.append(Point(metric=m.name, unit=m.unit, kind=kind, value=None,
                                     time_ns=_int(q.timeUnixNano), attrs=attrs(q.attributes),
                                     delta=delta))
    return res


_REJECTED_KEY = {"traces": "rejectedSpans", "logs": "rejectedLogRecords",
                 "metrics": "rejectedDataPoints"}


def response(signal: str, rejected: int = 0, message: str = "") -> bytes:
    """The Export…ServiceResponse in OTLP/JSON."""
    if not (rejected or message):
        return b"{}"
    partial = {_REJECTED_KEY[signal]: str(rejected), "errorMessage": message}
    return msgspec.json.encode({"partialSuccess": partial})
