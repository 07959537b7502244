"""Tailing latency and idle cost.

1. A thread appends lines at a steady rate (default 1,000 lines/s), each carrying the monotonic
   time it was written; the tailer's emit callback measures written -> handed on. Reports
   p50/p99/max in ms (target: p99 <= 150 ms).
2. 1,000 files in a watched directory, nothing written: the monitor's CPU use (process CPU time
   over wall time, all threads including the watcher's), which must not spin.
3. A burst of 100,000 native JSONL lines appended at once: time until all are handed on, and
   the longest stall of the event loop meanwhile (a 5 ms ticker task measures it).

Run: python -m benchmarks.bench_tail_latency [--seconds 10] [--rate 1000] [--files 1000]
     [--idle-seconds 10] [--poll] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from swarmtop.events import Event, LLMCall, LogLine
from swarmtop.sources.paths import parse_source
from swarmtop.sources.tailer import Tailer


def _writer(path: Path, rate: float, seconds: float, stop: threading.Event) -> int:
    n = 0
    period = 1.0 / rate
    start = time.monotonic()
    with open(path, "ab", buffering=0) as f:
        while not stop.is_set():
            due = start + n * period
            now = time.monotonic()
            if now - start >= seconds:
                break
            if due > now:
                time.sleep(due - now)
            f.write(f"t={time.monotonic_ns()} line {n}\n".encode())
            n += 1
    return n


async def bench_latency(seconds: float, rate: float, poll: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as d:
        log = Path(d) / "app.log"
        log.write_bytes(b"")
        lat: list[float] = []

        async def emit(batch: list[Event]) -> None:
            now = time.monotonic_ns()
            for ev in batch:
                if isinstance(ev, LogLine) and ev.text.startswith("t="):
                    lat.append((now - int(ev.text[2:].split(" ", 1)[0])) / 1e6)

        tailer = Tailer([parse_source(d)], poll=poll)
        task = asyncio.create_task(tailer.run(emit))
        await asyncio.sleep(0.5)  # watcher up
        stop = threading.Event()
        written = await asyncio.to_thread(_writer, log, rate, seconds, stop)
        deadline = time.monotonic() + 5
        while len(lat) < written and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        await tailer.close()
    lat.sort()

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] if lat else float("nan")

    return {"written": written, "received": len(lat), "p50_ms": pct(50), "p99_ms": pct(99),
            "max_ms": lat[-1] if lat else float("nan")}


async def bench_idle(files: int, seconds: float, poll: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as d:
        for i in range(files):
            (Path(d) / f"f{i:05d}.log").write_bytes(b"hello\nworld\n")
        got = 0

        async def emit(batch: list[Event]) -> None:
            nonlocal got
            got += sum(isinstance(e, LogLine) for e in batch)

        tailer = Tailer([parse_source(d)], poll=poll)
        task = asyncio.create_task(tailer.run(emit))
        while got < 2 * files:
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # let the first re-scan pass
        t0, c0 = time.monotonic(), time.process_time()
        await asyncio.sleep(seconds)
        wall, cpu = time.monotonic() - t0, time.process_time() - c0
        followed = tailer.files_followed()
        open_fds = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else -1
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        await tailer.close()
    return {"files": followed, "cpu_percent": 100 * cpu / wall, "open_fds": open_fds}


def _write(path: Path, data: bytes) -> None:
    with open(path, "ab") as f:
        f.write(data)


def _native_line(i: int) -> bytes:
    return (b'{"ts": 1764000000.5, "type": "llm_call", "model": "claude-sonnet-4", '
            b'"agent": "agent-%d", "pattern": "convergent", "input_tokens": 1200, '
            b'"output_tokens": 350, "latency_ms": 812.5, "ok": true}\n' % (i % 16))


async def bench_burst(lines: int, poll: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as d:
        log = Path(d) / "calls.jsonl"
        log.write_bytes(_native_line(0))
        got = 0

        async def emit(batch: list[Event]) -> None:
            nonlocal got
            got += sum(isinstance(e, LLMCall) for e in batch)

        tailer = Tailer([parse_source(d)], poll=poll)
        task = asyncio.create_task(tailer.run(emit))
        while got < 1:
            await asyncio.sleep(0.01)
        gaps: list[float] = []
        done = asyncio.Event()

        async def ticker() -> None:
            last = time.monotonic()
            while not done.is_set():
                await asyncio.sleep(0.005)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        tick = asyncio.create_task(ticker())
        data = b"".join(_native_line(i) for i in range(lines))
        t0 = time.monotonic()
        await asyncio.to_thread(_write, log, data)  # the writer is another program
        while got < lines + 1:
            await asyncio.sleep(0.005)
        elapsed = time.monotonic() - t0
        done.set()
        await tick
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        await tailer.close()
    return {"lines": lines, "seconds": elapsed, "max_stall_ms": 1000 * max(gaps) - 5}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_tail_latency")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rate", type=float, default=1000.0)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--idle-seconds", type=float, default=10.0)
    ap.add_argument("--burst", type=int, default=100_000)
    ap.add_argument("--poll", action="store_true")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes: checks it still runs")
    args = ap.parse_args(argv)
    if args.smoke:
        args.seconds, args.rate, args.files, args.idle_seconds = 0.3, 200, 5, 0.2
        args.burst = 500
    lat = asyncio.run(bench_latency(args.seconds, args.rate, args.poll))
    idle = asyncio.run(bench_idle(args.files, args.idle_seconds, args.poll))
    burst = asyncio.run(bench_burst(args.burst, args.poll))
    mode = "polling (--poll)" if args.poll else "inotify"
    print(f"## Tailing: line appended -> event handed on ({mode})\n")
    print(f"- {lat['written']:,} lines appended at {args.rate:.0f} lines/s for "
          f"{args.seconds:g} s, {lat['received']:,} received")
    print(f"- latency p50 {lat['p50_ms']:.1f} ms, **p99 {lat['p99_ms']:.1f} ms** "
          f"(target <= 150 ms), max {lat['max_ms']:.1f} ms")
    print(f"- idle: {idle['files']:,} files followed, {idle['cpu_percent']:.2f} % of one core "
          f"over {args.idle_seconds:g} s, {idle['open_fds']} open descriptors")
    print(f"- burst: {burst['lines']:,} native JSONL lines appended at once, all handed on in "
          f"{burst['seconds']:.2f} s ({burst['lines'] / burst['seconds']:,.0f} lines/s); "
          f"longest event-loop stall meanwhile {burst['max_stall_ms']:.1f} ms")
    return 0 if lat["received"] == lat["written"] else 1


if __name__ == "__main__":
    sys.exit(main())
