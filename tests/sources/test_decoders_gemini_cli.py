"""Gemini CLI recorded chats: ``.jsonl`` (appended, a message id repeats and its last record
wins) and the older whole ``.json`` document; tokens counted once, as a hand count of the
same files gives them.

Shapes: tests/sources/gemini_sessions.py, a port of google-gemini/gemini-cli
``packages/core/src/services/chatRecordingService.ts`` (commit 5411f113 for ``.jsonl``,
dcf5afaf for ``.json``) and ``chatRecordingTypes.ts`` (TokensSummary, MessageRecord,
ToolCallRecord).
"""

from __future__ import annotations

import json
from pathlib import Path

from gemini_sessions import (
    MAIN,
    SUB,
    Clock,
    JsonChat,
    JsonlChat,
    build,
    hand_count,
    project_hash,
    tool_call,
    usage,
)
from tailharness import Harness

from swarmtop.core.aggregator import Aggregator
from swarmtop.events import AgentInfo, LLMCall, LogLine, ParseError, ToolCall
from swarmtop.sources.decoders import detect_format, is_whole_file, make_decoder
from swarmtop.sources.decoders.gemini_cli import place
from swarmtop.sources.discover import agent_session_dirs, describe
from swarmtop.sources.reader import head_lines
from tests.conftest import run_cli


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def _decode_lines(path: Path, fmt: str = "gemini") -> list:
    d = make_decoder(fmt)
    out = []
    offset = 0
    for line in _lines(path):
        out.extend(d.decode(line, str(path), offset, 0.0))
        offset += len(line) + 1
    return out


def test_report_gives_the_hand_count(tmp_path: Path) -> None:
    """Every file of a machine's ~/.gemini/tmp: the .jsonl forms, the .json documents, the
    sha256 folder and its slug copy, a resumed session whose .jsonl repeats its .json."""
    built = build(tmp_path)
    expected = hand_count(built["files"])
    r = run_cli("report", str(built["tmp"]), "--output", "json")
    assert r.returncode in (0, 1), r.stderr
    snap = json.loads(r.stdout)
    tokens = snap["tokens"]
    assert {k: tokens[k] for k in expected["tokens"]} == expected["tokens"]
    assert {m: v["calls"] for m, v in tokens["by_model"].items()} == expected["by_model"]
    assert sum(t["count"] for t in snap["tools"].values()) == expected["tools"]
    assert sum(t["errors"] for t in snap["tools"].values()) == expected["failed_tools"]
    assert snap["sources"]["bad_lines"] == expected["bad"] == 1
    formats = sorted(f["format"] for f in snap["sources"]["files"])
    assert formats == ["gemini"] * 3 + ["gemini-doc"] * 3
    agents = {a["id"]: a for a in snap["agents"]}
    assert agents[MAIN]["name"] == "webapp: Fix failing login test"  # the summary
    sub = agents[f"{MAIN}/{SUB}"]
    assert sub["parent"] == MAIN and sub["status"] == "done"
    assert sub["name"].startswith("Codebase Investigator Agent: Find where")
    assert sub["calls"] == 2 and agents[MAIN]["calls"] == 4
    assert all(a["kind"] == "gemini" for a in agents.values())
    # the legacy session is named from its slug copy's folder, not from its sha256 folder
    assert {a["name"] for a in agents.values()} >= {"legacy: README and TODOs"}


def test_the_four_figures_add_up_to_geminis_total() -> None:
    """input − cached + tool, output + thoughts, cached: each figure once."""
    d = make_decoder("gemini")
    msg = {"id": "m1", "timestamp": "2026-05-04T09:30:01.000Z", "type": "gemini",
           "content": "ok", "model": "gemini-2.5-pro",
           "tokens": {"input": 1000, "output": 50, "cached": 600, "thoughts": 70, "tool": 30,
                      "total": 1150}}
    [call] = [e for e in d.decode(json.dumps(msg).encode(), "s.jsonl", 0, 0.0)
              if isinstance(e, LLMCall)]
    assert (call.input_tokens, call.output_tokens, call.cache_read_tokens,
            call.cache_write_tokens) == (430, 120, 600, 0)
    assert call.input_tokens + call.output_tokens + call.cache_read_tokens == 1150
    assert call.model == "gemini-2.5-pro" and call.ts == 1777887001.0


def test_a_repeated_message_id_replaces_its_record(tmp_path: Path) -> None:
    """Recorded before its tokens, then again with them, then again with tool calls, then in
    a checkpoint: one call, at the last record's figures."""
    chat = JsonlChat(tmp_path / "chats" / "session-x.jsonl", MAIN, "h" * 64, Clock())
    chat.record_message("user", "hi")
    mid = chat.record_message("gemini", "Reading it", model="gemini-2.5-flash")
    chat.record_tokens(usage(500, 20, cached=100, thoughts=5))
    chat.record_tool_calls("gemini-2.5-flash", [
        tool_call("t1", "read_file", {"absolute_path": "/a"}, "success", chat.clock.iso())])
    chat.checkpoint()
    text = chat.path.read_text()
    assert text.count(f'"id":"{mid}"') == 4  # the same message, four times
    events = _decode_lines(chat.path)
    [call] = [e for e in events if isinstance(e, LLMCall)]
    assert (call.input_tokens, call.output_tokens, call.cache_read_tokens) == (400, 25, 100)
    assert call.dedupe_key == f"gemini:{MAIN}:{mid}"
    [tool] = [e for e in events if isinstance(e, ToolCall)]
    assert tool.phase == "end" and tool.ok and tool.summary == "/a"
    # a later record with other figures replaces the earlier one: the aggregator adds
    # only the difference (the same dedupe key), never a second call
    agg = Aggregator()
    agg.ingest(events)
    grown = [r for r in map(json.loads, text.splitlines())
             if r.get("id") == mid and r.get("tokens")][-1]
    grown["tokens"] = {**grown["tokens"], "output": 40, "total": 560}
    with open(chat.path, "a") as f:
        f.write(json.dumps(grown) + "\n")
    agg.ingest(_decode_lines(chat.path)[len(events):])  # (the same decoder's later events)
    t = agg.snapshot().tokens
    assert (t.calls, t.input, t.output, t.cache_read) == (1, 400, 45, 100)


def test_tool_calls_failures_and_a_sub_agent(tmp_path: Path) -> None:
    built = build(tmp_path)
    main = next(p for p in built["files"] if p.name.endswith(f"{MAIN[:8]}.jsonl"))
    events = _decode_lines(main)
    tools = {e.call_id: e for e in events if isinstance(e, ToolCall)}
    assert set(tools) == {"read_file-1", "run_shell_command-2", "codebase_investigator-3"}
    shell = tools["run_shell_command-2"]
    assert not shell.ok and shell.error == "Command exited with code 1: 1 failed"
    assert shell.summary == "pytest tests/test_auth.py -q" and shell.tool == "run_shell_command"
    assert tools["read_file-1"].duration_ms == 2500.0  # completion time − the message's time
    [link] = [e for e in events if isinstance(e, AgentInfo) and e.agent == f"{MAIN}/{SUB}"]
    assert link.parent == MAIN and link.turn == "done"
    sub = next(p for p in built["files"] if p.name == f"{SUB}.jsonl")
    assert place(str(sub)) == ("webapp", MAIN)
    sub_events = _decode_lines(sub)
    [first] = [e for e in sub_events if isinstance(e, AgentInfo)][:1]
    assert first.agent == f"{MAIN}/{SUB}" and first.parent == MAIN
    assert all(e.agent == f"{MAIN}/{SUB}" for e in sub_events if isinstance(e, LLMCall))


def test_info_warning_and_error_messages_are_log_lines(tmp_path: Path) -> None:
    built = build(tmp_path)
    main = next(p for p in built["files"] if p.name.endswith(f"{MAIN[:8]}.jsonl"))
    events = _decode_lines(main)
    logs = [(e.level, e.text) for e in events if isinstance(e, LogLine)]
    assert logs == [("info", "Switched to fallback model gemini-2.5-flash"),
                    ("warning", "Approaching the session token limit"),
                    ("error", "[API Error: 429 Resource exhausted]")]
    [bad] = [e for e in events if isinstance(e, ParseError)]
    assert "Gemini CLI record" in bad.reason
    turns = [e.turn for e in events if isinstance(e, AgentInfo) and e.turn]
    assert turns[0] == "model" and turns[-1] == "user"  # a prompt; the model's last answer


def test_whole_document_yields_only_what_is_new(tmp_path: Path) -> None:
    d = make_decoder("gemini-doc")
    assert is_whole_file(d)
    doc = JsonChat(tmp_path / "chats" / "session-a.json", MAIN, "h" * 64, Clock())
    src = str(doc.path)
    doc.record_message("user", "Summarise")
    doc.record_tokens(usage(3000, 400, thoughts=100))
    doc.record_message("gemini", "It is ...", model="gemini-2.5-pro")
    first = d.decode_file(doc.path.read_bytes(), src, 0.0)
    assert [e.output_tokens for e in first if isinstance(e, LLMCall)] == [500]
    assert d.decode_file(doc.path.read_bytes(), src, 0.0) == []  # re-read: nothing new
    doc.record_message("user", "More")
    doc.record_tokens(usage(3500, 40, cached=3000))
    doc.record_tool_calls("gemini-2.5-pro", [
        tool_call("g1", "glob", {"pattern": "*.py"}, "success", doc.clock.iso())])
    data = doc.path.read_bytes()
    assert d.decode_file(data[: len(data) // 2], src, 0.0) == []  # caught mid-rewrite
    assert "not valid JSON" in d.last_error
    again = d.decode_file(data, src, 0.0)
    assert [(e.input_tokens, e.cache_read_tokens) for e in again
            if isinstance(e, LLMCall)] == [(500, 3000)]
    assert [e.call_id for e in again if isinstance(e, ToolCall)] == ["g1"]
    # one message of a wrong shape: a bad line once, however often the file is re-read
    bad = json.loads(data)
    bad["messages"].append({"id": "x", "type": "gemini", "tokens": {"input": "many"}})
    raw = json.dumps(bad, indent=2).encode()
    assert sum(isinstance(e, ParseError) for e in d.decode_file(raw, src, 0.0)) == 1
    assert d.decode_file(raw, src, 0.0) == []


def test_detection_by_the_whole_record(tmp_path: Path) -> None:
    built = build(tmp_path)
    for path in built["files"]:
        head = path.read_bytes()[:65536]
        want = "gemini-doc" if path.suffix == ".json" else "gemini"
        assert detect_format(head_lines(head), str(path), head) == want, path
        assert detect_format(head_lines(head), "", head) == want, path  # the tailer's call
    # message lines alone (a file read from its middle) are Gemini's too
    lines = [ln for ln in _lines(built["files"][-1]) if b'"type":"gemini"' in ln][:3]
    assert detect_format(lines) == "gemini"
    # "sessionId" is Claude Code's key too: its records keep their format
    claude = [json.dumps({"type": "user", "sessionId": "s1", "uuid": "u1", "cwd": "/x",
                          "timestamp": "2026-05-04T09:30:00.000Z",
                          "message": {"role": "user", "content": "hi"}}).encode(),
              json.dumps({"type": "assistant", "sessionId": "s1", "uuid": "u2",
                          "message": {"id": "m", "model": "claude-sonnet-4-5",
                                      "usage": {"input_tokens": 1, "output_tokens": 2}}}).encode()]
    assert detect_format(claude) == "claude-code"
    # another format's number under a key a Gemini line has ("id") does not blind the vote
    native = [json.dumps({"ts": 1.0, "type": "llm_call", "id": 7, "model": "m"}).encode()]
    assert detect_format(native) == "native"


async def test_live_tail_of_a_growing_chat(tmp_path: Path) -> None:
    """Followed live: a .jsonl appended to and a .json rewritten in place; the totals track
    the hand count of the files at each step, and settle there (nothing counted twice)."""
    tmp = tmp_path / ".gemini" / "tmp"
    chat = JsonlChat(tmp / "webapp" / "chats" / "session-live.jsonl", MAIN,
                     project_hash("/w"), Clock())
    chat.record_message("user", "Start")
    chat.record_tokens(usage(1000, 10, cached=0, thoughts=4))
    chat.record_message("gemini", "Looking", model="gemini-2.5-pro")
    doc = JsonChat(tmp / "old" / "chats" / "session-old.json", "old-session", project_hash("/o"),
                   Clock())
    doc.record_message("user", "Old")
    doc.record_tokens(usage(700, 7))
    doc.record_message("gemini", "Old answer", model="gemini-2.5-flash")

    def files() -> list[Path]:
        return sorted(p for p in tmp.rglob("*.json*") if p.is_file())

    h = Harness(str(tmp))

    def totals() -> dict:
        t = h.agg.snapshot().tokens
        return {"input": t.input, "output": t.output, "cache_read": t.cache_read,
                "cache_write": t.cache_write, "calls": t.calls, "total": t.total}

    async with h:
        await h.ready()
        await h.until(lambda: totals() == hand_count(files())["tokens"])
        # the next response: recorded, then its tokens (the same id again), then its tools
        mid = chat.record_message("gemini", "", model="gemini-2.5-pro")
        await h.until(lambda: totals() == hand_count(files())["tokens"])
        chat.record_tokens(usage(2000, 30, cached=1000, thoughts=8, tool=5))
        chat.record_tool_calls("gemini-2.5-pro", [
            tool_call("t1", "run_shell_command", {"command": "ls"}, "error", chat.clock.iso(),
                      error="boom")])
        doc.record_message("user", "And?")  # the document rewritten in place
        doc.record_tokens(usage(900, 9, cached=600))
        doc.record_message("gemini", "More", model="gemini-2.5-flash")
        expected = hand_count(files())
        await h.until(lambda: totals() == expected["tokens"])
        await h.settle(0)
        assert totals() == expected["tokens"]
        assert expected["tokens"]["calls"] == 4
        snap = h.agg.snapshot()
        assert snap.tools["run_shell_command"].errors == 1
        rows = {a.id: a for a in snap.agents}
        assert rows[MAIN].name == "webapp: Start"
        assert mid


def test_discovery_finds_gemini_chats(tmp_path: Path) -> None:
    home = tmp_path / "home"
    built = build(home)
    found = agent_session_dirs({}, home)
    assert [tool for tool, _ in found] == ["Gemini CLI", "Gemini CLI"]
    assert describe(found) == f"Gemini CLI sessions in {built['tmp']}"
    other = tmp_path / "elsewhere"
    build(other)
    assert {str(p).split("/.gemini/")[0] for _, p in
            agent_session_dirs({"GEMINI_CLI_HOME": str(other)}, home)} == {str(other)}
    (tmp_path / "bare" / ".gemini" / "tmp" / "p").mkdir(parents=True)  # no chat yet
    assert agent_session_dirs({}, tmp_path / "bare") == []
    r = run_cli("report", "--output", "json", home=str(home),
                env_drop=("CLAUDE_CONFIG_DIR", "GEMINI_CLI_HOME"))
    assert r.returncode in (0, 1), r.stderr
    assert f"watching Gemini CLI sessions in {built['tmp']}" in r.stderr
    tokens = json.loads(r.stdout)["tokens"]
    assert tokens["total"] == hand_count(built["files"])["tokens"]["total"]
    # only the chats: tool outputs, shell history and logs.json under tmp/ are not read
    (built["tmp"] / "webapp" / "tool-outputs").mkdir()
    (built["tmp"] / "webapp" / "tool-outputs" / "out.txt").write_text("ERROR x\n")
    (built["tmp"] / "webapp" / "logs.json").write_text('[\n  {"sessionId": "x"}\n]\n')
    r = run_cli("report", "--output", "json", home=str(home),
                env_drop=("CLAUDE_CONFIG_DIR", "GEMINI_CLI_HOME"))
    paths = [f["path"] for f in json.loads(r.stdout)["sources"]["files"]]
    assert len(paths) == 6 and all("/chats/" in p for p in paths)


def test_a_chats_glob_matches_at_every_depth(tmp_path: Path) -> None:
    """glob's ``**/`` matches no directory too; the watcher's test for a new file agrees."""
    from swarmtop.sources.paths import matches, parse_source

    spec = parse_source(str(tmp_path / "*" / "chats" / "**" / "*.jsonl"))
    assert matches(spec, tmp_path / "p" / "chats" / "session-a.jsonl")
    assert matches(spec, tmp_path / "p" / "chats" / MAIN / f"{SUB}.jsonl")
    assert not matches(spec, tmp_path / "p" / "logs.json")
    assert not matches(spec, tmp_path / "p" / "chats" / "session-a.jsonl.tmp-42")


async def test_live_discovery_takes_up_a_new_project(tmp_path: Path) -> None:
    """Watching what discovery found: a session started later, in a project folder that did
    not exist yet, is read as it grows."""
    home = tmp_path / "home"
    build(home)
    tmp = home / ".gemini" / "tmp"
    found = agent_session_dirs({}, home)
    h = Harness(*(str(p) for _, p in found))
    async with h:
        await h.ready()
        before = hand_count(sorted(p for p in tmp.rglob("*.json*") if p.is_file()))["tokens"]
        await h.until(lambda: h.agg.snapshot().tokens.total == before["total"])
        chat = JsonlChat(tmp / "newproj" / "chats" / "session-new.jsonl", "new-session",
                         project_hash("/n"), Clock())
        chat.record_message("user", "Hello")
        chat.record_tokens(usage(321, 12, thoughts=3))
        chat.record_message("gemini", "Hi", model="gemini-2.5-flash")
        await h.until(lambda: h.agg.snapshot().tokens.total == before["total"] + 336)
        await h.settle(0)
        snap = h.agg.snapshot()
        assert snap.tokens.total == before["total"] + 336
        assert {a.name for a in snap.agents} >= {"newproj: Hello"}
