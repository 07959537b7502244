"""OTLP data as the mapping reads it, whatever the wire format: protobuf (``otlp_pb``) and
OTLP/JSON (``otlp_json``) are both turned into these plain records, so one mapping
(``otlp_spans``, ``otlp_logs``) serves the receiver and the files.

Ids are lowercase hex strings ("" when absent); times are integer nanoseconds since the epoch
(0 when absent); attribute values are plain Python (str, int, float, bool, list, dict; bytes
as hex).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Attrs = dict[str, Any]

STATUS_UNSET, STATUS_OK, STATUS_ERROR = 0, 1, 2


@dataclass(slots=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str
    name: str
    start_ns: int
    end_ns: int
    attrs: Attrs
    status_code: int = STATUS_UNSET
    status_message: str = ""


@dataclass(slots=True)
class LogRecord:
    time_ns: int
    observed_ns: int
    event_name: str
    body: Any
    attrs: Attrs
    severity: str = ""
    trace_id: str = ""
    span_id: str = ""


@dataclass(slots=True)
class Point:
    """One data point of a metric: ``value`` for sums and gauges (None for histograms and
    summaries, counted but not read)."""

    metric: str
    unit: str
    kind: str  # sum | gauge | histogram | exponential_histogram | summary
    value: float | None
    time_ns: int
    attrs: Attrs
    delta: bool = False
    start_ns: int = 0  # of a cumulative sum: where its count starts (a new start: a reset)


@dataclass(slots=True)
class Resource:
    """What a resource sent in one request: its attributes and its items of one signal."""

    attrs: Attrs
    spans: list[Span] = field(default_factory=list)
    logs: list[LogRecord] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)

    @property
    def service(self) -> str:
        name = self.attrs.get("service.name")
        return name if isinstance(name, str) else ""


@dataclass(slots=True)
class Batch:
    """One export request, decoded: ``signal`` is traces, logs or metrics."""

    signal: str
    resources: list[Resource]
    dropped: int = 0  # items over the per-request limit: not read, refused (partial success)

    def items(self) -> int:
        if self.signal == "traces":
            return sum(len(r.spans) for r in self.resources)
        if self.signal == "logs":
            return sum(len(r.logs) for r in self.resources)
        return sum(len(r.points) for r in self.resources)


SIGNALS = ("traces", "logs", "metrics")
MAX_ITEMS = 50_000  # items read from one request; the rest are refused (partial success)


class Budget:
    """How many more items a request may hand over (``take`` is False past it, counted)."""

    __slots__ = ("left", "dropped")

    def __init__(self, limit: int = MAX_ITEMS) -> None:
        self.left = limit
        self.dropped = 0

    def take(self) -> bool:
        if self.left > 0:
            self.left -= 1
            return True
        self.dropped += 1
        return False
ITEM_NAMES = {"traces": "spans", "logs": "log_records", "metrics": "data_points"}


MAX_COUNT = 2**53  # a count over this is no count (decoders/common.py says the same)


def as_int(value: object) -> int | None:
    """A non-negative count from an attribute value (ints, floats, numeric strings); None
    for what no count can be (inf, NaN, over 2**53): the figure is then left out."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return max(0, value) if value <= MAX_COUNT else None
    if isinstance(value, float):
        return max(0, int(value)) if value == value and abs(value) <= MAX_COUNT else None
    if isinstance(value, str):
        try:
            return as_int(float(value.strip()))
        except ValueError:
            return None
    return None


def as_float(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        f = float(value)
    elif isinstance(value, str):
        try:
            f = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return f if f == f and abs(f) != float("inf") else None


def as_bool(value: object) -> bool | None:
    """``True``/``False`` from a bool or its spellings ("true", "False", "1", "0")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "1", "yes", "ok", "success"):
            return True
        if low in ("false", "0", "no", "error", "failure"):
            return False
    return None


def as_str(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, list | dict):
        return ""
    return str(value)
