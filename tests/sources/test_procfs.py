"""The /proc fast path (sources/procfs.py and ProcessSampler._read_procfs) against psutil, on
real processes this test starts, plus the parsing and error paths that real processes cannot be
made to show on demand."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil
import pytest

from swarmtop.events import ProcessExit, ProcessSample
from swarmtop.sources import procfs, sampler
from swarmtop.sources.sampler import ProcessSampler

pytestmark = pytest.mark.skipif(not procfs.available(), reason="needs Linux /proc")

PAGE = procfs.PAGESIZE


def wait_for(cond, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        time.sleep(0.02)


@pytest.fixture
def sleeper():
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    wait_for(lambda: psutil.Process(p.pid).status() == "sleeping")
    yield p
    p.kill()
    p.wait()


def stat_line(comm: str, state: str = "S") -> bytes:
    # fields 3..52 of proc(5), with ppid 77, utime 5, stime 7, threads 3, starttime 12345, rss 9
    rest = [state, "77", "1", "1", "0", "-1", "0", "0", "0", "0", "0", "5", "7", "0", "0", "20",
            "0", "3", "0", "12345", "1000", "9"] + ["0"] * 28
    return f"4242 ({comm}) {' '.join(rest)}\n".encode()


@pytest.mark.parametrize("comm", ["python", "a b", "x) R 1 2 (y", ") )", "((", ""])
def test_parse_stat_counts_fields_from_the_last_paren(comm):
    st = procfs.parse_stat(stat_line(comm))
    assert st == procfs.Stat(status="sleeping", ppid=77, cpu_ticks=12, threads=3,
                             start_ticks=12345, comm=comm.encode())


def test_status_letters_are_psutils_words():
    assert procfs.parse_stat(stat_line("z", "Z")).status == psutil.STATUS_ZOMBIE
    assert procfs.parse_stat(stat_line("d", "D")).status == psutil.STATUS_DISK_SLEEP
    assert procfs.parse_stat(stat_line("t", "t")).status == psutil.STATUS_TRACING_STOP
    assert procfs.parse_stat(stat_line("i", "I")).status == psutil.STATUS_IDLE
    assert procfs.parse_stat(stat_line("q", "Q")).status == "?"  # as psutil, for a new letter


def test_figures_equal_psutils_for_real_processes(sleeper):
    for pid in (sleeper.pid, os.getpid()):
        p = psutil.Process(pid)
        st, rss_fast = procfs.read_stat(pid), procfs.read_rss(pid)
        with p.oneshot():
            rss, threads, ppid = p.memory_info().rss, p.num_threads(), p.ppid()
            status, ct = p.status(), p.create_time()
        assert abs(rss_fast - rss) <= 2 * PAGE
        assert (st.threads, st.ppid) == (threads, ppid)
        assert st.status == status
        assert procfs.create_time(st.start_ticks, procfs.boot_time()) == pytest.approx(ct,
                                                                                      abs=1e-6)
        assert procfs.boot_time() == psutil.boot_time()
    io = psutil.Process(sleeper.pid).io_counters()
    assert procfs.read_io(sleeper.pid) == (io.read_bytes, io.write_bytes)
    assert procfs.count_fds(sleeper.pid) == psutil.Process(sleeper.pid).num_fds()


def test_sampler_paths_give_the_same_sample(sleeper):
    fast = ProcessSampler([sleeper.pid], children=False)
    slow = ProcessSampler([sleeper.pid], children=False, procfs=False)
    assert fast.fast and not slow.fast
    (a,) = fast.sample_now()
    (b,) = slow.sample_now()
    assert isinstance(a, ProcessSample) and isinstance(b, ProcessSample)
    assert abs(a.rss - b.rss) <= 2 * PAGE  # type: ignore[operator]
    same = ("pid", "create_time", "name", "threads", "fds", "io_read_bytes", "io_write_bytes",
            "parent", "status", "denied", "cgroup_limit", "uss", "cpu_percent")
    assert {k: getattr(a, k) for k in same} == {k: getattr(b, k) for k in same}
    assert a.status == "sleeping" and a.parent == os.getpid() and a.fds is not None


def test_tree_scan_finds_the_same_children_as_psutil():
    parent = subprocess.Popen(["sh", "-c", "sleep 60 & sleep 60 & wait"], start_new_session=True)
    try:
        wait_for(lambda: len(psutil.Process(parent.pid).children()) == 2)
        found = ProcessSampler([parent.pid])._discover()
        a = {(w.pid, round(w.create_time, 2), w.parent) for w in found}
        b = {(w.pid, round(w.create_time, 2), w.parent)
             for w in ProcessSampler([parent.pid], procfs=False)._discover()}
        assert a == b and len(a) == 3
        assert all(w.start_ticks is not None for w in found)
    finally:
        os.killpg(parent.pid, 9)
        parent.wait()


def test_cpu_percent_as_psutil(monkeypatch):
    """100 = one core from the CPU-tick delta over the monotonic wall delta; the first reading
    is not reported."""
    s = ProcessSampler([os.getpid()], children=False)
    (w,) = s._discover()
    real = procfs.read_stat(os.getpid())
    ticks = iter([0, procfs.CLK_TCK // 2, procfs.CLK_TCK // 2])
    clock = iter([100.0, 101.0, 101.0])
    monkeypatch.setattr(procfs, "read_stat", lambda pid: real._replace(cpu_ticks=next(ticks)))
    monkeypatch.setattr(sampler.time, "monotonic", lambda: next(clock))
    first, second, third = (s._read(w) for _ in range(3))
    assert isinstance(first, ProcessSample) and first.cpu_percent is None
    assert isinstance(second, ProcessSample) and second.cpu_percent == 50.0
    assert isinstance(third, ProcessSample) and third.cpu_percent == 0.0  # zero wall: psutil's 0


def test_busy_child_cpu_is_seen():
    """The CPU a busy child burns is what the sampler reports: its readings, each over the wall
    time since the one before, add up to the CPU time psutil sees the child use. The test waits
    for a CPU second seen, not for a share of a core: how much the child gets depends on the
    load (was: a mean over 20 % of a core, short of it on a 2-core machine with two other busy
    processes)."""
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        proc = psutil.Process(busy.pid)
        s = ProcessSampler([busy.pid], children=False)
        (w,) = s._discover()
        s._read(w)
        used0 = sum(proc.cpu_times()[:2])
        seen = 0.0  # CPU seconds the readings account for

        def a_cpu_second_seen() -> bool:
            nonlocal seen
            time.sleep(0.2)
            since = w.cpu_wall
            ev = s._read(w)
            assert isinstance(ev, ProcessSample) and ev.cpu_percent is not None
            seen += ev.cpu_percent / 100 * (w.cpu_wall - since)
            return seen >= 1.0

        wait_for(a_cpu_second_seen, timeout=60)
        used = sum(proc.cpu_times()[:2]) - used0
        assert seen == pytest.approx(used, abs=0.05)
    finally:
        busy.kill()
        busy.wait()


def test_exit_and_pid_reuse_are_process_exits(sleeper):
    s = ProcessSampler([sleeper.pid], children=False)
    (w,) = s._discover()
    assert isinstance(s._read(w), ProcessSample)
    w.start_ticks -= 1  # type: ignore[operator]  # as if the PID now held a newer process
    assert isinstance(s._read(w), ProcessExit)
    w.start_ticks += 1  # type: ignore[operator]
    sleeper.kill()
    sleeper.wait()  # reaped: /proc/PID is gone
    ev = s._read(w)
    assert isinstance(ev, ProcessExit) and ev.create_time == w.create_time


def test_open_refuses_a_pid_reused_between_psutil_and_stat(monkeypatch, sleeper):
    real = procfs.read_stat
    monkeypatch.setattr(procfs, "read_stat",
                        lambda pid: real(pid)._replace(start_ticks=real(pid).start_ticks + 500))
    assert sampler._open(sleeper.pid, root=True, fast=True) is None
    assert sampler._open(sleeper.pid, root=True, fast=False) is not None


def test_zombie_child_is_zombie():
    child = subprocess.Popen(["true"])
    try:
        wait_for(lambda: procfs.read_stat(child.pid).status == "zombie")
        s = ProcessSampler([child.pid], children=False)
        watched = s._discover()
        if not watched:  # psutil could not open it: the sampler never follows it
            pytest.skip("psutil refused the zombie")
        (w,) = watched
        assert w.start_ticks is not None
        ev = s._read(w)
        assert isinstance(ev, ProcessSample)
        assert ev.status == "zombie" and ev.rss == 0 and ev.parent == os.getpid()
    finally:
        child.wait()


def test_permission_errors_name_the_field(monkeypatch, sleeper):
    def refused(pid):
        raise PermissionError(13, "Permission denied")

    s = ProcessSampler([sleeper.pid], children=False)
    (w,) = s._discover()
    monkeypatch.setattr(procfs, "count_fds", refused)
    monkeypatch.setattr(procfs, "read_io", refused)
    ev = s._read(w)
    assert isinstance(ev, ProcessSample) and ev.rss and ev.threads == 1
    assert ev.fds is None and ev.io_read_bytes is None and ev.io_write_bytes is None
    assert set(ev.denied) == {"fds", "io"}
    # stat itself refused (hidepid): this process goes through psutil from then on
    monkeypatch.setattr(procfs, "read_stat", refused)
    ev = s._read(w)
    assert isinstance(ev, ProcessSample) and w.start_ticks is None and ev.rss


def test_uss_and_non_linux_use_psutil(monkeypatch):
    assert not ProcessSampler([os.getpid()], collect_uss=True).fast
    monkeypatch.setattr(procfs, "available", lambda: False)
    s = ProcessSampler([os.getpid()], children=False)
    assert not s.fast
    (w,) = s._discover()
    assert w.start_ticks is None
    assert isinstance(s._read(w), ProcessSample)


def test_a_small_sweep_uses_one_worker():
    """No helper joins a sweep the first worker finishes within help_after_s: reads never run
    in two threads at once (which would hand the GIL back and forth on every syscall)."""
    import asyncio
    import threading

    kids = [subprocess.Popen(["sleep", "60"]) for _ in range(5)]
    try:
        s = ProcessSampler([k.pid for k in kids], children=False, interval=0.1)
        s.help_after_s = 5.0
        lock = threading.Lock()
        state = {"now": 0, "most": 0, "reads": 0}
        real = s._read

        def read(w, cpu=True):
            with lock:
                state["now"] += 1
                state["reads"] += 1
                state["most"] = max(state["most"], state["now"])
            try:
                time.sleep(0.002)  # widen the window a second reader would show up in
                return real(w, cpu)
            finally:
                with lock:
                    state["now"] -= 1

        s._read = read  # type: ignore[method-assign]

        async def go() -> None:
            async def emit(batch) -> None:
                pass

            task = asyncio.create_task(s.run(emit))
            while s.ticks < 4:
                await asyncio.sleep(0.02)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await s.close()

        asyncio.run(go())
        assert state["reads"] >= 15 and state["most"] == 1
    finally:
        for k in kids:
            k.kill()
            k.wait()
