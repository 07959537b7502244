"""The demo swarm: runs through the probe, stops cleanly, and fills swarmtop's panels."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from swarmtop.demo import demo_command
from swarmtop.demo.catalog import CALL_MEDIAN_S, DRIFTING, PATTERNS
from swarmtop.demo.plan import FIRST_TASK_MAX_S, drift_factor, plan_task
from swarmtop.demo.swarm import lanes_for, tasks_per_s
from tests.conftest import ROOT, run_cli


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_demo_run_shows_calls_all_patterns_and_tokens(tmp_path):
    out = tmp_path / "runs"
    proc = subprocess.run(demo_command(str(out), seed=7, duration=3), env=_env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    files = sorted(out.glob("*.jsonl"))
    assert len(files) == 3  # the swarm and its two forked workers, one file each
    assert len({f.name.split("-")[1] for f in files}) == 3  # three pids
    rep = run_cli("report", str(out), "--output", "json")
    assert rep.returncode in (0, 1), rep.stderr
    snap = json.loads(rep.stdout)
    assert snap["sources"]["bad_lines"] == 0
    tokens = snap["tokens"]
    assert tokens["calls"] > 5 and tokens["total"] > 0 and tokens["cache_read"] > 0
    assert set(tokens["by_model"]) >= {"claude-sonnet-4-5", "claude-haiku-4-5"}
    for name in PATTERNS:
        assert snap["patterns"][name]["count"] >= 1, name
    custom = snap["metrics"]["custom"]
    assert custom["queue.depth"]["kind"] == "gauge"
    assert custom["tokens.streamed"]["kind"] == "rate"
    gc = snap["metrics"]["gc"]
    assert len(gc) == 3 and all(v["pid"] for v in gc.values())


def test_demo_exits_cleanly_on_sigterm_with_its_children(tmp_path):
    import psutil

    proc = subprocess.Popen(demo_command(str(tmp_path), seed=1), env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        parent = psutil.Process(proc.pid)
        deadline = time.monotonic() + 30
        children: list[psutil.Process] = []
        while time.monotonic() < deadline and len(children) < 2:
            children = parent.children()
            time.sleep(0.1)
        assert len(children) == 2
        while time.monotonic() < deadline and len(list(tmp_path.glob("*.jsonl"))) < 3:
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        gone, alive = psutil.wait_procs(children, timeout=10)
        assert not alive
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for f in tmp_path.glob("*.jsonl"):
        for line in f.read_text().splitlines():
            json.loads(line)  # every line complete


def test_plans_are_seeded_and_first_tasks_short():
    a = plan_task(random.Random(3), "lateral", "coder", 0.0, first=True)
    b = plan_task(random.Random(3), "lateral", "coder", 0.0, first=True)
    assert a == b
    assert sum(c.latency_s for c in a.calls) <= FIRST_TASK_MAX_S + 1e-9


def test_one_pattern_drifts_over_time():
    assert drift_factor(DRIFTING, 0) == 1.0 and drift_factor(DRIFTING, 240) > 2.5
    assert all(drift_factor(p, 600) == 1.0 for p in PATTERNS if p != DRIFTING)
    rng = random.Random(5)
    late = [sum(c.latency_s for c in plan_task(rng, DRIFTING, "planner", 600).calls)
            for _ in range(300)]
    late.sort()
    assert late[len(late) // 2] > 2 * CALL_MEDIAN_S[DRIFTING]


def test_rate_sets_pacing_and_lanes():
    assert lanes_for(1) == len(PATTERNS)  # one lane per pattern at least
    assert tasks_per_s(100) > tasks_per_s(20) > 0
    assert lanes_for(400) > lanes_for(20)


def test_demo_usage_error_exits_2():
    argv = [sys.executable, "-m", "swarmtop.demo", "--out", "x", "--rate", "-1"]
    proc = subprocess.run(argv, env=_env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "--out" in proc.stderr and "positive number" in proc.stderr


def test_demo_unwritable_out_exits_1(tmp_path):
    blocker = tmp_path / "f"
    blocker.write_text("x")
    proc = subprocess.run(demo_command(str(blocker / "runs"), duration=1), env=_env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "cannot write" in proc.stderr
    assert Path(blocker).read_text() == "x"
