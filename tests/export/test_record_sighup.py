"""An SSH drop (SIGHUP) mid-run: the record file is flushed, valid, and replays the same figures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.conftest import ROOT, run_cli


def test_sighup_mid_run_then_replay(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "run.jsonl"
    lines = [json.dumps({"ts": 1_764_000_000 + i, "type": "llm_call", "model": "m", "agent": "a",
                         "input_tokens": 100 + i, "output_tokens": 7}) for i in range(300)]
    log.write_text("\n".join(lines[:200]) + "\n")
    rec = tmp_path / "rec.jsonl"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "swarmtop", str(logs), "--no-ui", "--json", "--record", str(rec),
         "--interval", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        time.sleep(2.0)
        with open(log, "a") as f:  # the swarm keeps writing while we watch
            f.write("\n".join(lines[200:]) + "\n")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if rec.exists() and rec.read_bytes().count(b'"llm_call"') >= 300:
                break
            time.sleep(0.2)
        proc.send_signal(signal.SIGHUP)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    live = json.loads(out)
    assert live["tokens"]["calls"] == 300
    data = rec.read_bytes()
    assert data.endswith(b"\n")
    for line in data.splitlines():
        json.loads(line)  # valid JSONL to its last line
    r = run_cli("replay", str(rec), "--no-ui", "--json")
    assert r.returncode == 0, r.stderr
    replay = json.loads(r.stdout)
    # totals are the same; rolling rates differ by design (live: wall clock, replay: event time)
    for key in ("input", "output", "total", "calls", "cost_usd", "by_model", "by_agent"):
        assert replay["tokens"][key] == live["tokens"][key]
    assert replay["sources"]["lines"] == live["sources"]["lines"] == 300
