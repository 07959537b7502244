"""Run every benchmark and write docs/PERFORMANCE.md with the figures and the machine.

    python -m benchmarks            # full sizes (minutes)
    python -m benchmarks --smoke    # tiny sizes, seconds: checks they still run

Each `benchmarks/bench_*.py` is run in its own process (`python -m benchmarks.bench_x`) so one
benchmark's memory and threads never colour another's figures; its stdout (Markdown) is copied
into the report as is.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

from benchmarks._live import wakeup_cost_us
from benchmarks._targets import collect

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# what a user would compare, so what the report leads with: the whole `swarmtop report`
# process against the floor (and ccusage); the in-process breakdowns come under it
LEAD = ("bench_report_process",)


def machine(when: str = "at start") -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{cpu}, {os.cpu_count()} cores{mem}; Python {platform.python_version()} on "
            f"{platform.system()} {platform.release()}; load average {when} "
            f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {wakeup_cost_us():.0f} µs of CPU per "
            "thread sleep and wake-up (the unit of an idle-ish monitor's CPU; on a VM it moves "
            "with the host's load)")


def discover(only: list[str]) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    return [n for n in names if not only or any(o in n for o in only)]


def run_one(name: str, smoke: bool, timeout: float) -> tuple[str, float, int]:
    cmd = [sys.executable, "-m", f"benchmarks.{name}"] + (["--smoke"] if smoke else [])
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t = time.perf_counter()
    try:
        r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        out, code = r.stdout.strip(), r.returncode
        if code != 0:
            out += f"\n\n**failed (exit {code})**:\n\n```\n{r.stderr.strip()[-2000:]}\n```"
    except subprocess.TimeoutExpired:
        out, code = f"**timed out after {timeout:.0f} s**", -1
    return out, time.perf_counter() - t, code


_TRAILER = re.compile(r"^<sub>`python -m benchmarks\.(bench_\w+)`.*</sub>$", re.M)


def previous_sections(path: Path) -> dict[str, str]:
    """name -> section of an existing report (each section ends with its <sub> trailer line)."""
    try:
        text = path.read_text()
    except OSError:
        return {}
    out: dict[str, str] = {}
    start = 0
    for m in _TRAILER.finditer(text):
        body = text[start:m.end()]
        # a benchmark prints one "## " heading, first: past the table and notes before it
        first = body.rfind("\n## ")
        out[m.group(1)] = (body[first + 1:] if first >= 0 else body).strip() + "\n"
        start = m.end()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, no report written")
    ap.add_argument("--only", action="append", default=[], help="run benchmarks matching this")
    ap.add_argument("--update", action="store_true",
                    help="re-run only the --only benchmarks and replace their sections in the "
                         "existing report (e.g. one disturbed by other load on the machine)")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--output", default=str(ROOT / "docs" / "PERFORMANCE.md"))
    a = ap.parse_args()
    names = discover(a.only)
    sections = previous_sections(Path(a.output)) if a.update else {}
    failed = 0
    for name in names:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        out, secs, code = run_one(name, a.smoke, a.timeout)
        failed += code != 0
        when = f", re-run {time.strftime('%H:%M UTC', time.gmtime())}" if a.update else ""
        sections[name] = (f"{out}\n\n<sub>`python -m benchmarks.{name}` — {secs:.0f} s, load "
                          f"average {load:.2f} at its start{when}</sub>\n")
        print(out, flush=True)
    if not a.smoke:
        lead = [sections[n] for n in LEAD if n in sections]
        ordered = [sections[n] for n in sorted(sections) if n not in LEAD]
        rows = [t for s in lead + ordered for t in collect(s)]
        table = ["## Targets", "", "| target | measured | goal | |", "|---|---|---|---|",
                 *(f"| {n} | {f} | {g} | {'✅ met' if m == 'met' else '❌ missed'} |"
                   for n, f, g, m in rows), ""]
        notes = HERE / "NOTES.md"  # hand-written: why a target is missed, what was done
        doc = ["# Performance", "",
               "Written by `python -m benchmarks` (each figure and its baseline measured in the "
               "same run).", "",
               f"Machine: {machine('at this update' if a.update else 'at start')}.", "",
               f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", "", *lead,
               *table,
               *([notes.read_text(), ""] if notes.exists() else []), *ordered]
        Path(a.output).write_text("\n".join(doc))
        print(f"wrote {a.output}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
