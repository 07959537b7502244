"""A report reads several files' events in time order (sources/merge.py), as they would have
arrived live: the analyzers then see every file's events on one timeline."""

from __future__ import annotations

import json
import os
import threading
from argparse import Namespace
from pathlib import Path

from swarmtop.commands.report import build_report
from swarmtop.core.config import Config
from swarmtop.events import Event, FileStatus, LLMCall, ParseError
from swarmtop.snapshot import to_json
from swarmtop.sources.merge import time_ordered
from swarmtop.sources.reader import read_file

T0 = 1_764_000_000.0


def _stream(name: str, times: list[float], bad_after: int | None = None,
            size: int = 3) -> list[list[Event]]:
    evs: list[Event] = []
    for i, t in enumerate(times):
        evs.append(LLMCall(ts=t, source=name, model="m", input_tokens=1, output_tokens=1))
        if i == bad_after:  # stamped on arrival (our clock, far later): keeps its place
            evs.append(ParseError(ts=T0 + 1e6, source=name, offset=i, reason="bad"))
    evs.append(FileStatus(ts=T0 + 1e6, source=name, state="done"))
    return [evs[i:i + size] for i in range(0, len(evs), size)]


def _merge(streams: dict[str, list[list[Event]]], **kw: int) -> list[Event]:
    paths = [Path(name) for name in streams]
    return [e for b in time_ordered(paths, lambda p: iter(streams[str(p)]), **kw) for e in b]


def test_events_of_several_files_come_in_time_order() -> None:
    streams = {"a": _stream("a", [T0 + 2 * i for i in range(20)], bad_after=5),
               "b": _stream("b", [T0 + 1 + 3 * i for i in range(15)]),
               "c": _stream("c", [T0 + 100 + i for i in range(5)])}
    out = _merge(streams, batch=4)
    calls = [e for e in out if isinstance(e, LLMCall)]
    assert len(calls) == 40 and [e.ts for e in calls] == sorted(e.ts for e in calls)
    # nothing lost, nothing twice; the bad line stays right after a's sixth call
    assert sorted(map(id, out)) == sorted(id(e) for s in streams.values() for b in s for e in b)
    a = [e for e in out if e.source == "a"]
    assert isinstance(a[6], ParseError) and a[5].ts == T0 + 10
    for name in streams:  # each file's status follows its last event
        assert isinstance([e for e in out if e.source == name][-1], FileStatus)


def test_at_most_max_open_files_at_once_then_the_next() -> None:
    opened: list[str] = []
    streams = {n: _stream(n, [T0 + i * 10 + k for i in range(5)])
               for k, n in enumerate("abcde")}

    def read(p: Path):
        opened.append(str(p))
        yield from streams[str(p)]

    out = [e for b in time_ordered([Path(n) for n in streams], read, max_open=2) for e in b]
    assert len([e for e in out if isinstance(e, LLMCall)]) == 25 and len(opened) == 5


def test_one_file_is_read_as_it_is() -> None:
    s = _stream("a", [T0 + 5, T0 + 1, T0 + 3])  # out of order on its own: left alone
    assert [e for b in time_ordered([Path("a")], lambda p: iter(s)) for e in b] == [
        e for b in s for e in b]


def _write(path: Path, lines: list[dict], mtime: float) -> None:
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    os.utime(path, (mtime, mtime))


def test_a_report_of_per_agent_logs_equals_one_merged_log(tmp_path: Path) -> None:
    """A swarm writing one log per agent: the report of the directory has the same alerts,
    trends and figures as the report of the same events in one file."""
    per_agent: dict[str, list[dict]] = {}
    everything: list[dict] = []
    for i in range(1200):
        agent = f"agent{i % 3}"
        t = T0 + i * 1.5 + (400 if i >= 900 else 0)  # every agent silent for 400 s
        ev = {"ts": t, "type": "llm_call", "model": "claude-sonnet-4-5", "agent": agent,
              "input_tokens": 1000 + i, "output_tokens": 50}
        if i % 4 == 0:
            ev = {"ts": t, "type": "task", "task_id": f"t{i}", "agent": agent,
                  "pattern": "convergent", "duration_ms": 800.0 * (6 if 300 < i < 420 else 1),
                  "status": "error" if 500 < i < 560 else "ok"}
        per_agent.setdefault(agent, []).append(ev)
        everything.append(ev)
    split = tmp_path / "split"
    split.mkdir()
    for k, (agent, lines) in enumerate(per_agent.items()):
        _write(split / f"{agent}.jsonl", lines, 1_700_000_000 + k)
    one = tmp_path / "one"
    one.mkdir()
    _write(one / "all.jsonl", everything, 1_700_000_000)

    def report(d: Path) -> dict:
        cfg = Config(pattern_targets_ms={"convergent": 2000.0})
        snap = json.loads(to_json(build_report(
            Namespace(sources=[str(d)], format="native", since=None), cfg)))
        for k in ("generated_at", "sources"):
            snap.pop(k)
        return snap

    merged, single = report(split), report(one)
    fired = {h["rule"] for h in single["alert_history"]} | {a["rule"] for a in single["alerts"]}
    assert "stalled" in fired and len(fired) >= 2  # the shared silence, and more
    assert merged["alert_history"] == single["alert_history"]
    assert merged == single


def test_report_lists_files_in_the_order_given(tmp_path: Path) -> None:
    for k, name in enumerate(("b.jsonl", "a.jsonl")):
        _write(tmp_path / name, [{"ts": T0 + 10 * (1 - k) + i, "type": "log", "text": "x"}
                                 for i in range(3)], 1_700_000_000 + k)
    snap = build_report(Namespace(sources=[str(tmp_path / "b.jsonl"), str(tmp_path / "a.jsonl")],
                                  format="native", since=None), Config())
    assert [Path(f.path).name for f in snap.sources.files] == ["b.jsonl", "a.jsonl"]
    assert list(read_file(tmp_path / "a.jsonl"))  # (readable on its own too)


def test_a_time_that_is_not_finite_keeps_its_place() -> None:
    a = _stream("a", [T0, float("nan"), T0 + 2, float("inf")])
    b = _stream("b", [T0 + 1, T0 + 3])
    out = _merge({"a": a, "b": b})
    assert len(out) == 8  # six calls, two file statuses
    # nan and inf take the time of the event before them in their file
    assert [e.source for e in out if isinstance(e, LLMCall)] == ["a", "a", "b", "a", "a", "b"]


def test_batches_are_handed_on_at_most_batch_long() -> None:
    streams = {n: _stream(n, [T0 + i * 0.5 + k * 0.1 for i in range(40)], size=25)
               for k, n in enumerate("abc")}
    paths = [Path(n) for n in streams]
    batches = list(time_ordered(paths, lambda p: iter(streams[str(p)]), batch=7))
    assert all(len(b) <= 7 for b in batches) and sum(map(len, batches)) == 123
    calls = [e.ts for b in batches for e in b if isinstance(e, LLMCall)]
    assert calls == sorted(calls)


def test_more_overlapping_files_than_max_open_stay_in_order() -> None:
    """20 files written at once (and a long one written last, so modified last): opened in
    the order of their first events, as many as overlap, every event comes in time order."""
    streams = {f"f{k}": _stream(f"f{k}", [T0 + i * 20 + k for i in range(50)], size=10)
               for k in range(20)}
    streams["long"] = _stream("long", [T0 - 5 + i * 50 for i in range(40)], size=40)
    firsts = {n: next(e.ts for b in s for e in b) for n, s in streams.items()}
    paths = [Path(n) for n in streams]
    out = [e for b in time_ordered(paths, lambda p: iter(streams[str(p)]), max_open=4,
                                   first=lambda p: firsts[str(p)]) for e in b]
    ts = [e.ts for e in out if isinstance(e, LLMCall)]
    assert len(ts) == 1040 and ts == sorted(ts)


def test_a_merged_report_starts_each_file_at_its_first_event(tmp_path: Path) -> None:
    from swarmtop.sources.reader import first_event_time

    _write(tmp_path / "a.jsonl", [{"ts": T0 + 7, "type": "log", "text": "x"}], 1_700_000_000)
    (tmp_path / "b.jsonl").write_text('not json\n{"ts": 1764000003, "type": "log"}\n')
    (tmp_path / "c.bin").write_bytes(b"\x00\x01\x02")
    assert first_event_time(tmp_path / "a.jsonl") == T0 + 7
    assert first_event_time(tmp_path / "b.jsonl", "native") == T0 + 3  # past a bad line
    assert first_event_time(tmp_path / "c.bin") is None
    assert first_event_time(tmp_path / "missing.jsonl") is None


def test_a_fifo_in_a_directory_is_not_read(tmp_path: Path) -> None:
    """Opening a FIFO waits for a writer: `report DIR` would hang on one (it did)."""
    _write(tmp_path / "a.jsonl", [{"ts": T0, "type": "log", "text": "x"}], 1_700_000_000)
    os.mkfifo(tmp_path / "pipe.jsonl")
    done: list = []
    worker = threading.Thread(daemon=True, target=lambda: done.append(build_report(
        Namespace(sources=[str(tmp_path)], format="auto", since=None), Config())))
    worker.start()
    worker.join(timeout=30)  # (a regression hangs that thread, not the suite)
    assert done, "report hung on a FIFO"
    assert [Path(f.path).name for f in done[0].sources.files] == ["a.jsonl"]
