"""ProcessSampler and Launcher against real processes the tests start themselves.

The machine is shared and loaded: every wait is "until a condition, with a generous deadline",
and the schedule is asserted on what the sampler planned (tick k at start + k*interval) plus
how many ticks it ran or skipped -- not on sleeps of a fixed length.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable

import psutil
import pytest

from swarmtop.events import Event, ProcessExit, ProcessSample
from swarmtop.sources import procfs
from swarmtop.sources.launcher import Launcher, LaunchError
from swarmtop.sources.paths import SourceError
from swarmtop.sources.sampler import ProcessSampler, check_pids
from tests.childprocs import spawn, stop


class Collector:
    def __init__(self) -> None:
        self.events: list[Event] = []

    async def __call__(self, batch: list[Event]) -> None:
        self.events.extend(batch)

    def samples(self, pid: int | None = None) -> list[ProcessSample]:
        return [e for e in self.events if isinstance(e, ProcessSample)
                and (pid is None or e.pid == pid)]

    def exits(self) -> list[ProcessExit]:
        return [e for e in self.events if isinstance(e, ProcessExit)]


async def until(cond: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        await asyncio.sleep(0.05)


async def stop_task(task: asyncio.Task[None], sampler: ProcessSampler) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await sampler.close()


def test_check_pids_plain_messages():
    assert check_pids([os.getpid()]) == []
    free = max(psutil.pids()) + 100_000
    problems = check_pids([free, os.getpid()])
    assert problems == [f"no process with PID {free}"]


async def test_schedule_no_drift_and_period():
    """60 ticks at 0.1 s (drift and exact accounting) and ticks at the default 0.5 s (period),
    run side by side so the file stays short."""
    fast = ProcessSampler([os.getpid()], children=False, interval=0.1)
    slow = ProcessSampler([os.getpid()], children=False, interval=0.5)
    cf, cs = Collector(), Collector()
    tf = asyncio.create_task(fast.run(cf))
    ts = asyncio.create_task(slow.run(cs))
    await until(lambda: fast.ticks + fast.missed >= 60 and slow.ticks + slow.missed >= 12, 60)
    await stop_task(tf, fast)
    await stop_task(ts, slow)

    for s, c in ((fast, cf), (slow, cs)):
        sched = list(s.schedule)
        k0, t0, _ = sched[0]
        ks = [k for k, _, _ in sched]
        # every tick index is either run once or counted as missed: nothing lost, nothing doubled
        assert ks == sorted(set(ks))
        assert len(ks) + s.missed == ks[-1] - k0 + 1
        for k, planned, began in sched:
            assert planned == pytest.approx(t0 + (k - k0) * s.interval, abs=1e-9)  # no drift
            assert began >= planned - 2e-3  # asyncio may wake a hair early
        # a tick more than half a period late is skipped, unless the sampler was starved
        too_late = [b - p for _, p, b in sched if b - p > 0.5 * s.interval]
        assert len(too_late) <= s.forced
        lateness = sorted(b - p for _, p, b in sched)
        assert statistics.median(lateness) <= 0.020
        # one sample per tick run; only a read still in flight at cancellation may be missing
        assert s.ticks - s.lagging - 1 <= len(c.samples()) <= s.ticks - s.lagging
        st = s.status()
        assert st["ticks"] == s.ticks and st["missed_ticks"] == s.missed and st["errors"] == 0
        assert st["jitter_p99_ms"] is not None and st["watched"] == 1
    # the 0.5 s period, seen in the samples' own timestamps (± 20 ms for the typical tick)
    stamps = [e.ts for e in cs.samples()]
    steps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert abs(statistics.median(steps) - 0.5) <= 0.020
    # the first cpu_percent() is meaningless: not reported
    assert cs.samples()[0].cpu_percent is None
    assert cs.samples()[1].cpu_percent is not None


async def test_children_recursive_and_exited_ones_reported():
    parent = spawn("spawner", rate=3, life=8)
    try:
        s = ProcessSampler([parent.pid], interval=0.1, tree_refresh_s=0.3)
        c = Collector()
        task = asyncio.create_task(s.run(c))

        def kids() -> set[int]:
            return {e.pid for e in c.samples() if e.parent == parent.pid}

        await until(lambda: len(kids()) == 3)
        await until(lambda: any(e.pid in kids() for e in c.exits()))
        await stop_task(task, s)
        exited = [e for e in c.exits() if e.pid in kids()]
        assert len(exited) == 1 and exited[0].create_time > 0
        assert {e.name for e in c.samples() if e.pid in kids()} <= {"python", "python3",
                                                                   os.path.basename(sys.executable)}
    finally:
        stop(parent)


async def test_zombie_shown_as_zombie():
    parent = spawn("zombie", life=8)
    try:
        assert parent.stdout is not None
        zpid = int(parent.stdout.readline().split()[1])
        s = ProcessSampler([parent.pid], interval=0.1, tree_refresh_s=0.3)
        c = Collector()
        task = asyncio.create_task(s.run(c))
        await until(lambda: any(e.status == "zombie" for e in c.samples(zpid)))
        await stop_task(task, s)
        z = [e for e in c.samples(zpid) if e.status == "zombie"][0]
        assert z.parent == parent.pid
        assert not [e for e in c.exits() if e.pid == zpid]  # a zombie has not exited yet
    finally:
        stop(parent)


@pytest.mark.parametrize("fast", [False, True], ids=["psutil", "procfs"])
async def test_access_denied_degrades_to_readable_fields(monkeypatch, fast):
    def denied(self):
        raise psutil.AccessDenied(self.pid)

    def refused(pid):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(psutil.Process, "num_fds", denied)
    monkeypatch.setattr(psutil.Process, "io_counters", denied)
    monkeypatch.setattr(procfs, "count_fds", refused)
    monkeypatch.setattr(procfs, "read_io", refused)
    s = ProcessSampler([os.getpid()], children=False, interval=0.1, procfs=fast)
    assert s.fast is (fast and procfs.available())
    events = s.sample_now()
    (sample,) = [e for e in events if isinstance(e, ProcessSample)]
    assert sample.rss and sample.rss > 0 and sample.threads
    assert sample.fds is None and sample.io_read_bytes is None
    assert set(sample.denied) == {"fds", "io"}


async def test_pid_reuse_is_a_new_entry():
    child = spawn("stable", rate=1e6, life=8)
    try:
        s = ProcessSampler([child.pid], children=False)
        first = s.sample_now()
        assert [e.pid for e in first if isinstance(e, ProcessSample)] == [child.pid]
        # pretend what we watched on this PID was born earlier: the live one is a newcomer
        w = s._watched[child.pid]
        w.create_time -= 100
        fresh = ProcessSampler([child.pid], children=False)._discover()
        events = s._integrate(fresh)
        assert [type(e) for e in events] == [ProcessExit]
        assert events[0].create_time == pytest.approx(w.create_time)
        assert s._watched[child.pid].create_time == pytest.approx(child_ct(child.pid))
    finally:
        stop(child)


def child_ct(pid: int) -> float:
    return psutil.Process(pid).create_time()


async def test_root_exit_ends_the_sampler():
    child = spawn("exit", rate=0, life=0.5)
    try:
        # reap it from a thread so it really goes (a child of ours would stay a zombie)
        waiter = asyncio.create_task(asyncio.to_thread(child.wait))
        s = ProcessSampler([child.pid], interval=0.1)
        c = Collector()
        await asyncio.wait_for(s.run(c), 30)
        await waiter
        await s.close()
        assert [e.pid for e in c.exits()] == [child.pid]
        assert c.samples(child.pid)
    finally:
        stop(child)


async def test_launcher_reports_exit_code_and_sampler_follows():
    launcher = Launcher([sys.executable, "-c", "import time, sys; time.sleep(0.6); sys.exit(3)"])
    pid = launcher.start()
    s = ProcessSampler([pid], interval=0.1)
    c = Collector()
    await asyncio.wait_for(asyncio.gather(launcher.run(c), s.run(c)), 30)
    await launcher.close()
    await s.close()
    assert launcher.returncode == 3
    codes = [e.exit_code for e in c.exits() if e.pid == pid]
    assert 3 in codes
    assert c.samples(pid)


async def test_launcher_close_ends_the_process_group(tmp_path):
    out = tmp_path / "out.log"
    launcher = Launcher(
        [sys.executable, "-c", "import subprocess, sys, time; print('hi', flush=True);"
         "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
         "time.sleep(60)"],
        output=out, grace_s=5,
    )
    pid = launcher.start()
    assert os.getpgid(pid) == pid  # its own process group
    await until(lambda: len(psutil.Process(pid).children()) == 1 and out.read_text() == "hi\n")
    grandchild = psutil.Process(pid).children()[0]
    await launcher.close()
    assert launcher.returncode == -15
    grandchild.wait(timeout=10)
    assert not grandchild.is_running()


def test_launcher_unknown_command_is_a_usage_error():
    with pytest.raises(LaunchError, match="command not found: no-such-command-xyz"):
        Launcher(["no-such-command-xyz"]).start()
    assert issubclass(LaunchError, SourceError)


@pytest.mark.parametrize("fast", [False, True], ids=["psutil", "procfs"])
async def test_one_slow_process_does_not_delay_the_others(monkeypatch, fast):
    slow_child = spawn("stable", rate=1e6, life=15)
    fast_child = spawn("stable", rate=1e6, life=15)
    real = psutil.Process.num_threads
    real_fds = procfs.count_fds
    blocked = {"n": 0}

    def stuck(pid: int) -> None:
        if pid == slow_child.pid and blocked["n"] < 1:
            blocked["n"] += 1
            time.sleep(1.5)  # a /proc read stuck for three ticks

    def num_threads(self):
        stuck(self.pid)
        return real(self)

    def count_fds(pid):
        stuck(pid)
        return real_fds(pid)

    monkeypatch.setattr(psutil.Process, "num_threads", num_threads)
    monkeypatch.setattr(procfs, "count_fds", count_fds)
    try:
        s = ProcessSampler([slow_child.pid, fast_child.pid], children=False, interval=0.5,
                           procfs=fast)
        c = Collector()
        task = asyncio.create_task(s.run(c))
        await until(lambda: len(c.samples(slow_child.pid)) >= 2)
        await stop_task(task, s)
        fast = c.samples(fast_child.pid)
        # the fast one was sampled on every tick that ran (the last may be cut by the cancel),
        # also the ticks during which the slow one's read was stuck
        assert len(fast) >= s.ticks - 1 >= 3
        assert len(c.samples(slow_child.pid)) < len(fast)
        assert s.lagging >= 2  # the stuck process was not queued again meanwhile
        assert s.errors == 0
    finally:
        stop(slow_child, fast_child)


@pytest.mark.parametrize("fast", [False, True], ids=["psutil", "procfs"])
async def test_name_follows_exec_of_a_launched_command(tmp_path, fast):
    """`--run -- CMD` where CMD is a shell (or a wrapper) that execs the real program: the
    same process (PID, start time) is listed under the new program's name, as htop does."""
    go = tmp_path / "go"
    launcher = Launcher(["sh", "-c", f"while [ ! -e '{go}' ]; do sleep 0.02; done; "
                         f"exec '{sys.executable}' -c 'import time; time.sleep(30)'"])
    pid = launcher.start()
    s = ProcessSampler([pid], children=False, interval=0.1, procfs=fast)
    s.name_refresh_s = 0.3
    c = Collector()
    task = asyncio.create_task(s.run(c))
    want = psutil.Process(pid).create_time()
    try:
        await until(lambda: any(e.name == "sh" for e in c.samples(pid)))
        go.touch()
        await until(lambda: psutil.Process(pid).exe() == os.path.realpath(sys.executable))
        expected = psutil.Process(pid).name()
        assert expected != "sh"
        await until(lambda: c.samples(pid)[-1].name == expected)
    finally:
        await stop_task(task, s)
        await launcher.close()
    names = [e.name for e in c.samples(pid)]
    # sh, then the program: never back, and one process throughout (not a PID reuse)
    assert names[: names.index(expected)] == ["sh"] * names.index(expected)
    assert set(names[names.index(expected):]) == {expected}
    assert all(e.create_time == pytest.approx(want) for e in c.samples(pid))
    assert not [e for e in c.exits() if e.pid == pid and e.exit_code is None]
    assert s.errors == 0


@pytest.mark.parametrize("fast", [False, True], ids=["psutil", "procfs"])
def test_cwd_and_command_line_are_read(fast):
    """What the agents' process match needs (core/agents.py match_processes)."""
    s = ProcessSampler([os.getpid()], children=False, interval=0.1, procfs=fast)
    (sample,) = [e for e in s.sample_now() if isinstance(e, ProcessSample)]
    assert sample.cwd == os.getcwd()
    assert sample.cmd.split()[0] == psutil.Process().cmdline()[0] and len(sample.cmd) <= 200
