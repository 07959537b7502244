from __future__ import annotations

import asyncio
import json

import numpy as np

from swarmtop.core.aggregator import Aggregator
from swarmtop.events import LLMCall, ProcessSample, TaskEvent
from swarmtop.export.record import Recorder
from swarmtop.runtime import Runtime
from swarmtop.snapshot import to_dict
from tests.conftest import run_cli


class ListSource:
    def __init__(self, events, chunk: int = 50) -> None:
        self.events = events
        self.chunk = chunk

    async def run(self, emit) -> None:
        for i in range(0, len(self.events), self.chunk):
            await emit(self.events[i : i + self.chunk])
            await asyncio.sleep(0)

    async def close(self) -> None:
        pass


def make_events(n: int = 600) -> list:
    rng = np.random.default_rng(5)
    base = 1_764_000_000.0
    out = []
    for i in range(n):
        ts = base + i * 0.5
        out.append(LLMCall(ts=ts, source="run.jsonl", model=["m1", "m2"][i % 2], agent=f"a{i % 3}",
                           input_tokens=int(rng.integers(10, 999)), output_tokens=7,
                           cost_usd=0.001))
        out.append(TaskEvent(ts=ts, source="run.jsonl", pattern="lateral",
                             duration_ms=float(rng.lognormal(7, 1)),
                             status="error" if i % 9 == 0 else "ok"))
        out.append(ProcessSample(ts=ts, source="pid:42", pid=42, create_time=base, name="w",
                                 rss=100_000_000 + i * 4_000_000, cpu_percent=5.0, threads=2))
    return out


async def record_session(path) -> dict:
    events = make_events()
    agg = Aggregator()
    agg.clock = agg.event_clock
    rec = Recorder(str(path))
    rt = Runtime(agg, [ListSource(events)], interval=0.1, on_events=[rec], on_stop=[rec.close])
    await rt.start()
    while not rt.sources_done:
        await asyncio.sleep(0.02)
    await rt.stop()
    return to_dict(rt.latest())


def test_record_then_replay_reaches_the_same_figures(tmp_path):
    path = tmp_path / "s.jsonl"
    live = asyncio.run(record_session(path))
    lines = path.read_bytes().splitlines()
    assert len(lines) == 1 + 1800  # header + every event
    r = run_cli("replay", str(path), "--no-ui", "--json")
    assert r.returncode == 0, r.stderr
    replay = json.loads(r.stdout)
    assert replay["tokens"] == live["tokens"]
    assert replay["patterns"] == live["patterns"]
    for key in ("growth", "growth_bytes_per_s", "leak_suspected", "peak_rss_bytes", "samples"):
        assert replay["memory"]["processes"][0][key] == live["memory"]["processes"][0][key]
    assert live["tokens"]["calls"] == 600


def test_record_file_cut_mid_line_still_replays(tmp_path):
    path = tmp_path / "s.jsonl"
    asyncio.run(record_session(path))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 30])  # killed mid-write
    r = run_cli("replay", str(path), "--no-ui", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["tokens"]["calls"] in (599, 600)


def test_replay_rejects_files_that_are_not_recordings(tmp_path):
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"type": "log"}\n')
    r = run_cli("replay", str(bad), "--no-ui")
    assert r.returncode == 2 and "not a swarmtop record file" in r.stderr
    r = run_cli("replay", str(tmp_path / "missing.jsonl"), "--no-ui")
    assert r.returncode == 2 and "cannot read" in r.stderr


def test_recorder_reports_disk_full_instead_of_crashing():
    rec = Recorder("/dev/full")  # every write fails with ENOSPC, like a full disk
    rec([LLMCall(ts=1.0, source="x", model="m", input_tokens=1, output_tokens=1)])
    rec.flush()
    assert rec.error is not None and "No space left" in rec.error
    rec([LLMCall(ts=2.0, source="x", model="m", input_tokens=1, output_tokens=1)])  # no raise


def test_disk_full_recording_raises_an_alert_not_a_crash():
    from swarmtop.core.aggregator import Aggregator

    rec = Recorder("/dev/full")
    agg = Aggregator(clock=lambda: 10.0, recorder=rec.status)
    rec([LLMCall(ts=1.0, source="x", model="m", input_tokens=1, output_tokens=1)])
    rec.flush()
    snap = agg.snapshot()
    assert snap.runtime.record is not None and snap.runtime.record.error
    assert any(a.rule == "record_failed" for a in snap.alerts)
