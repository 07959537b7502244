"""Claude Code's usage metrics count for a session only while it sends no api_request events,
and never both. Shapes from code.claude.com/docs/en/monitoring-usage ("Token counter":
``claude_code.token.usage`` with ``type`` input|output|cacheRead|cacheCreation and ``model``;
"Cost counter": ``claude_code.cost.usage`` in USD with ``model``; ``session.id`` a standard
attribute on every data point; delta temporality by default, cumulative on request)."""

from __future__ import annotations

import asyncio

import pytest

from swarmtop.core.aggregator import Aggregator
from swarmtop.events import LLMCall
from swarmtop.sources import otlp_json
from swarmtop.sources.otlp_map import OtlpMapper
from tests.sources.otlpjson import T0, kvs, line, log, logs

S1 = "5b0a7f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
S2 = "9c8d7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f"
MODEL = "claude-sonnet-4-5-20250929"


def usage_metrics(session: str | None, tokens: dict[str, float], cost: float | None, *,
                  at_s: float = 60, delta: bool = True, start_s: float = 0,
                  model: str = MODEL) -> dict:
    """One export of Claude Code's meter: a token counter point per type, and the cost."""
    std = {"session.id": session} if session else {}
    std |= {"user.id": "d1e2f3", "terminal.type": "tmux"}
    when = {"timeUnixNano": str(T0 + int(at_s * 1e9)),
            "startTimeUnixNano": str(T0 + int(start_s * 1e9))}
    temporality = 1 if delta else 2
    metrics = [{"name": "claude_code.token.usage", "unit": "tokens", "sum": {
        "aggregationTemporality": temporality, "isMonotonic": True,
        "dataPoints": [{**when, "asDouble": v,
                        "attributes": kvs({**std, "type": t, "model": model,
                                           "query_source": "main"})}
                       for t, v in tokens.items()]}}]
    if cost is not None:
        metrics.append({"name": "claude_code.cost.usage", "unit": "USD", "sum": {
            "aggregationTemporality": temporality, "isMonotonic": True,
            "dataPoints": [{**when, "asDouble": cost,
                            "attributes": kvs({**std, "model": model,
                                               "query_source": "main"})}]}})
    return {"resourceMetrics": [{
        "resource": {"attributes": kvs({"service.name": "claude-code",
                                        "service.version": "2.0.31"})},
        "scopeMetrics": [{"scope": {"name": "com.anthropic.claude_code", "version": "2.0.31"},
                          "metrics": metrics}]}]}


def api_request(session: str, *, at_s: float, input_tokens: int, output_tokens: int,
                cache_read: int = 0, cache_creation: int = 0, cost: float = 0.0) -> dict:
    return logs([log({"event.name": "api_request", "session.id": session, "model": MODEL,
                      "input_tokens": str(input_tokens), "output_tokens": str(output_tokens),
                      "cache_read_tokens": str(cache_read),
                      "cache_creation_tokens": str(cache_creation), "cost_usd": str(cost),
                      "duration_ms": "1800"},
                     body="claude_code.api_request", at_ms=at_s * 1000)])


def ledger(*docs: dict) -> tuple[Aggregator, list]:
    """The docs mapped in order by one mapper (one source) and counted by the aggregator."""
    mapper = OtlpMapper()
    agg = Aggregator(clock=lambda: T0 / 1e9 + 3600)
    events: list = []
    for doc in docs:
        signal = "metrics" if "resourceMetrics" in doc else "logs"
        batch = otlp_json.parse(signal, line(doc))
        got = mapper.map(batch, "otlp://test", T0 / 1e9)
        events.extend(got)
        agg.ingest(got)
    return agg, events


def totals(agg: Aggregator, agent: str | None = None):
    tok = agg.snapshot().tokens
    if agent is None:
        return (tok.input, tok.output, tok.cache_read, tok.cache_write, tok.calls,
                round(tok.cost_usd, 6))
    a = tok.by_agent[agent]
    return (a.input, a.output, a.cache_read, a.cache_write, a.calls, round(a.cost_usd, 6))


def test_a_session_that_sends_only_metrics_is_counted_from_them() -> None:
    agg, _ = ledger(
        usage_metrics(S1, {"input": 12, "output": 340, "cacheRead": 15000,
                           "cacheCreation": 800}, 0.0123, at_s=60),
        usage_metrics(S1, {"input": 3, "output": 60, "cacheRead": 16000}, 0.0101, at_s=120),
    )
    # delta points add up; the counters do not say how many requests: one call per model
    assert totals(agg, S1) == (15, 400, 31000, 800, 1, 0.0224)
    assert totals(agg) == (15, 400, 31000, 800, 1, 0.0224)
    assert agg.snapshot().tokens.by_model[MODEL].calls == 1


def test_cumulative_sums_add_their_advance_and_a_restart_counts_whole() -> None:
    agg, _ = ledger(
        usage_metrics(S1, {"input": 100, "output": 10}, 0.5, at_s=60, delta=False),
        usage_metrics(S1, {"input": 250, "output": 25}, 1.25, at_s=120, delta=False),
        usage_metrics(S1, {"input": 250, "output": 25}, 1.25, at_s=180, delta=False),  # idle
        # the process restarted (a new start time): its count begins again
        usage_metrics(S1, {"input": 30, "output": 3}, 0.25, at_s=240, start_s=200,
                      delta=False),
    )
    assert totals(agg, S1) == (280, 28, 0, 0, 1, 1.5)


def test_events_first_then_metrics_count_the_events_only() -> None:
    agg, _ = ledger(
        api_request(S1, at_s=5, input_tokens=12, output_tokens=340, cost=0.0123),
        api_request(S1, at_s=30, input_tokens=3, output_tokens=60, cost=0.0101),
        usage_metrics(S1, {"input": 15, "output": 400}, 0.0224, at_s=60),
    )
    assert totals(agg, S1) == (15, 400, 0, 0, 2, 0.0224)


def test_metrics_first_then_the_events_pay_back_what_they_counted() -> None:
    """The first minute reached swarmtop as metrics (counted), then the events of the same
    calls arrived: they add only what goes beyond; later metrics of the session are ignored."""
    agg, events = ledger(
        usage_metrics(S1, {"input": 15, "output": 400}, 0.0224, at_s=60),
        api_request(S1, at_s=5, input_tokens=12, output_tokens=340, cost=0.0123),
        api_request(S1, at_s=30, input_tokens=3, output_tokens=60, cost=0.0101),
        api_request(S1, at_s=70, input_tokens=7, output_tokens=70, cost=0.02),
        usage_metrics(S1, {"input": 7, "output": 70}, 0.02, at_s=120),
    )
    # each figure once; the calls are the events' (the metrics' call was taken over)
    assert totals(agg, S1) == (22, 470, 0, 0, 3, 0.0424)
    calls = [e for e in events if isinstance(e, LLMCall)]
    assert [c.input_tokens for c in calls] == [15, 15, 0, 7]  # running, taken over, paid, new


def test_sessions_are_judged_one_by_one() -> None:
    agg, _ = ledger(
        api_request(S1, at_s=5, input_tokens=10, output_tokens=1, cost=0.01),
        usage_metrics(S1, {"input": 10, "output": 1}, 0.01, at_s=60),
        usage_metrics(S2, {"input": 500, "output": 50}, 0.2, at_s=60),  # metrics only
    )
    assert totals(agg, S1) == (10, 1, 0, 0, 1, 0.01)
    assert totals(agg, S2) == (500, 50, 0, 0, 1, 0.2)
    assert totals(agg)[:5] == (510, 51, 0, 0, 2)


def test_metrics_without_a_session_stop_at_the_first_event_and_are_paid_back() -> None:
    # OTEL_METRICS_INCLUDE_SESSION_ID=false: the counters say nothing of the session
    agg, _ = ledger(
        usage_metrics(None, {"input": 40, "output": 4}, 0.04, at_s=60),
        api_request(S1, at_s=10, input_tokens=40, output_tokens=4, cost=0.04),
        usage_metrics(None, {"input": 40, "output": 4}, 0.04, at_s=120),
    )
    assert totals(agg)[:4] == (40, 4, 0, 0) and totals(agg)[5] == 0.04


def test_a_retried_metrics_request_is_not_counted_twice() -> None:
    doc = usage_metrics(S1, {"input": 15, "output": 400}, 0.0224, at_s=60)
    agg, _ = ledger(doc, doc)
    assert totals(agg, S1) == (15, 400, 0, 0, 1, 0.0224)


def test_other_metrics_and_gauges_are_not_usage() -> None:
    doc = usage_metrics(S1, {"input": 15}, None, at_s=60)
    doc["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["name"] = \
        "claude_code.lines_of_code.count"
    gauge = usage_metrics(S1, {"input": 15}, None, at_s=60)
    m = gauge["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]
    m["gauge"] = {"dataPoints": m.pop("sum")["dataPoints"]}
    agg, events = ledger(doc, gauge)
    assert not [e for e in events if isinstance(e, LLMCall)]
    assert agg.snapshot().tokens.calls == 0


# ---- the real SDK ------------------------------------------------------------------------------
def _sdk_metrics_only(endpoint: str, temporality: str) -> None:
    """Claude Code's meter as the OTel SDK exports it, with OTEL_LOGS_EXPORTER unset."""
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics import Counter, MeterProvider
    from opentelemetry.sdk.metrics.export import (
        AggregationTemporality,
        PeriodicExportingMetricReader,
    )
    from opentelemetry.sdk.resources import Resource

    pref = {Counter: AggregationTemporality.DELTA if temporality == "delta"
            else AggregationTemporality.CUMULATIVE}
    reader = PeriodicExportingMetricReader(
        OTLPMetricExporter(endpoint=f"{endpoint}/v1/metrics", timeout=5,
                           preferred_temporality=pref),
        export_interval_millis=60_000)
    mp = MeterProvider(resource=Resource.create({"service.name": "claude-code"}),
                       metric_readers=[reader])
    meter = mp.get_meter("com.anthropic.claude_code")
    tokens = meter.create_counter("claude_code.token.usage", unit="tokens")
    cost = meter.create_counter("claude_code.cost.usage", unit="USD")
    std = {"session.id": S1, "model": MODEL}
    for _ in range(2):  # two requests, two exports
        tokens.add(100, {**std, "type": "input"})
        tokens.add(20, {**std, "type": "output"})
        tokens.add(5000, {**std, "type": "cacheRead"})
        cost.add(0.03, std)
        assert mp.force_flush(5000)
    mp.shutdown()


@pytest.mark.parametrize("temporality", ["delta", "cumulative"])
async def test_sdk_metrics_only_session_over_the_receiver(temporality: str) -> None:
    from swarmtop.sources.otlp_receiver import OtlpReceiver

    r = OtlpReceiver("127.0.0.1", 0)
    agg = Aggregator()

    async def emit(batch: list) -> None:
        agg.ingest(batch)

    task = asyncio.create_task(r.run(emit))
    try:
        await asyncio.to_thread(_sdk_metrics_only, r.endpoint, temporality)
        for _ in range(500):
            if agg.snapshot().tokens.cache_read >= 10000:
                break
            await asyncio.sleep(0.01)
        a = agg.snapshot().tokens.by_agent[S1]
        assert (a.input, a.output, a.cache_read, a.calls) == (200, 40, 10000, 1)
        assert a.cost_usd == pytest.approx(0.06)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await r.close()
