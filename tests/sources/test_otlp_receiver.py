"""The OTLP/HTTP receiver, driven by the real OpenTelemetry Python SDK and its OTLP/HTTP
protobuf exporters, by hand-built OTLP/JSON bodies, by raw sockets for the cases a client
library never sends (slow, oversized, a gzip bomb), and by curl. Loopback, free ports."""

from __future__ import annotations

import asyncio
import gzip
import json
import shutil
import subprocess
import time
from collections.abc import AsyncIterator

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from swarmtop.events import AgentInfo, LLMCall, MetricEvent, ParseError, TaskEvent, ToolCall
from swarmtop.sources.otlp_receiver import AddressError, OtlpReceiver, parse_address
from tests.sources.otlpjson import issue_3995, line, log, logs


class Harness:
    def __init__(self, receiver: OtlpReceiver) -> None:
        self.r = receiver
        self.events: list = []

    async def emit(self, batch: list) -> None:
        self.events.extend(batch)

    def of(self, cls: type) -> list:
        return [e for e in self.events if isinstance(e, cls)]

    async def until(self, pred, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not pred():
            assert time.monotonic() < deadline, "timed out"
            await asyncio.sleep(0.01)


@pytest.fixture
async def rx() -> AsyncIterator[Harness]:
    r = OtlpReceiver("127.0.0.1", 0, max_body=1 << 20, max_decompressed=4 << 20,
                     head_timeout_s=0.5, body_timeout_s=0.5, idle_timeout_s=2.0)
    h = Harness(r)
    task = asyncio.create_task(r.run(h.emit))
    await asyncio.sleep(0)
    try:
        yield h
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await r.close()


async def raw(r: OtlpReceiver, data: bytes, *, wait: float = 3.0) -> bytes:
    """Send ``data`` on a fresh connection; everything the server answers until it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", r.port)
    writer.write(data)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(), wait)
    finally:
        writer.close()


def post(path: str, body: bytes, ctype: str = "application/json", **headers: str) -> bytes:
    head = [f"POST {path} HTTP/1.1", "Host: x", f"Content-Type: {ctype}",
            f"Content-Length: {len(body)}", "Connection: close"]
    head += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


# ---- the real SDK ------------------------------------------------------------------------------
def _sdk_traces(endpoint: str) -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.trace import Status, StatusCode

    provider = TracerProvider(resource=Resource.create({"service.name": "sdk-swarm"}))
    provider.add_span_processor(BatchSpanProcessor(
        OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces", timeout=5)))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("invoke_agent planner", attributes={
            "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner",
            "gen_ai.agent.id": "agent-planner",
            "gen_ai.usage.input_tokens": 300, "gen_ai.usage.output_tokens": 30}):
        for i in range(2):
            with tracer.start_as_current_span("chat claude-sonnet-4-5", attributes={
                    "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
                    "gen_ai.request.model": "claude-sonnet-4-5",
                    "gen_ai.usage.input_tokens": 150, "gen_ai.usage.output_tokens": 15,
                    "gen_ai.usage.cache_read.input_tokens": 100 * i}):
                pass
        with tracer.start_as_current_span("execute_tool run_tests", attributes={
                "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "run_tests",
                "gen_ai.tool.call.id": "call_9"}) as tool:
            tool.set_status(Status(StatusCode.ERROR, "3 tests failed"))
            tool.set_attribute("error.type", "AssertionError")
        with tracer.start_as_current_span("invoke_agent coder", attributes={
                "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "coder"}):
            with tracer.start_as_current_span("chat gpt-4o", attributes={
                    "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 40,
                    "gen_ai.usage.output_tokens": 4}):
                pass
    assert provider.force_flush(5000)
    provider.shutdown()


async def test_sdk_spans_agents_tools_and_no_double_count(rx: Harness) -> None:
    await asyncio.to_thread(_sdk_traces, rx.r.endpoint)
    await rx.until(lambda: len(rx.of(TaskEvent)) == 2)
    calls = rx.of(LLMCall)
    assert len(calls) == 3  # the planner's own summed usage is not a fourth
    assert sum(c.input_tokens or 0 for c in calls) == 150 + 50 + 40
    assert sum(c.cache_read_tokens for c in calls) == 100
    assert sorted(c.agent for c in calls) == ["agent-planner", "agent-planner", "coder"]
    infos = {e.agent: e for e in rx.of(AgentInfo)}
    assert infos["coder"].parent == "agent-planner" and infos["agent-planner"].name == "planner"
    [tool] = rx.of(ToolCall)
    assert (tool.tool, tool.ok, tool.error, tool.call_id, tool.agent) == (
        "run_tests", False, "3 tests failed", "call_9", "agent-planner")
    st = rx.r.status()
    assert st.accepted["spans"] == 6 and st.senders == ["sdk-swarm"]
    assert st.rejections == {} and st.requests >= 1


def _sdk_split_traces(endpoint: str) -> None:
    """A BatchSpanProcessor exporting one span per request (``max_export_batch_size=1``):
    spans go out as they end, so every child reaches the receiver before its invoke_agent
    parent; and a second trace whose agent span ends (and goes out) before its last call, as
    with a response still streaming when the agent's span is closed."""
    from opentelemetry import trace as api
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    exporter = OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces", timeout=5)
    provider = TracerProvider(resource=Resource.create({"service.name": "sdk-swarm"}))
    provider.add_span_processor(BatchSpanProcessor(exporter, max_export_batch_size=1,
                                                   schedule_delay_millis=50))
    tracer = provider.get_tracer("test")
    usage = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
             "gen_ai.usage.input_tokens": 56, "gen_ai.usage.output_tokens": 5}
    with tracer.start_as_current_span("invoke_agent weather_agent", attributes={
            "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "weather_agent",
            "gen_ai.usage.input_tokens": 112, "gen_ai.usage.output_tokens": 10}):
        for _ in range(2):
            with tracer.start_as_current_span("chat gpt-4o", attributes=usage):
                pass
        with tracer.start_as_current_span("execute_tool get_weather", attributes={
                "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather"}):
            pass
    assert provider.force_flush(5000)
    provider.shutdown()
    # the other order, on a processor that exports each span the moment it ends
    provider = TracerProvider(resource=Resource.create({"service.name": "sdk-swarm"}))
    provider.add_span_processor(SimpleSpanProcessor(
        OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces", timeout=5)))
    tracer = provider.get_tracer("test")
    agent = tracer.start_span("invoke_agent scout", attributes={
        "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "scout",
        "gen_ai.usage.input_tokens": 56, "gen_ai.usage.output_tokens": 5})
    child = tracer.start_span("chat gpt-4o", attributes=usage,
                              context=api.set_span_in_context(agent))
    agent.end()
    child.end()
    provider.shutdown()


async def test_sdk_children_exported_before_their_agent_take_its_name(rx: Harness) -> None:
    await asyncio.to_thread(_sdk_split_traces, rx.r.endpoint)
    await rx.until(lambda: len(rx.of(LLMCall)) == 3 and rx.r._mapper.holding == 0,
                   timeout=20)
    calls = rx.of(LLMCall)
    assert sorted(c.agent for c in calls) == ["scout", "weather_agent", "weather_agent"]
    assert sum(c.input_tokens or 0 for c in calls) == 3 * 56  # no agent's sum on top
    assert [t.agent for t in rx.of(ToolCall)] == ["weather_agent"]
    assert rx.r.status().requests >= 6  # one span per request in the first trace
    await asyncio.sleep(0.3)
    assert len(rx.of(LLMCall)) == 3


def _children_only() -> bytes:
    """issue #3995's chats and tool, without the agent span they point to."""
    doc = issue_3995()
    rs = doc["resourceSpans"][0]["scopeSpans"][0]
    rs["spans"] = rs["spans"][:3]
    return line(doc)


async def test_held_spans_go_on_after_their_wait_without_another_request(rx: Harness) -> None:
    rx.r._mapper.spans.hold_s = 0.2
    assert status_of(await raw(rx.r, post("/v1/traces", _children_only()))) == 200
    await rx.until(lambda: len(rx.of(LLMCall)) == 2)  # the receiver's timer, not a request
    assert {c.agent for c in rx.of(LLMCall)} == {"weather-app"}


async def test_a_closing_receiver_hands_on_what_it_holds() -> None:
    r = OtlpReceiver("127.0.0.1", 0)
    h = Harness(r)
    task = asyncio.create_task(r.run(h.emit))
    assert status_of(await raw(r, post("/v1/traces", _children_only()))) == 200
    await h.until(lambda: r._mapper.holding == 3)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await r.close()
    assert len(h.of(LLMCall)) == 2 and len(h.of(ToolCall)) == 1


def _sdk_logs_and_metrics(endpoint: str) -> None:
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource

    res = Resource.create({"service.name": "claude-code"})
    lp = LoggerProvider(resource=res)
    lp.add_log_record_processor(SimpleLogRecordProcessor(
        OTLPLogExporter(endpoint=f"{endpoint}/v1/logs", timeout=5)))
    logger = lp.get_logger("com.anthropic.claude_code.events")
    common = {"session.id": "sess-1", "event.timestamp": "2025-11-25T10:00:00.000Z"}
    logger.emit(body="claude_code.api_request", attributes={
        **common, "event.name": "api_request", "model": "claude-opus-4-1", "cost_usd": 0.5,
        "duration_ms": 1234, "input_tokens": 10, "output_tokens": 200,
        "cache_read_tokens": 5000, "cache_creation_tokens": 300})
    logger.emit(body="claude_code.tool_result", attributes={
        **common, "event.name": "tool_result", "tool_name": "Edit", "success": "true",
        "duration_ms": 12})
    lp.shutdown()
    reader = PeriodicExportingMetricReader(
        OTLPMetricExporter(endpoint=f"{endpoint}/v1/metrics", timeout=5),
        export_interval_millis=60_000)
    mp = MeterProvider(resource=res, metric_readers=[reader])
    mp.get_meter("m").create_counter("claude_code.cost.usage", unit="USD").add(
        0.5, {"session.id": "sess-1"})
    mp.force_flush(5000)
    mp.shutdown()


async def test_sdk_logs_and_metrics(rx: Harness) -> None:
    await asyncio.to_thread(_sdk_logs_and_metrics, rx.r.endpoint)
    await rx.until(lambda: rx.of(MetricEvent) and rx.of(ToolCall))
    [call] = rx.of(LLMCall)
    assert (call.agent, call.cost_usd, call.input_tokens, call.cache_read_tokens,
            call.cache_write_tokens, call.output_tokens) == ("sess-1", 0.5, 10, 5000, 300, 200)
    assert rx.of(ToolCall)[0].tool == "Edit"
    m = rx.of(MetricEvent)[0]
    assert m.name == "claude_code.cost.usage" and m.value == 0.5  # a metric, not tokens
    st = rx.r.status()
    assert st.accepted["log_records"] == 2 and st.accepted["data_points"] >= 1


# ---- JSON, gzip and the answers ----------------------------------------------------------------
async def test_json_and_gzip_bodies(rx: Harness) -> None:
    ans = await raw(rx.r, post("/v1/traces", line(issue_3995())))
    assert status_of(ans) == 200 and ans.endswith(b"{}")
    body = gzip.compress(line(logs([log({"event.name": "api_request", "session.id": "s2",
                                         "model": "m", "input_tokens": 3,
                                         "output_tokens": 4})])))
    ans = await raw(rx.r, post("/v1/logs", body, Content_Encoding="gzip"))
    assert status_of(ans) == 200
    await rx.until(lambda: len(rx.of(LLMCall)) == 3)
    assert sum(c.input_tokens or 0 for c in rx.of(LLMCall)) == 113 + 3


async def test_rejections_are_answered_counted_and_the_receiver_goes_on(rx: Harness) -> None:
    r = rx.r
    assert status_of(await raw(r, post("/v1/traces", b"{not json"))) == 400
    assert status_of(await raw(r, post("/v1/traces", b"\x0a\xff\xff\xff",
                                       "application/x-protobuf"))) == 400
    assert status_of(await raw(r, post("/v1/traces", b"hi", "text/plain"))) == 415
    assert status_of(await raw(r, post("/v1/traces", b"{}", Content_Encoding="br"))) == 415
    assert status_of(await raw(r, post("/v1/traces", b"x" * ((1 << 20) + 1)))) == 413
    big = b"POST /v1/traces HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n"
    assert status_of(await raw(r, big)) == 413  # refused before a byte of the body
    assert status_of(await raw(r, b"GET /v1/traces HTTP/1.1\r\nHost: x\r\n\r\n")) == 405
    assert status_of(await raw(r, post("/metrics", b""))) == 404
    assert status_of(await raw(r, b"NONSENSE\r\n\r\n")) == 400
    # a JSON request of the wrong shape is malformed too; JSON errors answer in JSON
    ans = await raw(r, post("/v1/logs", b'{"resourceLogs": {"a": 1}}'))
    assert status_of(ans) == 400 and json.loads(ans.split(b"\r\n\r\n", 1)[1])["code"] == 3
    # and after all that, it still works
    assert status_of(await raw(r, post("/v1/traces", line(issue_3995())))) == 200
    await rx.until(lambda: len(rx.of(LLMCall)) == 2)
    st = r.status()
    assert st.rejections["400 malformed body"] == 3
    assert st.rejections["415 unsupported content type"] == 1
    assert st.rejections["415 unsupported content encoding"] == 1
    assert st.rejections["413 body over the limit"] == 2
    assert st.rejections["405 method not allowed"] == 1 and st.rejections["404 not found"] == 1
    await rx.until(lambda: len(rx.of(ParseError)) >= 8)
    assert all(p.source == r.source for p in rx.of(ParseError))


async def test_gzip_bomb_is_refused_without_inflating(rx: Harness) -> None:
    bomb = gzip.compress(b"\0" * (64 << 20), 9)  # 64 MiB of zeros in ~64 KiB
    assert len(bomb) < (1 << 20)
    ans = await raw(rx.r, post("/v1/traces", bomb, "application/x-protobuf",
                               Content_Encoding="gzip"))
    assert status_of(ans) == 413
    assert rx.r.status().rejections == {"413 decompressed body over the limit": 1}
    bad = gzip.compress(b"{}")[:-6]
    assert status_of(await raw(rx.r, post("/v1/traces", bad, Content_Encoding="gzip"))) == 400


async def test_slow_clients_are_cut_off(rx: Harness) -> None:
    r = rx.r
    t0 = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", r.port)
    head = post("/v1/traces", line(issue_3995()))
    answer = b""
    for byte in head[:40]:  # a byte every 0.1 s: the head is not in within 0.5 s
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.1)
        if reader.at_eof() or (answer := await _peek(reader)):
            break
    answer += await asyncio.wait_for(reader.read(), 3)
    writer.close()
    assert status_of(answer) == 408 and time.monotonic() - t0 < 3
    # the body too has a deadline
    reader, writer = await asyncio.open_connection("127.0.0.1", r.port)
    writer.write(head[:-10])
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 3)
    writer.close()
    assert status_of(answer) == 408
    assert r.status().rejections["408 slow client"] == 2
    assert status_of(await raw(r, head)) == 200  # and it goes on


async def _peek(reader: asyncio.StreamReader) -> bytes:
    try:
        return await asyncio.wait_for(reader.read(100), 0.01)
    except TimeoutError:
        return b""


async def test_keep_alive_chunked_and_expect_continue(rx: Harness) -> None:
    r = rx.r
    reader, writer = await asyncio.open_connection("127.0.0.1", r.port)
    body = line(issue_3995())
    # two requests on one connection, the first chunked, the second after 100-continue
    chunked = b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n"
                       for c in (body[:100], body[100:])) + b"0\r\n\r\n"
    writer.write(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n" + chunked)
    await writer.drain()
    first = await asyncio.wait_for(reader.readuntil(b"{}"), 3)
    assert status_of(first) == 200
    writer.write(b"POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Expect: 100-continue\r\nContent-Length: 2\r\n\r\n")
    await writer.drain()
    cont = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 3)
    assert cont.startswith(b"HTTP/1.1 100")
    writer.write(b"{}")
    await writer.drain()
    second = await asyncio.wait_for(reader.readuntil(b"{}"), 3)
    assert status_of(second) == 200
    writer.close()


async def test_protobuf_answer_and_partial_success() -> None:
    r = OtlpReceiver("127.0.0.1", 0, max_items=3)
    h = Harness(r)
    task = asyncio.create_task(r.run(h.emit))
    try:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )
        req = ExportTraceServiceRequest()
        ss = req.resource_spans.add().scope_spans.add()
        for i in range(5):
            s = ss.spans.add(trace_id=bytes(15) + b"\x01", span_id=bytes(7) + bytes([i + 1]),
                             name="chat m", start_time_unix_nano=1, end_time_unix_nano=2)
            kv = s.attributes.add(key="gen_ai.usage.input_tokens")
            kv.value.int_value = 1
        ans = await raw(r, post("/v1/traces", req.SerializeToString(), "application/x-protobuf"))
        assert status_of(ans) == 200
        resp = ExportTraceServiceResponse.FromString(ans.split(b"\r\n\r\n", 1)[1])
        assert resp.partial_success.rejected_spans == 2
        assert "limit of 3" in resp.partial_success.error_message
        await h.until(lambda: len(h.of(LLMCall)) == 3)
        st = r.status()
        assert (st.accepted["spans"], st.rejected["spans"]) == (3, 2)
        assert st.rejections == {"200 partial success": 1}
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await r.close()


async def test_busy_receiver_answers_503(rx: Harness) -> None:
    rx.r.max_inflight = 0
    ans = await raw(rx.r, post("/v1/traces", b"{}"))
    assert status_of(ans) == 503 and b"Retry-After: 1" in ans
    assert rx.r.status().rejections == {"503 busy": 1}


@pytest.mark.skipif(shutil.which("curl") is None, reason="no curl")
async def test_curl(rx: Harness) -> None:
    url = f"{rx.r.endpoint}/v1/traces"

    def curl(*args: str) -> str:
        return subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5",
                               *args, url], capture_output=True, text=True, timeout=10).stdout

    doc = line(issue_3995()).decode()
    assert await asyncio.to_thread(curl, "-H", "Content-Type: application/json", "-d", doc) \
        == "200"
    assert await asyncio.to_thread(curl, "-H", "Content-Type: application/xml", "-d", "<x/>") \
        == "415"
    await rx.until(lambda: len(rx.of(LLMCall)) == 2)


def test_addresses() -> None:
    assert parse_address("4318") == ("127.0.0.1", 4318)
    assert parse_address(":4318") == ("127.0.0.1", 4318)
    assert parse_address("0.0.0.0:9") == ("0.0.0.0", 9)
    assert parse_address("[::1]:4318") == ("::1", 4318)
    for bad in ("x", "1:99999", "[::1"):
        with pytest.raises(AddressError):
            parse_address(bad)


async def test_status_snapshot_is_plain_and_closes(rx: Harness) -> None:
    st = rx.r.status()
    assert st.address == f"127.0.0.1:{rx.r.port}" and st.state == "listening"
    await rx.until(lambda: rx.events)  # the FileStatus that lists it among the sources
    assert rx.events[0].format == "otlp"


async def test_a_bug_in_the_mapping_is_recorded_answered_500_and_survived(rx: Harness,
                                                                           monkeypatch) -> None:
    from swarmtop import errorlog
    from swarmtop.errorlog import Failures

    book = Failures()
    errorlog.use(book)

    def broken(*a, **k):
        raise RuntimeError("mapping bug")

    monkeypatch.setattr(rx.r._mapper, "map", broken)
    assert status_of(await raw(rx.r, post("/v1/traces", line(issue_3995())))) == 500
    assert [f.where for f in book.entries()] == ["OTLP receiver (mapping a request)"]
    monkeypatch.undo()
    assert status_of(await raw(rx.r, post("/v1/traces", line(issue_3995())))) == 200
