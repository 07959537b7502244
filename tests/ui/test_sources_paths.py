"""Sources panel paths: relative to what the files share, elided in the middle, the file
name kept — a sub-agent's transcript is told apart from its session's (issue 21 item 11)."""

from __future__ import annotations

from swarmtop.ui.sources import COLUMNS, middle, shown_paths

SESSION = "/home/u/.claude/projects/-home-u-proj/5e55a000-0000-4000-8000-000000000001"


def test_relative_and_told_apart() -> None:
    main, sub = f"{SESSION}.jsonl", f"{SESSION}/subagents/agent-a1.jsonl"
    shown = shown_paths([main, sub])
    assert shown[main] == "5e55a000-0000-4000-8000-000000000001.jsonl"
    assert shown[sub].endswith("/agent-a1.jsonl") and len(shown[sub]) <= 48
    assert shown[main] != shown[sub]
    assert shown_paths(["/a/b/run.log"]) == {"/a/b/run.log": "run.log"}
    assert shown_paths(["*.jsonl"]) == {"*.jsonl": "*.jsonl"}  # a waiting glob, as given


def test_middle_elision_and_figures_first() -> None:
    assert middle("short/name.log", 48) == "short/name.log"
    long = "a" * 60 + "/agent-0123456789.jsonl"
    cut = middle(long, 30)
    assert len(cut) == 30 and cut.endswith("…/agent-0123456789.jsonl")
    assert middle("x" * 80, 10) == "…" + "x" * 9
    assert [c.label for c in COLUMNS][:4] == ["Lines", "Events", "Bad", "State"]
