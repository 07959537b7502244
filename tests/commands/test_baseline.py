"""Baselines: two generated runs with known differences get exactly those verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import run_cli

PATTERNS = ("convergent", "lateral", "critical")


def write_run(path: Path, slow: float = 1.0, cost: float = 1.0, n: int = 400) -> None:
    rng = np.random.default_rng(11)  # same draws for both runs: only the knobs differ
    lines = []
    for i in range(n):
        ts = 1_764_000_000 + i
        for pat in PATTERNS:
            d = float(rng.lognormal(6.5, 0.6))
            lines.append({"ts": ts, "type": "task", "pattern": pat, "agent": f"a{i % 2}",
                          "duration_ms": d * (slow if pat == "lateral" else 1.0),
                          "status": "error" if i % 25 == 0 else "ok"})
        lines.append({"ts": ts, "type": "llm_call", "model": ["m1", "m2"][i % 2],
                      "agent": f"a{i % 2}", "input_tokens": int(rng.integers(100, 3000)),
                      "output_tokens": 50, "cost_usd": float(rng.uniform(0.001, 0.01)) * cost})
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))


def base_snapshot(tmp_path: Path) -> Path:
    write_run(tmp_path / "base.jsonl")
    r = run_cli("report", str(tmp_path / "base.jsonl"), "--output", "json")
    assert r.returncode == 0, r.stderr
    (tmp_path / "base.json").write_text(r.stdout)
    return tmp_path / "base.json"


def test_verdicts_are_exactly_the_known_differences(tmp_path):
    base = base_snapshot(tmp_path)
    write_run(tmp_path / "new.jsonl", slow=1.3, cost=0.9)
    r = run_cli("report", str(tmp_path / "new.jsonl"), "--output", "json", "--baseline", str(base))
    assert r.returncode == 0, r.stderr
    figs = {f["figure"]: f for f in json.loads(r.stdout)["baseline"]["figures"]}
    changed = {name: f["verdict"] for name, f in figs.items() if f["verdict"] != "same"}
    assert changed == {
        "patterns.lateral.p50_ms": "worse",
        "patterns.lateral.p90_ms": "worse",
        "patterns.lateral.p99_ms": "worse",
        "tokens.cost_usd": "better",
        "tokens.by_model.m1.cost_usd": "better",
        "tokens.by_model.m2.cost_usd": "better",
        "tokens.by_agent.a0.cost_usd": "better",
        "tokens.by_agent.a1.cost_usd": "better",
        "tasks.cost_per_task": "better",
    }
    assert figs["tokens.cost_usd"]["change_pct"] == pytest.approx(-10.0, abs=1e-3)
    assert figs["patterns.lateral.p50_ms"]["rule"] == "quantile-se"
    assert figs["patterns.convergent.p99_ms"]["verdict"] == "same"


def test_noise_between_two_samples_of_one_distribution_is_same(tmp_path):
    base = base_snapshot(tmp_path)
    lines = (tmp_path / "base.jsonl").read_text().splitlines()
    rng = np.random.default_rng(99)
    # the same kind of run with fresh random draws: percentiles move by sampling noise only
    out = []
    for line in lines:
        rec = json.loads(line)
        if rec["type"] == "task":
            rec["duration_ms"] = float(rng.lognormal(6.5, 0.6))
        out.append(json.dumps(rec))
    (tmp_path / "noisy.jsonl").write_text("\n".join(out) + "\n")
    r = run_cli("report", str(tmp_path / "noisy.jsonl"), "--output", "json", "--baseline", str(base))
    figs = json.loads(r.stdout)["baseline"]["figures"]
    p50s = [f for f in figs if f["figure"].endswith(".p50_ms")]
    assert p50s and all(f["verdict"] == "same" for f in p50s)


def test_fail_on_regression_exit_codes_and_lines(tmp_path):
    base = base_snapshot(tmp_path)
    write_run(tmp_path / "new.jsonl", slow=1.3, cost=0.9)
    new = str(tmp_path / "new.jsonl")
    r = run_cli("report", new, "--baseline", str(base), "--fail-on-regression", "50")
    assert r.returncode == 0, r.stderr
    r = run_cli("report", new, "--baseline", str(base), "--fail-on-regression", "10")
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert lines and all(line.startswith("swarmtop: regression: patterns.lateral.") for line in lines)
    # per-figure threshold from the config wins over the flag
    cfg = tmp_path / "c.toml"
    cfg.write_text('[baseline.thresholds]\n"patterns.lateral.*" = 60\n')
    r = run_cli("report", new, "--baseline", str(base), "--fail-on-regression", "10",
                "--config", str(cfg))
    assert r.returncode == 0, r.stderr


def test_markdown_comparison_table(tmp_path):
    base = base_snapshot(tmp_path)
    write_run(tmp_path / "new.jsonl", slow=1.3, cost=0.9)
    r = run_cli("report", str(tmp_path / "new.jsonl"), "--output", "markdown", "--baseline",
                str(base))
    md = r.stdout
    assert "### Against baseline" in md
    assert "| figure | base | new | change | verdict |" in md
    row = next(line for line in md.splitlines() if line.startswith("| tokens.cost_usd |"))
    assert "-10.0%" in row and "better" in row
    assert "3 worse" in md


def test_baseline_from_a_record_file(tmp_path):
    import asyncio

    from tests.export.test_record_replay import record_session

    rec = tmp_path / "s.jsonl"
    asyncio.run(record_session(rec))
    log = tmp_path / "run.jsonl"
    write_run(log, n=20)
    r = run_cli("report", str(log), "--output", "json", "--baseline", str(rec))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["baseline"]["figures"]


def test_bad_baselines_exit_2(tmp_path):
    log = tmp_path / "run.jsonl"
    write_run(log, n=5)
    other = tmp_path / "v2.json"
    other.write_text(json.dumps({"schema": 2}))
    r = run_cli("report", str(log), "--baseline", str(other))
    assert r.returncode == 2 and "schema 2" in r.stderr and len(r.stderr.splitlines()) == 1
    junk = tmp_path / "junk.json"
    junk.write_text("hello")
    r = run_cli("report", str(log), "--baseline", str(junk))
    assert r.returncode == 2 and "not a swarmtop snapshot" in r.stderr
    r = run_cli("report", str(log), "--fail-on-regression", "5")
    assert r.returncode == 2 and "needs --baseline" in r.stderr


def test_agents_compared_by_name_across_runs() -> None:
    """A session's id differs between runs; its agents' names (a Task's description) do not."""
    from swarmtop.core.baseline import figures
    from swarmtop.snapshot import AgentRow, Snapshot

    base = Snapshot(agents=[AgentRow(id="s1/a1", name="Explore: find flaky", cost_usd=1.0,
                                     calls=10, tool_errors=2)])
    new = Snapshot(agents=[AgentRow(id="s9/a7", name="Explore: find flaky", cost_usd=1.5,
                                    calls=12, errors=1)])
    got = {f.name: (f.base, f.new) for f in figures(base, new)}
    assert got["agents.Explore: find flaky.cost_usd"] == (1.0, 1.5)
    assert got["agents.Explore: find flaky.errors"] == (2.0, 1.0)
