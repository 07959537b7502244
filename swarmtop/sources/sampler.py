"""Live process sampling with psutil on a monotonic schedule. (A little over 500 lines: the
schedule, the worker hand-off and the tree refresh below share one sampler's state; the /proc
reads are procfs.py's.)

Tick ``k`` runs at ``start + k * interval`` (loop time, monotonic), never ``sleep(interval)``
after the work, so the period does not drift; the first at once, the others on the beat grid
(``swarmtop.beat``), a quarter beat past the tailer's reads, so that the worker reads /proc
while the loop is idle (not trading the GIL with it) and before the snapshot. A tick
that would start more than half a period late is skipped and counted rather than run back to
back with the next (no bunching); after MAX_SKIPS skips in a row a late tick runs anyway
(counted as ``forced``), so a starved loop still samples.

On Linux a process is read straight from /proc (``procfs``: /proc/PID/stat once, statm, the
fd directory, /proc/PID/io: ≈ 5x cheaper than psutil's six files and its wrappers); psutil is
used elsewhere, when /proc is not mounted, and for USS. The reads run in at most 2 worker
threads (``lanes.Lanes``: a job wakes only the thread that runs it). Within a tick one worker
starts on a shared queue of processes; a second joins only if the queue is not empty after
``help_after_s`` (a big tree, or a read that hangs): two threads reading small files hand the
GIL back and forth on every syscall, which costs more than it saves (measured:
docs/processes.md). So a process whose /proc reads block holds up one worker, not the others;
its sample is emitted when it arrives (a later tick), and it is not queued again while a read
is in flight.

The tree below each ``--pid`` is re-read every ``tree_refresh_s`` (one /proc scan for all roots,
off the loop): new descendants become entries, exited ones are reported once with ProcessExit and
kept by the core. Identity is (pid, create_time): a PID reused by a new process is a new entry,
and a root whose PID is reused is not followed into the stranger.

A process's name follows exec(), as in htop: ``swarmtop --run -- CMD`` starts a shell or a
wrapper that execs the real program, same PID and start time, new name. On the /proc path
the command name (comm) comes with /proc/PID/stat at every sample, so a change costs nothing
to notice and the name is then read again (psutil's ``name()``, which takes the full name
from the command line when comm is cut at 15 characters); the psutil path reads the name
again every ``name_refresh_s``.

A failure of the sampler's own (a tree scan or a read that raised something unexpected) is
counted in :meth:`status` and recorded (``errorlog.record``: the snapshot's sources.errors and
the log file), never fatal.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections import deque
from collections.abc import Callable

import psutil

from swarmtop import errorlog
from swarmtop.beat import SAMPLE_PHASE, next_beat, sleep_until
from swarmtop.events import Event, ProcessExit, ProcessSample
from swarmtop.sources import procfs
from swarmtop.sources.base import Emit
from swarmtop.sources.cgroup import memory_limit
from swarmtop.sources.lanes import Lanes

SCHEDULE_LOG = 4096  # recent ticks kept for jitter figures (bounded)
MAX_WATCHED = 5000  # processes followed at once; more descendants are counted, not followed
MAX_SKIPS = 3  # ticks skipped in a row before a late one is run anyway (never starve)
HELP_AFTER_S = 0.05  # a second worker joins a sweep whose queue is not empty after this long
NAME_REFRESH_S = 2.0  # psutil path: a process's name is read again this often (exec renames)


def check_pids(pids: list[int]) -> list[str]:
    """Plain-English problems with ``--pid`` values; empty when all can be watched."""
    problems: list[str] = []
    for pid in pids:
        if pid <= 0:
            problems.append(f"--pid takes a positive process id, got {pid}")
        elif not psutil.pid_exists(pid):
            problems.append(f"no process with PID {pid}")
        else:
            try:
                psutil.Process(pid)
            except psutil.ZombieProcess:
                pass  # watchable: it shows as a zombie
            except psutil.NoSuchProcess:
                problems.append(f"no process with PID {pid} (it just exited)")
            except psutil.AccessDenied:
                pass  # degrades to the readable fields
    return problems


class _Watched:
    __slots__ = ("pid", "proc", "create_time", "root", "primed", "name", "busy", "limit",
                 "parent", "start_ticks", "cpu_ticks", "cpu_wall", "comm", "name_at", "cwd", "cmd")

    def __init__(self, proc: psutil.Process, create_time: float, root: bool,
                 parent: int | None) -> None:
        self.pid = proc.pid
        self.proc = proc
        self.create_time = create_time
        self.root = root
        self.primed = False  # the first cpu_percent() is a meaningless 0.0
        self.name = ""
        self.comm = b""  # procfs path: the comm the name was read for (exec changes it)
        self.name_at = 0.0  # psutil path: when the name was read (monotonic)
        # read with the name: what matches an agent session to its process (core/agents.py)
        self.cwd = ""
        self.cmd = ""
        self.busy = False  # a read is in flight in a worker
        self.limit: int | None = None
        self.parent = parent
        # procfs fast path: the start time read from /proc/PID/stat (None: read with psutil),
        # and the previous CPU reading (ticks, monotonic seconds) for cpu_percent
        self.start_ticks: int | None = None
        self.cpu_ticks: int | None = None
        self.cpu_wall = 0.0


def _open(pid: int, root: bool, parent: int | None = None, fast: bool = False) -> _Watched | None:
    try:
        proc = psutil.Process(pid)
        ct = proc.create_time()
    except psutil.NoSuchProcess:  # includes zombies psutil cannot open
        return None
    except psutil.AccessDenied:
        return None
    w = _Watched(proc, ct, root, parent)
    if fast:
        try:
            st = procfs.read_stat(pid)
            boot = procfs.boot_time()
        except (FileNotFoundError, ProcessLookupError):
            return None
        except (OSError, ValueError, RuntimeError):
            st = None  # unreadable here (hidepid, odd kernel): this one goes through psutil
        if st is not None:
            if abs(procfs.create_time(st.start_ticks, boot) - ct) >= 0.01:
                return None  # the PID was reused between the two reads
            w.start_ticks = st.start_ticks
    w.limit = memory_limit(pid)
    return w


CMD_CHARS = 200  # the command line kept per process: enough to tell `node .../claude` apart


def _read_identity(w: _Watched) -> None:
    """The working directory and command line, read when the name is (once, and after an
    exec); unreadable ones stay empty: they are hints, never errors."""
    try:
        w.cwd = w.proc.cwd()
    except (psutil.Error, OSError):
        w.cwd = ""
    try:
        w.cmd = " ".join(w.proc.cmdline())[:CMD_CHARS]
    except (psutil.Error, OSError):
        w.cmd = ""


class ProcessSampler:
    def __init__(
        self,
        pids: list[int],
        *,
        children: bool = True,
        interval: float = 0.5,
        collect_uss: bool = False,
        tree_refresh_s: float = 3.0,
        clock: Callable[[], float] = time.time,
        workers: int = 2,
        procfs: bool = True,
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.root_pids = list(dict.fromkeys(pids))
        self.children = children
        self.interval = interval
        self.collect_uss = collect_uss
        self.tree_refresh_s = tree_refresh_s
        self.clock = clock
        self.workers = max(1, workers)
        self.help_after_s = HELP_AFTER_S
        self.name_refresh_s = NAME_REFRESH_S
        # read /proc directly (Linux); psutil for USS, elsewhere, or when asked (tests compare)
        self.fast = procfs and not collect_uss and _procfs_available()
        self._watched: dict[int, _Watched] = {}
        self._done: deque[tuple[_Watched, Event | None]] = deque()  # filled by workers
        self._executor: Lanes | None = None
        self._tree_future: asyncio.Future[list[_Watched]] | None = None
        # figures about the sampler itself (for the benchmark, tests and a status line)
        self.ticks = 0
        self.missed = 0  # ticks skipped because the loop or the sweep ran late
        self.forced = 0  # ticks run more than half a period late after MAX_SKIPS skips
        self.lagging = 0  # per-process samples skipped: the previous read was still running
        self.overflow = 0  # descendants not followed beyond MAX_WATCHED
        self.errors = 0  # reads that failed in an unexpected way (counted, never fatal)
        self.last_error = ""
        self.last_sweep_s = 0.0
        self.schedule: deque[tuple[int, float, float]] = deque(maxlen=SCHEDULE_LOG)

    # ---- public ---------------------------------------------------------------------------
    @property
    def watched(self) -> list[int]:
        return sorted(self._watched)

    def status(self) -> dict[str, object]:
        """The sampler's own health, small enough for every snapshot (``snapshot.runtime``)."""
        recent = sorted(b - p for _, p, b in tuple(self.schedule)[-240:])
        p99 = recent[min(len(recent) - 1, int(0.99 * len(recent)))] if recent else None
        return {
            "watched": len(self._watched), "ticks": self.ticks, "missed_ticks": self.missed,
            "forced_late": self.forced, "lagging": self.lagging, "errors": self.errors,
            "last_error": self.last_error,
            "overflow": self.overflow, "last_sweep_ms": round(self.last_sweep_s * 1e3, 1),
            "jitter_p99_ms": round(p99 * 1e3, 1) if p99 is not None else None,
        }

    async def run(self, emit: Emit) -> None:
        """Sample until cancelled, or until every watched process has exited."""
        loop = asyncio.get_running_loop()
        if self._executor is None:
            # a thread each (sources/lanes.py): a job wakes only the thread that runs it
            self._executor = Lanes(self.workers, thread_name_prefix="swarmtop-ps")
        ex = self._executor
        first = await loop.run_in_executor(ex, self._discover)
        for w in first:
            self._watched[w.pid] = w
        start = loop.time()
        next_tree = start + self.tree_refresh_s
        k = 0
        skipped_in_a_row = 0
        half = 0.5 * self.interval
        while self._watched or (self._tree_future is not None):
            scheduled = start + k * self.interval
            now = loop.time()
            if now < scheduled:
                await sleep_until(scheduled)
                continue  # look again: the loop may wake us late
            if now - scheduled > half and skipped_in_a_row < MAX_SKIPS:
                # Too late for this tick: skip to the next one we can start within half a period
                # (counted), rather than running late ticks back to back.
                nxt = math.floor((now - start) / self.interval)
                if now - (start + nxt * self.interval) > half:
                    nxt += 1
                nxt = max(nxt, k + 1)
                self.missed += nxt - k
                skipped_in_a_row += 1
                k = nxt
                continue
            if now - scheduled > half:
                self.forced += 1  # starved for MAX_SKIPS ticks: sample late rather than never
            skipped_in_a_row = 0
            began = now
            if k:  # (the first tick is not on the grid: it runs at once)
                self.schedule.append((k, scheduled, began))
            self.ticks += 1
            batch: list[Event] = self._take_tree(loop)
            batch += await self._sweep(loop, ex, deadline=scheduled + 0.8 * self.interval)
            self.last_sweep_s = loop.time() - began
            if self.children and self._tree_future is None and began >= next_tree:
                # after the sweep, not beside it: two workers reading /proc at once hand the
                # GIL to each other at every read (≈ 100 thread wake-ups a scan, measured)
                next_tree = began + self.tree_refresh_s
                self._tree_future = loop.run_in_executor(ex, self._scan_tree)
            if batch:
                await emit(batch)
            if k == 0:  # the first sample at once, the others on the beat grid (beat.py)
                start = next_beat(loop.time(), self.interval, SAMPLE_PHASE) - self.interval
            k += 1

    async def close(self) -> None:
        ex, self._executor = self._executor, None
        if ex is not None:
            ex.shutdown(wait=False, cancel_futures=True)

    def sample_now(self) -> list[Event]:
        """One synchronous sweep (tree included), for ``report``: CPU % is not known from a
        single look, so it is left out."""
        events: list[Event] = []
        if not self._watched:
            for w in self._discover():
                self._watched[w.pid] = w
        if self.children:
            self._tree_future = None
            events += self._integrate(self._scan_tree())
        for w in list(self._watched.values()):
            w.primed = True
            ev = self._read(w, cpu=False)
            events += self._settle(w, ev)
        return events

    # ---- discovery ------------------------------------------------------------------------
    def _discover(self) -> list[_Watched]:
        found = []
        for pid in self.root_pids:
            w = _open(pid, root=True, fast=self.fast)
            if w is not None:
                found.append(w)
        if self.children:
            known = {w.pid: w for w in found}
            found += self._descendants(known)
        return found

    def _scan_tree(self) -> list[_Watched]:
        return self._descendants(dict(self._watched))

    def _descendants(self, known: dict[int, _Watched]) -> list[_Watched]:
        """New processes below the alive watched ones, from one pass over /proc."""
        kids: dict[int, list[tuple[int, float]]] = {}
        if self.fast:
            boot = procfs.boot_time()
            tick = float(procfs.CLK_TCK)
            for pid, ppid, start in procfs.scan_parents():
                kids.setdefault(ppid, []).append((pid, start / tick + boot))
        else:
            for p in psutil.process_iter(["ppid", "create_time"]):
                info = p.info
                parent, ct = info.get("ppid"), info.get("create_time")  # (None: denied)
                if parent is not None and ct is not None:
                    kids.setdefault(parent, []).append((p.pid, ct))
        new: list[_Watched] = []
        stack = list(known.values())
        seen = set(known)
        room = MAX_WATCHED - len(known)
        while stack:
            parent = stack.pop()
            for pid, ct in kids.get(parent.pid, ()):
                if ct + 0.01 < parent.create_time:
                    continue  # parent PID was reused after this one was born: not a child
                old = known.get(pid)
                if old is not None and abs(old.create_time - ct) < 0.01:
                    if pid not in seen:
                        seen.add(pid)
                        stack.append(old)
                    continue
                if pid in seen:
                    continue
                seen.add(pid)
                if room <= 0:
                    self.overflow += 1
                    continue
                w = _open(pid, root=False, parent=parent.pid, fast=self.fast)
                if w is None:
                    continue
                room -= 1
                new.append(w)
                stack.append(w)
        return new

    def _take_tree(self, loop: asyncio.AbstractEventLoop) -> list[Event]:
        fut = self._tree_future
        if fut is None or not fut.done():
            return []
        self._tree_future = None
        try:
            found = fut.result()
        except Exception as exc:  # noqa: BLE001 - retried at the next refresh; recorded
            self._failed("process tree scan", exc)
            return []
        return self._integrate(found)

    def _failed(self, what: str, exc: BaseException, detail: str = "") -> None:
        self.errors += 1
        self.last_error = f"{detail}{type(exc).__name__}: {exc}"
        errorlog.record(f"sampler: {what}", exc)

    def _integrate(self, found: list[_Watched]) -> list[Event]:
        events: list[Event] = []
        for w in found:
            old = self._watched.get(w.pid)
            if old is not None:
                if abs(old.create_time - w.create_time) < 0.01:
                    continue
                # PID reused: the old process is gone, the new one is a new entry
                events.append(self._exit_event(old))
            self._watched[w.pid] = w
        return events

    # ---- sampling -------------------------------------------------------------------------
    async def _sweep(self, loop: asyncio.AbstractEventLoop, ex: Lanes,
                     deadline: float) -> list[Event]:
        jobs: deque[_Watched] = deque()
        for w in self._watched.values():
            if w.busy:
                self.lagging += 1
            else:
                w.busy = True
                jobs.append(w)
        done = self._done
        read = self._read

        def drain() -> None:
            while True:
                try:
                    w = jobs.popleft()
                except IndexError:
                    return
                try:
                    ev = read(w)
                except Exception as exc:  # noqa: BLE001 - must not stop the sweep; recorded
                    self._failed("reading a process", exc, f"PID {w.pid}: ")
                    ev = None
                done.append((w, ev))

        if jobs:
            # One worker first; helpers join only if the queue is still not empty after
            # help_after_s (a big tree, or a read that hangs): for a few processes a second
            # thread costs more in GIL hand-offs than it saves.
            queued = len(jobs)  # before the worker starts taking from it
            futs = {loop.run_in_executor(ex, drain)}
            if self.workers > 1 and queued > 1:
                wait_s = min(self.help_after_s, max(0.0, deadline - loop.time()))
                _, futs = await asyncio.wait(futs, timeout=wait_s)
                if futs and jobs:
                    for _ in range(min(self.workers - 1, len(jobs))):
                        futs.add(loop.run_in_executor(ex, drain))
            if futs:
                await asyncio.wait(futs, timeout=max(0.0, deadline - loop.time()))
        events: list[Event] = []
        while done:
            w, ev = done.popleft()
            events += self._settle(w, ev)
        return events

    def _settle(self, w: _Watched, ev: Event | None) -> list[Event]:
        w.busy = False
        if isinstance(ev, ProcessExit):
            if self._watched.get(w.pid) is w:
                del self._watched[w.pid]
            return [ev]
        if ev is None or self._watched.get(w.pid) is not w:
            return []  # dropped, or replaced by a new process on the same PID meanwhile
        return [ev]

    def _exit_event(self, w: _Watched) -> ProcessExit:
        return ProcessExit(ts=self.clock(), source=f"pid:{w.pid}", pid=w.pid,
                           create_time=w.create_time)

    def _read(self, w: _Watched, cpu: bool = True) -> Event:
        """One process's figures (in a worker thread). AccessDenied drops just that field."""
        if w.start_ticks is not None:
            return self._read_procfs(w, cpu)
        return self._read_psutil(w, cpu)

    def _read_procfs(self, w: _Watched, cpu: bool) -> Event:
        """The Linux fast path: /proc/PID/stat once, the fd directory and /proc/PID/io with
        plain os calls; same figures and semantics as :meth:`_read_psutil`."""
        pid = w.pid
        try:
            st = procfs.read_stat(pid)
        except (FileNotFoundError, ProcessLookupError):
            return self._exit_event(w)
        except PermissionError:  # stat unreadable (hidepid): psutil from now on
            w.start_ticks = None
            return self._read_psutil(w, cpu)
        if st.start_ticks != w.start_ticks:
            return self._exit_event(w)  # the PID now belongs to a newer process
        if st.comm != w.comm:  # exec(): same process, another program; name read again below
            w.comm = st.comm
            w.name = ""
        now = time.monotonic()
        denied: list[str] = []
        cpu_percent: float | None = None
        if cpu:
            if w.primed and w.cpu_ticks is not None:
                dt = now - w.cpu_wall
                # as psutil: CPU seconds over wall seconds, 100 = one core, 1 decimal
                cpu_percent = (round((st.cpu_ticks - w.cpu_ticks) / procfs.CLK_TCK / dt * 100, 1)
                               if dt > 0 else 0.0)
            w.primed = True
        w.cpu_ticks, w.cpu_wall = st.cpu_ticks, now
        fds: int | None = None
        io_read: int | None = None
        io_write: int | None = None
        try:
            rss = procfs.read_rss(pid)
        except (FileNotFoundError, ProcessLookupError):
            return self._exit_event(w)
        try:
            fds = procfs.count_fds(pid)
        except PermissionError:
            denied.append("fds")
        except (FileNotFoundError, ProcessLookupError):
            return self._exit_event(w)
        if procfs.HAS_IO:
            try:
                io_read, io_write = procfs.read_io(pid)
            except PermissionError:
                denied.append("io")
            except (FileNotFoundError, ProcessLookupError):
                return self._exit_event(w)
        if not w.name:
            try:
                w.name = w.proc.name()
            except psutil.AccessDenied:
                denied.append("name")
            except psutil.ZombieProcess:
                pass
            except psutil.NoSuchProcess:
                return self._exit_event(w)
            _read_identity(w)
        return ProcessSample(
            ts=self.clock(), source=f"pid:{pid}", pid=pid, create_time=w.create_time,
            name=w.name, parent=st.ppid, status=st.status, denied=tuple(denied),
            cgroup_limit=w.limit, rss=rss, cpu_percent=cpu_percent, threads=st.threads,
            fds=fds, io_read_bytes=io_read, io_write_bytes=io_write, cwd=w.cwd, cmd=w.cmd,
        )

    def _read_psutil(self, w: _Watched, cpu: bool = True) -> Event:
        """One process's figures through psutil (any OS; USS)."""
        p = w.proc
        denied: list[str] = []
        values: dict[str, object] = {}
        zombie = False

        def get(field: str, fn: Callable[[], object]) -> object:
            nonlocal zombie
            try:
                return fn()
            except psutil.AccessDenied:
                denied.append(field)
            except psutil.ZombieProcess:
                zombie = True
            return None

        try:
            with p.oneshot():
                status = get("status", p.status)
                if self.collect_uss:  # USS walks smaps: up to ~1 ms a process
                    full = get("uss", p.memory_full_info)
                    if full is not None:
                        values["rss"], values["uss"] = full.rss, full.uss  # type: ignore[attr-defined]  # get() gives object
                    else:
                        mem = get("rss", p.memory_info)
                        values["rss"] = mem.rss if mem is not None else None  # type: ignore[attr-defined]  # get() gives object
                else:
                    mem = get("rss", p.memory_info)
                    values["rss"] = mem.rss if mem is not None else None  # type: ignore[attr-defined]  # get() gives object
                if cpu:
                    pct = get("cpu_percent", lambda: p.cpu_percent(None))
                    if w.primed:
                        values["cpu_percent"] = pct
                    w.primed = True
                values["threads"] = get("threads", p.num_threads)
                values["fds"] = get("fds", p.num_fds)
                io = get("io", p.io_counters)
                if io is not None:
                    values["io_read_bytes"] = io.read_bytes  # type: ignore[attr-defined]  # get() gives object
                    values["io_write_bytes"] = io.write_bytes  # type: ignore[attr-defined]  # get() gives object
                ppid = get("parent", p.ppid)
                now = time.monotonic()
                if not w.name or now - w.name_at >= self.name_refresh_s:  # exec renames
                    w.name = str(get("name", p.name) or w.name)
                    w.name_at = now
                    _read_identity(w)
        except psutil.NoSuchProcess:  # ZombieProcess is caught field by field above
            return self._exit_event(w)
        if not zombie and not p.is_running():  # read-only calls do not notice PID reuse
            return self._exit_event(w)
        if zombie or status == psutil.STATUS_ZOMBIE:
            status = "zombie"
        return ProcessSample(
            ts=self.clock(), source=f"pid:{w.pid}", pid=w.pid, create_time=w.create_time,
            name=w.name, parent=ppid if isinstance(ppid, int) else w.parent,
            status=str(status or "unknown"), denied=tuple(denied), cgroup_limit=w.limit,
            cwd=w.cwd, cmd=w.cmd, **values,  # type: ignore[arg-type]  # values: dict[str, object]
        )


def _procfs_available() -> bool:
    return procfs.available() and os.path.isdir("/proc/self/fd")
