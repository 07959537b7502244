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
import sys
import time

import psutil

from benchmarks._live import PtyProcess

CHILD = """
import sys
from swarmtop.ui import run_app
from tests.ui.fakes import MovingFeed
feed = MovingFeed(extra_procs=10, lines_per_step=5, frozen={frozen})
sys.exit(run_app(feed, theme=None, interval=0.5))
"""


def measure(frozen: bool, seconds: float) -> dict[str, float]:
    term = PtyProcess([sys.executable, "-c", CHILD.format(frozen=frozen)])  # 120x40
    try:
        time.sleep(3.0)  # start-up and the first frames
        ps = psutil.Process(term.proc.pid)
        cpu0, w0, t0 = sum(ps.cpu_times()[:2]), term.written, time.monotonic()
        time.sleep(seconds)
        elapsed = time.monotonic() - t0
        cpu = sum(ps.cpu_times()[:2]) - cpu0
        written = term.written - w0
        rss = ps.memory_info().rss
    finally:
        term.close()
    return {"kb_per_s": written / elapsed / 1024, "cpu_pct": 100 * cpu / elapsed,
            "rss_mb": rss / 2**20}


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
