"""Headless live mode through the command line: follow, rotate, resume with --state."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.conftest import ROOT, run_cli


def _offsets(state) -> dict[str, int]:
    """Where the state file says each followed file was read up to (by file name)."""
    try:
        files = json.loads(state.read_text())["files"]
    except (FileNotFoundError, ValueError, KeyError):
        return {}
    return {os.path.basename(e["path"]): e["offset"] for e in files}


def _until(proc, cond, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.1)


def test_no_ui_follows_rotation_and_resumes_with_state(tmp_path):
    d = tmp_path / "runs"
    d.mkdir()
    log = d / "app.log"
    history = b"INFO history 1\nINFO history 2\n"
    log.write_bytes(history)
    state = tmp_path / "state.json"
    # the tailer's periodic checkpoint says how far it has read: each step waits on that, not
    # on a wall-clock guess of how long start-up and reading take
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOME=str(tmp_path), SWARMTOP_CONFIG="")
    proc = subprocess.Popen(
        [sys.executable, "-m", "swarmtop", str(d), "--no-ui", "--json", "--duration", "300",
         "--state", str(state)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env)
    try:
        _until(proc, lambda: _offsets(state).get("app.log") == len(history), "history read")
        live, after = b"INFO live 1\nINFO live 2\n", b"ERROR after rotation\n"
        with open(log, "ab") as f:
            f.write(live)
        os.rename(log, d / "app.log.1")
        with open(log, "ab") as f:
            f.write(after)
        _until(proc, lambda: _offsets(state) == {"app.log.1": len(history + live),
                                                 "app.log": len(after)}, "rotation followed")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    r = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    assert r.returncode in (0, 1), r.stderr
    src = json.loads(r.stdout)["sources"]
    assert src["lines"] == 5
    assert src["events"] == 5
    assert json.loads(state.read_text())["version"] == 1
    with open(d / "app.log", "ab") as f:
        f.write(b"INFO while stopped\n")
    r = run_cli(str(d), "--no-ui", "--json", "--duration", "2", "--state", str(state))
    src = json.loads(r.stdout)["sources"]
    assert src["lines"] == 1, src
