"""Per-process state from samples: latest figures, peak, bounded history, growth, exit.

Identity is (pid, create_time): a new process on an old PID is a new entry. Growth is
classified per process and for the whole tree (the sum of the alive processes' RSS), from a
cache refreshed at most once per ``CLASSIFY_EVERY_S`` of sample time -- the snapshot is built
every tick, the regression need not be.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from swarmtop.core.growth import DEFAULT_PARAMS, Growth, GrowthParams, classify, time_to_limit
from swarmtop.events import ProcessExit, ProcessSample
from swarmtop.snapshot import Memory, ProcessInfo
from swarmtop.timeparse import iso

FULL_RATE_S = 600.0  # the last 10 minutes are kept at the sampling rate
COARSE_STEP_S = 10.0  # older points: the peak of each 10 s
COARSE_POINTS = 2160  # ... for 6 hours
MAX_PROCESSES = 2000  # exited entries beyond this are forgotten, oldest first
SNAPSHOT_POINTS = 300  # history points per process in a snapshot, at most
SNAPSHOT_POINTS_TOTAL = 20_000  # ... and across all processes (500 processes -> 40 each)
CLASSIFY_EVERY_S = 1.0
HISTORY = int(FULL_RATE_S / 0.5)  # kept for callers of the old constant


class Series:
    """(ts, bytes) history: a numpy ring at full rate for ``FULL_RATE_S``, then one point per
    ``COARSE_STEP_S`` (the bucket's peak). Fixed memory whatever the run length.

    Each point's time is also kept rounded as the snapshot shows it (``round(ts, 3)``, once
    per sample), so ``points`` builds its [ts, value] pairs from two ``tolist`` calls instead
    of a Python ``round`` and two numpy scalars per point; the closed coarse points are kept
    as arrays too, rebuilt only when a bucket closes (every 10 s), not at every refresh."""

    def __init__(self, interval_s: float) -> None:
        self.cap = int(math.ceil(FULL_RATE_S / max(interval_s, 0.05))) + 16
        self.ts = np.zeros(self.cap)
        self.val = np.zeros(self.cap)
        self.rts = np.zeros(self.cap)  # ts rounded to the millisecond, as snapshots show it
        self.n = 0  # points ever appended
        # (start ts, peak, start ts rounded) of each closed bucket, and the one being filled
        self.coarse: deque[tuple[float, float, float]] = deque(maxlen=COARSE_POINTS)
        self._bucket: tuple[float, float, float] | None = None
        self._closed = 0  # buckets ever closed: the version of the coarse arrays
        self._coarse_arrays: tuple[int, np.ndarray, np.ndarray] = (0, np.empty(0), np.empty(0))
        self._thin: tuple[int, int, np.ndarray, np.ndarray] = (0, 0, np.empty(0), np.empty(0))

    def __len__(self) -> int:
        return min(self.n, self.cap)

    def append(self, ts: float, value: float) -> None:
        i = self.n % self.cap
        if self.n >= self.cap:
            self._retire(self.ts[i], self.val[i], self.rts[i])
        self.ts[i] = ts
        self.val[i] = value
        self.rts[i] = round(float(ts), 3)
        self.n += 1

    def set_last(self, value: float) -> None:
        if self.n:
            self.val[(self.n - 1) % self.cap] = value

    @property
    def last_ts(self) -> float | None:
        return float(self.ts[(self.n - 1) % self.cap]) if self.n else None

    def _retire(self, ts: float, value: float, rts: float) -> None:
        b = self._bucket
        if b is None:
            self._bucket = (ts, value, rts)
        elif ts - b[0] >= COARSE_STEP_S:
            self.coarse.append(b)
            self._closed += 1
            self._bucket = (ts, value, rts)
        elif value > b[1]:
            self._bucket = (b[0], value, b[2])

    def _ordered(self, ring: np.ndarray) -> np.ndarray:
        """The ring's full-rate points in time order (a copy)."""
        m = len(self)
        if m < self.cap:
            return ring[:m].copy()
        i = self.n % self.cap
        return np.concatenate((ring[i:], ring[:i]))

    def recent(self, seconds: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Full-rate points in time order (copies), optionally only the last ``seconds``."""
        ts, val = self._ordered(self.ts), self._ordered(self.val)
        if seconds is not None and len(ts):
            lo = int(np.searchsorted(ts, ts[-1] - seconds, side="left"))
            ts, val = ts[lo:], val[lo:]
        return ts, val

    def points(self, limit: int) -> list[list[float]]:
        """At most ``limit`` [ts, value] pairs over the whole history; when thinned, each point
        is the peak of its stretch (a spike never disappears from the graph)."""
        ts, val = self._ordered(self.rts), self._ordered(self.val)
        if self.coarse or self._bucket:
            closed, cts, cval = self._coarse_arrays
            if closed != self._closed or len(cts) != len(self.coarse):
                coarse = self.coarse
                cts = np.fromiter((c[2] for c in coarse), float, len(coarse))
                cval = np.fromiter((c[1] for c in coarse), float, len(coarse))
                self._coarse_arrays = (self._closed, cts, cval)
            b = self._bucket
            if b is not None:
                cts, cval = np.append(cts, b[2]), np.append(cval, b[1])
            ts = np.concatenate((cts, ts))
            val = np.concatenate((cval, val))
        n = len(ts)
        if n > limit > 0:
            # the stretches depend on n and limit only: n stays put once the ring is full
            # (it moves when a coarse bucket opens, every 10 s)
            thin = self._thin
            if thin[0] != n or thin[1] != limit:
                starts = np.linspace(0, n, limit, endpoint=False).astype(np.int64)
                thin = self._thin = (n, limit, starts, np.append(starts[1:], n) - 1)
            val = np.maximum.reduceat(val, thin[2])
            ts = ts[thin[3]]
        return list(map(list, zip(ts.tolist(), val.tolist(), strict=True)))


class _Proc:
    __slots__ = ("pid", "create_time", "first_ts", "last", "peak", "samples", "series",
                 "exited_at", "exit_code", "growth", "growth_at", "history", "dirty")

    def __init__(self, s: ProcessSample, interval_s: float) -> None:
        self.pid = s.pid
        self.create_time = s.create_time
        self.first_ts = s.ts
        self.last = s
        self.peak = 0
        self.samples = 0
        self.series = Series(interval_s)
        self.exited_at: float | None = None
        self.exit_code: int | None = None
        self.growth = Growth()
        self.growth_at = -math.inf  # sample time of the cached classification
        self.history: list[list[float]] = []
        self.dirty = True  # samples arrived since the cache was built


class ProcessTracker:
    def __init__(self, interval_s: float = 0.5, limit_bytes: int | None = None,
                 params: GrowthParams = DEFAULT_PARAMS) -> None:
        self.interval_s = interval_s
        self.limit_bytes = limit_bytes  # configured (Config.memory_limit_bytes)
        self.params = params
        self._procs: dict[tuple[int, float], _Proc] = {}
        self._rss: dict[tuple[int, float], int] = {}  # latest RSS of alive processes
        self._total = 0
        self.peak_total = 0
        self.tree = Series(interval_s)
        self._tree_first: float | None = None
        self._tree_growth = Growth()
        self._tree_at = -math.inf
        self._tree_history: list[list[float]] = []

    # ---- ingest ---------------------------------------------------------------------------
    def add_sample(self, s: ProcessSample) -> None:
        key = (s.pid, s.create_time)
        p = self._procs.get(key)
        if p is None:
            p = self._procs[key] = _Proc(s, self.interval_s)
            self._trim()
        elif p.exited_at is not None:
            return  # a straggler read after the exit was reported
        p.last = s
        p.samples += 1
        p.dirty = True
        if s.rss is None:
            return
        p.peak = max(p.peak, s.rss)
        if s.rss:  # 0: no address space left (exiting, a zombie): no point of its growth
            p.series.append(s.ts, float(s.rss))
        self._total += s.rss - self._rss.get(key, 0)
        self._rss[key] = s.rss
        self.peak_total = max(self.peak_total, self._total)
        # The tree total is one point per sweep: samples of one sweep arrive within a few ms,
        # so a sample less than half an interval after the last point updates that point.
        last = self.tree.last_ts
        if last is None or s.ts - last >= 0.5 * self.interval_s:
            if self._tree_first is None:
                self._tree_first = s.ts
            self.tree.append(s.ts, float(self._total))
        else:
            self.tree.set_last(float(self._total))

    def __len__(self) -> int:
        """Processes known (0: none sampled yet; ``section`` then depends on nothing)."""
        return len(self._procs)

    def add_exit(self, e: ProcessExit) -> None:
        for key, p in self._procs.items():
            pid, ct = key
            if pid != e.pid or (e.create_time and abs(ct - e.create_time) > 0.01):
                continue
            if p.exited_at is None:
                p.exited_at = e.ts
                p.exit_code = e.exit_code
                p.dirty = True
                self._total -= self._rss.pop(key, 0)
            elif p.exit_code is None and e.exit_code is not None:
                p.exit_code = e.exit_code  # the launcher knows the code the sampler could not

    def _trim(self) -> None:
        if len(self._procs) <= MAX_PROCESSES:
            return
        for key in [k for k, p in self._procs.items() if p.exited_at is not None]:
            del self._procs[key]
            if len(self._procs) <= MAX_PROCESSES:
                return

    def pids(self) -> list[int]:
        return sorted({pid for pid, _ in self._procs})

    # ---- analysis -------------------------------------------------------------------------
    def _limit(self, cgroup: int | None) -> int | None:
        limits = [x for x in (self.limit_bytes, cgroup) if x]
        return min(limits) if limits else None

    def _refresh(self, p: _Proc, budget: int) -> None:
        last_ts = p.last.ts
        if not p.dirty or (last_ts - p.growth_at < CLASSIFY_EVERY_S and p.exited_at is None):
            return
        ts, val = p.series.recent(self.params.window_s + self.params.warmup_s)
        p.growth = classify(ts, val, self.params, t0=p.first_ts)
        p.growth_at = last_ts
        p.history = p.series.points(budget)
        p.dirty = False

    def _refresh_tree(self, budget: int) -> None:
        last = self.tree.last_ts
        if last is None or last - self._tree_at < CLASSIFY_EVERY_S:
            return
        ts, val = self.tree.recent(self.params.window_s + self.params.warmup_s)
        self._tree_growth = classify(ts, val, self.params, t0=self._tree_first)
        self._tree_at = last
        self._tree_history = self.tree.points(budget)

    def section(self, now: float) -> Memory:
        budget = max(30, min(SNAPSHOT_POINTS, SNAPSHOT_POINTS_TOTAL // max(1, len(self._procs))))
        procs: list[ProcessInfo] = []
        cgroup_limits: list[int] = []
        for p in self._procs.values():
            self._refresh(p, budget)
            s = p.last
            alive = p.exited_at is None
            g = p.growth
            limit = self._limit(s.cgroup_limit)
            if alive and s.cgroup_limit:
                cgroup_limits.append(s.cgroup_limit)
            ttl = time_to_limit(g, s.rss or 0, limit) if alive else None
            procs.append(
                ProcessInfo(
                    pid=p.pid, name=s.name, alive=alive,
                    rss_bytes=s.rss or 0, peak_rss_bytes=p.peak,
                    cpu_percent=s.cpu_percent or 0.0, threads=s.threads or 0,
                    samples=p.samples, growth=g.kind,
                    growth_bytes_per_s=round(g.bytes_per_s, 1),
                    leak_suspected=g.leak_suspected and alive,
                    parent=s.parent, create_time=p.create_time,
                    status=s.status if alive else "exited",
                    exited_at=iso(p.exited_at) if p.exited_at is not None else None,
                    exit_code=p.exit_code, growth_confidence=g.confidence,
                    uss_bytes=s.uss, fds=s.fds,
                    io_read_bytes=s.io_read_bytes, io_write_bytes=s.io_write_bytes,
                    denied=list(s.denied),
                    time_to_limit_s=_round(ttl),
                    history=p.history,
                    growth_why=g.why, growth_rate_per_s=round(g.rate_per_s, 4),
                    limit_bytes=limit, cwd=s.cwd, cmd=s.cmd,
                )
            )
        self._refresh_tree(min(SNAPSHOT_POINTS, 600))
        tg = self._tree_growth
        tree_limit = self._limit(min(cgroup_limits) if cgroup_limits else None)
        source = None
        if tree_limit is not None:
            source = "config" if tree_limit == self.limit_bytes else "cgroup"
        total = self._total if self._procs else 0
        any_alive = any(p.exited_at is None for p in self._procs.values())
        return Memory(
            interval_s=self.interval_s, total_rss_bytes=total, processes=procs,
            limit_bytes=tree_limit, growth=tg.kind,
            growth_bytes_per_s=round(tg.bytes_per_s, 1),
            leak_suspected=(tg.leak_suspected and any_alive)
            or any(p.leak_suspected for p in procs),
            growth_confidence=tg.confidence, growth_why=tg.why,
            time_to_limit_s=_round(time_to_limit(tg, total, tree_limit)) if any_alive else None,
            limit_source=source, peak_total_rss_bytes=self.peak_total,
            history=self._tree_history,
        )


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 1)
