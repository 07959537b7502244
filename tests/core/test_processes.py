"""ProcessTracker: growth per process and for the tree from real processes, bounded history,
identity by (pid, create_time), exits, time to limit."""

from __future__ import annotations

import asyncio
import time

import pytest

from swarmtop.core import processes as procmod
from swarmtop.core.processes import ProcessTracker, Series
from swarmtop.events import ProcessExit, ProcessSample
from swarmtop.snapshot import Snapshot, to_json
from swarmtop.sources.sampler import ProcessSampler
from tests.childprocs import spawn, stop

MB = 1 << 20


def sample(pid: int, ts: float, rss: int, ct: float = 1.0, **kw) -> ProcessSample:
    return ProcessSample(ts=ts, source=f"pid:{pid}", pid=pid, create_time=ct, rss=rss, **kw)


async def test_real_processes_classified_and_rated():
    """Four real children sampled at 0.1 s for ~6.5 s: linear 8 MiB/s, exponential 25 %/s,
    allocate-once-and-hold, alloc/free sawtooth."""
    kids = {
        "linear": spawn("linear", 8 * MB, life=20),
        "exponential": spawn("exponential", 0.25, life=20),
        "stable": spawn("stable", 100 * MB, life=20),
        "sawtooth": spawn("sawtooth", 40 * MB, life=20),
    }
    try:
        tracker = ProcessTracker(0.1)
        sampler = ProcessSampler([p.pid for p in kids.values()], children=False, interval=0.1)
        first: list[float] = []

        async def emit(batch):
            for e in batch:
                if isinstance(e, ProcessSample):
                    first.append(e.ts) if not first else None
                    tracker.add_sample(e)
                else:
                    tracker.add_exit(e)

        task = asyncio.create_task(sampler.run(emit))
        deadline = time.monotonic() + 60
        while not first or time.time() - first[0] < 6.5:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await sampler.close()
        mem = tracker.section(time.time())
    finally:
        stop(*kids.values())

    by = {name: next(p for p in mem.processes if p.pid == kid.pid) for name, kid in kids.items()}
    lin, exp, hold, saw = by["linear"], by["exponential"], by["stable"], by["sawtooth"]
    assert lin.growth == "linear" and lin.leak_suspected, lin.growth_why
    assert lin.growth_bytes_per_s == pytest.approx(8 * MB, rel=0.10)
    assert exp.growth == "exponential" and exp.leak_suspected, exp.growth_why
    assert exp.growth_rate_per_s == pytest.approx(0.25, rel=0.2)
    assert hold.growth == "stable" and not hold.leak_suspected, hold.growth_why
    assert hold.peak_rss_bytes >= 100 * MB
    assert saw.growth == "stable" and not saw.leak_suspected, saw.growth_why
    assert saw.peak_rss_bytes - min(r for _, r in saw.history) >= 20 * MB  # it did swing
    # the tree (sum of all four) grows: two of them leak
    assert mem.growth in ("linear", "exponential") and mem.leak_suspected
    assert mem.total_rss_bytes == sum(p.rss_bytes for p in mem.processes)
    assert all(len(p.history) <= procmod.SNAPSHOT_POINTS for p in mem.processes)


def test_pid_reuse_makes_a_new_entry_and_exit_code_is_filled_in():
    t = ProcessTracker(0.5)
    t.add_sample(sample(10, 100.0, 5 * MB, ct=1.0))
    t.add_exit(ProcessExit(ts=101.0, source="pid:10", pid=10, create_time=1.0))
    t.add_exit(ProcessExit(ts=101.1, source="pid:10", pid=10, create_time=1.0, exit_code=3))
    t.add_sample(sample(10, 102.0, 7 * MB, ct=50.0))  # the same PID, a new process
    mem = t.section(103.0)
    old, new = mem.processes
    assert (old.alive, old.status, old.exit_code, old.rss_bytes) == (False, "exited", 3, 5 * MB)
    assert old.exited_at is not None
    assert (new.alive, new.create_time) == (True, 50.0)
    assert mem.total_rss_bytes == 7 * MB  # exited processes do not count
    assert mem.peak_total_rss_bytes == 7 * MB


def test_late_sample_after_exit_is_ignored():
    t = ProcessTracker(0.5)
    t.add_sample(sample(10, 100.0, 5 * MB))
    t.add_exit(ProcessExit(ts=101.0, source="pid:10", pid=10, create_time=1.0))
    t.add_sample(sample(10, 100.9, 9 * MB))
    (p,) = t.section(102.0).processes
    assert p.rss_bytes == 5 * MB and not p.alive


def test_tree_total_is_one_point_per_sweep():
    t = ProcessTracker(0.5)
    for k in range(20):
        for pid in (1, 2, 3):
            t.add_sample(sample(pid, 100.0 + 0.5 * k + 0.002 * pid, (pid + k) * MB))
    assert len(t.tree) == 20
    _, val = t.tree.recent()
    assert val[-1] == sum((pid + 19) * MB for pid in (1, 2, 3))


def test_growth_time_to_limit_from_config_and_cgroup():
    t = ProcessTracker(0.5, limit_bytes=1000 * MB)
    for k in range(40):
        ts = 100.0 + 0.5 * k
        t.add_sample(sample(1, ts, int(100 * MB + 10 * MB * 0.5 * k)))
        t.add_sample(sample(2, ts + 0.001, 50 * MB, cgroup_limit=400 * MB))
    mem = t.section(120.0)
    p1, p2 = mem.processes
    assert p1.growth == "linear" and p1.leak_suspected
    rss1 = p1.rss_bytes
    assert p1.time_to_limit_s == pytest.approx((1000 * MB - rss1) / (10 * MB), rel=0.02)
    assert p2.growth == "stable" and p2.time_to_limit_s is None and p2.limit_bytes == 400 * MB
    # the tree's limit is the tightest: the cgroup's 400 MB
    assert mem.limit_bytes == 400 * MB and mem.limit_source == "cgroup"
    assert mem.growth == "linear" and mem.time_to_limit_s is not None
    assert mem.time_to_limit_s == pytest.approx((400 * MB - mem.total_rss_bytes) / (10 * MB),
                                                rel=0.05)


def test_classification_is_cached_between_refreshes(monkeypatch):
    calls = []
    real = procmod.classify

    def counting(*a, **kw):
        calls.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(procmod, "classify", counting)
    t = ProcessTracker(0.1)
    for k in range(50):  # 5 s of samples, a snapshot after each
        t.add_sample(sample(1, 100.0 + 0.1 * k, MB))
        t.section(100.0 + 0.1 * k)
    per_process = len(calls) // 2  # the tree is classified on the same cadence
    assert 4 <= per_process <= 6  # about once a second of samples, not 50 times


def test_series_is_bounded_and_keeps_peaks_when_thinned(monkeypatch):
    monkeypatch.setattr(procmod, "FULL_RATE_S", 30.0)
    s = Series(0.5)
    assert s.cap == 76
    for k in range(2000):  # 1000 s at 0.5 s: most of it retired to 10 s buckets
        s.append(float(k) * 0.5, 1000.0 + (50_000.0 if k == 500 else k))
    assert len(s) == s.cap
    ts, _ = s.recent()
    assert list(ts) == sorted(ts) and ts[-1] == 999.5
    pts = s.points(60)
    assert len(pts) == 60
    assert max(v for _, v in pts) == 51_000.0  # the spike at k=500 survives the thinning
    assert pts[-1] == [999.5, 2999.0]
    assert [p[0] for p in pts] == sorted(p[0] for p in pts)


def test_snapshot_history_is_capped_across_many_processes():
    t = ProcessTracker(0.5)
    for k in range(400):
        for pid in range(1, 201):
            t.add_sample(sample(pid, 100.0 + 0.5 * k + pid * 1e-4, pid * MB))
    mem = t.section(400.0)
    assert len(mem.processes) == 200
    assert all(len(p.history) == 100 for p in mem.processes)  # 20,000 points shared out
    assert len(mem.history) <= procmod.SNAPSHOT_POINTS
    assert len(to_json(Snapshot(memory=mem), indent=0)) < 1_500_000


@pytest.mark.parametrize("status", ["zombie", "running"])
def test_an_exiting_reading_is_no_point_of_the_growth(status):
    """Exiting, or exited and not yet reaped: RSS reads 0 because the address space went with
    the exit, not because the process gave its memory back (still "running" for a moment in
    the kernel's exit path, then "zombie"). The total drops, but the process's growth stays
    what it did while it ran (was: a steady leak called stable, for a late drop to 0 -- the
    headless --run test's child, sampled in that moment on a loaded machine)."""
    t = ProcessTracker(0.2)
    for k in range(30):
        t.add_sample(sample(10, 100.0 + 0.2 * k, int(20 * MB + 8 * MB * 0.2 * k)))
    t.add_sample(sample(10, 106.0, 0, status=status))
    mem = t.section(106.0)
    (p,) = mem.processes
    assert (p.status, p.rss_bytes, mem.total_rss_bytes) == (status, 0, 0)
    t.add_exit(ProcessExit(ts=106.1, source="pid:10", pid=10, create_time=1.0, exit_code=4))
    mem = t.section(106.2)
    (p,) = mem.processes
    assert (p.alive, p.exit_code, mem.total_rss_bytes) == (False, 4, 0)
    assert p.growth == "linear", p.growth_why
    assert p.growth_bytes_per_s == pytest.approx(8 * MB, rel=0.01)
    assert p.peak_rss_bytes == int(20 * MB + 8 * MB * 0.2 * 29)
    assert all(v > 0 for _, v in p.history)
