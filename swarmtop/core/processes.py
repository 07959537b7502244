"""Per-process state from samples: latest figures, peak, bounded history, exit."""

from __future__ import annotations

from collections import deque

from swarmtop.events import ProcessExit, ProcessSample
from swarmtop.snapshot import Memory, ProcessInfo
from swarmtop.sources.timeparse import iso

HISTORY = 1200  # samples kept per process for graphs (10 minutes at 0.5 s)
MAX_PROCESSES = 2000  # exited entries beyond this are forgotten, oldest first


class _Proc:
    __slots__ = ("pid", "create_time", "last", "peak", "samples", "history", "exited_at",
                 "exit_code")

    def __init__(self, s: ProcessSample) -> None:
        self.pid = s.pid
        self.create_time = s.create_time
        self.last = s
        self.peak = 0
        self.samples = 0
        self.history: deque[tuple[float, int]] = deque(maxlen=HISTORY)
        self.exited_at: float | None = None
        self.exit_code: int | None = None


class ProcessTracker:
    def __init__(self, interval_s: float = 0.5, limit_bytes: int | None = None) -> None:
        self.interval_s = interval_s
        self.limit_bytes = limit_bytes
        self._procs: dict[tuple[int, float], _Proc] = {}

    def add_sample(self, s: ProcessSample) -> None:
        key = (s.pid, s.create_time)
        p = self._procs.get(key)
        if p is None:
            p = self._procs[key] = _Proc(s)
            self._trim()
        p.last = s
        p.samples += 1
        if s.rss is not None:
            p.peak = max(p.peak, s.rss)
            p.history.append((s.ts, s.rss))

    def add_exit(self, e: ProcessExit) -> None:
        for (pid, ct), p in self._procs.items():
            if pid == e.pid and (not e.create_time or ct == e.create_time) and p.exited_at is None:
                p.exited_at = e.ts
                p.exit_code = e.exit_code

    def _trim(self) -> None:
        if len(self._procs) <= MAX_PROCESSES:
            return
        for key in [k for k, p in self._procs.items() if p.exited_at is not None]:
            del self._procs[key]
            if len(self._procs) <= MAX_PROCESSES:
                return

    def pids(self) -> list[int]:
        return sorted({pid for pid, _ in self._procs})

    def section(self, now: float) -> Memory:
        procs: list[ProcessInfo] = []
        for p in self._procs.values():
            s = p.last
            alive = p.exited_at is None
            procs.append(
                ProcessInfo(
                    pid=p.pid, name=s.name, alive=alive,
                    rss_bytes=s.rss or 0, peak_rss_bytes=p.peak,
                    cpu_percent=s.cpu_percent or 0.0, threads=s.threads or 0,
                    samples=p.samples, parent=s.parent, create_time=p.create_time,
                    status=s.status if alive else "exited",
                    exited_at=iso(p.exited_at) if p.exited_at is not None else None,
                    exit_code=p.exit_code, uss_bytes=s.uss, fds=s.fds,
                    io_read_bytes=s.io_read_bytes, io_write_bytes=s.io_write_bytes,
                    denied=list(s.denied),
                    history=[[t, float(r)] for t, r in p.history],
                )
            )
        total = sum(p.rss_bytes for p in procs if p.alive)
        return Memory(interval_s=self.interval_s, total_rss_bytes=total, processes=procs,
                      limit_bytes=self.limit_bytes)
