"""An SSH drop (SIGHUP) mid-run: the record file is flushed, valid, and replays the same figures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from swarmtop.export.record import FLUSH_S
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
    def until(cond, what: str) -> None:
        deadline = time.monotonic() + 60  # start-up on a loaded machine takes its time
        while not cond():
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, f"{what}: not within 60 s"
            time.sleep(0.1)

    try:
        until(rec.exists, "the record file opened")
        # a batch is flushed once FLUSH_S have passed since the recorder opened its file (or
        # the last flush): the lines appended after that arrive in one that is
        time.sleep(FLUSH_S + 0.2)
        with open(log, "a") as f:  # the swarm keeps writing while we watch
            f.write("\n".join(lines[200:]) + "\n")
        until(lambda: rec.read_bytes().count(b'"llm_call"') >= 300, "300 calls recorded")
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
