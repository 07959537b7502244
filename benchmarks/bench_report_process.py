"""Benchmark: `swarmtop report DIR --output json` as a user runs it, against the floor.

    python -m benchmarks.bench_report_process [--mb 107] [--repeat 5] [--dir DIR] [--smoke]

The whole process — interpreter start, imports, reading, decoding, aggregating, printing the
JSON — timed from outside as a subprocess, beside the bare orjson loop over the same files,
also as a subprocess (start-up and orjson's import included), and ccusage if it is installed
(`npm install -g ccusage`: optional, skipped when absent). The rows are interleaved, repeated,
and the median wall time is kept; CPU is the processes' own user + system time (their
workers' included), which moves less with other load on the machine.

The transcripts are generated (never committed): ~107 MB of Claude Code sessions and
sub-agents shaped as Claude Code writes them, 70 % of the bytes tool-result lines
(``tool_scale`` 2.5 of bench_claude_code's generator). Goals (issue 23): one process ≤ 1.0×
the orjson loop's wall time, all cores ≤ 0.5×, the same report whatever ``--jobs``; peak
memory ≤ 150 MB for one process, ≤ 250 MB for all of them together.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.bench_claude_code import generate

ROOT = Path(__file__).resolve().parent.parent
TOOL_SCALE = 2.5  # tool outputs x2.5: 70 % of the bytes are tool-result lines

ORJSON_LOOP = """
import os, sys, orjson
s = [0, 0, 0, 0]
for dirpath, _d, files in os.walk(sys.argv[1]):
    for name in files:
        with open(os.path.join(dirpath, name), "rb") as f:
            for line in f:
                d = orjson.loads(line)
                if d.get("type") == "assistant":
                    u = d["message"]["usage"]
                    s[0] += u.get("input_tokens", 0)
                    s[1] += u.get("output_tokens", 0)
                    s[2] += u.get("cache_read_input_tokens", 0)
                    s[3] += u.get("cache_creation_input_tokens", 0)
print(s)
"""

# What a report cannot go below, as processes of their own (issue 23's "why"): the imports a
# report makes, with no file read; and those imports plus every line decoded into the
# records' msgspec Structs (what swarmtop reads of a line), nothing made of them.
STARTUP = """
import swarmtop.cli, swarmtop.commands.report, swarmtop.core.aggregator, swarmtop.snapshot
"""
DECODE_FLOOR = """
import os, sys
import swarmtop.cli, swarmtop.commands.report, swarmtop.core.aggregator, swarmtop.snapshot
from swarmtop.sources.decoders.claude_code_records import _other_decoder, _timed_decoder
n = 0
for dirpath, _d, files in os.walk(sys.argv[1]):
    for name in files:
        with open(os.path.join(dirpath, name), "rb") as f:
            for line in f:
                if b'"type":"assistant"' in line[:600]:
                    _timed_decoder.decode(line)
                else:
                    _other_decoder.decode(line)
                n += 1
print(n)
"""

# `swarmtop report` stating its own peak RSS (VmHWM) on stderr as it exits
REPORT = """
import runpy, sys
sys.argv = ["swarmtop", "report", *sys.argv[1:]]
try:
    runpy.run_module("swarmtop", run_name="__main__", alter_sys=True)
finally:
    try:
        hwm = [x for x in open("/proc/self/status") if x.startswith("VmHWM:")]
    except OSError:
        hwm = []
    sys.stderr.write(hwm[0] if hwm else "")
"""


def tool_result_share(root: Path) -> float:
    """Share of the bytes in user lines that carry a tool_result."""
    total = tool = 0
    for dirpath, _d, files in os.walk(root):
        for name in files:
            with open(os.path.join(dirpath, name), "rb") as f:
                for line in f:
                    total += len(line)
                    if b'"type":"user"' in line[:800] and b'"type":"tool_result"' in line[:4000]:
                        tool += len(line)
    return tool / total if total else 0.0


def _tree_pss_kb(pid: int) -> int:
    """Proportional set size of ``pid`` and its descendants (shared pages counted once
    overall, which summed RSS of forked workers would not)."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            for line in open(f"/proc/{p}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def _spill_kb() -> int:
    """Memory held by the workers' spill files (tmpfs: in no process's PSS)."""
    total = 0
    for d in glob.glob("/dev/shm/swarmtop-report-*"):
        with contextlib.suppress(OSError):
            for name in os.listdir(d):
                with contextlib.suppress(OSError):
                    total += os.stat(os.path.join(d, name)).st_blocks // 2
    return total


def run(cmd: list[str], env: dict[str, str] | None = None, out: Path | None = None
        ) -> dict[str, float]:
    """Wall and CPU seconds of one run, its own peak RSS when it states it, and the peak of
    the whole tree's PSS plus spill files, sampled every 10 ms."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(out or os.devnull, "wb") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.PIPE, env=env)
        peak = [0, 0]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.01):
                spill = _spill_kb()
                peak[0] = max(peak[0], _tree_pss_kb(proc.pid) + spill)
                peak[1] = max(peak[1], spill)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _out, err = proc.communicate()
        wall = time.perf_counter() - t0
        stop.set()
        sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):  # (1: a critical alert fires, still a report)
        raise RuntimeError(f"{cmd[:4]} exited {proc.returncode}: {err.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    hwm = 0.0
    for line in err.decode(errors="replace").splitlines():
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) / 1024
    return {"wall": wall, "cpu": cpu, "hwm_mb": hwm, "tree_mb": peak[0] / 1024,
            "spill_mb": peak[1] / 1024}


def ccusage_cmd() -> list[str] | None:
    exe = shutil.which("ccusage")
    return [exe, "daily", "--json", "--offline"] if exe else None


def _same_report(a: Path, b: Path) -> bool:
    """Equal snapshots apart from when they were made and the runtime section."""
    def load(p: Path) -> dict:
        d = json.loads(p.read_bytes())
        d.pop("generated_at", None)
        d.pop("runtime", None)
        return d
    return load(a) == load(b)


def measure(projects: Path, repeat: int, jobs: int) -> dict:
    out = Path(tempfile.mkdtemp(prefix="swarmtop-bench-out-"))
    # as installed: compiled modules (pip writes them; a checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every swarmtop module at every start, ≈ 0.08 s),
    # kept out of the tree
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PYTHONPYCACHEPREFIX=str(out / "pycache"))
    rows: dict[str, list[dict[str, float]]] = {"orjson": [], "one": [], "all": [],
                                               "startup": [], "structs": []}
    cc = ccusage_cmd()
    if cc:
        rows["ccusage"] = []
    cc_env = dict(env, CLAUDE_CONFIG_DIR=str(projects.parent))
    loads = []
    try:
        # a warm-up of each (bytecode written, files in the page cache), not counted
        run([sys.executable, "-c", ORJSON_LOOP, str(projects)], env)
        run([sys.executable, "-c", REPORT, str(projects), "--jobs", "1"], env)
        if cc:
            run(cc, cc_env)
        for _ in range(repeat):  # interleaved: every row sees the same machine
            loads.append(os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0)
            rows["orjson"].append(run([sys.executable, "-c", ORJSON_LOOP, str(projects)], env))
            rows["one"].append(run([sys.executable, "-c", REPORT, str(projects), "--output",
                                    "json", "--jobs", "1"], env, out / "one.json"))
            rows["all"].append(run([sys.executable, "-c", REPORT, str(projects), "--output",
                                    "json", "--jobs", str(jobs)], env, out / "all.json"))
            if cc:
                rows["ccusage"].append(run(cc, cc_env))
            rows["startup"].append(run([sys.executable, "-c", STARTUP], env))
            rows["structs"].append(run([sys.executable, "-c", DECODE_FLOOR, str(projects)], env))
        same = _same_report(out / "one.json", out / "all.json")
        report = json.loads((out / "one.json").read_bytes())
    finally:
        shutil.rmtree(out, ignore_errors=True)
    med = {k: {f: statistics.median(r[f] for r in v) for f in ("wall", "cpu")}
           for k, v in rows.items()}
    floor = med["orjson"]["wall"]
    return {
        "rows": med,
        "walls": {k: [round(r["wall"], 3) for r in v] for k, v in rows.items()},
        "ratio_one": med["one"]["wall"] / floor, "ratio_all": med["all"]["wall"] / floor,
        "hwm_one_mb": max(r["hwm_mb"] for r in rows["one"]),
        "tree_one_mb": max(r["tree_mb"] for r in rows["one"]),
        "hwm_all_mb": max(r["hwm_mb"] for r in rows["all"]),
        "tree_all_mb": max(r["tree_mb"] for r in rows["all"]),
        "spill_all_mb": max(r["spill_mb"] for r in rows["all"]),
        "same": same, "jobs": jobs, "repeat": repeat, "ccusage": bool(cc),
        "loads": loads, "tokens": report["tokens"],
    }


def markdown(r: dict) -> str:
    from benchmarks._targets import target

    rows = r["rows"]
    floor, floor_cpu = rows["orjson"]["wall"], rows["orjson"]["cpu"]

    def line(name: str, key: str) -> str:
        m = rows[key]
        bold = "**" if key in ("one", "all", "ccusage") else ""
        return (f"| {name} | {m['wall']:.2f} s | {bold}{m['wall'] / floor:.2f}×{bold} | "
                f"{m['cpu']:.2f} s | {m['cpu'] / floor_cpu:.2f}× |")

    out = [
        "## `swarmtop report DIR --output json`, the whole process (Claude Code transcripts)\n",
        f"{r['mb']:.0f} MB of generated Claude Code transcripts ({r['files']} files: sessions "
        f"and sub-agents, {r['share'] * 100:.0f} % of the bytes tool-result lines, "
        f"{r['calls']:,} calls); each command run as a user runs it (interpreter start-up and "
        f"compiled imports included, after a warm-up run), interleaved, median of "
        f"{r['repeat']} runs; CPU = user + system time of the process and its workers.\n",
        "| | wall time | vs the orjson loop | CPU | CPU vs the loop's |",
        "|---|---|---|---|---|",
        line("the bare orjson loop (the floor: parse every line, sum usage)", "orjson"),
        line("swarmtop, one process (`--jobs 1`)", "one"),
        line(f"swarmtop, all cores (`--jobs {r['jobs']}`)", "all"),
    ]
    if r["ccusage"]:
        out.append(line("ccusage (`ccusage daily --json --offline`)", "ccusage"))
    else:
        out.append("| ccusage | not installed here (`npm install -g ccusage`) | | | |")
    out += [
        line("*what a report cannot go below:* its imports alone, no file read", "startup"),
        line("... and every line decoded into swarmtop's msgspec Structs, nothing made of "
             "them", "structs"),
    ]
    out += [
        "",
        f"- peak memory: one process {r['hwm_one_mb']:.0f} MB (VmHWM); with "
        f"`--jobs {r['jobs']}` the parent {r['hwm_all_mb']:.0f} MB, all processes together "
        f"{r['tree_all_mb']:.0f} MB (peak of their summed PSS and of the batches waiting in "
        f"spill files, {r['spill_all_mb']:.0f} MB at most, sampled every 10 ms)",
        f"- the same report with `--jobs 1` and `--jobs {r['jobs']}` (snapshot JSON apart from "
        f"`generated_at` and `runtime`): {'yes' if r['same'] else 'NO'}; totals equal the "
        f"generated usage: {'yes' if r['totals_match'] else 'NO'}",
        "- every run's wall time: " + "; ".join(
            f"{k} {', '.join(f'{w:.2f}' for w in v)}" for k, v in r["walls"].items()),
        f"- load average (1 min) before each round: "
        f"{', '.join(f'{x:.2f}' for x in r['loads'])}",
        target("report as a process, one core, vs the orjson loop", f"{r['ratio_one']:.2f}×",
               "≤ 1.0×", r["ratio_one"] <= 1.0),
        target("report as a process, all cores, vs the orjson loop", f"{r['ratio_all']:.2f}×",
               "≤ 0.5×, same report", r["ratio_all"] <= 0.5 and r["same"]),
        target("report peak memory, one process", f"{r['hwm_one_mb']:.0f} MB", "≤ 150 MB",
               r["hwm_one_mb"] <= 150),
        target("report peak memory, all processes", f"{r['tree_all_mb']:.0f} MB", "≤ 250 MB",
               r["tree_all_mb"] <= 250),
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> dict:
    from swarmtop.sources.parallel import default_jobs

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=107.0, help="transcript megabytes to generate")
    ap.add_argument("--dir", help="generate here, or reuse what an earlier --dir left "
                                  "(default: a temp dir, removed after)")
    ap.add_argument("--repeat", type=int, default=5, help="interleaved runs of each row")
    ap.add_argument("--jobs", type=int, default=default_jobs(), help="the all-cores row's --jobs")
    ap.add_argument("--smoke", action="store_true", help="tiny size: checks it still runs")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    if args.smoke:
        args.mb, args.repeat = 0.5, 1
    base = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="swarmtop-bench-"))
    projects = base / "projects"  # (ccusage reads $CLAUDE_CONFIG_DIR/projects)
    try:
        marker = base / "generated.json"
        if marker.exists():
            expected = json.loads(marker.read_text())
        else:
            expected = generate(projects, int(args.mb * (1 << 20)), tool_scale=TOOL_SCALE)
            marker.write_text(json.dumps(expected))
        r = measure(projects, args.repeat, max(2, args.jobs))
        tok = r.pop("tokens")
        r["totals_match"] = (tok["input"], tok["output"], tok["cache_read"],
                             tok["cache_write"], tok["calls"]) == (
            expected["input"], expected["output"], expected["cache_read"],
            expected["cache_write"], expected["calls"])
        r.update(mb=expected["bytes"] / 1e6, calls=tok["calls"], share=tool_result_share(projects),
                 files=sum(len(f) for _d, _s, f in os.walk(projects)))
        print(json.dumps(r, indent=2) if args.json else markdown(r))
        if not (r["same"] and r["totals_match"]):
            print("MISMATCH: the reports differ, or their totals from the generated usage",
                  file=sys.stderr)
            sys.exit(1)
        return r
    finally:
        if not args.dir:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
