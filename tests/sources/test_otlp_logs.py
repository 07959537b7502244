"""The agent CLIs' own telemetry (log records and metrics) → events, and OTLP/JSON files:
the Collector's file exporter (a request per line) and pretty-printed documents."""

from __future__ import annotations

import json

from swarmtop.events import (
    AgentInfo,
    FileStatus,
    LLMCall,
    LogLine,
    MetricEvent,
    ParseError,
    ToolCall,
)
from swarmtop.sources.decoders import detect_format, is_whole_file, make_decoder
from swarmtop.sources.decoders.otel import OtelDecoder, OtelDocumentDecoder
from swarmtop.sources.reader import read_file
from tests.sources.otlpjson import T0, issue_3995, line, log, logs, metric_sum, traces

SESSION = "7f1c9a2e-1111-4222-8333-944455556666"


def _decode(doc: dict) -> list:
    return OtelDecoder().decode(line(doc), "otel.jsonl", 0, 0.0)


def _claude(kind: str, **attrs) -> dict:
    return log({"event.name": kind, "session.id": SESSION,
                "event.timestamp": "2025-11-25T10:00:01.500Z", **attrs},
               body=f"claude_code.{kind}")


def test_claude_code_api_request_tool_result_and_error() -> None:
    events = _decode(logs([
        _claude("api_request", model="claude-sonnet-4-5", cost_usd="0.0123", duration_ms="2100",
                input_tokens="12", output_tokens="340", cache_read_tokens="15000",
                cache_creation_tokens="800"),
        _claude("tool_result", tool_name="Bash", duration_ms=450, success="false",
                error="exit 1"),
        _claude("api_error", model="claude-sonnet-4-5", status_code="529", duration_ms=90,
                error="Overloaded", attempt=1),
        _claude("user_prompt", prompt_length=12),
    ]))
    ok, failed = [e for e in events if isinstance(e, LLMCall)]
    assert (ok.agent, ok.model, ok.input_tokens, ok.output_tokens, ok.cache_read_tokens,
            ok.cache_write_tokens, ok.cost_usd, ok.latency_ms, ok.ok) == (
        SESSION, "claude-sonnet-4-5", 12, 340, 15000, 800, 0.0123, 2100.0, True)
    assert ok.ts == 1764064801.5
    assert (failed.ok, failed.input_tokens, failed.latency_ms) == (False, 0, 90.0)
    [tool] = [e for e in events if isinstance(e, ToolCall)]
    assert (tool.tool, tool.ok, tool.duration_ms, tool.error, tool.agent) == (
        "Bash", False, 450.0, "exit 1", SESSION)
    [info] = [e for e in events if isinstance(e, AgentInfo)]
    assert (info.agent, info.agent_kind) == (SESSION, "claude-code")


def test_claude_code_sub_agent_and_full_event_names() -> None:
    events = _decode(logs([
        log({"event.name": "claude_code.api_request", "session.id": SESSION,
             "agent.name": "code-reviewer", "query_source": "subagent", "model": "m",
             "input_tokens": 1, "output_tokens": 2}),
    ]))
    [call] = [e for e in events if isinstance(e, LLMCall)]
    assert call.agent == f"{SESSION}/code-reviewer"
    sub = [e for e in events if isinstance(e, AgentInfo) and e.agent == call.agent]
    assert sub and sub[0].parent == SESSION and sub[0].name == "code-reviewer"


def test_claude_code_metrics_are_metrics_and_usage_of_a_session_without_events() -> None:
    events = _decode(metric_sum("claude_code.cost.usage", [(0.5, {"session.id": SESSION,
                                                                   "model": "m"})]))
    [m] = [e for e in events if isinstance(e, MetricEvent)]
    assert (m.name, m.value, m.metric_kind, m.agent) == ("claude_code.cost.usage", 0.5,
                                                          "counter", SESSION)
    # no api_request event of this session (yet): the counter is its spend
    # (tests/sources/test_otlp_claude_usage.py has the rule in full)
    [call] = [e for e in events if isinstance(e, LLMCall)]
    assert (call.agent, call.cost_usd, call.model) == (SESSION, 0.5, "m")
    tokens = _decode(metric_sum("claude_code.token.usage", [(10, {"type": "input"})],
                                delta=False))
    assert [(e.name, e.metric_kind) for e in tokens if isinstance(e, MetricEvent)] == [
        ("claude_code.token.usage.input", "gauge")]
    [call] = [e for e in tokens if isinstance(e, LLMCall)]
    assert (call.agent, call.input_tokens) == ("claude-code", 10)  # no session.id stated


def test_codex_events() -> None:
    base = {"conversation.id": "conv-1", "model": "gpt-5.1-codex"}
    events = _decode(logs([
        log({"event.name": "codex.sse_event", "event.kind": "response.created", **base}),
        log({"event.name": "codex.sse_event", "event.kind": "response.completed",
             "input_token_count": 1000, "cached_token_count": 600, "output_token_count": 50,
             "reasoning_token_count": 20, **base}, at_ms=1),
        log({"event.name": "codex.tool_result", "tool_name": "shell", "duration_ms": "30",
             "success": "true", "call_id": "call_1", "arguments": "{\"cmd\": \"ls\"}", **base},
            at_ms=2),
        log({"event.name": "codex.api_request", "http.response.status_code": 429,
             "error.message": "rate limited", "duration_ms": 12, **base}, at_ms=3),
    ], service="codex_cli_rs"))
    ok, failed = [e for e in events if isinstance(e, LLMCall)]
    assert (ok.agent, ok.input_tokens, ok.cache_read_tokens, ok.output_tokens) == (
        "conv-1", 400, 600, 50)
    assert failed.ok is False
    [tool] = [e for e in events if isinstance(e, ToolCall)]
    assert (tool.tool, tool.ok, tool.call_id, tool.duration_ms) == ("shell", True, "call_1", 30.0)


def test_gemini_events() -> None:
    base = {"session.id": "g-1", "model": "gemini-2.5-pro"}
    events = _decode(logs([
        log({"event.name": "gemini_cli.api_response", "input_token_count": 12000,
             "cached_content_token_count": 8000, "output_token_count": 350,
             "thoughts_token_count": 420, "tool_token_count": 5, "duration_ms": 3200, **base}),
        log({"event.name": "gemini_cli.tool_call", "function_name": "read_file",
             "duration_ms": 4, "success": True, **base}, at_ms=1),
        log({"event.name": "gen_ai.client.inference.operation.details", **base}, at_ms=2),
    ], service="gemini-cli"))
    [call] = [e for e in events if isinstance(e, LLMCall)]
    assert (call.input_tokens, call.cache_read_tokens, call.output_tokens, call.latency_ms) == (
        4005, 8000, 770, 3200.0)
    assert call.input_tokens + call.cache_read_tokens + call.output_tokens == 12775
    [tool] = [e for e in events if isinstance(e, ToolCall)]
    assert (tool.tool, tool.ok) == ("read_file", True)


def test_plain_log_records_are_log_lines() -> None:
    rec = log({"code.function": "run"}, body="\x1b]0;pwned\x07 disk full")
    rec["severityText"] = "ERROR"
    [ev] = _decode(logs([rec], service="worker"))
    assert isinstance(ev, LogLine)
    assert (ev.level, ev.agent) == ("error", "worker")
    assert "disk full" in ev.text  # raw: sanitised at display


def test_a_retried_log_request_is_not_counted_twice() -> None:
    dec = OtelDecoder()
    doc = line(logs([_claude("api_request", model="m", input_tokens=1, output_tokens=1)]))
    first = dec.decode(doc, "f", 0, 0.0)
    again = dec.decode(doc, "f", len(doc) + 1, 0.0)
    assert [type(e) for e in first if isinstance(e, LLMCall)] == [LLMCall] and again == []


def test_collector_file_exporter_lines(tmp_path) -> None:
    path = tmp_path / "otel-export.jsonl"
    path.write_bytes(b"\n".join([
        line(issue_3995()),
        line(logs([_claude("api_request", model="m", input_tokens=5, output_tokens=6)])),
        line(metric_sum("claude_code.cost.usage", [(0.1, {})])),
        b'{"resourceSpans": [{"scopeSpans": [{"spans": "oops"}]}]}',
    ]) + b"\n")
    head = path.read_bytes()[:4096]
    assert detect_format(head.split(b"\n")[:-1], str(path), head) == "otel"
    events = [e for batch in read_file(path) for e in batch]
    calls = [e for e in events if isinstance(e, LLMCall)]
    assert sum(c.input_tokens or 0 for c in calls) == 113 + 5 and len(calls) == 3
    assert len([e for e in events if isinstance(e, MetricEvent)]) == 1
    [bad] = [e for e in events if isinstance(e, ParseError)]
    assert "OTLP/JSON" in bad.reason


def test_collector_file_with_children_a_line_before_their_agent(tmp_path) -> None:
    """The file exporter writes a line per request in the order they came: the chats (which
    ended first) a line before their agent span. A file that ends before the parent comes
    still has every call, under the service, at its end."""
    spans = issue_3995()["resourceSpans"][0]["scopeSpans"][0]["spans"]
    split = tmp_path / "split.jsonl"
    split.write_bytes(line(traces(spans[:3], "weather-app")) + b"\n"
                      + line(traces(spans[3:], "weather-app")) + b"\n")
    events = [e for batch in read_file(split) for e in batch]
    calls = [e for e in events if isinstance(e, LLMCall)]
    assert [c.agent for c in calls] == ["weather_agent", "weather_agent"]
    assert sum(c.input_tokens or 0 for c in calls) == 113
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(line(traces(spans[:3], "weather-app")) + b"\n")
    events = [e for batch in read_file(cut) for e in batch]
    assert [c.agent for c in events if isinstance(c, LLMCall)] == ["weather-app"] * 2
    assert isinstance(events[-1], FileStatus) and events[-1].state == "done"


def test_pretty_printed_document(tmp_path) -> None:
    """Shaped as opentelemetry-proto's examples/trace.json: "{" alone on the first line,
    two-space indent, no newline at the end."""
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(issue_3995(), indent=2))
    head = path.read_bytes()[:4096]
    fmt = detect_format(head.split(b"\n")[:-1], str(path), head)
    assert fmt == "otel-doc" and is_whole_file(make_decoder(fmt))
    events = [e for batch in read_file(path) for e in batch]
    calls = [e for e in events if isinstance(e, LLMCall)]
    assert len(calls) == 2 and sum(c.output_tokens or 0 for c in calls) == 11


def test_document_decoder_hands_on_only_what_is_new() -> None:
    dec = OtelDocumentDecoder()
    one = json.dumps(issue_3995(), indent=2).encode()
    assert len([e for e in dec.decode_file(one, "d.json", 0.0) if isinstance(e, LLMCall)]) == 2
    two = one + b"\n" + json.dumps(logs([_claude("api_request", model="m", input_tokens=1,
                                                 output_tokens=1)]), indent=1).encode()
    new = dec.decode_file(two, "d.json", 0.0)
    assert [e.agent for e in new if isinstance(e, LLMCall)] == [SESSION]
    cut = dec.decode_file(two[:-10], "d.json", 0.0)  # caught mid-rewrite
    assert cut == [] and "cut short" in dec.last_error


def test_time_is_the_records() -> None:
    [call] = [e for e in _decode(logs([log({"event.name": "gemini_cli.api_response",
                                             "session.id": "s", "input_token_count": 1})],
                                       service="gemini-cli")) if isinstance(e, LLMCall)]
    assert call.ts == T0 / 1e9
