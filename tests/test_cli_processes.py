"""`--pid` and `--run` through the command line (headless), as a user runs them."""

from __future__ import annotations

import json
import sys

import pytest

from tests.conftest import run_cli

# live.py builds the tailer alongside the sampler: these run once both are merged
pytest.importorskip("swarmtop.sources.tailer")


def test_missing_pid_is_a_usage_error():
    r = run_cli("--pid", "999999999", "--no-ui", "--duration", "1")
    assert r.returncode == 2
    assert "no process with PID 999999999" in r.stderr


def test_run_headless_reports_exit_code_and_growth():
    # 8 MiB/s by the wall clock, not per loop turn: a child the loaded machine wakes late
    # still holds what the rate promises (tests/childprocs.py does the same). It leaves by
    # os._exit: the interpreter's own teardown would free the leak first, and a sample taken
    # in that moment (more likely the more loaded the machine) rightly shows the drop.
    script = ("import os, time\nx, have = [], 0\nt0 = time.time()\n"
              "while time.time() - t0 < 5:\n"
              "    want = int(8 * 2**20 * (time.time() - t0))\n"
              "    if want > have:\n"
              "        x.append(b'x' * (want - have)); have = want\n"
              "    time.sleep(0.05)\n"
              "os._exit(4)\n")
    r = run_cli("--no-ui", "--json", "--duration", "60", "--interval", "0.2",
                "--run", "--", sys.executable, "-c", script, timeout=90)
    # the child exited 4: the critical process_exit alert fires, and --no-ui exits 1 for it
    assert r.returncode == 1, r.stderr
    snap = json.loads(r.stdout)
    assert any(a["rule"] == "process_exit" and a["severity"] == "critical" for a in snap["alerts"])
    mem = snap["memory"]
    (p,) = [p for p in mem["processes"] if p["parent"] is not None and p["exit_code"] is not None]
    assert (p["alive"], p["status"], p["exit_code"]) == (False, "exited", 4)
    assert p["growth"] == "linear"
    assert p["growth_bytes_per_s"] == pytest.approx(8 * 2**20, rel=0.25)
    assert p["history"] and p["peak_rss_bytes"] >= 30 * 2**20
