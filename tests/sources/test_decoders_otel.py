"""OTLP/JSON GenAI spans: input excludes cached tokens, latency from start/end."""

from __future__ import annotations

import json

from swarmtop.events import LLMCall, ParseError
from swarmtop.sources.decoders import detect_format
from swarmtop.sources.decoders.otel import OtelDecoder


def _kv(key: str, value) -> dict:
    if isinstance(value, str):
        return {"key": key, "value": {"stringValue": value}}
    return {"key": key, "value": {"intValue": str(value)}}


def _export(spans: list[dict]) -> bytes:
    return json.dumps({"resourceSpans": [{
        "resource": {"attributes": [_kv("service.name", "swarm-svc")]},
        "scopeSpans": [{"scope": {"name": "x"}, "spans": spans}]}]}).encode()


def _span(sid: str, attrs: list[dict], error: bool = False) -> dict:
    span = {"traceId": "t1", "spanId": sid, "name": "chat",
            "startTimeUnixNano": "1764064800000000000",
            "endTimeUnixNano": "1764064801500000000", "attributes": attrs}
    if error:
        span["status"] = {"code": 2}
    return span


def test_genai_span_converted():
    line = _export([
        _span("s1", [_kv("gen_ai.request.model", "claude-sonnet-4-5"),
                     _kv("gen_ai.agent.name", "planner"),
                     _kv("gen_ai.usage.input_tokens", 1200),
                     _kv("gen_ai.usage.output_tokens", 80),
                     _kv("gen_ai.usage.cache_read.input_tokens", 1000),
                     _kv("gen_ai.usage.cache_creation.input_tokens", 150)]),
        _span("s2", [_kv("http.method", "GET")]),  # not a model call
        _span("s3", [_kv("gen_ai.request.model", "gpt-4o"),
                     _kv("gen_ai.usage.input_tokens", 10),
                     _kv("gen_ai.usage.output_tokens", 2)], error=True),
    ])
    calls = OtelDecoder().decode(line, "o.jsonl", 0, 0.0)
    assert len(calls) == 2
    c = calls[0]
    assert isinstance(c, LLMCall)
    assert (c.input_tokens, c.output_tokens, c.cache_read_tokens, c.cache_write_tokens) == (
        50, 80, 1000, 150)
    assert c.latency_ms == 1500.0 and c.ts == 1764064801.5
    assert c.agent == "planner" and c.dedupe_key == "t1:s1"
    assert calls[1].agent == "swarm-svc" and calls[1].ok is False


def test_detection_and_bad_lines():
    line = _export([_span("s1", [_kv("gen_ai.usage.input_tokens", 1)])])
    assert detect_format([line, line]) == "otel"
    bad = OtelDecoder().decode(b'{"resourceSpans": [{"gen_ai.usage', "o", 3, 0.0)
    assert isinstance(bad[0], ParseError)
