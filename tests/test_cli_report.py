from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import run_cli


def write_log(path: Path, n: int = 200, seed: int = 3) -> dict:
    rng = np.random.default_rng(seed)
    lat = rng.lognormal(8, 0.5, n)
    ins = rng.integers(100, 9000, n)
    lines = []
    for i in range(n):
        lines.append(json.dumps({"ts": 1_764_000_000 + i, "type": "llm_call", "model": "m1",
                                 "agent": f"a{i % 3}", "input_tokens": int(ins[i]),
                                 "output_tokens": 10}))
        lines.append(json.dumps({"ts": 1_764_000_000 + i, "type": "task", "pattern": "divergent",
                                 "duration_ms": float(lat[i]), "status": "ok"}))
    lines.append("garbage line")
    path.write_text("\n".join(lines) + "\n")
    return {"lat": lat, "ins": ins}


def test_report_json_totals_and_percentiles(tmp_path):
    truth = write_log(tmp_path / "run.jsonl")
    r = run_cli("report", str(tmp_path / "run.jsonl"), "--output", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["tokens"]["input"] == int(truth["ins"].sum())
    assert d["tokens"]["output"] == 2000 and d["tokens"]["calls"] == 200
    p = d["patterns"]["divergent"]
    assert p["count"] == 200
    assert p["p50_ms"] == pytest.approx(np.quantile(truth["lat"], 0.5))
    assert p["p99_ms"] == pytest.approx(np.quantile(truth["lat"], 0.99))
    assert d["sources"]["lines"] == 401 and d["sources"]["bad_lines"] == 1
    assert d["sources"]["files"][0]["format"] == "native"


def test_report_text_and_directory_recursion(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    write_log(tmp_path / "a" / "one.jsonl", 10)
    write_log(tmp_path / "a" / "b" / "two.jsonl", 5)
    (tmp_path / "a" / "plain.log").write_text("INFO hello\nERROR bad thing\n")
    r = run_cli("report", str(tmp_path / "a"))
    assert r.returncode == 0, r.stderr
    assert "calls 15" in r.stdout and "3 files" in r.stdout
    r = run_cli("report", str(tmp_path / "a"), "--output", "json")
    d = json.loads(r.stdout)
    assert d["errors"]["error_lines"] == 1


def test_report_glob(tmp_path):
    write_log(tmp_path / "x.jsonl", 4)
    write_log(tmp_path / "y.jsonl", 6)
    r = run_cli("report", str(tmp_path / "*.jsonl"), "--output", "json")
    assert json.loads(r.stdout)["tokens"]["calls"] == 10


@pytest.mark.parametrize("args, needle", [
    (["report", "/no/such/file.log"], "no such file or directory"),
    (["report", "--output", "yaml", "x"], "invalid choice"),
    (["report", "--bogus"], "unrecognized arguments"),
    (["report", "/tmp", "--budget", "-3"], "positive"),
    (["--interval", "0.01", "--pid", "1"], "between 0.1 and 60"),
    (["--pid", "abc"], "--pid takes a positive process id"),
    (["report", "/no/such/dir/*.log"], "no files match"),
    (["report", "/tmp", "--since", "whenever"], "--since"),
    ([], "nothing to watch"),
])
def test_usage_errors_exit_2_with_one_line(args, needle, tmp_path):
    # a home without agent sessions: no SOURCE is then "nothing to watch"
    r = run_cli(*args, home=str(tmp_path), env_drop=("CLAUDE_CONFIG_DIR",))
    assert r.returncode == 2
    assert needle in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr


def test_bad_config_exit_2(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[general\nbroken")
    log = tmp_path / "l.log"
    log.write_text("INFO x\n")
    r = run_cli("report", str(log), "--config", str(cfg))
    assert r.returncode == 2 and "not valid TOML" in r.stderr
    cfg.write_text("[general]\ninterval_s = 'fast'\n")
    r = run_cli("report", str(log), "--config", str(cfg))
    assert r.returncode == 2 and "general.interval_s must be a float" in r.stderr
    r = run_cli("report", str(log), "--config", str(tmp_path / "missing.toml"))
    assert r.returncode == 2 and "config file not found" in r.stderr


def test_binary_file_is_skipped_with_reason(tmp_path):
    (tmp_path / "blob.bin.log").write_bytes(b"\x00\x01\x02" * 100)
    r = run_cli("report", str(tmp_path), "--output", "json")
    assert r.returncode == 0
    [f] = json.loads(r.stdout)["sources"]["files"]
    assert f["state"] == "skipped" and "binary" in f["why"]


def test_since_filters_by_event_time(tmp_path):
    write_log(tmp_path / "run.jsonl", 100)
    r = run_cli("report", str(tmp_path / "run.jsonl"), "--output", "json",
                "--since", "2025-11-24T16:01:30Z")  # 1_764_000_090
    assert json.loads(r.stdout)["tokens"]["calls"] == 10


def test_report_samples_pids_once(tmp_path):
    import os

    write_log(tmp_path / "run.jsonl", 3)
    r = run_cli("report", str(tmp_path / "run.jsonl"), "--pid", str(os.getpid()), "--output", "json")
    assert r.returncode == 0, r.stderr
    procs = json.loads(r.stdout)["memory"]["processes"]
    me = next(p for p in procs if p["pid"] == os.getpid())
    assert me["rss_bytes"] > 1_000_000 and me["samples"] == 1 and me["alive"]
    r = run_cli("report", str(tmp_path / "run.jsonl"), "--pid", "999999")
    assert r.returncode == 2 and "no process with PID 999999" in r.stderr
