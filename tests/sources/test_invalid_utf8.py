"""Invalid UTF-8 is replaced before any decoder parses a line, on every decoder's path, so no
event is lost to however the JSON library words bad bytes (msgspec 0.18 raised
UnicodeDecodeError, 0.23 raises DecodeError: a fresh install lost such lines as bad lines).

Shapes: the Claude Code assistant record as in ~/.claude/projects transcripts (message.usage,
requestId, sessionId); the stream-json assistant line of `claude -p --output-format
stream-json`; an OTLP/JSON export request (opentelemetry-proto examples/trace.json layout)."""

from __future__ import annotations

import json

import msgspec
import pytest

from swarmtop.events import LLMCall, LogLine, ParseError
from swarmtop.sources.decoders import detect_format
from swarmtop.sources.decoders.claude_code import ClaudeCodeDecoder
from swarmtop.sources.decoders.claude_flow import ClaudeFlowDecoder
from swarmtop.sources.decoders.claude_stream import ClaudeStreamDecoder
from swarmtop.sources.decoders.common import valid_utf8
from swarmtop.sources.decoders.native import NativeDecoder
from swarmtop.sources.decoders.otel import OtelDecoder

BAD = "caf\udce9 \udcff"  # lone surrogates: written as the raw bytes \xe9 and \xff below


def _raw(obj: dict) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8", "surrogateescape")


CC = _raw({"type": "assistant", "timestamp": "2026-11-20T10:00:00.000Z", "sessionId": "s1",
           "requestId": "req_1", "cwd": f"/home/u/{BAD}",
           "message": {"id": "msg_1", "model": "claude-sonnet-4-5", "role": "assistant",
                       "content": [{"type": "text", "text": BAD}],
                       "usage": {"input_tokens": 3, "output_tokens": 7,
                                 "cache_creation_input_tokens": 11,
                                 "cache_read_input_tokens": 13}}})
STREAM = _raw({"type": "assistant", "session_id": "S", "parent_tool_use_id": None,
               "message": {"id": "msg_2", "model": "claude-sonnet-4-5",
                           "content": [{"type": "text", "text": BAD}],
                           "usage": {"input_tokens": 5, "output_tokens": 9}}})
OTEL = _raw({"resourceSpans": [{"resource": {"attributes": [
    {"key": "service.name", "value": {"stringValue": BAD}}]},
    "scopeSpans": [{"spans": [{"traceId": "ab" * 16, "spanId": "cd" * 8, "name": f"chat {BAD}",
                               "startTimeUnixNano": "1763632800000000000",
                               "endTimeUnixNano": "1763632801000000000",
                               "attributes": [
                                   {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
                                   {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "21"}},
                                   {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "4"}}]}]}]}]})


def test_fixtures_really_hold_invalid_utf8() -> None:
    for line in (CC, STREAM, OTEL):
        with pytest.raises(UnicodeDecodeError):
            line.decode("utf-8")


def test_valid_utf8_replaces_only_what_is_invalid() -> None:
    assert valid_utf8(b"plain") == b"plain"
    assert valid_utf8("caf\u00e9".encode()) == "caf\u00e9".encode()
    assert valid_utf8(b"caf\xe9!") == "caf\ufffd!".encode()
    assert valid_utf8(b"a\nb\xff\nc").count(b"\n") == 2  # line boundaries never move


def test_native_line_and_block() -> None:
    line = b'{"type": "log", "message": "caf\xe9 \xff", "ts": 1763632800}'
    [ev] = NativeDecoder().decode(line, "n.jsonl", 0, 1.0)
    assert isinstance(ev, LogLine) and "\ufffd" in ev.text
    block = b'{"type": "llm_call", "model": "m\xff", "input_tokens": 1, "output_tokens": 2}\n' * 3
    events, n = NativeDecoder().decode_block(block, "n.jsonl", 0, 1.0)
    assert n == 3 and [type(e) for e in events] == [LLMCall] * 3
    assert events[0].model == "m\ufffd"


def test_claude_code() -> None:
    [ev] = [e for e in ClaudeCodeDecoder().decode(CC, "s1.jsonl", 0, 1.0)
            if isinstance(e, LLMCall)]
    assert isinstance(ev, LLMCall)
    assert (ev.input_tokens, ev.output_tokens, ev.cache_write_tokens, ev.cache_read_tokens) == \
        (3, 7, 11, 13)


def test_claude_stream() -> None:
    [ev] = [e for e in ClaudeStreamDecoder().decode(STREAM, "c.jsonl", 0, 1.0)
            if isinstance(e, LLMCall)]
    assert isinstance(ev, LLMCall) and (ev.input_tokens, ev.output_tokens) == (5, 9)


def test_otel() -> None:
    [ev] = OtelDecoder().decode(OTEL, "o.jsonl", 0, 1.0)
    assert isinstance(ev, LLMCall) and ev.output_tokens == 4


def test_claude_flow_whole_file() -> None:
    doc = b'[{"name": "t\xff", "duration": 12.5, "success": true}]'
    events = ClaudeFlowDecoder().decode_file(doc, "flow.json", 1.0)
    assert events and not any(isinstance(e, ParseError) for e in events)


def test_detection_reads_through_bad_bytes() -> None:
    assert detect_format([CC, CC]) == "claude-code"
    assert detect_format([OTEL]) == "otel"


def test_no_reliance_on_the_library_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    """A JSON library that rejects invalid UTF-8 with any exception at all still never sees
    it: the bytes are made valid first."""
    real = msgspec.json.Decoder.decode
    seen: list[bytes] = []

    class Strict:
        def __init__(self, inner: msgspec.json.Decoder) -> None:
            self.inner = inner

        def decode(self, data: bytes) -> object:
            seen.append(bytes(data))
            data.decode("utf-8")  # raises on invalid bytes, like any strict parser
            return real(self.inner, data)

    import swarmtop.sources.decoders.native as native

    monkeypatch.setattr(native, "_decoder", Strict(native._decoder))
    [ev] = NativeDecoder().decode(b'{"type": "log", "message": "\xff"}', "n", 0, 1.0)
    assert isinstance(ev, LogLine) and seen
