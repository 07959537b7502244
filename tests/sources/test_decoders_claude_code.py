"""Claude Code transcripts: dedupe of content-block lines (with streaming growth), synthetic
rows, sub-agent files, sidechains, a cut last line, and both reader paths."""

from __future__ import annotations

import json
from pathlib import Path

from swarmtop.commands.report import build_report
from swarmtop.core.aggregator import Aggregator
from swarmtop.core.config import Config
from swarmtop.events import LLMCall, ParseError
from swarmtop.sources.decoders.claude_code import ClaudeCodeDecoder
from swarmtop.sources.reader import read_file
from tests.conftest import run_cli

SESSION = "5e55a000-0000-4000-8000-000000000001"


def _assistant(mid: str, rid: str | None, model: str, i: int, o: int, cr: int = 0,
               cw: int = 0, ts: str = "2026-11-25T10:00:05.000Z", **extra) -> dict:
    rec = {"parentUuid": "p", "isSidechain": False, "userType": "external", "cwd": "/w",
           "sessionId": SESSION, "version": "2.0.50", "type": "assistant",
           "message": {"id": mid, "type": "message", "role": "assistant", "model": model,
                       "content": [{"type": "text", "text": "the usage of \"usage\" here"}],
                       "usage": {"input_tokens": i, "cache_creation_input_tokens": cw,
                                 "cache_read_input_tokens": cr, "output_tokens": o,
                                 "service_tier": "standard"}},
           "uuid": f"u-{mid}-{o}", "timestamp": ts}
    if rid:
        rec["requestId"] = rid
    rec.update(extra)
    return rec


def _user(text: str) -> dict:
    return {"parentUuid": None, "isSidechain": False, "type": "user", "sessionId": SESSION,
            "message": {"role": "user", "content": [{"type": "tool_result", "content": text}]},
            "uuid": "u0", "timestamp": "2026-11-25T10:00:00.000Z",
            # a Task tool result carries a usage object on a user line: not a call
            "toolUseResult": {"usage": {"input_tokens": 999, "output_tokens": 999}}}


def _write(path: Path, records: list[dict], tail: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(json.dumps(r) + "\n" for r in records)
    path.write_text(body + tail, encoding="utf-8")


def _project(root: Path) -> Path:
    proj = root / ".claude" / "projects" / "-home-u-proj"
    main = [
        {"type": "summary", "summary": "s", "leafUuid": "x"},
        _user("x" * 5000),
        # one response, three content-block lines: partial output first, then final
        _assistant("msg_1", "req_1", "claude-sonnet-4-5-20250929", 10, 1, 5000, 1000),
        _assistant("msg_1", "req_1", "claude-sonnet-4-5-20250929", 10, 120, 5000, 1000),
        _assistant("msg_1", "req_1", "claude-sonnet-4-5-20250929", 10, 120, 5000, 1000),
        _assistant("msg_2", "req_2", "claude-sonnet-4-5-20250929", 3, 40, 6000, 0,
                   ts="2026-11-25T10:00:30.000Z"),
        # synthetic rows are made up locally: never counted
        _assistant("msg_s", None, "<synthetic>", 0, 0),
        # an inline sidechain
        _assistant("msg_3", "req_3", "claude-haiku-4-5-20251001", 7, 8, isSidechain=True),
    ]
    cut = json.dumps(_assistant("msg_9", "req_9", "claude-sonnet-4-5-20250929", 1, 1))[:80]
    _write(proj / f"{SESSION}.jsonl", main, tail=cut)  # last line cut mid-write
    sub = [_assistant("msg_4", "req_4", "claude-haiku-4-5-20251001", 100, 20, agentId="a1",
                      isSidechain=True),
           _assistant("msg_4", "req_4", "claude-haiku-4-5-20251001", 100, 20, agentId="a1",
                      isSidechain=True)]
    _write(proj / SESSION / "subagents" / "agent-a1.jsonl", sub)
    return root / ".claude" / "projects"


def _report(root: Path, fmt: str = "auto"):
    from argparse import Namespace

    return build_report(Namespace(sources=[str(root)], format=fmt, since=None), Config())


def test_totals_dedupe_growth_synthetic_subagents(tmp_path):
    snap = _report(_project(tmp_path))
    t = snap.tokens
    assert t.calls == 4  # msg_1, msg_2, msg_3, msg_4 — each once
    assert t.input == 10 + 3 + 7 + 100
    assert t.output == 120 + 40 + 8 + 20  # msg_1 counted at its final output, not 1
    assert t.cache_read == 5000 + 6000
    assert t.cache_write == 1000
    assert set(t.by_agent) == {SESSION, f"{SESSION}/sidechain", f"{SESSION}/a1"}
    assert t.by_agent[f"{SESSION}/a1"].calls == 1
    assert "<synthetic>" not in t.by_model
    # a report reads a file to its end: the last line, cut mid-write, is read as it is (a bad
    # line); live, it would wait for its newline (tests/sources/test_tailer_lines.py)
    assert snap.sources.bad_lines == 1
    files = {Path(f.path).name: f for f in snap.sources.files}
    main = files[f"{SESSION}.jsonl"]
    assert main.format == "claude-code"
    assert main.lines == 9
    assert "no newline" in main.why


def test_priced_per_call_with_cache_rates(tmp_path):
    snap = _report(_project(tmp_path))
    sonnet = snap.tokens.by_model["claude-sonnet-4-5-20250929"]
    # $3 input, $15 output, $0.30 cache read, $3.75 cache write per million tokens
    expected = (13 * 3 + 160 * 15 + 11000 * 0.30 + 1000 * 3.75) / 1e6
    assert abs(sonnet.cost_usd - expected) < 1e-9


def test_sparse_and_line_paths_agree(tmp_path):
    root = _project(tmp_path)
    fast = [e for p in sorted(root.rglob("*.jsonl")) for b in read_file(p) for e in b]
    slow = [e for p in sorted(root.rglob("*.jsonl"))
            for b in read_file(p, max_line=4096) for e in b]  # below CHUNK: line by line
    agg_f, agg_s = Aggregator(), Aggregator()
    agg_f.ingest(fast)
    agg_s.ingest(slow)
    tf, ts = agg_f.snapshot().tokens, agg_s.snapshot().tokens
    assert (tf.input, tf.output, tf.cache_read, tf.cache_write, tf.calls) == (
        ts.input, ts.output, ts.cache_read, ts.cache_write, ts.calls)
    status_f = [e for e in fast if type(e).__name__ == "FileStatus"]
    status_s = [e for e in slow if type(e).__name__ == "FileStatus"]
    assert [(s.lines, s.offset) for s in status_f] == [(s.lines, s.offset) for s in status_s]


def test_sparse_path_cuts_over_long_line(tmp_path):
    from swarmtop.sources import reader

    p = tmp_path / "t.jsonl"
    big = json.dumps(_assistant("msg_big", "req_b", "claude-sonnet-4-5", 1, 1))
    big = big.replace("the usage of", "x" * (reader.CHUNK + 10))
    ok = json.dumps(_assistant("msg_ok", "req_ok", "claude-sonnet-4-5", 2, 3))
    p.write_text(ok + "\n" + big + "\n" + ok.replace("msg_ok", "msg_ok2") + "\n")
    events = [e for b in read_file(p, "claude-code") for e in b]
    calls = [e for e in events if isinstance(e, LLMCall)]
    errors = [e for e in events if isinstance(e, ParseError)]
    assert [c.dedupe_key for c in calls] == ["msg_ok:req_ok", "msg_ok2:req_ok"]
    assert len(errors) == 1 and "cut" in errors[0].reason
    assert events[-1].lines == 3


def test_bad_lines_counted_not_fatal():
    d = ClaudeCodeDecoder()
    bad = d.decode(b'{"type":"assistant","message":{"usage":{"output_tokens":', "f", 7, 0.0)
    assert isinstance(bad[0], ParseError) and bad[0].offset == 7
    neg = json.dumps(_assistant("m", "r", "claude-sonnet-4-5", -5, 1)).encode()
    assert isinstance(d.decode(neg, "f", 0, 0.0)[0], ParseError)
    latin = json.dumps(_assistant("m2", "r2", "claude-sonnet-4-5", 5, 1)).encode()
    latin = latin.replace(b"here", b"h\xe9re")  # invalid UTF-8 is replaced, never fatal
    assert isinstance(d.decode(latin, "f", 0, 0.0)[0], LLMCall)
    # every line is read now (prompts, tool results, titles): one that is no JSON is counted
    [bad] = d.decode(b"not json and no needle", "f", 3, 0.0)
    assert isinstance(bad, ParseError) and bad.offset == 3


def test_message_id_alone_when_no_request_id_and_stated_cost_wins():
    d = ClaudeCodeDecoder()
    rec = _assistant("msg_x", None, "claude-sonnet-4-5", 1, 2, costUSD=0.5)
    (call,) = [e for e in d.decode(json.dumps(rec).encode(), "f", 0, 0.0)
               if isinstance(e, LLMCall)]
    assert call.dedupe_key == "msg_x" and call.cost_usd == 0.5
    agg = Aggregator()
    agg.ingest([call, call])
    assert agg.snapshot().tokens.cost_usd == 0.5


def test_cli_report_on_claude_projects_just_works(tmp_path):
    root = _project(tmp_path)
    res = run_cli("report", str(root), "--output", "json")
    assert res.returncode == 0, res.stderr
    snap = json.loads(res.stdout)
    assert snap["tokens"]["calls"] == 4
    assert snap["tokens"]["output"] == 188


def _events_both_ways(path: Path, monkeypatch, chunk: int = 700) -> tuple[list, list]:
    """(sparse path with small chunks, line-by-line path): events of one file."""
    from swarmtop.sources import reader

    slow = [e for b in read_file(path, "claude-code", max_line=1 << 16) for e in b]
    monkeypatch.setattr(reader, "CHUNK", chunk)  # many chunk boundaries, lines across them
    monkeypatch.setattr(reader, "HEAD_BYTES", chunk)  # (the first chunk read is the head)
    fast = [e for b in read_file(path, "claude-code") for e in b]
    return fast, slow


def test_scan_passes_over_user_lines_with_the_same_events(tmp_path, monkeypatch):
    """scan() skips user records unread, yet emits exactly what decode() on every line
    does: repeats across a user line are decided as if it had been read (a user line holding
    the needle breaks a run of repeats), and a "type":"user" that is not the record's own
    type (after a bracket) does not make the line a user line."""
    import random

    rng = random.Random(5)
    sonnet = "claude-sonnet-4-5-20250929"
    records: list[dict] = []
    for n in range(120):
        kind = rng.random()
        mid, rid = f"msg_{n // 3}", f"req_{n // 3}"
        if kind < 0.3:
            records.append(_user("y" * rng.randint(10, 4000)))  # holds a Task usage
        elif kind < 0.45:
            plain = _user("z" * rng.randint(10, 4000))
            del plain["toolUseResult"]  # no needle at all
            records.append(plain)
        elif kind < 0.5:
            # "type":"user" nested before the record's own type: not a user line
            rec = _assistant(mid, rid, sonnet, 5, n % 4 + 1)
            records.append({"meta": {"type": "user"}, **rec, "pad": "p" * 3000})
        elif kind < 0.53:
            records.append({"type": "summary", "summary": "s" * rng.randint(1, 400)})
        else:
            records.append(_assistant(mid, rid, sonnet, 5, n % 4 + 1, 100, 10))
    p = tmp_path / "s.jsonl"
    body = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records)
    bad = '{"type":"assistant","message":{"usage":{"output_tokens":\n'  # a bad line
    p.write_text(body + bad + body, encoding="utf-8")

    def brief(events: list) -> list[tuple]:
        return [(type(e).__name__, getattr(e, "dedupe_key", None),
                 getattr(e, "output_tokens", 0), getattr(e, "offset", None)) for e in events]

    for chunk in (3000, 1 << 20):  # lines across chunk boundaries; all in one chunk
        fast, slow = _events_both_ways(p, monkeypatch, chunk)
        monkeypatch.undo()
        assert any(isinstance(e, ParseError) for e in slow)
        assert brief(fast) == brief(slow)
        assert fast[-1].lines == slow[-1].lines == 2 * len(records) + 1


def test_repeat_after_user_line_with_needle_is_read(tmp_path, monkeypatch):
    """A repeat right after a user line is read again only when that user line, short
    enough to be searched for the needle, held it (its key then breaks the run of repeats);
    a long user line is read as a user record, never searched: both paths alike."""
    sonnet = "claude-sonnet-4-5-20250929"
    a = _assistant("msg_1", "req_1", sonnet, 1, 7)
    with_needle = _user("x" * 3000)  # toolUseResult.usage holds "output_tokens"
    short_needle = _user("x" * 30)
    without = _user("x" * 3000)
    del without["toolUseResult"]
    for between, repeats_read in ((with_needle, 1), (short_needle, 2), (without, 1)):
        p = tmp_path / f"r{repeats_read}-{len(json.dumps(between))}.jsonl"
        # compact, as Claude Code writes it (the repeat check reads '"requestId":"')
        lines = [json.dumps(r, separators=(",", ":")) + "\n"
                 for r in (_user("pad" * 300), a, between, a, _user("pad" * 300))]
        p.write_text("".join(lines))
        # the user line inside one chunk, as the last line of a chunk, lines across chunks
        for chunk in (1 << 20, len("".join(lines[:3])), 2500):
            fast, slow = _events_both_ways(p, monkeypatch, chunk)
            monkeypatch.undo()
            calls = [e for e in fast if isinstance(e, LLMCall)]
            assert len(calls) == repeats_read, chunk
            assert len(calls) == len([e for e in slow if isinstance(e, LLMCall)])


def test_one_hour_cache_writes_cost_twice_the_input_rate():
    """usage.cache_creation splits the writes by lifetime (Claude Code transcripts since
    mid-2025: {"ephemeral_5m_input_tokens": .., "ephemeral_1h_input_tokens": ..}); a 1-hour
    write costs 2x the input rate, a 5-minute one 1.25x (Anthropic's pricing)."""
    rec = _assistant("msg_h", "req_h", "claude-sonnet-4-5-20250929", 0, 0, 0, 3000)
    rec["message"]["usage"]["cache_creation"] = {"ephemeral_5m_input_tokens": 1000,
                                                 "ephemeral_1h_input_tokens": 2000}
    calls = [e for e in ClaudeCodeDecoder().decode(json.dumps(rec).encode(), "f", 0, 0.0)
             if isinstance(e, LLMCall)]
    assert calls[0].cache_write_1h_tokens == 2000
    agg = Aggregator()
    agg.ingest(calls)
    # $3/M input: 1000 x 3.75e-6 + 2000 x 6e-6
    assert abs(agg.snapshot().tokens.cost_usd - (1000 * 3.75e-6 + 2000 * 6e-6)) < 1e-9
