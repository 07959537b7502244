"""Agents from a Claude Code tree (tests/sources/claude_tree.py, real record shapes): the
tree, names from the Task input, per-agent counts equal to a hand count, tools, the loop
signal; and status from evidence on an injected clock."""

from __future__ import annotations

import json
from argparse import Namespace
from pathlib import Path

from swarmtop.commands.report import build_report
from swarmtop.core.aggregator import Aggregator
from swarmtop.core.config import Config
from swarmtop.events import AgentInfo, LLMCall, ToolCall
from swarmtop.sources.decoders.claude_code import ClaudeCodeDecoder
from tests.conftest import run_cli
from tests.sources import claude_tree as ct


def _report(root: Path):
    return build_report(Namespace(sources=[str(root)], format="auto", since=None), Config())


def test_tree_names_and_hand_counts(tmp_path: Path) -> None:
    snap = _report(ct.build(tmp_path))
    by_id = {a.id: a for a in snap.agents}
    assert list(by_id) == [ct.S1, f"{ct.S1}/a1", f"{ct.S1}/a2", ct.S2]  # tree order
    main, a1, a2, s2 = (by_id[k] for k in by_id)
    assert (main.parent, a1.parent, a2.parent, s2.parent) == (None, ct.S1, ct.S1, None)
    assert (a1.depth, a2.depth) == (1, 1)
    assert main.name == "swarmtop: Fix the flaky suite"  # project, then the ai-title
    assert s2.name == "swarmtop: Release notes"  # a custom title wins over the prompt
    assert a1.name == "Explore: find flaky tests" and a2.name == "critic: review the plan"
    assert (main.calls, a1.calls, a2.calls, s2.calls) == (4, 7, 1, 2)
    assert (main.input, main.output, main.cache_read, main.cache_write) == (100, 26, 400, 50)
    assert (a1.input, a1.output, a1.cache_read) == (7, 0, 700)
    # toolUseResult.usage (999) is a sum of the sub-agent's calls: never counted again
    assert snap.tokens.output == 26 + 0 + 0 + 10 and snap.tokens.calls == 14
    assert (a1.status, a2.status) == ("done", "done")  # their results came back
    assert a1.tool_calls == 6 and a1.tool_errors == 6
    assert main.tool_calls == 2 and s2.tool_calls == 1
    assert a1.kind == "claude-code" and a1.model == ct.HAIKU
    assert snap.tools["Bash"].count == 6 and snap.tools["Bash"].errors == 6
    assert snap.tools["Bash"].p50_ms == 5000.0  # tool_use -> tool_result: 5 s each
    assert snap.tools["Read"].count == 1


def test_a_looping_sub_agent_fires_agent_loop_naming_it(tmp_path: Path) -> None:
    snap = _report(ct.build(tmp_path))
    [loop] = [a for a in snap.alerts if a.rule == "agent_loop"]
    assert "Explore: find flaky tests" in loop.message and ct.LOOP_CMD in loop.message
    a1 = next(a for a in snap.agents if a.id.endswith("/a1"))
    assert a1.loop_count == 6 and ct.LOOP_CMD in a1.loop


def test_report_json_text_and_markdown_list_the_agents(tmp_path: Path) -> None:
    root = ct.build(tmp_path)
    r = run_cli("report", str(root), "--output", "json")
    assert r.returncode in (0, 1), r.stderr
    data = json.loads(r.stdout)
    assert [a["name"] for a in data["agents"]][2] == "critic: review the plan"
    assert set(data["agents"][0]) >= {"id", "name", "parent", "kind", "status", "activity",
                                      "model", "calls", "errors", "input", "output",
                                      "cache_read", "cache_write", "cost_usd",
                                      "burn_usd_per_min", "context_used_pct", "last_seen",
                                      "pid", "rss_bytes", "cpu_percent", "tool_calls",
                                      "p50_ms", "p99_ms"}
    assert data["tools"]["Bash"]["count"] == 6
    text = run_cli("report", str(root), "--output", "text").stdout
    assert "Explore: find flaky tests" in text and "agents   4" in text
    md = run_cli("report", str(root), "--output", "markdown").stdout
    assert "### Agents" in md and "critic: review the plan" in md


def _feed(agg: Aggregator, path: Path, upto: int | None = None) -> None:
    dec = ClaudeCodeDecoder()
    lines = path.read_bytes().splitlines()
    for n, line in enumerate(lines[:upto]):
        agg.ingest(dec.decode(line, str(path), n, 0.0))


def test_status_from_evidence_on_a_clock(tmp_path: Path) -> None:
    """working (a prompt is with the model) -> waiting (the model ended its turn) -> idle
    (no one answered for 5 min) -> working (a new prompt) -> stalled (no reply for long)."""
    now = [ct_time(0)]
    agg = Aggregator(clock=lambda: now[0])
    p = tmp_path / "s.jsonl"
    recs = [ct.prompt(ct.S2, 0, "Write the release notes"),
            ct.assistant(ct.S2, 20, 1, [ct.text("Here.")], (3, 4, 0, 0), stop="end_turn"),
            ct.prompt(ct.S2, 400, "Shorter, please")]
    ct.write(p, recs)
    dec = ClaudeCodeDecoder()

    def status(at: int, upto: int) -> tuple[str, str]:
        now[0] = ct_time(at)
        for n, line in enumerate(p.read_bytes().splitlines()[:upto]):
            if n >= status.fed:  # type: ignore[attr-defined]
                agg.ingest(dec.decode(line, str(p), n, 0.0))
                status.fed = n + 1  # type: ignore[attr-defined]
        [row] = agg.snapshot().agents
        return row.status, row.activity

    status.fed = 0  # type: ignore[attr-defined]
    st, act = status(5, 1)
    assert st == "working" and "waiting on the model" in act
    st, act = status(30, 2)
    assert st == "waiting" and "waiting for input" in act
    assert status(20 + 301, 2)[0] == "idle"
    st, act = status(405, 3)
    assert st == "working" and "claude-sonnet" in act
    st, act = status(400 + 121, 3)
    assert st == "stalled" and "no reply" in act


def ct_time(sec: int) -> float:
    from datetime import datetime

    return datetime.fromisoformat(ct.ts(sec).replace("Z", "+00:00")).timestamp()


def test_a_tool_in_flight_is_the_activity_and_stalls() -> None:
    now = [1000.0]
    agg = Aggregator(clock=lambda: now[0])
    agg.ingest([AgentInfo(ts=990.0, source="s", agent="w1", name="worker 1"),
                LLMCall(ts=990.0, source="s", agent="w1", model="m", input_tokens=1,
                        output_tokens=1),
                ToolCall(ts=995.0, source="s", agent="w1", tool="Bash", call_id="t1",
                         phase="start", summary="make test")])
    [row] = agg.snapshot().agents
    assert row.status == "working" and row.activity == "Bash: make test (5 s)"
    now[0] = 995.0 + 200
    [row] = agg.snapshot().agents
    assert row.status == "stalled" and "Bash: make test" in row.activity
    assert any(a.rule == "agent_stalled" for a in agg.snapshot().alerts)
    agg.ingest([ToolCall(ts=1196.0, source="s", agent="w1", tool="Bash", call_id="t1",
                         phase="end", duration_ms=201000.0)])
    [row] = agg.snapshot().agents
    assert row.status == "working" and row.tool_calls == 1


def _proc(pid: int, name: str, cwd: str, cmd: str = "", alive: bool = True,
          create_time: float = 1000.0):
    from swarmtop.snapshot import ProcessInfo
    return ProcessInfo(pid=pid, name=name, cwd=cwd, cmd=cmd, alive=alive,
                       create_time=create_time)


def _book_with_sessions():
    from swarmtop.core.agents import AgentBook
    book = AgentBook()
    for agent, cwd, ts in (("s-old", "/home/u/proj", 1100.0), ("s-new", "/home/u/proj", 1200.0),
                           ("s-other", "/home/u/else", 1300.0)):
        book.add_info(AgentInfo(ts=ts, source="t", agent=agent, agent_kind="claude-code",
                                cwd=cwd))
        book.add_calls([LLMCall(ts=ts, source="t", agent=agent, model="claude-sonnet-4-5",
                                input_tokens=1, output_tokens=1)])
    book.add_info(AgentInfo(ts=1210.0, source="t", agent="s-new/a1", parent="s-new",
                            agent_kind="claude-code", cwd="/home/u/proj"))
    return book


def test_a_watched_claude_process_is_matched_to_its_session_by_cwd() -> None:
    """A heuristic match, marked as such: the live `claude` process in the session's cwd
    goes to the latest session there; a sub-agent, another cwd, another program, a process
    started after the session's last event and a dead one are not matched."""
    book = _book_with_sessions()
    procs = {
        10: _proc(10, "node", "/home/u/proj", "node /usr/lib/node_modules/@anthropic-ai/"
                                               "claude-code/cli.js --resume"),
        11: _proc(11, "python3", "/home/u/else", "python3 swarm.py"),
        12: _proc(12, "claude", "/home/u/else", "claude", alive=False),
        13: _proc(13, "claude", "/home/u/elsewhere", "claude"),
    }
    got = {k: (p.pid if p else None, how) for k, (p, how) in book.match_processes(procs).items()}
    assert got == {"s-new": (10, "heuristic")}
    rows = {r.id: r for r in book.rows(1300.0, {}, lambda a: (0.0, 0.0), procs)}
    assert (rows["s-new"].pid, rows["s-new"].pid_match) == (10, "heuristic")
    assert rows["s-old"].pid is None and rows["s-new/a1"].pid is None
    late = {20: _proc(20, "claude", "/home/u/else", "claude", create_time=5000.0)}
    assert book.match_processes(late) == {}


def test_a_stated_pid_wins_over_the_heuristic() -> None:
    book = _book_with_sessions()
    book.add_info(AgentInfo(ts=1250.0, source="t", agent="s-new", pid=10))
    procs = {10: _proc(10, "claude", "/home/u/proj"), 11: _proc(11, "claude", "/home/u/proj")}
    got = {k: (p.pid if p else None, how) for k, (p, how) in book.match_processes(procs).items()}
    assert got == {"s-new": (10, "stated"), "s-old": (11, "heuristic")}


def test_an_untimed_tool_end_read_again_counts_once() -> None:
    """A tool end with no time (events.UNTIMED: a stream-json capture of an older version)
    read twice — a copy of the capture, or after its timed twin — is one end, as timed ends
    are (the call id)."""
    from swarmtop.core.agents import AgentBook
    from swarmtop.events import UNTIMED

    def end(ts: float, call: str, ok: bool = True) -> ToolCall:
        return ToolCall(ts=ts, source="s.jsonl", agent="a", tool="Bash", call_id=call,
                        phase="end", ok=ok, duration_ms=10.0)

    book = AgentBook()
    book.add_untimed_tool(end(UNTIMED, "c1", ok=False))
    book.add_untimed_tool(end(UNTIMED, "c1", ok=False))  # the copy
    book.add_tool(end(5.0, "c2"))
    book.add_untimed_tool(end(UNTIMED, "c2"))  # its untimed twin
    book.add_untimed_tool(end(UNTIMED, ""))  # no id: nothing to tell it by, counted
    stats = book.tool_stats()["Bash"]
    assert (stats.count, stats.errors) == (3, 1)
