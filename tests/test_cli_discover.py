"""`swarmtop` and `swarmtop report` with no SOURCE read the agent sessions on this machine
(~/.claude/projects, or $CLAUDE_CONFIG_DIR/projects), saying where; none is "nothing to
watch" (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

from swarmtop.sources.discover import agent_session_dirs
from tests.conftest import run_cli
from tests.sources import claude_tree as ct


def test_found_in_home_and_in_claude_config_dir(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    ct.build(home / ".claude")  # -> ~/.claude/projects/...
    assert agent_session_dirs({}, home) == [("Claude Code", home / ".claude" / "projects")]
    other = tmp_path / "cfg"
    ct.build(other)
    assert agent_session_dirs({"CLAUDE_CONFIG_DIR": f"{other}, /nope"}, home) == [
        ("Claude Code", other / "projects")]


def test_report_and_live_with_no_source(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ct.build(home / ".claude")
    r = run_cli("report", "--output", "json", home=str(home), env_drop=("CLAUDE_CONFIG_DIR",))
    assert r.returncode in (0, 1), r.stderr
    assert "watching Claude Code sessions in" in r.stderr
    assert len(json.loads(r.stdout)["agents"]) == 4
    r = run_cli("--no-ui", "--json", "--duration", "1", home=str(home),
                env_drop=("CLAUDE_CONFIG_DIR",))
    assert r.returncode in (0, 1), r.stderr
    assert json.loads(r.stdout)["tokens"]["calls"] == 14


def test_the_stores_found_are_in_the_snapshot_and_the_reports(tmp_path: Path) -> None:
    """Issue 21 item 3: which session stores were found is said in the snapshot
    (``sources.discovered``), the text and markdown reports and the Sources panel
    (tests/ui/test_sources_found.py), not only on stderr."""
    home = tmp_path / "home"
    ct.build(home / ".claude")
    where = str(home / ".claude" / "projects")
    r = run_cli("report", "--output", "json", home=str(home), env_drop=("CLAUDE_CONFIG_DIR",))
    assert json.loads(r.stdout)["sources"]["discovered"] == [
        {"tool": "Claude Code", "path": where}]
    r = run_cli("report", home=str(home), env_drop=("CLAUDE_CONFIG_DIR",))
    assert f"found Claude Code sessions in {where}" in r.stdout
    r = run_cli("report", "--output", "markdown", home=str(home),
                env_drop=("CLAUDE_CONFIG_DIR",))
    assert f"found Claude Code sessions in {where}." in r.stdout
    r = run_cli("--no-ui", "--json", "--duration", "1", home=str(home),
                env_drop=("CLAUDE_CONFIG_DIR",))
    assert json.loads(r.stdout)["sources"]["discovered"] == [
        {"tool": "Claude Code", "path": where}]
    # a SOURCE given: nothing discovered
    r = run_cli("report", "--output", "json", where, home=str(home),
                env_drop=("CLAUDE_CONFIG_DIR",))
    assert json.loads(r.stdout)["sources"]["discovered"] == []
