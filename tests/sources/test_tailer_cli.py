"""Headless live mode through the command line: follow, rotate, resume with --state."""

from __future__ import annotations

import json
import os
import threading
import time

from tests.conftest import run_cli


def _writer(d, stop_after: float) -> None:
    time.sleep(stop_after)
    log = d / "app.log"
    with open(log, "ab") as f:
        f.write(b"INFO live 1\nINFO live 2\n")
    os.rename(log, d / "app.log.1")
    with open(log, "ab") as f:
        f.write(b"ERROR after rotation\n")


def test_no_ui_follows_rotation_and_resumes_with_state(tmp_path):
    d = tmp_path / "runs"
    d.mkdir()
    (d / "app.log").write_bytes(b"INFO history 1\nINFO history 2\n")
    state = tmp_path / "state.json"
    t = threading.Thread(target=_writer, args=(d, 1.5))
    t.start()
    r = run_cli(str(d), "--no-ui", "--json", "--duration", "4", "--state", str(state))
    t.join()
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
