"""The monitor's own CPU with the REAL runtime: `python -m swarmtop DIR --pid ...` watching
10 child processes while 100 native JSONL events/s are appended to a log in DIR, in a
120x40 pseudo-terminal (TUI) and headless (`--no-ui`), so the UI's share is visible.

    python -m benchmarks.bench_tui_live [--seconds 60] [--rate 100] [--pids 10] [--smoke]

CPU is the swarmtop process's user+system time (all its threads: watcher, sampler,
aggregator) over wall time, from psutil, after 5 s of start-up; wake-ups are the context
switches of all its threads (from /proc, per thread: the process runs through
benchmarks/_named_threads.py so its threads carry their names). Targets: ≤ 2 % of one core
(DESIGN.md: ≤ 3 %), ≤ 60 wake-ups/s, ≤ 2 KB/s written to the terminal.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from benchmarks._live import (
    PtyProcess,
    per_thread,
    start_sleepers,
    start_writer,
    stop_all,
    stop_monitor,
    swarmtop_argv,
    thread_figures,
    voluntary_switches,
    wakeup_cost_us,
)
from benchmarks._targets import target


def measure(ui: bool, seconds: float, rate: float, npids: int, warmup: float,
            extra: tuple[str, ...] = ()) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as d:
        log = Path(d) / "swarm.jsonl"
        log.write_text("")
        kids = start_sleepers(npids)
        pid_args = [a for k in kids for a in ("--pid", str(k.pid))]
        writer = start_writer(log, rate, warmup + seconds + 5)
        term: PtyProcess | None = None
        proc: subprocess.Popen
        try:
            if ui:
                term = PtyProcess(swarmtop_argv(d, *pid_args, *extra, named_threads=True))
                proc = term.proc
            else:
                proc = subprocess.Popen(swarmtop_argv(d, *pid_args, "--no-ui",
                                                      named_threads=True),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(warmup)
            ps = psutil.Process(proc.pid)
            cpu0, w0, t0 = sum(ps.cpu_times()[:2]), term.written if term else 0, time.monotonic()
            threads0, vol0 = thread_figures(proc.pid), voluntary_switches(proc.pid)
            time.sleep(seconds)
            elapsed = time.monotonic() - t0
            cpu = sum(ps.cpu_times()[:2]) - cpu0
            threads1, vol1 = thread_figures(proc.pid), voluntary_switches(proc.pid)
            written = (term.written if term else 0) - w0
            rss = ps.memory_info().rss
            alive = proc.poll() is None
        finally:
            stop_monitor(proc, term)
            stop_all([writer, *kids])
    if not alive:
        raise SystemExit("swarmtop exited during the measurement")
    threads = (per_thread(threads0, threads1, elapsed)
               if threads0 is not None and threads1 is not None else [])
    woken = sum(w for _, w, _ in threads) if threads else None
    voluntary = (vol1 - vol0) / elapsed if vol0 is not None and vol1 is not None else None
    return {"cpu_pct": 100 * cpu / elapsed, "kb_per_s": written / elapsed / 1024,
            "rss_mb": rss / 2**20, "wakeups_per_s": woken, "voluntary_per_s": voluntary,
            "threads": threads}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--rate", type=float, default=100.0, help="events appended per second")
    ap.add_argument("--pids", type=int, default=10)
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring")
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    seconds = 2.0 if a.smoke else a.seconds
    warmup = 2.0 if a.smoke else a.warmup
    print("## Monitor CPU with the real runtime (10 PIDs + 100 events/s, 120x40)\n")
    print(f"`python -m swarmtop DIR --pid ×{a.pids}`, {a.rate:.0f} native events/s appended, "
          f"measured over {seconds:.0f} s after {warmup:.0f} s of start-up; CPU of the "
          "swarmtop process, all threads; wake-ups are its threads' context switches.\n")
    unit = wakeup_cost_us()
    print("| mode | CPU (one core) | thread wake-ups | of them voluntary | written to terminal "
          "| RSS |")
    print("|---|---|---|---|---|---|")
    modes = (("TUI in a 120x40 pty", True, ()),
             ("TUI, `--interval 1` (half the repaints)", True, ("--interval", "1")),
             ("headless (`--no-ui`): sources + aggregator only", False, ()))
    cpu: dict[str, float] = {}
    results: dict[str, dict[str, Any]] = {}
    goals: list[str] = []
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    for name, ui, extra in modes:
        r = results[name] = measure(ui, seconds, a.rate, a.pids, warmup, extra)
        cpu[name] = r["cpu_pct"]
        kb = f"{r['kb_per_s']:.2f} KB/s" if ui else "—"
        woken = "—" if r["wakeups_per_s"] is None else f"{r['wakeups_per_s']:.0f}/s"
        vol = "—" if r["voluntary_per_s"] is None else f"{r['voluntary_per_s']:.0f}/s"
        print(f"| {name} | **{r['cpu_pct']:.1f} %** | {woken} | {vol} | {kb} "
              f"| {r['rss_mb']:.0f} MB |")
        if not extra and ui:
            load_note = f"{a.pids} PIDs + {a.rate:.0f} events/s, 120x40"
            goals.append(target(f"TUI self CPU, {load_note}", f"{r['cpu_pct']:.1f} %",
                                "≤ 2 % of a core", r["cpu_pct"] <= 2))
            if r["wakeups_per_s"] is not None:
                goals.append(target(f"TUI thread wake-ups, {load_note}",
                                    f"{r['wakeups_per_s']:.0f}/s", "≤ 60/s",
                                    r["wakeups_per_s"] <= 60))
            goals.append(target(f"TUI terminal output, {load_note}",
                                f"{r['kb_per_s']:.2f} KB/s", "≤ 2 KB/s", r["kb_per_s"] <= 2))
    tui, headless = cpu[modes[0][0]], cpu[modes[2][0]]
    print(f"\nThe UI's own share (TUI minus headless, this run): {tui - headless:.1f} % of a core.")
    print(f"\nThis machine at the start: {unit:.0f} µs of CPU per sleep and wake-up of a thread "
          "(500 sleeps of 2 ms), load average "
          f"{load:.2f}. Much of the monitor's CPU is per wake-up, so its figures move "
          "with this one; compare runs by it. Wake-ups are voluntary and involuntary "
          "switches: the involuntary ones (a repaint preempted) rise with the host's load; "
          "the voluntary ones (a thread sleeping and woken) are the design's own.")
    print("\nPer thread (wake-ups/s, % of a core; threads named by "
          "`benchmarks/_named_threads.py`, a pool's workers summed):\n")
    names = [n for n, _, _ in modes]
    print("| thread | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    rows: dict[str, dict[str, tuple[float, float]]] = {}
    for name in names:
        for thread, woken_, pct in results[name]["threads"]:
            rows.setdefault(thread, {})[name] = (woken_, pct)
    for thread, cells in rows.items():
        shown = [f"{cells[n][0]:.0f}/s, {cells[n][1]:.2f} %" if n in cells else "—"
                 for n in names]
        print(f"| {thread} | " + " | ".join(shown) + " |")
    print("\nTargets: TUI ≤ 2 % of one core (DESIGN.md: ≤ 3 %); ≤ 60 thread wake-ups/s; "
          "≤ 2 KB/s written to the terminal.")
    print("\n".join(goals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
