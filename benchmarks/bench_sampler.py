"""Sampler benchmark: time per sweep of a big process tree, and tick jitter with a few PIDs.

    python -m benchmarks.bench_sampler            # 100- and 500-process trees, 10 PIDs for 60 s
    python -m benchmarks.bench_sampler --smoke    # tiny sizes, seconds
    python -m benchmarks.bench_sampler --tree 500 --jitter-pids 10 --jitter-ticks 120 --json

The tree is ``sh`` with N-1 ``sleep`` children (about 1 MB each), so the figure is psutil's cost
per process, not the cost of the processes themselves. Figures go in docs/processes.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import time

import psutil

from swarmtop.events import Event, ProcessSample
from swarmtop.sources.sampler import ProcessSampler


def start_tree(n: int, life: float = 300.0) -> subprocess.Popen[bytes]:
    """``sh`` plus n-1 sleeping children; waits until they all exist."""
    script = f"i=1; while [ $i -lt {n} ]; do sleep {life} & i=$((i+1)); done; wait"
    root = subprocess.Popen(["sh", "-c", script], start_new_session=True)
    deadline = time.monotonic() + 60
    while len(psutil.Process(root.pid).children()) < n - 1:
        if time.monotonic() > deadline:
            raise RuntimeError(f"tree of {n} did not start")
        time.sleep(0.05)
    return root


def end(proc: subprocess.Popen[bytes]) -> None:
    import os
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


async def bench_tree(n: int, ticks: int, interval: float, workers: int = 2,
                     help_after: float | None = None) -> dict[str, float]:
    root = start_tree(n)
    try:
        sampler = ProcessSampler([root.pid], interval=interval, tree_refresh_s=3600,
                                 workers=workers)
        if help_after is not None:
            sampler.help_after_s = help_after
        samples: list[Event] = []
        sweeps: list[float] = []

        async def emit(batch: list[Event]) -> None:
            samples.extend(batch)
            sweeps.append(sampler.last_sweep_s)

        # first sweep (discovery + tree scan) is timed on its own
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        task = asyncio.create_task(sampler.run(emit))
        while sampler.ticks < 1 or not sweeps:
            await asyncio.sleep(0.005)
        first = time.perf_counter() - t0
        cpu1 = time.process_time()
        while sampler.ticks + sampler.missed < ticks + 1:
            await asyncio.sleep(0.02)
        cpu2 = time.process_time()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await sampler.close()
        steady = sweeps[1:] or sweeps
        got = sum(1 for e in samples if isinstance(e, ProcessSample))
        return {
            "processes": len(sampler.watched) or n,
            "samples": got,
            "discover_and_first_sweep_ms": round(first * 1e3, 1),
            "discover_cpu_ms": round((cpu1 - cpu0) * 1e3, 1),
            "sweep_ms_p50": round(statistics.median(steady) * 1e3, 1),
            "sweep_ms_max": round(max(steady) * 1e3, 1),
            "cpu_ms_per_sweep": round((cpu2 - cpu1) / max(1, sampler.ticks - 1) * 1e3, 1),
            "missed_ticks": sampler.missed,
            "lagging": sampler.lagging,
        }
    finally:
        end(root)


async def bench_jitter(pids: int, ticks: int, interval: float) -> dict[str, float]:
    procs = [subprocess.Popen(["sleep", "600"], start_new_session=True) for _ in range(pids)]
    try:
        sampler = ProcessSampler([p.pid for p in procs], children=False, interval=interval)

        async def emit(batch: list[Event]) -> None:
            pass

        task = asyncio.create_task(sampler.run(emit))
        while sampler.ticks + sampler.missed < ticks:
            await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await sampler.close()
        late = [(b - p) * 1e3 for _, p, b in sampler.schedule]
        k0, _, b0 = sampler.schedule[0]
        k_last, _, b_last = sampler.schedule[-1]
        drift = (b_last - b0) - (k_last - k0) * interval  # real elapsed vs planned
        return {
            "pids": pids,
            "ticks": sampler.ticks,
            "missed_ticks": sampler.missed,
            "jitter_ms_p50": round(pct(late, 0.5), 2),
            "jitter_ms_p99": round(pct(late, 0.99), 2),
            "jitter_ms_max": round(max(late), 2),
            "drift_ms": round(drift * 1e3, 2),
        }
    finally:
        for p in procs:
            p.kill()
            p.wait()


def thread_cpu_ns() -> dict[str, int]:
    """CPU time (ns, from /proc/self/task/*/schedstat) of this process's threads by role:
    ``sampler`` (the pool, named swarmtop-ps*), ``loop`` (the main thread, running the event
    loop) and ``other``; ``total`` is the whole process."""
    import os
    import threading

    names = {t.native_id: t.name for t in threading.enumerate()}
    main = threading.main_thread().native_id
    out = {"sampler": 0, "loop": 0, "other": 0, "total": 0}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/schedstat") as f:
                ns = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # a thread that just ended
        name = names.get(int(tid), "")
        key = ("loop" if int(tid) == main else
               "sampler" if name.startswith("swarmtop-ps") else "other")
        out[key] += ns
        out["total"] += ns
    return out


def read_cost(procs: list[int], rounds: int, procfs: bool) -> float:
    """Microseconds of this thread's CPU per process read (``_read``), one thread, no pool."""
    import inspect

    if "procfs" in inspect.signature(ProcessSampler).parameters:
        sampler = ProcessSampler(procs, children=False, procfs=procfs)  # type: ignore[call-arg]
    elif procfs:
        return float("nan")  # a sampler without the fast path
    else:
        sampler = ProcessSampler(procs, children=False)
    ws = sampler._discover()
    for w in ws:
        sampler._read(w)  # prime
    t = time.thread_time()
    for _ in range(rounds):
        for w in ws:
            sampler._read(w)
    return (time.thread_time() - t) / (rounds * len(ws)) * 1e6


async def bench_cost(pids: int, seconds: float, interval: float, workers: int) -> dict[str, object]:
    """Sampler CPU with ``pids`` sleeping processes, children followed as ``--pid`` does (the
    tree is re-scanned every 3 s): the pool threads and the loop's thread, from
    /proc/self/task/*/schedstat (ns), over ``seconds`` of sampling."""

    procs = [subprocess.Popen(["sleep", "600"], start_new_session=True) for _ in range(pids)]
    try:
        ids = [p.pid for p in procs]
        per_read = {"psutil_us": round(read_cost(ids, 200, False), 1),
                    "procfs_us": round(read_cost(ids, 200, True), 1)}
        sampler = ProcessSampler(ids, interval=interval, workers=workers)

        async def emit(batch: list[Event]) -> None:
            pass

        task = asyncio.create_task(sampler.run(emit))
        while sampler.ticks < 2:
            await asyncio.sleep(0.05)
        before, w0 = thread_cpu_ns(), time.monotonic()
        await asyncio.sleep(seconds)
        after, w1 = thread_cpu_ns(), time.monotonic()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await sampler.close()
        span = (w1 - w0) * 1e9

        def share(key: str) -> float:
            return round((after.get(key, 0) - before.get(key, 0)) / span * 100, 3)

        return {"pids": pids, "seconds": round(w1 - w0, 1), "workers": sampler.workers,
                "sampler_threads_pct": share("sampler"), "loop_thread_pct": share("loop"),
                "process_pct": share("total"),
                **per_read}
    finally:
        for p in procs:
            p.kill()
            p.wait()


async def main_async(args: argparse.Namespace) -> dict[str, object]:
    out: dict[str, object] = {"interval_s": args.interval, "tree": [], "jitter": None,
                              "cost": None}
    if args.cost_seconds:
        out["cost"] = await bench_cost(args.jitter_pids or 10, args.cost_seconds, args.interval,
                                       args.workers)
    for n in args.tree:
        out["tree"].append(  # type: ignore[union-attr]
            await bench_tree(n, args.tree_ticks, args.interval, args.workers, args.help_after))
    if args.jitter_pids:
        out["jitter"] = await bench_jitter(args.jitter_pids, args.jitter_ticks, args.interval)
    return out


def markdown(out: dict[str, object], workers: int) -> str:
    from benchmarks._targets import target

    lines = ["## Process sampler", ""]
    for r in out["tree"]:  # type: ignore[union-attr]
        lines.append(
            f"- tree of {r['processes']} processes, {workers} worker threads: sweep p50 "
            f"{r['sweep_ms_p50']} ms, max {r['sweep_ms_max']} ms (tick {out['interval_s']} s); "
            f"sampler CPU {r['cpu_ms_per_sweep']} ms per sweep; first sweep with discovery "
            f"{r['discover_and_first_sweep_ms']} ms; missed ticks {r['missed_ticks']}")
        if r["processes"] >= 500:
            tick_ms = float(out["interval_s"]) * 1000  # type: ignore[arg-type]
            lines.append(target(f"{r['processes']}-PID tree sampling", f"max {r['sweep_ms_max']} ms",
                                f"inside one {tick_ms:.0f} ms tick",
                                float(r["sweep_ms_max"]) < tick_ms and not r["missed_ticks"]))
    c = out.get("cost")
    if c:
        lines.append(
            f"- sampler CPU, {c['pids']} sleeping PIDs at {out['interval_s']} s, children "
            f"followed, over {c['seconds']} s: pool threads {c['sampler_threads_pct']} %, event "
            f"loop thread {c['loop_thread_pct']} %, whole process {c['process_pct']} % of a core "
            f"({c['workers']} workers at most); one process read {c['procfs_us']} µs from /proc, "
            f"{c['psutil_us']} µs through psutil")
    j = out["jitter"]
    if j:
        lines.append(
            f"- tick jitter, {j['pids']} PIDs over {j['ticks']} ticks: p50 {j['jitter_ms_p50']} "
            f"ms, p99 {j['jitter_ms_p99']} ms, max {j['jitter_ms_max']} ms; missed ticks "
            f"{j['missed_ticks']}; first-to-last tick drift {j['drift_ms']} ms")
        lines.append(target(f"sampler jitter, {j['pids']} PIDs", f"p99 {j['jitter_ms_p99']} ms, "
                            f"drift {j['drift_ms']} ms", "p99 ≤ 10 ms, no drift",
                            float(j["jitter_ms_p99"]) <= 10 and not j["missed_ticks"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, object]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tree", type=int, nargs="*", default=[100, 500], help="tree sizes to sweep")
    p.add_argument("--tree-ticks", type=int, default=10)
    p.add_argument("--jitter-pids", type=int, default=10)
    p.add_argument("--jitter-ticks", type=int, default=120)
    p.add_argument("--cost-seconds", type=float, default=30,
                   help="seconds of sampling --jitter-pids sleepers for the CPU figure (0: skip)")
    p.add_argument("--interval", type=float, default=0.5)
    p.add_argument("--workers", type=int, default=2, help="sampler threads")
    p.add_argument("--help-after", type=float, default=None,
                   help="seconds before a second worker joins a sweep (0: all start at once)")
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks it still runs")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if args.smoke:
        args.tree, args.tree_ticks, args.jitter_pids, args.jitter_ticks = [4], 2, 2, 3
        args.interval, args.cost_seconds = 0.1, 1
    out = asyncio.run(main_async(args))
    print(json.dumps(out, indent=2) if args.json else markdown(out, args.workers), flush=True)
    return out


if __name__ == "__main__":
    main()
