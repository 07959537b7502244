"""Bad input thrown at the OTLP receiver by real clients (curl, raw sockets), at its default
body limits (16 MiB sent, 64 MiB decompressed): a truncated protobuf, JSON of the wrong types,
a 100 MB body (declared, and chunked), a gzip bomb, a client that sends one byte a second. Each
is answered with its status, counted by reason, reported as a bad line of the receiver, and
the receiver keeps serving — also while the slow client is still connected."""

from __future__ import annotations

import asyncio
import json
import shutil
import struct
import subprocess
import time
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from swarmtop.events import LLMCall, ParseError
from swarmtop.sources.otlp_receiver import OtlpReceiver
from tests.sources.otlpjson import issue_3995, line
from tests.sources.test_otlp_receiver import Harness, post, raw, status_of

needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="no curl")


@pytest.fixture
async def rx() -> AsyncIterator[Harness]:
    # default body limits; short deadlines so that a byte a second is cut off within seconds
    r = OtlpReceiver("127.0.0.1", 0, head_timeout_s=2.5, body_timeout_s=2.5)
    h = Harness(r)
    task = asyncio.create_task(r.run(h.emit))
    await asyncio.sleep(0)
    try:
        yield h
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await r.close()


_good = iter(range(1, 1 << 30))


async def still_serves(h: Harness) -> None:
    """A good request after the bad ones (a trace of its own each time, or it would be a
    retry, skipped): taken, and its calls handed on."""
    doc = issue_3995()
    trace = f"{next(_good):032x}"
    for s in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        s["traceId"] = trace
    before = len(h.of(LLMCall))
    assert status_of(await raw(h.r, post("/v1/traces", line(doc)))) == 200
    await h.until(lambda: len(h.of(LLMCall)) == before + 2)


def curl(url: str, *args: str, timeout: float = 30) -> str:
    """The HTTP status curl got (000: none)."""
    return subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m",
                           str(timeout), *args, url], capture_output=True, text=True,
                          timeout=timeout + 10).stdout


def sdk_request() -> bytes:
    """An ExportTraceServiceRequest as the SDK's own OTLP encoder writes it, from spans the
    SDK recorded (chat spans with GenAI usage under an invoke_agent span)."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    mem = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "sdk-swarm"}))
    provider.add_span_processor(SimpleSpanProcessor(mem))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("invoke_agent planner", attributes={
            "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"}):
        for _ in range(3):
            with tracer.start_as_current_span("chat gpt-4o", attributes={
                    "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
                    "gen_ai.usage.input_tokens": 120, "gen_ai.usage.output_tokens": 12}):
                pass
    provider.shutdown()
    return encode_spans(mem.get_finished_spans()).SerializeToString()


def gzip_bomb(mib: int) -> bytes:
    """A valid gzip stream of ``mib`` MiB of zeros in about ``mib`` KiB: one deflate block of
    1 MiB of zeros repeated (a full flush makes the blocks identical), then the trailer."""
    zeros = bytes(1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    first = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush()[:-8]
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    return first + block * (mib - 1) + end + struct.pack("<II", crc, (mib << 20) & 0xFFFFFFFF)


# ---- a truncated protobuf ----------------------------------------------------------------------
@needs_curl
async def test_a_truncated_protobuf_is_400(rx: Harness, tmp_path: Path) -> None:
    body = sdk_request()
    cut = tmp_path / "cut.bin"
    url = f"{rx.r.endpoint}/v1/traces"
    for n in (len(body) // 2, len(body) - 1, 3):
        cut.write_bytes(body[:n])
        assert await asyncio.to_thread(curl, url, "-H", "Content-Type: application/x-protobuf",
                                       "--data-binary", f"@{cut}") == "400"
    assert rx.r.status().rejections == {"400 malformed body": 3}
    await rx.until(lambda: len(rx.of(ParseError)) == 3)
    assert all("refused: 400 malformed body" in p.reason for p in rx.of(ParseError))
    whole = tmp_path / "whole.bin"
    whole.write_bytes(body)
    assert await asyncio.to_thread(curl, url, "-H", "Content-Type: application/x-protobuf",
                                   "--data-binary", f"@{whole}") == "200"
    await rx.until(lambda: len(rx.of(LLMCall)) == 3)  # the whole request: taken


# ---- JSON of the wrong types -------------------------------------------------------------------
def _span(**fields) -> bytes:
    s = {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
         "name": "chat gpt-4o", **fields}
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [s]}]}]}).encode()


WRONG_TYPES = {
    "a list, not a request": b"[]",
    "resourceSpans a string": b'{"resourceSpans": "all of them"}',
    "a span id a number": _span(spanId=12),
    "attributes an object": _span(attributes={"gen_ai.usage.input_tokens": 5}),
    "an int64 that is a word": _span(attributes=[
        {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "twelve"}}]),
    "a time that is true": _span(startTimeUnixNano=True),
    "a double that is a word": _span(attributes=[
        {"key": "gen_ai.usage.cost", "value": {"doubleValue": "cheap"}}]),
    "a name that is a number": _span(name=5),
}


async def test_json_of_the_wrong_types_is_400(rx: Harness) -> None:
    for what, body in WRONG_TYPES.items():
        ans = await raw(rx.r, post("/v1/traces", body))
        assert status_of(ans) == 400, what
        status = json.loads(ans.split(b"\r\n\r\n", 1)[1])  # a google.rpc.Status, in JSON
        assert status["code"] == 3 and "malformed body" in status["message"], what
    assert rx.r.status().rejections == {"400 malformed body": len(WRONG_TYPES)}
    # what is only unusual, not wrong, is taken: unknown fields, int64 as numbers, enum names
    odd = json.loads(_span(startTimeUnixNano=1544712660000000000,
                           endTimeUnixNano="1544712661000000000",
                           status={"code": "STATUS_CODE_ERROR"}, futureField={"x": 1},
                           attributes=[{"key": "gen_ai.usage.input_tokens",
                                        "value": {"intValue": 7}}]))
    assert status_of(await raw(rx.r, post("/v1/traces", json.dumps(odd).encode()))) == 200
    await rx.until(lambda: len(rx.of(LLMCall)) == 1)
    [call] = rx.of(LLMCall)
    assert (call.input_tokens, call.ok, call.latency_ms) == (7, False, 1000.0)
    await still_serves(rx)


# ---- a 100 MB body -----------------------------------------------------------------------------
@needs_curl
async def test_a_100_mb_body_is_413_declared_or_chunked(rx: Harness, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(100_000_000)  # 100 MB (sparse: no time spent writing it)
    url = f"{rx.r.endpoint}/v1/traces"
    t0 = time.monotonic()
    # declared: refused on its Content-Length, before a byte of it is read
    assert await asyncio.to_thread(curl, url, "-H", "Content-Type: application/json",
                                   "--data-binary", f"@{big}") == "413"
    # chunked: no length said; refused once 16 MiB have come
    assert await asyncio.to_thread(curl, url, "-H", "Content-Type: application/json",
                                   "-H", "Transfer-Encoding: chunked",
                                   "--data-binary", f"@{big}") == "413"
    assert time.monotonic() - t0 < 20
    assert rx.r.status().rejections == {"413 body over the limit": 2}
    assert rx.r.status().bytes == 0  # nothing of it was kept
    await still_serves(rx)


# ---- a gzip bomb -------------------------------------------------------------------------------
@needs_curl
async def test_a_gzip_bomb_is_413_and_never_inflated(rx: Harness, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.gz"
    bomb.write_bytes(gzip_bomb(1024))  # 1 GiB of zeros in ~1 MiB: under the 16 MiB limit
    assert bomb.stat().st_size < (2 << 20)
    code = await asyncio.to_thread(curl, f"{rx.r.endpoint}/v1/traces", "-H",
                                   "Content-Type: application/x-protobuf", "-H",
                                   "Content-Encoding: gzip", "--data-binary", f"@{bomb}")
    assert code == "413"
    assert rx.r.status().rejections == {"413 decompressed body over the limit": 1}
    await rx.until(lambda: any("decompressed" in p.reason for p in rx.of(ParseError)))
    await still_serves(rx)


# ---- one byte a second -------------------------------------------------------------------------
async def _trickle(r: OtlpReceiver, data: bytes, *, every: float, at_once: int = 0) -> bytes:
    """Send ``data[:at_once]`` at once, then a byte every ``every`` s until the receiver
    answers; what it answered."""
    reader, writer = await asyncio.open_connection("127.0.0.1", r.port)
    try:
        writer.write(data[:at_once])
        await writer.drain()
        for byte in data[at_once:]:
            try:
                answer = await asyncio.wait_for(reader.read(1 << 16), every)
            except TimeoutError:
                writer.write(bytes([byte]))
                await writer.drain()
                continue
            return answer + await asyncio.wait_for(reader.read(), 5)
        return await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()


async def test_a_client_sending_one_byte_a_second_is_408_and_others_are_served(
        rx: Harness) -> None:
    request = post("/v1/traces", line(issue_3995()))
    head_len = request.index(b"\r\n\r\n") + 4
    t0 = time.monotonic()
    slow_head = asyncio.create_task(_trickle(rx.r, request, every=1.0))
    slow_body = asyncio.create_task(_trickle(rx.r, request, every=1.0, at_once=head_len))
    await asyncio.sleep(0.5)
    await still_serves(rx)  # while both trickle, another client is answered
    head_answer, body_answer = await asyncio.gather(slow_head, slow_body)
    # cut off at the deadline of the head (2.5 s) and of the body (2.5 s), though bytes came
    assert status_of(head_answer) == 408 and status_of(body_answer) == 408
    assert time.monotonic() - t0 < 10
    assert rx.r.status().rejections == {"408 slow client": 2}
    await still_serves(rx)


# ---- a gRPC exporter pointed at the HTTP port ----------------------------------------------------
async def test_a_grpc_client_is_told_no_and_counted(rx: Harness) -> None:
    """gRPC is not served: an HTTP/2 connection preface (RFC 9113 §3.4, what every gRPC
    exporter sends first) is a bad request line, answered 400 and counted."""
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes.fromhex("000000040000000000")
    assert status_of(await raw(rx.r, preface)) == 400
    assert rx.r.status().rejections == {"400 bad request line": 1}
    await still_serves(rx)
