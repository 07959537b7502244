"""Cost of one probe event (target ≤ 5 µs): `python -m benchmarks.bench_probe [--n N] [--smoke]`.

Each event is formatted and written with one os.write to a real file in a temp directory, as
in use. Reports the best of several rounds (the machine is shared; the minimum is the cost).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable

from swarmtop import probe

TARGET_US = 5.0


def _rounds(fn: Callable[[], None], n: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best * 1e6


def run(n: int = 20_000, rounds: int = 5) -> dict[str, float]:
    cases: dict[str, Callable[[], None]] = {
        "llm_call": lambda: probe.llm_call(
            "claude-sonnet-4-5", 1200, 340, cache_read_tokens=800, latency_ms=812.5,
            agent="coder"),
        "task (with block)": _task_block,
        "counter": lambda: probe.counter("tool.calls"),
        "histogram": lambda: probe.histogram("result.bytes", 4096.0, unit="B"),
        "log": lambda: probe.log("warning", "slow tool call"),
        "disabled llm_call": None,  # filled below, measured with the probe stopped
    }
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as d:
        probe.start(d)
        for name, fn in cases.items():
            if fn is not None:
                out[name] = _rounds(fn, n, rounds)
        probe.stop()
        out["disabled llm_call"] = _rounds(cases["llm_call"], n, rounds)  # type: ignore[arg-type]
    return out


def _task_block() -> None:
    with probe.task("lateral", agent="coder"):
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000, help="events per round")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes: checks it still runs")
    args = ap.parse_args()
    results = run(200, rounds=1) if args.smoke else run(args.n)
    worst = max(us for name, us in results.items() if not name.startswith("disabled"))
    verdict = "within" if worst <= TARGET_US else "**over**"
    print("## Probe: cost of one event (swarmtop.probe)\n")
    print("Formatted by hand and written with one os.write to a file in a temp directory; "
          "best of 5 rounds.\n")
    for name, us in results.items():
        print(f"- {name}: {us:.2f} µs/event")
    print(f"- worst {worst:.2f} µs: {verdict} the target of ≤ {TARGET_US:g} µs")


if __name__ == "__main__":
    main()
