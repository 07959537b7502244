"""Gemini CLI recorded chats, written the way gemini-cli writes them, and a hand count.

The writers port what ``ChatRecordingService`` does, call by call, from google-gemini/gemini-cli
``packages/core/src/services/chatRecordingService.ts`` and ``chatRecordingTypes.ts``:

- ``JsonlChat``: commit 5411f113 (2026-08-21), the appended ``.jsonl`` form: a metadata line
  ``{sessionId, projectHash, startTime, lastUpdated, kind, directories}``; every change of a
  message appends the whole message again (``pushMessage``); ``updateMetadata`` appends
  ``{"$set": {...}}``; ``rewindTo`` appends ``{"$rewindTo": id}``;
  ``updateMessagesFromHistory`` appends ``{"$set": {"messages": [...], "lastUpdated"}}``;
  resuming a ``.json`` session appends its metadata and every message to ``<name>.jsonl``.
- ``JsonChat``: commit dcf5afaf (2026-04-01), the whole-document ``.json`` form, rewritten in
  place with ``JSON.stringify(conversation, null, 2)`` on every change (not before the first
  message).

Both share the recorder's logic: ``recordMessageTokens`` gives the tokens to the last message
when it is a ``gemini`` one without tokens, else queues them for the next; ``recordToolCalls``
(called when the tools completed, ``geminiChat.recordCompletedToolCalls``: status, a
``timestamp`` of completion, ``agentId`` from a sub-agent's response data) adds them to the
last ``gemini`` message, or to a new one. geminiChat records a response's tokens *before*
its message (so a message is usually born with them); ``record_message`` then
``record_tokens`` exercises the other order.
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

T0 = datetime(2026, 5, 4, 9, 30, 0, tzinfo=UTC).timestamp()


class Clock:
    def __init__(self, start: float = T0) -> None:
        self.t = start

    def iso(self, step: float = 1.0) -> str:
        self.t += step
        dt = datetime.fromtimestamp(self.t, UTC)
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def usage(prompt: int, candidates: int, cached: int = 0, thoughts: int = 0,
          tool: int = 0) -> dict:
    """A response's ``usageMetadata`` (@google/genai): total = prompt + candidates +
    thoughts + tool-use prompt (cached is part of the prompt)."""
    return {"promptTokenCount": prompt, "candidatesTokenCount": candidates,
            "cachedContentTokenCount": cached, "thoughtsTokenCount": thoughts,
            "toolUsePromptTokenCount": tool,
            "totalTokenCount": prompt + candidates + thoughts + tool}


def tool_call(call_id: str, name: str, args: dict, status: str, ts: str, *,
              output: str = "", error: str = "", agent_id: str | None = None,
              display: str = "", description: str = "") -> dict:
    """A completed tool call as ``recordCompletedToolCalls`` builds it, enriched by
    ``recordToolCalls`` (displayName, description, renderOutputAsMarkdown)."""
    response = {"error": error} if status == "error" else {"output": output}
    rec: dict = {"id": call_id, "name": name, "args": args,
                 "result": [{"functionResponse": {"id": call_id, "name": name,
                                                  "response": response}}],
                 "status": status, "timestamp": ts,
                 "resultDisplay": error if status == "error" else output,
                 "displayName": display or name, "description": description,
                 "renderOutputAsMarkdown": False}
    if agent_id is not None:
        rec["agentId"] = agent_id
    return rec


class _Recorder:
    """The recording logic both forms share; ``_push``/``_set`` say how a change is written."""

    def __init__(self, path: Path, session_id: str, project_hash: str, clock: Clock,
                 kind: str | None = None) -> None:
        self.path = path
        self.clock = clock
        path.parent.mkdir(parents=True, exist_ok=True)
        now = clock.iso(0)
        self.conv: dict = {"sessionId": session_id, "projectHash": project_hash,
                           "startTime": now, "lastUpdated": now, "messages": []}
        if kind:
            self.conv["kind"] = kind
        self.queued_tokens: dict | None = None
        self.queued_thoughts: list[dict] = []

    @property
    def messages(self) -> list[dict]:
        return self.conv["messages"]

    def record_thought(self, subject: str, description: str) -> None:
        self.queued_thoughts.append({"subject": subject, "description": description,
                                     "timestamp": self.clock.iso(0.2)})

    def record_message(self, type_: str, content: object, model: str | None = None) -> str:
        msg: dict = {"id": str(uuid.uuid4()), "timestamp": self.clock.iso(), "type": type_,
                     "content": content}
        if type_ == "gemini":
            msg["thoughts"] = self.queued_thoughts
            msg["tokens"] = self.queued_tokens
            msg["model"] = model
            self.queued_thoughts, self.queued_tokens = [], None
        self._push(msg)
        return msg["id"]

    def record_tokens(self, meta: dict) -> None:
        tokens = {"input": meta.get("promptTokenCount", 0),
                  "output": meta.get("candidatesTokenCount", 0),
                  "cached": meta.get("cachedContentTokenCount", 0),
                  "thoughts": meta.get("thoughtsTokenCount", 0),
                  "tool": meta.get("toolUsePromptTokenCount", 0),
                  "total": meta.get("totalTokenCount", 0)}
        last = self.messages[-1] if self.messages else None
        if last is not None and last["type"] == "gemini" and not last.get("tokens"):
            last["tokens"] = tokens
            self.queued_tokens = None
            self._push(last)
        else:
            self.queued_tokens = tokens

    def record_tool_calls(self, model: str, calls: list[dict]) -> None:
        last = self.messages[-1] if self.messages else None
        if last is None or last["type"] != "gemini" or self.queued_thoughts:
            msg: dict = {"id": str(uuid.uuid4()), "timestamp": self.clock.iso(),
                         "type": "gemini", "content": "", "toolCalls": calls,
                         "thoughts": self.queued_thoughts, "model": model}
            self.queued_thoughts = []
            if self.queued_tokens:
                msg["tokens"], self.queued_tokens = self.queued_tokens, None
            self._push(msg)
            return
        have = last.setdefault("toolCalls", [])
        for c in calls:
            at = next((i for i, old in enumerate(have) if old["id"] == c["id"]), None)
            if at is None:
                have.append(c)
            else:
                have[at] = {**have[at], **c}
        self._push(last)

    def save_summary(self, summary: str) -> None:
        self._set({"summary": summary})

    def _push(self, msg: dict) -> None:
        raise NotImplementedError

    def _set(self, updates: dict) -> None:
        raise NotImplementedError


class JsonlChat(_Recorder):
    """``.jsonl``: appended records (since 2026-04)."""

    def __init__(self, path: Path, session_id: str, project_hash: str, clock: Clock,
                 kind: str | None = None, directories: list[str] | None = None) -> None:
        super().__init__(path, session_id, project_hash, clock, kind)
        meta = {k: v for k, v in self.conv.items() if k != "messages"}
        if directories is not None:
            meta["directories"] = directories
        self._append(meta)

    def _append(self, record: dict) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, separators=(",", ":")) + "\n")

    def _push(self, msg: dict) -> None:
        self._append(copy.deepcopy(msg))
        at = next((i for i, m in enumerate(self.messages) if m["id"] == msg["id"]), None)
        if at is None:
            self.messages.append(msg)
        else:
            self.messages[at] = msg
        if msg["type"] in ("user", "gemini", "info", "error", "warning"):
            self._set({"lastUpdated": self.clock.iso(0)})  # recordMessage's updateMetadata

    def _set(self, updates: dict) -> None:
        self.conv.update(updates)
        self._append({"$set": updates})

    def rewind_to(self, message_id: str) -> None:
        at = next(i for i, m in enumerate(self.messages) if m["id"] == message_id)
        del self.messages[at:]
        self._append({"$rewindTo": message_id})

    def checkpoint(self) -> None:
        """``updateMessagesFromHistory``: the whole list again (e.g. after masking)."""
        self._set({"messages": copy.deepcopy(self.messages), "lastUpdated": self.clock.iso(0)})

    @classmethod
    def resume(cls, legacy: JsonChat) -> JsonlChat:
        """``initialize(resumedSessionData)`` of a ``.json`` session: its metadata and every
        message appended to ``<name>.jsonl``, then ``updateMetadata({sessionId})``; the
        ``.json`` stays where it is."""
        new = cls.__new__(cls)
        new.path = legacy.path.with_suffix(".jsonl")
        new.clock = legacy.clock
        new.conv = copy.deepcopy(legacy.conv)
        new.queued_tokens, new.queued_thoughts = None, []
        meta = {k: v for k, v in new.conv.items() if k != "messages"}
        new._append(meta)
        for m in new.messages:
            new._append(m)
        new._set({"sessionId": new.conv["sessionId"]})
        return new


class JsonChat(_Recorder):
    """``.json``: the whole document rewritten on each change (until 2026-04)."""

    def _write(self) -> None:
        if not self.messages:
            return
        self.conv["lastUpdated"] = self.clock.iso(0)
        self.path.write_text(json.dumps(self.conv, indent=2, ensure_ascii=False),
                             encoding="utf-8")

    def _push(self, msg: dict) -> None:
        if msg not in self.messages:
            self.messages.append(msg)
        self._write()

    def _set(self, updates: dict) -> None:
        self.conv.update(updates)
        self._write()


# ---- a machine's ~/.gemini ---------------------------------------------------------------
MAIN = "3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b"
SUB = "9d8c7b6a-5f4e-4d3c-8b2a-0f1e2d3c4b5a"
LEGACY = "b1c2d3e4-f5a6-4b7c-8d9e-0a1b2c3d4e5f"
RESUMED = "c0ffee00-1111-4222-8333-444455556666"


def project_hash(root: str) -> str:
    return hashlib.sha256(root.encode()).hexdigest()


def build(home: Path) -> dict:
    """``home/.gemini/tmp`` with: a slug project (``webapp``) holding a ``.jsonl`` session
    (thoughts, cached and tool-use tokens, tokens recorded after their message, tool calls
    incl. a failure, a sub-agent, info/warning/error messages, a summary, a checkpoint, a
    rewind, a malformed line) and its sub-agent's chat; a project from before 2026-02 under
    its sha256 folder (a ``.json`` document) and the slug copy gemini-cli made of it; and a
    ``.json`` session resumed since (the ``.jsonl`` beside it repeats its messages).
    Returns what the files hold, for the hand count: the chat files."""
    tmp = home / ".gemini" / "tmp"
    clock = Clock()
    # -- webapp: the .jsonl form ------------------------------------------------------------
    web = tmp / "webapp"
    web.mkdir(parents=True)
    (web / ".project_root").write_text("/home/dev/webapp")
    chat = JsonlChat(web / "chats" / f"session-2026-05-04T09-30-{MAIN[:8]}.jsonl", MAIN,
                     project_hash("/home/dev/webapp"), clock)
    chat.record_message("user", [{"text": "Fix the failing login test in tests/test_auth.py"}])
    # the first response: thoughts, then a read_file and a failing shell command
    chat.record_thought("Inspecting the test", "Reading the test file first.")
    chat.record_tokens(usage(8200, 120, cached=0, thoughts=310, tool=0))
    chat.record_message("gemini", "", model="gemini-2.5-pro")
    t_read = clock.iso(2.5)
    t_shell = clock.iso(4.0)
    chat.record_tool_calls("gemini-2.5-pro", [
        tool_call("read_file-1", "read_file", {"absolute_path": "/home/dev/webapp/tests/test_auth.py"},
                  "success", t_read, output="def test_login(): ..."),
        tool_call("run_shell_command-2", "run_shell_command",
                  {"command": "pytest tests/test_auth.py -q"}, "error", t_shell,
                  error="Command exited with code 1: 1 failed", display="Shell")])
    # the second response: cached and tool-use prompt tokens; a sub-agent investigates
    chat.record_tokens(usage(9100, 95, cached=8000, thoughts=150, tool=40))
    chat.record_message("gemini", "", model="gemini-2.5-pro")
    t_sub = clock.iso(30.0)
    chat.record_tool_calls("gemini-2.5-pro", [
        tool_call("codebase_investigator-3", "codebase_investigator",
                  {"objective": "Find where the session cookie is set"}, "success", t_sub,
                  output="It is set in auth/session.py", agent_id=SUB,
                  display="Codebase Investigator Agent",
                  description="Find where the session cookie is set")])
    sub = JsonlChat(web / "chats" / MAIN / f"{SUB}.jsonl", SUB,
                    project_hash("/home/dev/webapp"), Clock(clock.t - 28.0), kind="subagent",
                    directories=["/home/dev/webapp"])
    sub.record_message("user", [{"text": "Find where the session cookie is set"}])
    sub.record_tokens(usage(4000, 60, cached=1000, thoughts=90))
    sub.record_message("gemini", "", model="gemini-2.5-flash")
    sub.record_tool_calls("gemini-2.5-flash", [
        tool_call("grep-1", "search_file_content", {"pattern": "set_cookie"}, "success",
                  sub.clock.iso(1.0), output="auth/session.py:42")])
    sub.record_tokens(usage(4300, 40, cached=4000, thoughts=20))
    sub.record_message("gemini", "", model="gemini-2.5-flash")
    sub.record_tool_calls("gemini-2.5-flash", [
        tool_call("complete_task-2", "complete_task", {"result": "auth/session.py"},
                  "success", sub.clock.iso(0.5))])
    chat.record_message("info", "Switched to fallback model gemini-2.5-flash")
    # the third response: recorded before its tokens (they then update the same id: the
    # recorder's other path, taken when a response's usage comes after its message)
    answer = chat.record_message("gemini", "Fixed: the cookie was set after the redirect.",
                                 model="gemini-2.5-flash")
    chat.record_tokens(usage(12000, 240, cached=9000, thoughts=0, tool=0))
    chat.save_summary("Fix failing login test")
    chat.checkpoint()  # every message again: nothing more to count
    chat.record_message("user", "/stats")  # a slash command: no prompt
    chat.record_message("warning", "Approaching the session token limit")
    chat.record_message("user", "Also add a regression test")
    chat.record_tokens(usage(13000, 500, cached=12000, thoughts=200))
    late = chat.record_message("gemini", "Added tests/test_cookie.py.", model="gemini-2.5-pro")
    chat.record_message("error", "[API Error: 429 Resource exhausted]")
    chat.rewind_to(late)  # hidden from the chat; its tokens were spent
    with open(chat.path, "a", encoding="utf-8") as f:
        f.write('{"id": "broken", "type": "gemini", "tokens": {"input": -5}}\n')
    assert answer
    # -- a project from before 2026-02: sha256 folder, .json documents -------------------
    root = "/home/dev/legacy"
    old = tmp / project_hash(root) / "chats"
    doc = JsonChat(old / f"session-2026-01-12T08-00-{LEGACY[:8]}.json", LEGACY,
                   project_hash(root), Clock(T0 - 90 * 86400))
    doc.record_message("user", "Summarise the README")
    doc.record_tokens(usage(3000, 400, cached=0, thoughts=120))
    doc.record_message("gemini", "It describes a CLI for ...", model="gemini-2.5-pro")
    doc.record_message("user", "List the open TODOs")
    doc.record_tokens(usage(3600, 50, cached=2900, thoughts=30, tool=12))
    doc.record_tool_calls("gemini-2.5-pro", [
        tool_call("glob-1", "glob", {"pattern": "**/*.py"}, "success",
                  doc.clock.iso(1.5), output="12 files"),
        tool_call("shell-2", "run_shell_command", {"command": "rm -rf build"}, "cancelled",
                  doc.clock.iso(0.5))])
    doc.save_summary("README and TODOs")
    # the 2026-02 move to slug folders copied the whole folder (StorageMigration: fs.cp)
    slug = tmp / "legacy"
    (slug / "chats").mkdir(parents=True)
    (slug / ".project_root").write_text(root)
    copied = slug / "chats" / doc.path.name
    copied.write_bytes(doc.path.read_bytes())
    # -- a .json session resumed after 2026-04: .jsonl beside it -------------------------
    res = JsonChat(slug / "chats" / f"session-2026-03-01T12-00-{RESUMED[:8]}.json", RESUMED,
                   project_hash(root), Clock(T0 - 60 * 86400))
    res.record_message("user", "Bump the version")
    res.record_tokens(usage(2000, 30, thoughts=10))
    res.record_message("gemini", "Done: 1.4.0", model="gemini-2.5-flash")
    resumed = JsonlChat.resume(res)
    resumed.clock = Clock(T0 - 1000)
    resumed.record_message("user", "And tag it")
    resumed.record_tokens(usage(2500, 20, cached=1800, thoughts=5))
    resumed.record_tool_calls("gemini-2.5-flash", [
        tool_call("shell-1", "run_shell_command", {"command": "git tag v1.4.0"}, "success",
                  resumed.clock.iso(1.0), output="")])
    return {"tmp": tmp, "files": sorted(p for p in tmp.rglob("*.json*") if p.is_file())}


# ---- the hand count -----------------------------------------------------------------------
def hand_count(files: list[Path]) -> dict:
    """What the files hold, counted without swarmtop: per (session, message id) the last
    record of the message (``$set.messages`` and document lists included; a message is
    the same message in every file that holds it); a call per ``gemini`` message with
    tokens; input − cached + tool, cached, output + thoughts. Tool calls: one per (session,
    tool call id) that completed."""
    last: dict[tuple[str, str], dict] = {}
    bad = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            doc = json.loads(text)
            for m in doc["messages"]:
                last[(doc["sessionId"], m["id"])] = m
            continue
        session = None
        for line in text.splitlines():
            rec = json.loads(line)
            if "sessionId" in rec and "projectHash" in rec:
                session = rec["sessionId"]
            elif "$set" in rec:
                for m in rec["$set"].get("messages", []):
                    last[(session, m["id"])] = m
            elif "$rewindTo" in rec:
                pass
            elif isinstance(rec.get("tokens"), dict) and rec["tokens"].get("input", 0) < 0:
                bad += 1
            elif "id" in rec:
                last[(session, rec["id"])] = rec
    totals = {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0, "calls": 0}
    by_model: dict[str, int] = {}
    tools: set[tuple[str, str]] = set()
    failed_tools: set[tuple[str, str]] = set()
    for (session, _), m in last.items():
        if m["type"] != "gemini":
            continue
        for tc in m.get("toolCalls") or []:
            tools.add((session, tc["id"]))
            if tc["status"] != "success":
                failed_tools.add((session, tc["id"]))
        t = m.get("tokens")
        if not t:
            continue
        totals["input"] += t["input"] - t["cached"] + t.get("tool", 0)
        totals["output"] += t["output"] + t.get("thoughts", 0)
        totals["cache_read"] += t["cached"]
        totals["calls"] += 1
        by_model[m["model"]] = by_model.get(m["model"], 0) + 1
        assert (t["input"] - t["cached"] + t.get("tool", 0) + t["output"] + t.get("thoughts", 0)
                + t["cached"]) == t["total"]  # the four add up to Gemini's own total
    totals["total"] = totals["input"] + totals["output"] + totals["cache_read"]
    return {"tokens": totals, "by_model": by_model, "tools": len(tools),
            "failed_tools": len(failed_tools), "bad": bad}
