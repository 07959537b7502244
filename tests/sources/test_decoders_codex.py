"""Codex CLI rollouts (swarmtop/sources/decoders/codex.py). Shapes: tests/sources/
codex_rollouts.py (each from openai/codex's protocol, recorder and fork code, named there).
The report's totals are compared with a hand count of the same files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swarmtop.events import AgentInfo, LLMCall, ParseError, RateLimit, ToolCall
from swarmtop.sources.decoders import detect_format
from swarmtop.sources.decoders.codex import CodexDecoder, head, uuid7_ms
from swarmtop.sources.discover import agent_session_dirs
from tests.conftest import run_cli
from tests.sources import codex_rollouts as cr


def _decode(lines: list[str], source: str = "/x/rollout.jsonl") -> list:
    dec = CodexDecoder()
    out: list = []
    for n, text in enumerate(lines):
        out += dec.decode(text.encode(), source, n * 100, 0.0)
    return out


def _calls(events: list) -> list[tuple[int, int, int]]:
    return [(c.input_tokens, c.cache_read_tokens, c.output_tokens)
            for c in events if isinstance(c, LLMCall)]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = tmp_path_factory.mktemp("codex")
    cr.build(home)
    r = run_cli("report", str(home / "sessions"), "--output", "json")
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


def test_report_gives_the_hand_count(report: dict) -> None:
    t = report["tokens"]
    assert {k: t[k] for k in cr.EXPECTED} == cr.EXPECTED
    by_agent = t["by_agent"]
    assert {k: by_agent[cr.PARENT][k] for k in cr.EXPECTED_PARENT} == cr.EXPECTED_PARENT
    assert {k: by_agent[cr.CHILD][k] for k in cr.EXPECTED_CHILD} == cr.EXPECTED_CHILD
    # counting every token_count (re-sent ones, the child's copy of its parent) would not
    assert t["input"] != cr.NAIVE_INPUT
    assert set(t["by_model"]) == {cr.MODEL, cr.MINI}
    assert t["estimated"] == 0


def test_reasoning_tokens_are_inside_output(report: dict) -> None:
    """Codex's total_tokens = input_tokens + output_tokens (OpenAI's usage: reasoning is a
    part of output_tokens, and Codex's own summary prints it as "output=N (reasoning R)"):
    swarmtop's total, the sum of its four figures, equals the sum of the counted requests'
    total_tokens, so reasoning is counted once, inside output."""
    counted = [cr.C1, cr.C2, cr.C3, cr.C4, cr.C5, cr.D1, cr.D2, cr.D3]
    assert all(u["total_tokens"] == u["input_tokens"] + u["output_tokens"] for u in counted)
    assert report["tokens"]["total"] == sum(u["total_tokens"] for u in counted)
    assert report["tokens"]["output"] == sum(u["output_tokens"] for u in counted)


def test_limits_shown_for_codex(report: dict) -> None:
    primary, secondary = report["limits"]
    assert primary == {"source": "codex", "window": "primary", "used_percent": 71.0,
                       "window_minutes": 300, "resets_at": "2026-11-20T14:10:00.000Z",
                       "observed_at": "2026-11-20T13:01:52.000Z", "agent": cr.PARENT,
                       "limit": "codex", "plan": "plus"}
    assert (secondary["window"], secondary["used_percent"], secondary["window_minutes"]) == (
        "secondary", 23.0, 10080)


def test_agents_tools_and_bad_line(report: dict) -> None:
    agents = {a["id"]: a for a in report["agents"]}
    parent, child = agents[cr.PARENT], agents[cr.CHILD]
    assert parent["name"] == f"app: {cr.PROMPT}" and parent["kind"] == "codex"
    assert child["name"] == "Euclid (explorer)" and child["parent"] == cr.PARENT
    assert (parent["model"], child["model"]) == (cr.MODEL, cr.MINI)
    assert parent["context_window"] == cr.WINDOW
    assert parent["context_used_pct"] == round(100 * 5000 / cr.WINDOW, 1)  # c5's input
    assert (parent["tool_calls"], parent["tool_errors"]) == (3, 1)
    assert child["tool_calls"] == 1
    tools = report["tools"]
    assert (tools["exec_command"]["count"], tools["exec_command"]["errors"]) == (2, 1)
    assert tools["apply_patch"]["count"] == 1 and tools["spawn_agent"]["count"] == 1
    assert tools["exec_command"]["max_ms"] == 4000.0  # its call line to its output line
    files = {Path(f["path"]).name: f for f in report["sources"]["files"]}
    p = files[cr.rollout_name(cr.T0, cr.PARENT)]
    assert (p["format"], p["bad_lines"]) == ("codex", 1)
    [bad] = report["sources"]["recent_bad_lines"]
    assert bad["excerpt"] == "{not json at all"


def test_text_and_markdown_reports_show_limits(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")  # resets are shown in local time
    cr.build(tmp_path)
    text = run_cli("report", str(tmp_path / "sessions"), "--output", "text").stdout
    assert "codex 5 h window 71 %, resets 14:10" in text
    md = run_cli("report", str(tmp_path / "sessions"), "--output", "markdown").stdout
    assert "| codex | 5 h | 71 % |" in md


def test_re_sent_and_null_token_counts_add_nothing() -> None:
    ev = _decode(cr.parent_lines())
    assert _calls(ev) == [(4000, 8000, 300), (1000, 12000, 500), (2200, 12800, 900),
                          (1300, 14900, 250), (5000, 0, 100)]
    limits = [e for e in ev if isinstance(e, RateLimit) and e.window == "primary"]
    # every token_count's rate limits are read, info null or re-sent ones included
    assert [e.used_percent for e in limits] == [61.0, 61.5, 62.0, 62.4, 63.0, 66.0, 70.0, 71.0]
    assert [e for e in ev if isinstance(e, ParseError)][0].excerpt == "{not json at all"


def test_child_counts_only_its_own_calls() -> None:
    ev = _decode(cr.child_lines())
    assert _calls(ev) == [(9000, 0, 400), (1700, 8800, 600), (500, 1500, 50)]
    assert [e.used_percent for e in ev if isinstance(e, RateLimit) and e.window == "primary"
            ] == [64.0, 65.0, 65.2, 65.3]  # the copy's (61 % .. 63 %) are the parent's
    names = [e.name for e in ev if isinstance(e, AgentInfo) and e.name]
    assert names == ["Euclid (explorer)"]  # the copied prompt names nobody
    assert {e.tool for e in ev if isinstance(e, ToolCall)} == {"exec_command"}


def _copy_without(lines: list[str], drop: tuple[str, ...]) -> list[str]:
    out = []
    for text in lines:
        rec = json.loads(text)
        p = rec["payload"]
        for key in drop:
            p.pop(key, None)
        out.append(json.dumps(rec, separators=(",", ":")))
    return out


def test_child_copy_without_started_at() -> None:
    """Versions whose task_started has no started_at: its turn_id's UUIDv7 time decides."""
    lines = _copy_without(cr.child_lines(), ("started_at",))
    assert _calls(_decode(lines)) == [(9000, 0, 400), (1700, 8800, 600), (500, 1500, 50)]
    assert uuid7_ms(cr.CHILD) == int(cr.CHILD_AT * 1000)
    assert uuid7_ms("5e55a000-0000-4000-8000-000000000001") is None  # v4: no time in it


def test_child_copy_without_turn_ids() -> None:
    """Neither started_at nor a turn id: the copy is the burst written when the child was
    made; a task_started a second later is the child's own."""
    lines = _copy_without(cr.child_lines(), ("started_at", "turn_id"))
    own = next(i for i, t in enumerate(lines) if cr.SPAWN_PROMPT in t) - 1
    rec = json.loads(lines[own])
    assert rec["payload"]["type"] == "task_started"
    lines[own:] = [cr.line(cr.CHILD_AT + 1.5, json.loads(t)["type"], json.loads(t)["payload"])
                   for t in lines[own:]]
    assert _calls(_decode(lines)) == [(9000, 0, 400), (1700, 8800, 600), (500, 1500, 50)]


def test_child_copy_from_a_version_without_task_started() -> None:
    lines = [t for t in cr.child_lines() if '"type":"task_started"' not in t]
    assert _calls(_decode(lines)) == [(9000, 0, 400), (1700, 8800, 600), (500, 1500, 50)]


def test_spawned_child_without_a_copy_counts_from_its_first_call() -> None:
    src = {"subagent": {"thread_spawn": {"parent_thread_id": cr.PARENT, "depth": 1}}}
    t = cr.CHILD_AT
    own = cr.uuid7(t * 1000 + 200, 3)
    lines = [cr.line(t, "session_meta", cr.meta(t, cr.CHILD, "/w/app", src)),
             *cr.turn(t + 0.2, own, t + 0.2),
             cr.line(t + 2, "event_msg", cr.token_count(cr.D1, cr.D1, None))]
    ev = _decode(lines)
    assert _calls(ev) == [(9000, 0, 400)]
    [info] = [e for e in ev if isinstance(e, AgentInfo) and e.parent]
    assert info.parent == cr.PARENT and info.agent_kind == "codex"


def test_totals_without_last_usage_count_their_advance() -> None:
    lines = [cr.line(cr.T0, "session_meta", cr.meta(cr.T0, cr.PARENT, "/w/app"))]
    for n, total in enumerate((cr.T1, cr.T2, cr.T2, cr.T3)):
        lines.append(cr.line(cr.T0 + n, "event_msg", {
            "type": "token_count", "info": {"total_token_usage": total}, "rate_limits": None}))
    assert _calls(_decode(lines)) == [(4000, 8000, 300), (1000, 12000, 500), (2200, 12800, 900)]


def test_failed_tool_from_exit_code_metadata() -> None:
    lines = [cr.call(cr.T0, "c1", "shell", {"command": ["bash", "-lc", "make"]}),
             cr.output(cr.T0 + 2, "c1", json.dumps({"output": "make: *** [all] Error 2",
                                                     "metadata": {"exit_code": 2,
                                                                  "duration_seconds": 2.0}}))]
    start, end = [e for e in _decode(lines) if isinstance(e, ToolCall)]
    assert (start.phase, start.summary) == ("start", "bash -lc make")
    assert (end.ok, end.error, end.duration_ms) == (False, "make: *** [all] Error 2", 2000.0)


@pytest.mark.parametrize("text, reason", [
    ('{"timestamp":"2026-11-20T13:00:00.000Z","type":"event_msg","payload":{"type":'
     '"token_count","info":{"total_token_usage":{"input_tokens":-5}},"rate_limits":null}}',
     "unexpected event_msg shape"),
    ('{"timestamp":"2026-11-20T13:00:00.000Z","type":"event_msg","payload":{"type":"tok',
     "not valid JSON"),
    ('{"type":"event_msg","payload":{"type":"user_message","message":' + "[" * 100_000,
     "nested too deeply"),
    ('{"timestamp":"2026-11-20T13:00:00.000Z","type":"session_meta","payload":{"id":5}}',
     "unexpected session_meta shape"),
], ids=["negative tokens", "cut", "too deep", "id not a string"])
def test_bad_lines_are_counted_not_fatal(text: str, reason: str) -> None:
    [err] = _decode([text])
    assert isinstance(err, ParseError) and reason in err.reason


def test_skipped_kinds_are_not_parsed() -> None:
    """Reasoning and message lines (most of a rollout's bytes) are passed over from the
    recorder's prefix; a line not in that form is parsed whole."""
    assert head(cr.reasoning(cr.T0).encode()) == (b"response_item", b"reasoning")
    bad_reasoning = cr.reasoning(cr.T0)[:200]  # cut: would be a bad line if parsed
    assert _decode([bad_reasoning]) == []
    spaced = json.dumps(json.loads(cr.line(cr.T0, "event_msg", cr.token_count(
        cr.T1, cr.C1, None))))  # ", " and ": " separators: no prefix, parsed whole
    assert head(spaced.encode()) is None
    assert _calls(_decode([spaced])) == [(4000, 8000, 300)]


def test_detected_by_content_and_by_name(tmp_path: Path) -> None:
    lines = [t.encode() for t in cr.parent_lines()[:5]]
    assert detect_format(lines, "/tmp/renamed.jsonl") == "codex"
    name = cr.rollout_name(cr.T0, cr.PARENT)
    assert detect_format([], f"/data/codex/sessions/2026/11/20/{name}") == "codex"
    first = cr.parent_lines()[0].encode()
    assert detect_format([], "/tmp/x.jsonl", first[:300]) == "codex"  # a long first line


def test_discovery_honours_codex_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".codex" / "sessions").mkdir(parents=True)
    (home / ".codex" / "archived_sessions").mkdir()
    assert agent_session_dirs({}, home) == [("Codex", home / ".codex" / "sessions"),
                                            ("Codex", home / ".codex" / "archived_sessions")]
    other = tmp_path / "cx"
    (other / "sessions").mkdir(parents=True)
    assert agent_session_dirs({"CODEX_HOME": str(other)}, home) == [
        ("Codex", other / "sessions")]


def test_report_and_live_with_no_source_find_codex(tmp_path: Path) -> None:
    home = tmp_path / "home"
    cr.build(home / ".codex")
    archived = home / ".codex" / "archived_sessions"
    archived.mkdir()
    r = run_cli("report", "--output", "json", home=str(home),
                env_drop=("CLAUDE_CONFIG_DIR", "CODEX_HOME"))
    assert r.returncode in (0, 1), r.stderr
    assert "Codex sessions in" in r.stderr and str(archived) in r.stderr
    assert json.loads(r.stdout)["tokens"]["calls"] == cr.EXPECTED["calls"]
    r = run_cli("--no-ui", "--json", "--duration", "1", home=str(home),
                env_drop=("CLAUDE_CONFIG_DIR", "CODEX_HOME"))
    assert r.returncode in (0, 1), r.stderr
    live = json.loads(r.stdout)
    # live, the child's last line waits for its newline (a file being followed)
    assert live["tokens"]["calls"] == cr.EXPECTED["calls"] - 1
    assert live["limits"][0]["used_percent"] == 71.0


def _mcp_end(t: float, call_id: str, result: dict) -> str:
    """An ``mcp_tool_call_end`` event_msg as Codex persists it (rollout policy "extended":
    ``McpToolCallEndEvent {call_id, invocation {server, tool, arguments}, duration, result}``
    in codex-rs/protocol/src/protocol.rs; ``result`` is serde's externally tagged
    ``Result<CallToolResult, String>``, a CallToolResult's flag is ``isError``). It is sent
    before the call's ``function_call_output`` is recorded, whose ``output`` is only the
    content: ``FunctionCallOutputPayload``'s serializer drops ``success``."""
    return cr.line(t, "event_msg", {
        "type": "mcp_tool_call_end", "call_id": call_id,
        "invocation": {"server": "github", "tool": "create_issue",
                       "arguments": {"title": "x"}},
        "duration": {"secs": 1, "nanos": 500_000_000}, "result": result})


@pytest.mark.parametrize("result, ok, error", [
    ({"Ok": {"content": [{"type": "text", "text": "422: title already used"}],
             "isError": True}}, False, "422: title already used"),
    ({"Err": "tool call failed: server github is not running"}, False,
     "tool call failed: server github is not running"),
    ({"Ok": {"content": [{"type": "text", "text": "created #12"}], "isError": False}}, True,
     ""),
    ({"Ok": {"content": [{"type": "text", "text": "created #12"}]}}, True, ""),
], ids=["isError", "Err", "ok", "no flag"])
def test_mcp_tool_failure_from_its_end_event(result: dict, ok: bool, error: str) -> None:
    content = json.dumps([{"type": "text", "text": "422: title already used"}])
    lines = [cr.call(cr.T0, "m1", "mcp__github__create_issue", {"title": "x"}),
             _mcp_end(cr.T0 + 1.5, "m1", result),
             cr.output(cr.T0 + 1.6, "m1", content)]
    start, end = [e for e in _decode(lines) if isinstance(e, ToolCall)]
    assert (start.phase, end.phase, end.call_id) == ("start", "end", "m1")
    assert (end.ok, end.error) == (ok, error)


def test_mcp_end_event_is_read_from_the_recorders_prefix() -> None:
    """The recorder's compact prefix names the event: it is not passed over unparsed."""
    from swarmtop.sources.decoders.codex_records import wanted

    text = _mcp_end(cr.T0, "m1", {"Err": "x"})
    assert wanted(*head(text.encode()))
