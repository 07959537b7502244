"""Terminal cost of the dashboard: bytes written to the terminal per second and the UI
process's CPU, at 120x40 in a pseudo-terminal, fed by a fake feed (so the figures are the
UI's own cost, without sources or the aggregator).

    python -m benchmarks.bench_tui [--seconds S] [--smoke]

Scenarios: `idle` — a new snapshot object every tick with the same figures (a quiet swarm);
`busy` — every figure moves each tick: 10 worker processes, 10 log lines/s, tokens,
patterns and the selected process's RSS graph all changing.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import sys
from swarmtop.ui import run_app
from tests.ui.fakes import MovingFeed
feed = MovingFeed(extra_procs=10, lines_per_step=5, frozen={frozen})
sys.exit(run_app(feed, theme=None, interval=0.5))
"""


def drain(fd: int, until: float) -> int:
    n = 0
    while True:
        left = until - time.monotonic()
        if left <= 0:
            return n
        ready, _, _ = select.select([fd], [], [], min(left, 0.1))
        if ready:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                return n
            if not chunk:
                return n
            n += len(chunk)


def measure(frozen: bool, seconds: float, cols: int = 120, rows: int = 40) -> dict[str, float]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("NO_COLOR", None)
    t_launch = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", CHILD.format(frozen=frozen)], stdin=slave,
                            stdout=slave, stderr=slave, env=env, cwd=ROOT,
                            start_new_session=True)
    os.close(slave)
    try:
        first = drain(master, time.monotonic() + 3.0)  # start-up and the first frames
        ps = psutil.Process(proc.pid)
        cpu0 = sum(ps.cpu_times()[:2])
        t0 = time.monotonic()
        written = drain(master, t0 + seconds)
        elapsed = time.monotonic() - t0
        cpu = sum(ps.cpu_times()[:2]) - cpu0
        rss = ps.memory_info().rss
        proc.send_signal(signal.SIGTERM)
        drain(master, time.monotonic() + 1.0)
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return {"kb_per_s": written / elapsed / 1024, "cpu_pct": 100 * cpu / elapsed,
            "rss_mb": rss / 2**20, "startup_kb": first / 1024,
            "launch_s": t0 - t_launch}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    seconds = 2.0 if a.smoke else a.seconds
    print("## Dashboard terminal cost (120x40, fake feed, 0.5 s ticks)\n")
    print(f"Measured over {seconds:.0f} s after 3 s of start-up, TERM=xterm-256color.\n")
    print("| scenario | written to terminal | UI CPU (one core) | RSS |")
    print("|---|---|---|---|")
    for name, frozen in (("idle (same figures)", True), ("busy (every figure moves)", False)):
        r = measure(frozen, seconds)
        print(f"| {name} | {r['kb_per_s']:.2f} KB/s | {r['cpu_pct']:.1f} % | "
              f"{r['rss_mb']:.0f} MB |")
    print("\nReference (DESIGN.md, same size): htop 0.5 KB/s and 0.3 % CPU; a bare Textual app "
          "repainting a table, a sparkline and a label every 0.5 s 12 KB/s and 3.3 %.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
