"""OTLP protobuf (``application/x-protobuf``) into the records of ``otlp_model``.

Decoding is the maintained generated classes' of the ``opentelemetry-proto`` package (never by
hand); this module only walks the messages they produce.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from swarmtop.sources.otlp_model import MAX_ITEMS, Attrs, Batch, Budget, LogRecord, Point, Resource, Span

MAX_VALUE_DEPTH = 16  # nested arrays/kvlists in one attribute value read this deep

REQUESTS = {"traces": ExportTraceServiceRequest, "logs": ExportLogsServiceRequest,
            "metrics": ExportMetricsServiceRequest}
_Response = ExportTraceServiceResponse | ExportLogsServiceResponse | ExportMetricsServiceResponse
RESPONSES: dict[str, type[_Response]] = {
    "traces": ExportTraceServiceResponse, "logs": ExportLogsServiceResponse,
    "metrics": ExportMetricsServiceResponse}
_REJECTED_FIELD = {"traces": "rejected_spans", "logs": "rejected_log_records",
                   "metrics": "rejected_data_points"}


class BadProtobuf(ValueError):
    """The body is not a valid export request of its signal."""


def any_value(v: Any, depth: int = 0) -> Any:
    kind = v.WhichOneof("value")
    if kind is None:
        return None
    if kind == "string_value":
        return v.string_value
    if kind == "int_value":
        return v.int_value
    if kind == "double_value":
        return v.double_value
    if kind == "bool_value":
        return v.bool_value
    if kind == "bytes_value":
        return v.bytes_value.hex()
    if depth >= MAX_VALUE_DEPTH:
        return None
    if kind == "array_value":
        return [any_value(x, depth + 1) for x in v.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_value(kv.value, depth + 1) for kv in v.kvlist_value.values}
    return None


def attrs(kvs: Any) -> Attrs:
    return {kv.key: any_value(kv.value) for kv in kvs}


def parse(signal: str, body: bytes, limit: int = MAX_ITEMS) -> Batch:
    """``body`` (protobuf) as a Batch of ``signal``; raises :class:`BadProtobuf`."""
    msg = REQUESTS[signal]()
    try:
        msg.ParseFromString(body)
    except (DecodeError, RecursionError, ValueError) as exc:
        raise BadProtobuf(f"not a protobuf {REQUESTS[signal].__name__}: {exc}") from None
    return from_message(signal, msg, limit)


def from_message(signal: str, msg: Any, limit: int = MAX_ITEMS) -> Batch:
    b = Budget(limit)
    if signal == "traces":
        res = [_spans(rs, b) for rs in msg.resource_spans]
    elif signal == "logs":
        res = [_logs(rl, b) for rl in msg.resource_logs]
    else:
        res = [_metrics(rm, b) for rm in msg.resource_metrics]
    return Batch(signal, res, b.dropped)


def _spans(rs: Any, budget: Budget) -> Resource:
    res = Resource(attrs(rs.resource.attributes))
    out = res.spans
    for ss in rs.scope_spans:
        for s in ss.spans:
            if not budget.take():
                continue
            out.append(Span(
                trace_id=s.trace_id.hex(), span_id=s.span_id.hex(),
                parent_id=s.parent_span_id.hex(), name=s.name,
                start_ns=s.start_time_unix_nano, end_ns=s.end_time_unix_nano,
                attrs=attrs(s.attributes), status_code=s.status.code,
                status_message=s.status.message,
            ))
    return res


def _logs(rl: Any, budget: Budget) -> Resource:
    res = Resource(attrs(rl.resource.attributes))
    out = res.logs
    for sl in rl.scope_logs:
        for r in sl.log_records:
            if not budget.take():
                continue
            out.append(LogRecord(
                time_ns=r.time_unix_nano, observed_ns=r.observed_time_unix_nano,
                event_name=getattr(r, "event_name", ""),  # proto >= 1.5 has it
                body=any_value(r.body) if r.HasField("body") else None,
                attrs=attrs(r.attributes), severity=r.severity_text,
                trace_id=r.trace_id.hex(), span_id=r.span_id.hex(),
            ))
    return res


_DELTA = 1  # AGGREGATION_TEMPORALITY_DELTA


def _metrics(rm: Any, budget: Budget) -> Resource:
    res = Resource(attrs(rm.resource.attributes))
    out = res.points
    for sm in rm.scope_metrics:
        for m in sm.metrics:
            kind = m.WhichOneof("data")
            if kind is None:
                continue
            data = getattr(m, kind)
            delta = getattr(data, "aggregation_temporality", 0) == _DELTA
            for p in data.data_points:
                if not budget.take():
                    continue
                value: float | None = None
                if kind in ("sum", "gauge"):
                    which = p.WhichOneof("value")
                    value = float(p.as_int) if which == "as_int" else (
                        p.as_double if which == "as_double" else None)
                out.append(Point(metric=m.name, unit=m.unit, kind=kind, value=value,
                                 time_ns=p.time_unix_nano, attrs=attrs(p.attributes),
                                 delta=delta, start_ns=p.start_time_unix_nano))
    return res


def response(signal: str, rejected: int = 0, message: str = "") -> bytes:
    """The Export…ServiceResponse, serialized: ``partial_success`` when items were rejected."""
    msg = RESPONSES[signal]()
    if rejected or message:
        setattr(msg.partial_success, _REJECTED_FIELD[signal], rejected)
        msg.partial_success.error_message = message
    return msg.SerializeToString()
