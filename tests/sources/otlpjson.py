"""Hand-built OTLP/JSON bodies that follow the spec (opentelemetry-proto, "JSON Protobuf
Encoding"): lowerCamelCase keys, hex ids, int64 as strings, enums as integers."""

from __future__ import annotations

import json
from typing import Any

T0 = 1_764_064_800_000_000_000  # 2025-11-25T10:00:00Z in ns


def value(v: Any) -> dict:
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, list):
        return {"arrayValue": {"values": [value(x) for x in v]}}
    return {"stringValue": str(v)}


def kvs(attrs: dict[str, Any]) -> list[dict]:
    return [{"key": k, "value": value(v)} for k, v in attrs.items()]


def span(span_id: str, name: str, attrs: dict[str, Any] | None = None, *, parent: str = "",
         trace: str = "0af7651916cd43dd8448eb211c80319c", start_ms: float = 0,
         end_ms: float = 1000, error: bool = False, message: str = "") -> dict:
    s: dict[str, Any] = {
        "traceId": trace, "spanId": span_id, "name": name, "kind": 1,
        "startTimeUnixNano": str(T0 + int(start_ms * 1e6)),
        "endTimeUnixNano": str(T0 + int(end_ms * 1e6)),
        "attributes": kvs(attrs or {}),
    }
    if parent:
        s["parentSpanId"] = parent
    if error:
        s["status"] = {"code": 2, "message": message}
    return s


def traces(spans: list[dict], service: str = "swarm") -> dict:
    return {"resourceSpans": [{
        "resource": {"attributes": kvs({"service.name": service})},
        "scopeSpans": [{"scope": {"name": "test"}, "spans": spans}]}]}


def log(attrs: dict[str, Any], body: str = "", *, at_ms: float = 0,
        event_name: str = "") -> dict:
    rec: dict[str, Any] = {"timeUnixNano": str(T0 + int(at_ms * 1e6)),
                           "observedTimeUnixNano": str(T0 + int(at_ms * 1e6)),
                           "attributes": kvs(attrs)}
    if body:
        rec["body"] = {"stringValue": body}
    if event_name:
        rec["eventName"] = event_name
    return rec


def logs(records: list[dict], service: str = "claude-code") -> dict:
    return {"resourceLogs": [{
        "resource": {"attributes": kvs({"service.name": service})},
        "scopeLogs": [{"scope": {"name": "com.anthropic.claude_code.events"},
                       "logRecords": records}]}]}


def metric_sum(name: str, points: list[tuple[float, dict[str, Any]]], *,
               delta: bool = True, service: str = "claude-code") -> dict:
    dps = [{"timeUnixNano": str(T0), "asDouble": v, "attributes": kvs(a)} for v, a in points]
    return {"resourceMetrics": [{
        "resource": {"attributes": kvs({"service.name": service})},
        "scopeMetrics": [{"metrics": [{"name": name, "unit": "USD", "sum": {
            "dataPoints": dps, "aggregationTemporality": 1 if delta else 2,
            "isMonotonic": True}}]}]}]}


def line(obj: dict) -> bytes:
    return json.dumps(obj).encode()


# pydantic-ai issue #3995: the agent run span carries the sum of its two chat spans' usage
AGENT, CHAT1, CHAT2, TOOL = "a000000000000001", "c000000000000001", "c000000000000002", \
    "f000000000000001"


def issue_3995() -> dict:
    usage = lambda i, o: {"gen_ai.usage.input_tokens": i, "gen_ai.usage.output_tokens": o}  # noqa: E731
    return traces([
        span(CHAT1, "chat gpt-4o", {"gen_ai.operation.name": "chat", "gen_ai.system": "openai",
                                    "gen_ai.request.model": "gpt-4o", **usage(56, 5)},
             parent=AGENT, start_ms=10, end_ms=400),
        span(TOOL, "execute_tool get_weather", {"gen_ai.operation.name": "execute_tool",
                                                "gen_ai.tool.name": "get_weather"},
             parent=AGENT, start_ms=400, end_ms=450),
        span(CHAT2, "chat gpt-4o", {"gen_ai.operation.name": "chat",
                                    "gen_ai.request.model": "gpt-4o", **usage(57, 6)},
             parent=AGENT, start_ms=450, end_ms=900),
        span(AGENT, "invoke_agent weather_agent", {"gen_ai.operation.name": "invoke_agent",
                                                   "gen_ai.agent.name": "weather_agent",
                                                   **usage(113, 11)},
             start_ms=0, end_ms=1000),
    ], service="weather-app")
