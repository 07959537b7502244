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
