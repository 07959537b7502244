"""One mapping from OTLP batches to events, shared by the receiver and the file decoder: spans
(``otlp_spans``), log records and metrics (``otlp_logs``). Stateful (what was seen before, for
the span tree and repeats): one per source, one thread at a time."""

from __future__ import annotations

from swarmtop.events import Event
from swarmtop.sources.otlp_logs import LogMapper
from swarmtop.sources.otlp_model import Batch
from swarmtop.sources.otlp_spans import SpanMapper


class OtlpMapper:
    def __init__(self) -> None:
        self.spans = SpanMapper()
        self.logs = LogMapper()

    def map(self, batch: Batch, source: str, now: float) -> list[Event]:
        if batch.signal == "traces":
            return self.spans.map(batch, source, now)
        if batch.signal == "logs":
            return self.logs.map_logs(batch, source, now)
        return self.logs.map_metrics(batch, source, now)

    def expire(self, now: float) -> list[Event]:
        """Held spans that have waited long enough (``SpanMapper.expire``)."""
        return self.spans.expire(now) if self.spans.holding else []

    def drain(self) -> list[Event]:
        """Everything held, now: the end of the data."""
        return self.spans.drain() if self.spans.holding else []

    @property
    def holding(self) -> int:
        return self.spans.holding

    @property
    def repeats(self) -> int:
        """Items not mapped again: seen before (an exporter retrying a request)."""
        return self.spans.skipped_repeats + self.logs.skipped_repeats
