from __future__ import annotations

import json

import pytest

from swarmtop.events import LLMCall, LogLine, MetricEvent, ParseError, TaskEvent
from swarmtop.sources.decoders.native import NativeDecoder

NOW = 1_700_000_000.0


def decode(obj: object | bytes) -> list:
    line = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return NativeDecoder().decode(line, "f.jsonl", 42, NOW)


def test_llm_call_round_trip_with_iso_ts():
    [ev] = decode({
        "ts": "2026-11-25T10:00:00Z", "type": "llm_call", "model": "m", "agent": "a",
        "pattern": "lateral", "input_tokens": 10, "output_tokens": 5, "cache_read_tokens": 7,
        "cache_write_tokens": 3, "latency_ms": 120.5, "ok": False, "cost_usd": 0.25,
        "unknown_key": {"nested": [1, 2]},
    })
    assert isinstance(ev, LLMCall)
    assert ev.ts == 1795600800.0
    assert (ev.input_tokens, ev.output_tokens, ev.cache_read_tokens, ev.cache_write_tokens) == (
        10, 5, 7, 3)
    assert ev.ok is False and ev.cost_usd == 0.25 and ev.latency_ms == 120.5
    assert ev.pattern == "lateral" and ev.agent == "a" and not ev.estimated


def test_llm_call_text_only_keeps_text_for_counting():
    [ev] = decode({"ts": 1.7e9, "type": "llm_call", "model": "m", "prompt": "hi", "completion": "yo"})
    assert ev.input_tokens is None and ev.output_tokens is None
    assert ev.prompt == "hi" and ev.completion == "yo"


@pytest.mark.parametrize("ts, expected", [(1_700_000_000, 1.7e9), (1_700_000_000_000, 1.7e9),
                                          ("2023-11-14T22:13:20+00:00", 1.7e9)])
def test_timestamp_forms(ts, expected):
    [ev] = decode({"ts": ts, "type": "log", "message": "x"})
    assert ev.ts == pytest.approx(expected)


def test_missing_ts_uses_arrival_time():
    [ev] = decode({"type": "log", "level": "WARN", "message": "careful"})
    assert isinstance(ev, LogLine) and ev.ts == NOW and ev.level == "warning"


def test_task_and_metric():
    [t] = decode({"ts": 1, "type": "task", "task_id": 7, "pattern": "systems", "status": "timeout",
                  "duration_ms": 900})
    assert isinstance(t, TaskEvent) and t.task_id == "7" and t.status == "timeout"
    [m] = decode({"ts": 1, "type": "metric", "name": "queue", "value": 3, "unit": "items"})
    assert isinstance(m, MetricEvent) and m.value == 3.0 and m.unit == "items"


@pytest.mark.parametrize("line, reason", [
    (b"not json", "not valid JSON"),
    (b'{"type": "llm_call", "model": "m", "input_tokens": 1', "not valid JSON"),  # truncated
    (b'{"type": "nope"}', "unknown or missing"),
    (b'{"model": "m"}', "unknown or missing"),
    (b'{"type": "llm_call", "input_tokens": 1}', 'without "model"'),
    (b'{"type": "llm_call", "model": "m"}', "without token counts"),
    (b'{"type": "task", "pattern": "x"}', 'without "duration_ms"'),
    (b'{"type": "task", "duration_ms": 5}', 'without "pattern"'),
    (b'{"type": "llm_call", "model": "m", "input_tokens": "many"}', "wrong field type"),
    (b'{"type": "llm_call", "model": "m", "input_tokens": -4}', "negative"),
    (b'{"type": "log", "ts": "yesterday"}', "unreadable"),
    (b'[1, 2, 3]', "wrong field type"),
    (b'{"type": "log", "message": "a\x00b"}', "not valid JSON"),  # raw NUL inside a string
])
def test_bad_lines_become_counted_parse_errors(line, reason):
    [ev] = decode(line)
    assert isinstance(ev, ParseError)
    assert reason in ev.reason
    assert ev.offset == 42 and ev.source == "f.jsonl"


def test_invalid_utf8_is_replaced_not_fatal():
    [ev] = decode(b'{"type": "log", "message": "caf\xe9 \xff"}')
    assert isinstance(ev, LogLine) and "\ufffd" in ev.text


def test_blank_line_is_nothing():
    assert decode(b"   ") == []
