"""Fuzzing every decoder (issue 18): random bytes, truncated and mutated real-looking lines, NUL
runs, invalid UTF-8, huge numbers, wrong field types, deep nesting, very long strings.

Properties: a decoder never raises; per line a list of events, or exactly one ParseError at the
line's offset (never both); the block paths (native ``decode_block``, Claude Code ``scan``) and
``read_file`` give the events line-by-line ``decode`` gives, and ``read_file`` counts every
complete line; no event carries a number that would poison the figures (negative or absurdly
large counts, negative or non-finite durations, a time no calendar shows); claude-flow's
``decode_file`` never raises on a mutated document and yields nothing on a second read.

Where each seed shape comes from (the records of the real tools, as the decoder tests pin them):

- native: GOOD and BAD of tests/sources/test_native_block.py, and the examples of
  docs/log-format.md (llm_call, text-only llm_call, task, metric, gc, log);
- claude-code: ``_assistant`` / ``_user`` of tests/sources/test_decoders_claude_code.py (lines
  of real ``~/.claude/projects/<project>/<session>.jsonl`` transcripts) and its summary line;
- claude-stream: ``INIT`` / ``_asst`` / ``_result`` of tests/sources/test_decoders_claude_stream.py
  (``claude -p --output-format stream-json`` output);
- otel: ``_export`` / ``_span`` / ``_kv`` of tests/sources/test_decoders_otel.py (OTLP/JSON export
  requests with GenAI semantic-convention attributes);
- claude-flow: ``_tasks`` and the benchmark document of tests/sources/test_decoders_claude_flow.py
  (``.claude-flow/metrics/task-metrics.json``, ``swarm-benchmark`` results), and the
  ``system-metrics.json`` / ``performance.json`` shapes of the decoder's docstring;
- text: the lines above read as text, and log-like lines.

Bounded and deterministic: ``derandomize=True``, no example database, a few seconds in all.
"""

from __future__ import annotations

import copy
import json
import math
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarmtop.core.aggregator import Aggregator
from swarmtop.events import (
    EVENT_TYPES,
    UNTIMED,
    FileStatus,
    GcEvent,
    LLMCall,
    LogLine,
    MetricEvent,
    ParseError,
    RateLimit,
    TaskEvent,
    decode_event,
    encode_event,
)
from swarmtop.sources import reader
from swarmtop.sources.decoders import DECODERS, make_decoder
from swarmtop.sources.decoders import native as native_mod
from swarmtop.sources.decoders.claude_code import ClaudeCodeDecoder
from swarmtop.sources.decoders.claude_flow import ClaudeFlowDecoder
from swarmtop.sources.decoders.common import MAX_COUNT, MAX_FIGURE, MAX_TS, MIN_TS
from swarmtop.sources.decoders.detect import detect
from swarmtop.sources.decoders.native import NativeDecoder
from swarmtop.sources.reader import read_file
from swarmtop.sources.textbytes import decode_around_nuls, is_binary
from swarmtop.timeparse import iso
from tests.sources import codex_rollouts
from tests.sources.test_decoders_claude_code import _assistant, _user
from tests.sources.test_decoders_claude_flow import _tasks
from tests.sources.test_decoders_claude_stream import INIT, _asst, _result
from tests.sources.test_decoders_otel import _export, _kv, _span
from tests.sources.test_native_block import BAD as NATIVE_BAD
from tests.sources.test_native_block import GOOD as NATIVE_GOOD

NOW = 1_700_000_000.0
SRC = "fuzz.jsonl"
LINE_FORMATS = ("native", "claude-code", "claude-stream", "otel", "text", "codex", "gemini")
# SWARMTOP_FUZZ_EXAMPLES=5000 pytest tests/sources/test_fuzz_decoders.py: a longer hunt
FUZZ = settings(max_examples=int(os.environ.get("SWARMTOP_FUZZ_EXAMPLES", "40")), deadline=None,
                derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ---- seeds ------------------------------------------------------------------------------------
NATIVE_SEEDS: list[object] = [
    *NATIVE_GOOD,
    {"ts": "2026-11-25T10:00:00Z", "type": "llm_call", "model": "claude-sonnet-4-5",
     "agent": "coder", "pattern": "lateral", "input_tokens": 1200, "output_tokens": 340,
     "cache_read_tokens": 8000, "cache_write_tokens": 0, "latency_ms": 1834, "ok": True},
    {"ts": 1764064800.5, "type": "llm_call", "model": "gpt-4o-mini", "prompt": "Summarise ...",
     "completion": "The report ..."},
    {"ts": "2026-11-25T10:00:02Z", "type": "task", "task_id": "t-17", "agent": "reviewer",
     "pattern": "critical", "status": "ok", "duration_ms": 4210},
    {"ts": 1764064801, "type": "metric", "name": "queue_depth", "value": 12, "unit": "items",
     "agent": "planner", "metric_kind": "counter"},
    {"ts": 1764064801.2, "type": "gc", "pid": 4242, "generation": 0, "collections": 37,
     "duration_ms": 4.1, "max_ms": 0.33, "collected": 1200, "uncollectable": 0},
    {"ts": "2026-11-25T10:00:03Z", "type": "log", "level": "error",
     "message": "tool call failed: timeout", "agent": "tester"},
]
CODE_SEEDS: list[object] = [
    {"type": "summary", "summary": "s", "leafUuid": "x"},
    _user("tool output " * 300),  # a long user line: scan passes over it unsearched
    _user("short"),
    _assistant("msg_1", "req_1", "claude-sonnet-4-5-20250929", 10, 1, 5000, 1000),
    _assistant("msg_1", "req_1", "claude-sonnet-4-5-20250929", 10, 120, 5000, 1000),
    _assistant("msg_2", None, "claude-haiku-4-5-20251001", 3, 40, costUSD=0.01),
    _assistant("msg_s", None, "<synthetic>", 0, 0),
    _assistant("msg_3", "req_3", "claude-haiku-4-5-20251001", 7, 8, isSidechain=True,
               agentId="a1", ts="2026-11-25T10:00:05+02:00"),
    _assistant("msg_4", "req_4", "claude-opus-4-1", 1, 2, isApiErrorMessage=True,
               ts="2026-11-25 10:00:05"),
]
STREAM_SEEDS: list[object] = [
    INIT, _asst("m1", 50), _asst("m1", 50), _asst("m2", 30, parent="toolu_1"),
    {"type": "user", "session_id": "S", "message": {"content": []}},
    _result(20, 80, 200, 10), _result(10, 60, 100, 5, cost=0.25),
]
_GENAI = [_kv("gen_ai.request.model", "claude-sonnet-4-5"), _kv("gen_ai.agent.name", "planner"),
          _kv("gen_ai.usage.input_tokens", 1200), _kv("gen_ai.usage.output_tokens", 80),
          _kv("gen_ai.usage.cache_read.input_tokens", 1000),
          _kv("gen_ai.usage.cache_creation.input_tokens", 150)]
OTEL_SEEDS: list[object] = [
    json.loads(_export([_span("s1", _GENAI), _span("s2", [_kv("http.method", "GET")]),
                        _span("s3", _GENAI[:1] + [_kv("gen_ai.usage.prompt_tokens", 10),
                                                  _kv("gen_ai.usage.completion_tokens", 2)],
                              error=True)])),
    json.loads(_export([_span("s4", [_kv("gen_ai.usage.input_tokens", 7),
                                     {"key": "gen_ai.usage.output_tokens",
                                      "value": {"doubleValue": 3.0}}])])),
]
FLOW_SEEDS: list[object] = [
    json.loads(_tasks(3)),
    [{"timestamp": 1_755_056_719_000 + i, "memoryUsagePercent": 41.5 + i, "cpuLoad": 0.7,
      "memoryTotal": 17179869184} for i in range(3)],
    {"startTime": 1, "totalTasks": 5, "successfulTasks": 4, "avgTaskDuration": 10.5},
    {"id": "b1", "name": "bench", "config": {"strategy": "research"},
     "tasks": [{"id": "t1", "objective": "x", "strategy": "development"}],
     "results": [{"id": "r1", "task_id": "t1", "agent_id": "a1", "status": "success",
                  "performance_metrics": {"execution_time": 1.5},
                  "resource_usage": {"cpu_percent": 12.0, "peak_memory_mb": 300.0},
                  "completed_at": "2026-11-25T10:00:00"},
                 {"id": "r2", "task_id": "t9", "agent_id": "a2", "status": "ResultStatus.TIMEOUT",
                  "started_at": "2026-11-25T10:00:00", "completed_at": "2026-11-25T10:00:30"}],
     "performance_metrics": {"throughput": 2.0, "success_rate": 0.5}},
]
TEXT_SEEDS: list[object] = [
    "2026-11-25 10:00:00 ERROR tool call failed: timeout",
    "[warn] retrying in 5s", "Traceback (most recent call last):", "level=debug msg=ok",
    "\x1b[31mred\x1b[0m\ttab\r", "r\u00e9sum\u00e9 \u2713",
]
# Codex rollouts: the fixture's lines (tests/sources/codex_rollouts.py), the bad one left out
CODEX_SEEDS: list[object] = [json.loads(t) for t in
                             codex_rollouts.parent_lines() + codex_rollouts.child_lines()
                             if t.startswith("{\"")]
# Gemini CLI chat lines (tests/sources/gemini_sessions.py: the shape gemini-cli writes)
_G_MSG = {"id": "m1", "timestamp": "2026-05-04T09:30:01.000Z", "type": "gemini",
          "content": "ok", "model": "gemini-2.5-pro", "thoughts": [],
          "tokens": {"input": 1000, "output": 50, "cached": 600, "thoughts": 70, "tool": 30,
                     "total": 1150},
          "toolCalls": [{"id": "t1", "name": "run_shell_command", "args": {"command": "ls"},
                         "result": [{"functionResponse": {"id": "t1", "name": "x",
                                                          "response": {"error": "boom"}}}],
                         "status": "error", "timestamp": "2026-05-04T09:30:03.000Z",
                         "agentId": "sub-1", "resultDisplay": "boom"}]}
GEMINI_SEEDS: list[object] = [
    {"sessionId": "s1", "projectHash": "a" * 64, "startTime": "2026-05-04T09:30:00.000Z",
     "lastUpdated": "2026-05-04T09:30:00.000Z", "kind": "subagent", "directories": ["/w"]},
    {"id": "u1", "timestamp": "2026-05-04T09:30:00.500Z", "type": "user",
     "content": [{"text": "Fix the test"}]},
    _G_MSG, {**_G_MSG, "tokens": None, "toolCalls": None},
    {"id": "i1", "timestamp": "2026-05-04T09:30:02.000Z", "type": "error", "content": "quota"},
    {"$set": {"summary": "Fix", "lastUpdated": "2026-05-04T09:30:04.000Z"}},
    {"$set": {"messages": [_G_MSG], "sessionId": "s2"}},
    {"$rewindTo": "m1"},
]
SEEDS = {"native": NATIVE_SEEDS, "claude-code": CODE_SEEDS, "claude-stream": STREAM_SEEDS,
         "otel": OTEL_SEEDS, "text": TEXT_SEEDS + NATIVE_SEEDS[:3] + CODE_SEEDS[3:5],
         "codex": CODEX_SEEDS, "gemini": GEMINI_SEEDS}
# raw native lines (bad ones included) as the block tests pin them
RAW_SEEDS = {"native": [b for b in NATIVE_BAD if b"\n" not in b]}

# ---- values to put where a field was -----------------------------------------------------------
WEIRD: list[bytes] = [
    b"1e400", b"-1e400", b"1e308", b"-1e308", b"1.7976931348623157e308", b"4.9e-324", b"1e-400",
    str(2**63).encode(), str(2**64).encode(), str(2**70).encode(), str(-(2**70)).encode(),
    b"1" + b"0" * 400, b"-1" + b"0" * 400, b"9" * 4400, b"-1", b"-0", b"-0.0", b"0",
    b"NaN", b"Infinity", b"-Infinity", b'"NaN"', b'"inf"', b'"-inf"', b'"1e400"', b'"-5"',
    b'"' + b"9" * 30 + b'"', b"null", b"true", b"false", b"[]", b"{}", b'""', b'"\\u0000"',
    b'"\\ud800"', b'"\\udfff\\ud800"', b"00", b"01", b"1.", b".5", b"1e", b"0x10", b"+1",
    b'"0001-01-01T00:00:00+23:59"', b'"9999-12-31T23:59:59-23:59"', b'"yesterday"',
    b'"2026-11-25T10:00:05.000Z"', b'"2026-02-30T10:00:00Z"', b"1e20", b"1e25", b"-1e12",
]


def _nested(depth: int, kind: int) -> bytes:
    if kind == 0:
        return b"[" * depth + b"]" * depth
    if kind == 1:
        return b'{"a":' * depth + b"1" + b"}" * depth
    return b"[" * depth  # never closed


DEPTHS = (2, 40, 3_000, 10_000, 100_000)  # not ~1000: where the stack gives out depends on
# the caller's depth, so two paths could disagree there without either being wrong
raw_values = st.one_of(
    st.sampled_from(WEIRD),
    st.builds(_nested, st.sampled_from(DEPTHS), st.integers(0, 2)),
    st.builds(lambda n, c: b'"' + c * n + b'"', st.sampled_from((1_000, 100_000)),
              st.sampled_from((b"x", b"\\n", b"\\\\", b"\xc3\xa9", b"\\u00e9"))),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids,
                                                              max_size=3),
    max_leaves=6,
)


def _paths(doc: object, at: tuple = ()) -> list[tuple]:
    """Every place in ``doc`` a value sits (keys of objects, indexes of arrays)."""
    out = []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(
        doc, list) else ()
    for k, v in items:
        out.append((*at, k))
        out += _paths(v, (*at, k))
    return out


def _get(doc: object, path: tuple) -> object:
    for k in path:
        doc = doc[k]
    return doc


@st.composite
def mutated_doc(draw, seed: object) -> bytes:
    """``seed`` with a few of its values replaced (by a random JSON value, a weird raw one, a
    value of another field), deleted or added to, then encoded as a real writer would."""
    doc = json.loads(json.dumps(seed))
    raw: list[bytes] = []
    for _ in range(draw(st.integers(0, 3))):
        paths = _paths(doc)
        op = draw(st.integers(0, 3))
        if not paths or op == 3:  # a new key at the top
            if isinstance(doc, dict):
                doc[draw(st.sampled_from(("type", "ts", "model", "usage", "x")))] = draw(
                    json_values)
            continue
        if draw(st.booleans()):  # a record's own fields more often than its deep leaves
            paths = [p for p in paths if len(p) <= 2]
        path = draw(st.sampled_from(paths))
        parent, key = _get(doc, path[:-1]), path[-1]
        if op == 0:
            parent[key] = draw(json_values)
        elif op == 1:
            parent[key] = f"@@RAW{len(raw)}@@"
            raw.append(draw(raw_values))
        elif isinstance(parent, dict):
            del parent[key]
        else:
            parent[key] = copy.deepcopy(_get(doc, draw(st.sampled_from(paths))))  # another's
    compact = draw(st.booleans())
    out = json.dumps(doc, separators=(",", ":") if compact else None,
                     ensure_ascii=draw(st.booleans())).encode()
    for i, value in enumerate(raw):
        out = out.replace(f'"@@RAW{i}@@"'.encode(), value, 1)
    return out


@st.composite
def mutated_bytes(draw, data: bytes) -> bytes:
    """``data`` truncated, with bytes flipped, inserted or deleted, a NUL run or invalid UTF-8
    spliced in."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.integers(0, 5))
        at = draw(st.integers(0, len(buf)))
        if op == 0:
            del buf[at:]
        elif op == 1 and at < len(buf):
            buf[at] ^= draw(st.integers(1, 255))
        elif op == 2:
            buf[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == 3:
            del buf[at : at + draw(st.integers(1, 16))]
        elif op == 4:
            buf[at:at] = b"\x00" * draw(st.sampled_from((1, 2, 100, 4096)))
        else:
            buf[at:at] = draw(st.sampled_from((b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe2\x82",
                                               b"\xf4\x90\x80\x80", b"\xc0\xaf")))
    return bytes(buf)


def _encode_seed(seed: object) -> bytes:
    return seed.encode() if isinstance(seed, str) else json.dumps(seed).encode()


@st.composite
def line_for(draw, fmt: str) -> bytes:
    """One line (no newline in it) for a ``fmt`` file: mostly mutated real-looking records,
    sometimes random bytes or a seed as it is."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        line = draw(st.binary(max_size=200))
    elif kind == 1:
        line = draw(st.text(max_size=80)).encode("utf-8", "surrogatepass")
    else:
        seeds = SEEDS[fmt]
        raws = RAW_SEEDS.get(fmt, [])
        i = draw(st.integers(0, len(seeds) + len(raws) - 1))
        if i >= len(seeds):
            line = raws[i - len(seeds)]
        elif kind in (2, 3) or isinstance(seeds[i], str):
            line = _encode_seed(seeds[i])
        else:
            line = draw(mutated_doc(seeds[i]))
        if kind >= 6:
            line = draw(mutated_bytes(line))
    return line.replace(b"\n", b" ")


# ---- what every event must be --------------------------------------------------------------
assert (MIN_TS, MAX_TS) == (datetime(1, 1, 2, tzinfo=UTC).timestamp(),
                            datetime(9999, 12, 31, tzinfo=UTC).timestamp())


def _count(v: int | None) -> bool:
    return v is None or (type(v) is int and 0 <= v <= MAX_COUNT)


def _amount(v: float | None) -> bool:
    return v is None or (type(v) is float and 0 <= v <= MAX_FIGURE)


def assert_sane(ev: object) -> None:
    assert isinstance(ev, EVENT_TYPES), ev
    # a time the UI and the snapshot can show, or UNTIMED (no time: never shown as one)
    assert type(ev.ts) is float and (ev.ts == UNTIMED or MIN_TS <= ev.ts <= MAX_TS), ev
    iso(ev.ts)
    if isinstance(ev, LLMCall):
        for v in (ev.input_tokens, ev.output_tokens, ev.cache_read_tokens,
                  ev.cache_write_tokens):
            assert _count(v), ev
        assert _amount(ev.latency_ms) and _amount(ev.cost_usd), ev
    elif isinstance(ev, TaskEvent):
        assert _amount(ev.duration_ms), ev
    elif isinstance(ev, MetricEvent):
        assert type(ev.value) is float and -MAX_FIGURE <= ev.value <= MAX_FIGURE, ev
    elif isinstance(ev, GcEvent):
        assert _amount(ev.duration_ms) and _amount(ev.max_ms), ev
        for v in (ev.collections, ev.collected, ev.uncollectable, ev.generation):
            assert _count(v), ev
    elif isinstance(ev, RateLimit):
        assert math.isfinite(ev.used_percent) and abs(ev.used_percent) <= MAX_FIGURE, ev
        assert ev.resets_at is None or MIN_TS <= ev.resets_at <= MAX_TS, ev
    elif isinstance(ev, ParseError):
        assert ev.ts == NOW
    assert decode_event(encode_event(ev)) == ev  # record/replay keeps it


def assert_line_result(events: object, offset: int) -> None:
    """One line's result: events, or one bad line at the line's offset, never both."""
    assert isinstance(events, list)
    for ev in events:
        assert_sane(ev)
    errors = [e for e in events if isinstance(e, ParseError)]
    if errors:
        assert len(events) == 1, events
        assert errors[0].offset == offset


# ---- (1), (2), (4): every line decoder, line by line --------------------------------------
def _line_decoder_property(fmt: str, lines: list[bytes], offset: int) -> None:
    dec = make_decoder(fmt)
    for line in lines:
        assert_line_result(dec.decode(line, SRC, offset, NOW), offset)
        offset += len(line) + 1


def _lines(fmt: str) -> st.SearchStrategy[list[bytes]]:
    return st.lists(line_for(fmt), min_size=1, max_size=6)


@FUZZ
@given(lines=_lines("native"), offset=st.integers(0, 2**40))
def test_native_decode_never_raises_and_counts_each_line_once(lines, offset):
    _line_decoder_property("native", lines, offset)


@FUZZ
@given(lines=_lines("claude-code"), offset=st.integers(0, 2**40))
def test_claude_code_decode_never_raises_and_counts_each_line_once(lines, offset):
    _line_decoder_property("claude-code", lines, offset)


@FUZZ
@given(lines=_lines("claude-stream"), offset=st.integers(0, 2**40))
def test_claude_stream_decode_never_raises_and_counts_each_line_once(lines, offset):
    _line_decoder_property("claude-stream", lines, offset)


@FUZZ
@given(lines=_lines("otel"), offset=st.integers(0, 2**40))
def test_otel_decode_never_raises_and_counts_each_line_once(lines, offset):
    _line_decoder_property("otel", lines, offset)


@FUZZ
@given(lines=_lines("codex"), offset=st.integers(0, 2**40))
def test_codex_decode_never_raises_and_counts_each_line_once(lines, offset):
    _line_decoder_property("codex", lines, offset)


@FUZZ
@given(lines=_lines("text"), offset=st.integers(0, 2**40))
def test_text_decode_never_raises_and_counts_each_line_once(lines, offset):
    _line_decoder_property("text", lines, offset)
    dec = make_decoder("text")
    for line in lines:  # every non-blank line is a log line
        out = dec.decode(line, SRC, 0, NOW)
        assert [type(e) for e in out] == ([LogLine] if out else [])


@FUZZ
@given(lines=_lines("gemini"), offset=st.integers(0, 2**40))
def test_gemini_decode_never_raises_and_counts_each_line_once(lines, offset):
    _line_decoder_property("gemini", lines, offset)


@FUZZ
@given(data=st.binary(max_size=300), fmt=st.sampled_from(LINE_FORMATS))
def test_random_bytes_never_raise(data, fmt):
    for line in data.split(b"\n"):
        assert_line_result(make_decoder(fmt).decode(line, SRC, 7, NOW), 7)


@FUZZ
@given(lines=st.lists(st.sampled_from(LINE_FORMATS).flatmap(line_for), max_size=6),
       head=st.binary(max_size=64))
def test_detection_never_raises(lines, head):
    fmt = detect(lines, "x/.claude/projects/p/s.jsonl" if head[:1] == b"p" else "f.jsonl",
                 head + b"\n".join(lines))
    assert fmt in DECODERS


# ---- (3): the block paths and the reader agree with line-by-line decode ------------------
def _by_line(fmt: str, lines: list[bytes], offset: int = 0, source: str = SRC,
             max_line: int = 1 << 30) -> list:
    """What the tailer gets: each line decoded alone, NUL runs set aside as bad lines, a line
    over ``max_line`` cut and flagged."""
    dec, out = make_decoder(fmt), []
    for line in lines:
        if len(line) > max_line:
            out.append(ParseError(ts=NOW, source=source, offset=offset,
                                  reason=f"line longer than {max_line} bytes: cut",
                                  excerpt=line[:max_line][:200].decode("utf-8", "replace")))
        elif b"\x00" in line:
            out += decode_around_nuls(dec.decode, line, source, offset, NOW)
        else:
            out += dec.decode(line, source, offset, NOW)
        offset += len(line) + 1
    return out


def _file_lines(fmt: str) -> st.SearchStrategy[list[bytes]]:
    return st.lists(line_for(fmt), min_size=1, max_size=12)


@FUZZ
@given(lines=_file_lines("native"), offset=st.integers(0, 2**40), crlf=st.booleans(),
       run=st.sampled_from((native_mod.RUN_LINES, 3)))
def test_native_decode_block_matches_decode_per_line(lines, offset, crlf, run):
    lines = [line.replace(b"\x00", b"") + (b"\r" if crlf else b"") for line in lines]
    with mock.patch.object(native_mod, "RUN_LINES", run):
        events, n = NativeDecoder().decode_block(b"".join(x + b"\n" for x in lines), SRC,
                                                 offset, NOW)
    assert n == len(lines)
    assert events == _by_line("native", lines, offset)


@FUZZ
@given(lines=_file_lines("claude-code"), lo=st.binary(max_size=20), base=st.integers(0, 2**40))
def test_claude_code_scan_matches_decode_per_line(lines, lo, base):
    lines = [line.replace(b"\x00", b"") for line in lines]
    chunk = lo + b"\n" + b"".join(x + b"\n" for x in lines) + b'{"partial'
    out: list = []
    n = ClaudeCodeDecoder().scan(chunk, len(lo) + 1, len(chunk) - 9, base, SRC, NOW, out)
    assert n == len(lines)
    assert out == _by_line("claude-code", lines, base + len(lo) + 1)


def _read(path: Path, fmt: str, chunk: int, max_line: int) -> list:
    with mock.patch.object(reader, "HEAD_BYTES", chunk):
        return [e for b in read_file(path, fmt, chunk_size=chunk, max_line=max_line,
                                     clock=lambda: NOW) for e in b]


@settings(FUZZ, max_examples=max(1, FUZZ.max_examples * 2 // 3))
@given(fmt=st.sampled_from((*LINE_FORMATS, "auto")), data=st.data(),
       tail=st.sampled_from((b"", b'{"type": "log", "message": "partial')))
def test_read_file_counts_every_complete_line_once(fmt, data, tail):
    lines = data.draw(_file_lines("native" if fmt == "auto" else fmt))
    if fmt == "auto":  # lines of every format: detection picks one, the rest are bad lines
        lines += data.draw(st.lists(st.sampled_from(LINE_FORMATS[1:]).flatmap(line_for),
                                    max_size=4))
    body = b"".join(x + b"\n" for x in lines) + tail
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / SRC
        p.write_bytes(body)
        big, longest = 1 << 20, max(max(map(len, lines)) + len(tail) + 1, 64)
        runs = [(big, big, _read(p, fmt, big, big)),  # the chunk path (scan, needle)
                (61, big, _read(p, fmt, 61, big)),  # the chunk path, lines spanning chunks
                (4 * longest, longest, _read(p, fmt, 4 * longest, longest)),  # line splitter
                (61, 100, _read(p, fmt, 61, 100)),  # both, cutting lines over 100 bytes
                (big, 100, _read(p, fmt, big, 100))]
    for head, max_line, events in runs:
        status = events[-1]
        assert isinstance(status, FileStatus)
        if is_binary(body[:head]):  # a mutated head may look binary: skipped, as it should
            assert status.state == "skipped" and len(events) == 1
            continue
        assert status.state == "done"
        # a report reads a file to its end: a last line without its newline is a line too
        read = lines + [tail] if tail else lines
        assert status.lines == len(read)
        expected = _by_line(status.format, read, source=str(p), max_line=max_line)
        assert events[:-1] == expected, status.format
        for ev in events[:-1]:
            assert_sane(ev)


# ---- (4) end to end: what the decoders let through keeps every figure finite ------------------
def _non_finite(snapshot: object) -> list[str]:
    out: list[str] = []

    def walk(x: object, path: str) -> None:
        if isinstance(x, float) and not math.isfinite(x):
            out.append(path)
        elif isinstance(x, dict):
            for k, v in x.items():
                walk(v, f"{path}.{k}")
        elif isinstance(x, list):
            for i, v in enumerate(x):
                walk(v, f"{path}[{i}]")

    walk(msgspec.to_builtins(snapshot), "")
    return out


def _aggregate(events: list) -> object:
    agg = Aggregator(clock=lambda: NOW)
    agg.ingest(events)
    return agg.snapshot(NOW)


@settings(FUZZ, max_examples=max(1, FUZZ.max_examples // 3))
@given(lines=st.lists(st.tuples(st.sampled_from(LINE_FORMATS[:4]), st.data()), min_size=1,
                      max_size=4))
def test_decoded_events_keep_the_snapshot_finite(lines):
    decoders = {fmt: make_decoder(fmt) for fmt in LINE_FORMATS}
    events = []
    for fmt, data in lines:
        for line in data.draw(st.lists(line_for(fmt), min_size=1, max_size=6)):
            events += decoders[fmt].decode(line, SRC, 0, NOW)
    assert _non_finite(_aggregate(events)) == []


# ---- (5): claude-flow documents rewritten whole ----------------------------------------------
@st.composite
def flow_document(draw) -> bytes:
    seed = draw(st.sampled_from(FLOW_SEEDS))
    doc = draw(mutated_doc(seed))
    if draw(st.booleans()):
        doc = draw(mutated_bytes(doc))
    if draw(st.integers(0, 4)) == 0:
        doc = draw(st.sampled_from((b"", b"   ", b"[", b"{", b"null", b"1e400", b'"x"', b"[1,2]")))
    return doc


@FUZZ
@given(docs=st.lists(flow_document(), min_size=1, max_size=3))
def test_claude_flow_decode_file_never_raises(docs):
    d = ClaudeFlowDecoder()
    for doc in docs:
        events = d.decode_file(doc, "m/task-metrics.json", NOW)
        assert isinstance(events, list) and isinstance(d.last_error, str)
        for ev in events:
            assert isinstance(ev, TaskEvent | MetricEvent)
            assert_sane(ev)
        assert d.decode_file(doc, "m/task-metrics.json", NOW) == []  # nothing new: no delta


@settings(FUZZ, max_examples=max(1, FUZZ.max_examples // 6))
@given(doc=flow_document())
def test_claude_flow_read_file(doc):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / ".claude-flow" / "metrics" / "system-metrics.json"
        p.parent.mkdir(parents=True)
        p.write_bytes(doc)
        events = [e for b in read_file(p, clock=lambda: NOW) for e in b]
    status = events[-1]
    assert isinstance(status, FileStatus)
    if status.state != "skipped":
        assert status.format == "claude-flow" and status.state == "done"
    for ev in events[:-1]:
        assert_sane(ev)


# ---- (6): Gemini CLI chat documents rewritten whole --------------------------------------------
@st.composite
def gemini_document(draw) -> bytes:
    doc = {**GEMINI_SEEDS[0], "messages": [s for s in GEMINI_SEEDS[1:5]], "summary": "x"}
    out = draw(mutated_doc(doc))
    if draw(st.booleans()):
        out = draw(mutated_bytes(out))
    return out


@FUZZ
@given(docs=st.lists(gemini_document(), min_size=1, max_size=3))
def test_gemini_document_decode_file_never_raises(docs):
    d = make_decoder("gemini-doc")
    for doc in docs:
        events = d.decode_file(doc, "t/p/chats/session-x.json", NOW)
        assert isinstance(events, list) and isinstance(d.last_error, str)
        for ev in events:
            assert_sane(ev)
        assert d.decode_file(doc, "t/p/chats/session-x.json", NOW) == []  # no delta


# ---- regressions the fuzzer found, pinned ---------------------------------------------------
DEEP = b"[" * 10_000 + b"]" * 10_000


def test_deep_nesting_is_a_bad_line_not_a_recursion_error():
    """msgspec raises RecursionError (no DecodeError) past the stack's depth, even inside a
    key a Struct skips: every decoder raised it, and a report on such a file crashed."""
    usage = b'"usage":{"input_tokens":1,"output_tokens":2}'
    lines = {
        "native": b'{"type":"log","message":"m","x":' + DEEP + b"}",
        "claude-code": b'{"type":"assistant","x":' + DEEP + b',"message":{' + usage + b"}}",
        "claude-stream": b'{"type":"assistant","x":' + DEEP + b"}",
        "otel": b'{"resourceSpans":[],"x":' + DEEP + b',"gen_ai.usage":1}',
    }
    for fmt, line in lines.items():
        [bad] = make_decoder(fmt).decode(line, SRC, 5, NOW)
        assert isinstance(bad, ParseError) and "nested too deeply" in bad.reason, fmt
        assert bad.offset == 5
    block = b'{"type":"log","message":"a"}\n' + lines["native"] + b"\n"
    events, n = NativeDecoder().decode_block(block, SRC, 0, NOW)
    assert n == 2 and [type(e) for e in events] == [LogLine, ParseError]
    assert detect([lines["otel"], b'{"resourceSpans":' + DEEP + b"}"]) == "text"
    flow = ClaudeFlowDecoder()
    assert flow.decode_file(b'{"results":' + DEEP + b"}", "r.json", NOW) == []
    assert "nested too deeply" in flow.last_error


def test_deeply_nested_file_is_read_with_its_other_lines(tmp_path):
    p = tmp_path / "n.jsonl"
    p.write_bytes(b'{"type":"log","message":"a"}\n' + DEEP + b'\n{"type":"log","message":"b"}\n')
    events = [e for b in read_file(p, clock=lambda: NOW) for e in b]
    assert [type(e) for e in events] == [LogLine, ParseError, LogLine, FileStatus]
    assert events[-1].lines == 3 and events[-1].format == "native"


HUGE = "1" + "0" * 400  # an integer no float holds: float() raises OverflowError


def _one(fmt: str, line: bytes) -> list:
    events = make_decoder(fmt).decode(line, SRC, 9, NOW)
    assert_line_result(events, 9)
    return events


@pytest.mark.parametrize("line", [
    # crashed: OverflowError from float() in parse_ts / the event (line and block paths)
    f'{{"type":"log","message":"m","ts":{HUGE}}}',
    f'{{"type":"llm_call","model":"m","input_tokens":1,"latency_ms":{HUGE}}}',
    f'{{"type":"task","pattern":"p","duration_ms":{HUGE}}}',
    f'{{"type":"metric","name":"n","value":{HUGE}}}',
    f'{{"type":"gc","duration_ms":1,"max_ms":{HUGE}}}',
    # a time no calendar shows (1e25 ns is year 316889355): the report died formatting it
    '{"type":"log","message":"m","ts":1e25}',
    '{"type":"log","message":"m","ts":-1e300}',
    # figures that poison the totals: accepted before
    f'{{"type":"llm_call","model":"m","input_tokens":{2**70},"output_tokens":1}}',
    f'{{"type":"llm_call","model":"m","input_tokens":1,"cache_read_tokens":{HUGE}}}',
    '{"type":"llm_call","model":"m","input_tokens":1,"latency_ms":-5}',
    '{"type":"llm_call","model":"m","input_tokens":1,"cost_usd":-0.5}',
    '{"type":"llm_call","model":"m","input_tokens":1,"cost_usd":1e308}',  # twice: inf
    '{"type":"task","pattern":"p","duration_ms":1e300}',
    '{"type":"metric","name":"n","value":-1e308}',
    '{"type":"gc","duration_ms":1,"max_ms":-1}',
    f'{{"type":"gc","duration_ms":1,"collected":{2**70}}}',
])
def test_native_absurd_figures_are_bad_lines(line):
    line = line.encode()
    [bad] = _one("native", line)
    assert isinstance(bad, ParseError), bad
    events, n = NativeDecoder().decode_block(line + b"\n", SRC, 9, NOW)
    assert n == 1 and events == [bad]


def test_native_figures_at_the_bounds_are_read():
    line = (f'{{"type":"llm_call","model":"m","input_tokens":{MAX_COUNT},"output_tokens":0,'
            f'"latency_ms":1e100,"cost_usd":0,"ts":253402214400}}').encode()
    [call] = _one("native", line)
    assert isinstance(call, LLMCall) and call.input_tokens == MAX_COUNT
    assert NativeDecoder().decode_block(line + b"\n", SRC, 0, NOW) == ([call], 1)
    [metric] = _one("native", b'{"type":"metric","name":"n","value":-1e100,"ts":-62135510400}')
    assert isinstance(metric, MetricEvent) and metric.value == -1e100


def test_figures_at_the_bounds_keep_the_snapshot_finite():
    """Why the bounds are where they are: two of each at the bound, and every total, rate and
    percentile of the snapshot is still a number (1e308 twice made costs, task sums, counter
    totals and histogram percentiles inf)."""
    lines = [f'{{"ts":{1764064800 + i},"type":"{t}",{body}}}'.encode() for i in range(2)
             for t, body in (
                 ("llm_call", f'"model":"claude-sonnet-4-5","input_tokens":{MAX_COUNT},'
                              f'"output_tokens":{MAX_COUNT},"latency_ms":1e100,"cost_usd":1e100'),
                 ("task", '"pattern":"p","duration_ms":1e100'),
                 ("metric", '"name":"c","value":1e100,"metric_kind":"counter"'),
                 ("metric", f'"name":"h","value":{(-1) ** i}e100,"metric_kind":"histogram"'),
                 ("gc", f'"duration_ms":1e100,"max_ms":1e100,"collections":{MAX_COUNT}'))]
    events = [e for line in lines for e in _one("native", line)]
    assert not any(isinstance(e, ParseError) for e in events)
    assert _non_finite(_aggregate(events)) == []


@pytest.mark.parametrize("usage", [f'"input_tokens":{2**63},"output_tokens":1',
                                   f'"input_tokens":1,"output_tokens":{HUGE}'])
def test_claude_code_and_stream_absurd_counts_are_bad_lines(usage):
    code = ('{"type":"assistant","sessionId":"s","requestId":"r","message":{"id":"m",'
            '"model":"x","usage":{' + usage + "}}}").encode()
    [bad] = _one("claude-code", code)
    assert isinstance(bad, ParseError)
    stream = ('{"type":"assistant","session_id":"S","message":{"id":"m","model":"x",'
              '"usage":{' + usage + "}}}").encode()
    [bad] = _one("claude-stream", stream)
    assert isinstance(bad, ParseError)


@pytest.mark.parametrize("field", ['"costUSD":-1', '"costUSD":1e308'])
def test_claude_code_absurd_cost_is_a_bad_line(field):
    line = ('{"type":"assistant",' + field + ',"message":{"id":"m","model":"x",'
            '"usage":{"input_tokens":1,"output_tokens":1}}}').encode()
    [bad] = _one("claude-code", line)
    assert isinstance(bad, ParseError)


@pytest.mark.parametrize("ts", ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59",
                                "0001-01-01 00:00:00+05:00"])
def test_claude_code_time_no_calendar_shows_is_the_arrival_time(ts):
    line = ('{"type":"assistant","timestamp":"' + ts + '","message":{"id":"m","model":"x",'
            '"usage":{"input_tokens":1,"output_tokens":1}}}').encode()
    [call] = [e for e in _one("claude-code", line) if isinstance(e, LLMCall)]  # (+ AgentInfo)
    assert call.ts == NOW


@pytest.mark.parametrize("field", ['"total_cost_usd":-1', '"duration_api_ms":-5',
                                   '"total_cost_usd":1e300'])
def test_claude_stream_absurd_result_is_a_bad_line(field):
    line = ('{"type":"result","session_id":"S",' + field + ','
            '"usage":{"input_tokens":1,"output_tokens":1}}').encode()
    [bad] = _one("claude-stream", line)
    assert isinstance(bad, ParseError)


def _otel(value: dict, start: object = "1764064800000000000") -> bytes:
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [{
        "traceId": "t", "spanId": "s", "startTimeUnixNano": start,
        "endTimeUnixNano": "1764064801500000000",
        "attributes": [{"key": "gen_ai.usage.input_tokens", "value": value},
                       _kv("gen_ai.usage.output_tokens", 3)]}]}]}]}).encode()


@pytest.mark.parametrize("value", [
    {"stringValue": "1e400"},  # crashed: int(inf) raises OverflowError
    {"stringValue": "inf"},
    {"intValue": HUGE},
    {"doubleValue": 1e300},
])
def test_otel_absurd_token_count_is_a_bad_line(value):
    """(the shared OTLP mapping, sources/otlp_model.as_int, leaves a figure no count can be
    out of the call rather than failing the whole export request)"""
    events = _one("otel", _otel(value))
    assert not any(isinstance(e, LLMCall) and (e.input_tokens or 0) > 2**53 for e in events)
    for ev in events:
        assert_sane(ev)


@pytest.mark.parametrize("start", [HUGE, int(HUGE), str(2**70 * 10**9)])
def test_otel_span_time_no_calendar_shows_is_no_time(start):
    """Crashed: (end - start) / 1e6 of a 400-digit integer raises OverflowError."""
    [call] = _one("otel", _otel({"intValue": "5"}, start=start))
    assert isinstance(call, LLMCall) and call.latency_ms is None
    assert call.ts == 1764064801.5  # the end time, which is a time


@pytest.mark.parametrize("doc", [
    f'[{{"timestamp":{HUGE},"cpuLoad":0.5}}]',  # crashed: OverflowError in parse_ts
    f'[{{"timestamp":1755056719000,"cpuLoad":{HUGE}}}]',  # crashed: in float()
    '[{"timestamp":1e308,"cpuLoad":0.5}]',  # ts 1e299
    '[{"id":"a","duration":1e300,"timestamp":1755056719000}]',
    '{"results":[{"id":"r","performance_metrics":{"execution_time":1e306}}]}',  # inf ms
    f'{{"results":[{{"id":"r","resource_usage":{{"cpu":{HUGE}}},"completed_at":{HUGE}}}]}}',
    f'{{"totalTasks":{HUGE},"x":-1e308}}',
    '{"tasks":1e308,"results":[{"id":"r"}]}',  # crashed: TypeError, a float is no list
    '{"tasks":true,"results":[]}',
])
def test_claude_flow_absurd_figures_are_left_out(doc):
    d = ClaudeFlowDecoder()
    for ev in d.decode_file(doc.encode(), "m/x.json", NOW):
        assert_sane(ev)
