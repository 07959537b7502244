"""Memory soak: the real `python -m swarmtop DIR` fed 1,000 native JSONL events/s (mixed
llm_call/task/log/metric, fresh task ids, rotation every 64 MB) by a writer process, for 10
minutes; the monitor's RSS is sampled every few seconds.

    python -m benchmarks.bench_soak [--minutes 10] [--rate 1000] [--headless] [--smoke]

Reports the RSS slope (MB/min, least squares over the second half of the run, after the
rolling windows have filled) and the maximum RSS. Target: flat (slope ≈ 0), ≤ 120 MB.
By default the TUI runs in a 120x40 pseudo-terminal (what a person runs); `--headless` runs
`--no-ui` instead.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from benchmarks._live import PtyProcess, start_writer, stop_all, stop_monitor, swarmtop_argv
from benchmarks._targets import target


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (t, y)."""
    n = len(points)
    if n < 2:
        return 0.0
    mt = sum(t for t, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    return sum((t - mt) * (y - my) for t, y in points) / var if var else 0.0


def soak(seconds: float, rate: float, headless: bool, every: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as d:
        log = Path(d) / "swarm.jsonl"
        log.write_text("")
        writer = start_writer(log, rate, seconds + 10, rotate=64 << 20)
        term: PtyProcess | None = None
        if headless:
            proc = subprocess.Popen(swarmtop_argv(d, "--no-ui"), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        else:
            term = PtyProcess(swarmtop_argv(d))
            proc = term.proc
        ps = psutil.Process(proc.pid)
        samples: list[tuple[float, float]] = []
        t0 = time.monotonic()
        cpu0 = sum(ps.cpu_times()[:2])
        try:
            while (now := time.monotonic()) - t0 < seconds:
                if proc.poll() is not None:
                    raise SystemExit(f"swarmtop exited (code {proc.returncode}) during the soak")
                samples.append((now - t0, ps.memory_info().rss / 2**20))
                time.sleep(min(every, max(0.0, seconds - (now - t0))))
            cpu = sum(ps.cpu_times()[:2]) - cpu0
            elapsed = time.monotonic() - t0
        finally:
            stop_monitor(proc, term)
            stop_all([writer])
    half = [p for p in samples if p[0] >= seconds / 2]
    return {"samples": samples, "slope": slope(half) * 60.0, "max": max(r for _, r in samples),
            "start": samples[0][1] if samples else 0.0, "end": samples[-1][1] if samples else 0.0,
            "cpu_pct": 100 * cpu / elapsed}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--rate", type=float, default=1000.0)
    ap.add_argument("--headless", action="store_true", help="--no-ui instead of the TUI")
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    seconds = 4.0 if a.smoke else a.minutes * 60
    every = 0.5 if a.smoke else 5.0
    rate = 100 if a.smoke else a.rate
    r = soak(seconds, rate, a.headless, every)
    mode = "headless (`--no-ui`)" if a.headless else "TUI in a 120x40 pty"
    print(f"## Memory soak ({rate:,.0f} events/s, {seconds / 60:.1f} min, {mode})\n")
    print(f"- RSS: {r['start']:.0f} MB after start-up, {r['end']:.0f} MB at the end, "
          f"**max {r['max']:.0f} MB** (target ≤ 120 MB)")
    print(f"- slope over the second half: **{r['slope']:+.2f} MB/min** (target ≈ 0)")
    print(f"- monitor CPU meanwhile: {r['cpu_pct']:.1f} % of one core")
    print(target(f"memory soak, {rate:,.0f} events/s for {seconds / 60:.0f} min ({mode})",
                 f"max {r['max']:.0f} MB, slope {r['slope']:+.2f} MB/min",
                 "≤ 120 MB, flat (slope within ±0.5 MB/min)",
                 r["max"] <= 120 and abs(r["slope"]) <= 0.5))  # type: ignore[arg-type]
    samples: list[tuple[float, float]] = r["samples"]  # type: ignore[assignment]
    step = max(1, len(samples) // 10)
    print("\n| minute | " + " | ".join(f"{t / 60:.1f}" for t, _ in samples[::step]) + " |")
    print("|---|" + "---|" * len(samples[::step]))
    print("| RSS MB | " + " | ".join(f"{m:.0f}" for _, m in samples[::step]) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
