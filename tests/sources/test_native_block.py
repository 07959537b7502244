"""The native decoder's block path (backlogs) gives exactly what the line path gives."""

from __future__ import annotations

import json
import random

import pytest

from swarmtop.events import FileStatus, LLMCall, LogLine, ParseError, TaskEvent
from swarmtop.sources import reader
from swarmtop.sources.decoders import native
from swarmtop.sources.decoders.native import NativeDecoder
from swarmtop.sources.reader import read_file

NOW = 1_700_000_000.0

GOOD = [
    {"ts": 1.764e9, "type": "llm_call", "model": "m", "agent": "a", "pattern": "lateral",
     "input_tokens": 10, "output_tokens": 5, "cache_read_tokens": 7, "latency_ms": 120,
     "ok": False, "cost_usd": 0.25, "extra": {"nested": [1, "}"]}},
    {"ts": 1.764e9, "type": "llm_call", "model": "m", "prompt": "hi", "completion": "yo"},
    {"ts": 1_764_000_000_000, "type": "task", "task_id": 7, "pattern": "systems",
     "status": "timeout", "duration_ms": 900},
    {"ts": "2026-11-25T10:00:00Z", "type": "task", "task_id": "t1", "pattern": "x",
     "phase": "start"},
    {"ts": 1, "type": "metric", "name": "queue", "value": 3, "unit": "items"},
    {"type": "log", "level": "WARN", "message": "careful"},
    {"ts": 1.764e9, "type": "log", "message": "ERROR: boom"},
    {"ts": 1.764e9, "type": "gc", "generation": 5, "collections": 2, "duration_ms": 1.5},
]
BAD = [
    b"not json",
    b"",
    b"   ",
    b'{"type": "llm_call", "model": "m", "input_tokens": 1',
    b'{"type": "nope"}',
    b'{"model": "m"}',
    b'{"type": "llm_call", "input_tokens": 1}',
    b'{"type": "llm_call", "model": "m"}',
    b'{"type": "task", "pattern": "x"}',
    b'{"type": "task", "duration_ms": 5}',
    b'{"type": "task", "pattern": "x", "duration_ms": -5}',
    b'{"type": "llm_call", "model": "m", "input_tokens": "many"}',
    b'{"type": "llm_call", "model": "m", "input_tokens": -4}',
    b'{"type": "log", "ts": "yesterday"}',
    b'{"type": "log", "ts": true}',
    b'{"type": "log", "pid": "not an int"}',  # a field of another record type, wrong type
    b'{"type": "gc", "duration_ms": -1}',
    b"[1, 2, 3]",
    b'{"type": "log", "message": "a"} {"type": "log", "message": "b"}',  # two on one line
    b'{"type": "log", "message": "a"},{"type": "log", "message": "b"}',
    b'{"type": "log", "message": "caf\xe9 \xff"}',  # invalid UTF-8: replaced
    b'{"type": "log", "message": "crlf"}\r',
    b'  {"type": "log", "message": "indented"}',
]
# a value split over two lines, then a line holding two values: a naive count would match
SPLIT = [b'{"type": "log", "ts": 1.764e9, "x": [1,', b'2], "message": "m"}',
         b'{"type": "log", "message": "a"} {"type": "log", "message": "b"}']


def line_path(lines: list[bytes], offset: int = 100) -> list:
    d, out = NativeDecoder(), []
    for line in lines:
        out += d.decode(line, "f.jsonl", offset, NOW)
        offset += len(line) + 1
    return out


def block_path(lines: list[bytes], offset: int = 100) -> list:
    block = b"".join(line + b"\n" for line in lines)
    events, n = NativeDecoder().decode_block(block, "f.jsonl", offset, NOW)
    assert n == len(lines)
    return events


def test_good_records_take_the_block_path_with_the_same_events():
    lines = [json.dumps(r).encode() for r in GOOD]
    block = b"\n".join(lines) + b"\n"
    n = native._one_object_per_line(block)
    assert n == len(lines)
    assert NativeDecoder()._try_block(block, n, "f.jsonl", NOW) is not None
    events = block_path(lines)
    assert events == line_path(lines)
    assert [type(e) for e in events[:3]] == [LLMCall, LLMCall, TaskEvent]
    assert not any(isinstance(e, ParseError) for e in events)


@pytest.mark.parametrize("bad", BAD + [b"\n".join(SPLIT)])
def test_one_bad_line_in_a_block_is_reported_as_the_line_path_reports_it(bad):
    good = [json.dumps(r).encode() for r in GOOD]
    lines = good[:3] + bad.split(b"\n") + good[3:]
    assert block_path(lines) == line_path(lines)


def test_runs_around_bad_lines_and_offsets(monkeypatch):
    monkeypatch.setattr(native, "RUN_LINES", 7)
    rnd = random.Random(3)
    good = [json.dumps(r).encode() for r in GOOD]
    lines = [rnd.choice(BAD) if rnd.random() < 0.05 else rnd.choice(good) for _ in range(400)]
    events = block_path(lines)
    assert events == line_path(lines)
    assert sum(isinstance(e, ParseError) for e in events) >= 5


def test_crlf_block_is_taken_whole():
    lines = [json.dumps(r).encode() + b"\r" for r in GOOD]
    block = b"\n".join(lines) + b"\n"
    n = native._one_object_per_line(block)
    assert n == len(lines)
    assert NativeDecoder()._try_block(block, n, "f.jsonl", NOW) is not None
    assert block_path(lines) == line_path(lines)


def _read(path, monkeypatch, chunk: int, max_line: int) -> list:
    monkeypatch.setattr(reader, "CHUNK", chunk)
    monkeypatch.setattr(reader, "HEAD_BYTES", chunk)
    return [e for b in read_file(path, "native", max_line=max_line, clock=lambda: NOW)
            for e in b]


def test_reader_block_path_matches_the_line_by_line_path(tmp_path, monkeypatch):
    rnd = random.Random(5)
    good = [json.dumps(r).encode() for r in GOOD]
    long_line = json.dumps({"type": "log", "message": "x" * 700}).encode()
    lines = [rnd.choice(BAD) if rnd.random() < 0.1 else rnd.choice(good) for _ in range(300)]
    for at in (5, 50, 51, 200):
        lines.insert(at, long_line)
    p = tmp_path / "n.jsonl"
    p.write_bytes(b"\n".join(lines) + b'\n{"type": "log", "message": "partial')
    block = _read(p, monkeypatch, chunk=256, max_line=600)  # max_line >= CHUNK: by blocks
    by_line = _read(p, monkeypatch, chunk=4096, max_line=600)  # max_line < CHUNK: by line
    assert block == by_line
    cut = [e for e in block if isinstance(e, ParseError) and "cut" in e.reason]
    assert len(cut) == 4
    status = block[-1]
    # (a report reads a file to its end: the last line, without its newline, is read as it
    # is — here a cut record, so a bad line)
    assert isinstance(status, FileStatus) and status.lines == len(lines) + 1
    assert "no newline" in status.why
    assert block[-2].offset == p.stat().st_size - len(b'{"type": "log", "message": "partial')
    assert sum(isinstance(e, LogLine) for e in block) > 10


def test_a_report_reads_the_last_line_without_its_newline(tmp_path, monkeypatch):
    """A capture saved with `$(cmd)` loses its final newline: at report time a file's end is
    its end, so the last record counts, on the block path and the line path alike."""
    p = tmp_path / "cap.jsonl"
    last = b'{"type": "llm_call", "model": "m", "input_tokens": 7, "output_tokens": 3}'
    p.write_bytes(b'{"type": "log", "message": "first"}\n' + last)
    for chunk, max_line in ((256, 600), (4096, 600)):
        events = _read(p, monkeypatch, chunk=chunk, max_line=max_line)
        calls = [e for e in events if type(e).__name__ == "LLMCall"]
        assert [c.input_tokens for c in calls] == [7]
        assert events[-1].lines == 2 and events[-1].offset == p.stat().st_size
