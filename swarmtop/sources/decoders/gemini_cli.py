"""Gemini CLI recorded chats (``${GEMINI_CLI_HOME:-~}/.gemini/tmp/<project>/chats/``).

Shapes, from google-gemini/gemini-cli ``packages/core/src/services/chatRecordingService.ts``
and ``chatRecordingTypes.ts`` (read at commit 5411f113, 2026-08-21; the whole-document form at
dcf5afaf, 2026-04-01):

- since 2026-04 (``feat(core): migrate chat recording to JSONL streaming``, f744913) an
  appended ``session-<time>-<id8>.jsonl`` (a sub-agent's: ``chats/<parent session>/<id>.jsonl``).
  Its lines are, as gemini-cli's own loader tells them apart: ``{"$rewindTo": id}``; a
  message (``id`` a string); ``{"$set": {...}}`` (``lastUpdated``, ``summary``, ``sessionId``,
  or ``messages``: the whole list again, a checkpoint); the metadata ``{sessionId,
  projectHash, startTime, lastUpdated, kind, directories}`` (a one-line legacy record also
  holds ``messages``). A message is appended again whole each time it changes (its tokens
  arrive, its tool calls complete): **the last record of an id wins**.
- before, a ``session-*.json`` document ``{sessionId, projectHash, startTime, lastUpdated,
  messages[], summary?, directories?, kind?}``, pretty-printed and rewritten in place
  (``GeminiDocumentDecoder``, a whole-file decoder). Resuming such a session copies every
  message into a new ``.jsonl`` beside it, and the 2026-02 move from a sha256 project folder
  to a slug copied the folder: the same messages can be in several files.

A message: ``{id, timestamp, type: user|gemini|info|error|warning, content, displayContent?}``;
a ``gemini`` one adds ``model``, ``thoughts``, ``toolCalls`` (``{id, name, args, result,
status: success|error|cancelled, timestamp (when it completed), agentId?, displayName,
description, resultDisplay}``, recorded once completed) and ``tokens`` ``{input, output,
cached, thoughts, tool, total}`` (the response's ``usageMetadata``: promptTokenCount,
candidatesTokenCount, cachedContentTokenCount, thoughtsTokenCount, toolUsePromptTokenCount,
totalTokenCount), set once, ``null`` until then.

Counted (docs/tokens.md): a call = a ``gemini`` message with tokens; input = input − cached +
tool, cache_read = cached, output = output + thoughts (the four add up to Gemini's own total);
``dedupe_key`` = ``gemini:<session>:<message id>``, so a message seen again — in this file or
in a copy — adds only what grew, never a second call. Each decoder says a message's figures
only when they differ from what it said before. ``$rewindTo`` removes nothing: those tokens
were spent. The agent is the session (a sub-agent ``<parent>/<session>``), named by the
project folder (a slug; a sha256 folder names nothing) and the session's summary, else its
first prompt.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Iterable
from typing import TypeVar

import msgspec

from swarmtop.events import AgentInfo, Event, LLMCall, LogLine, ToolCall
from swarmtop.sources.decoders.claude_code import iso_ts, short, tool_summary
from swarmtop.sources.decoders.common import (
    MAX_TS,
    MIN_TS,
    TOO_DEEP,
    Count,
    decode_or_bad,
    event_time,
    valid_utf8,
)

KIND = "gemini"  # agent_kind, as the OTLP decoder names Gemini CLI agents
MAX_IDS = 100_000  # per session: message ids and tool call ids remembered
MAX_SESSIONS = 1_000  # per decoder
MAX_LOG = 500  # characters of an info/warning/error message kept
_LEVELS = {"info": "info", "warning": "warning", "error": "error"}
_DONE = ("success", "error", "cancelled")  # a tool call's final statuses (CoreToolCallStatus)
_HASH_DIR = re.compile(r"[0-9a-f]{64}")  # a project folder named by sha256 (before 2026-02)
# what gemini-cli itself does not take as a prompt (sessionUtils.isIgnoredUserContent)
_NOT_PROMPT = ("/", "?", "<session_context>", "<hook_context>")


class _Tokens(msgspec.Struct):
    input: Count = 0
    output: Count = 0
    cached: Count = 0
    thoughts: Count = 0
    tool: Count = 0
    total: Count = 0


class _ToolRecord(msgspec.Struct):
    id: str | None = None
    name: str | None = None
    args: msgspec.Raw = msgspec.Raw(b"null")
    result: msgspec.Raw = msgspec.Raw(b"null")
    status: str | None = None
    timestamp: str | None = None
    agentId: str | None = None  # the log's own key
    displayName: str | None = None
    description: str | None = None
    resultDisplay: msgspec.Raw = msgspec.Raw(b"null")


class _Message(msgspec.Struct):
    id: str | None = None
    timestamp: str | None = None
    type: str | None = None
    content: msgspec.Raw = msgspec.Raw(b"null")
    tokens: _Tokens | None = None
    model: str | None = None
    toolCalls: list[_ToolRecord] | None = None


class _Set(msgspec.Struct):
    sessionId: str | None = None
    summary: str | None = None
    messages: list[msgspec.Raw] | None = None


class _Record(_Message):
    """Any line of a ``.jsonl`` chat: a message's fields, the metadata's, ``$set``,
    ``$rewindTo``."""

    sessionId: str | None = None
    projectHash: str | None = None
    startTime: str | None = None
    summary: str | None = None
    messages: list[msgspec.Raw] | None = None
    set_: _Set | None = msgspec.field(default=None, name="$set")
    rewind: str | None = msgspec.field(default=None, name="$rewindTo")


class _Document(msgspec.Struct):
    sessionId: str | None = None
    startTime: str | None = None
    summary: str | None = None
    messages: list[msgspec.Raw] | None = None


_record_decoder = msgspec.json.Decoder(_Record)
_message_decoder = msgspec.json.Decoder(_Message)
_document_decoder = msgspec.json.Decoder(_Document)


def _time(text: str | None) -> float | None:
    """Epoch seconds of a record's time (JavaScript's toISOString: the common case, its
    second's epoch cached by ``iso_ts``), None when it states none a calendar shows."""
    if not text:
        return None
    if len(text) == 24 and text[23] == "Z":
        ts = iso_ts(text, math.nan)
        if MIN_TS <= ts <= MAX_TS:  # (NaN when it did not parse)
            return ts
    return event_time(text)


def figures(t: _Tokens) -> tuple[int, int, int]:
    """(input, output, cache read) of a message's tokens, swarmtop's way (Anthropic's:
    input excludes the cache) — input − cached + tool, output + thoughts, cached."""
    return max(0, t.input - t.cached) + t.tool, t.output + t.thoughts, t.cached


def content_text(raw: msgspec.Raw) -> str:
    """A message's text: ``content`` is a string or a list of parts (``{"text": ..}``)."""
    try:
        content = msgspec.json.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    if isinstance(content, list):
        return "".join(p["text"] for p in content
                       if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def _tool_error(tc: _ToolRecord) -> str:
    """A failed tool's message: its ``resultDisplay`` when a string, else the
    ``functionResponse.response.error`` of its result."""
    try:
        display = msgspec.json.decode(tc.resultDisplay)
    except (msgspec.DecodeError, RecursionError):
        display = None
    if isinstance(display, str) and display.strip():
        return short(display, 100)
    try:
        parts = msgspec.json.decode(tc.result)
    except (msgspec.DecodeError, RecursionError):
        parts = None
    for p in parts if isinstance(parts, list) else ():
        fr = p.get("functionResponse") if isinstance(p, dict) else None
        resp = fr.get("response") if isinstance(fr, dict) else None
        if isinstance(resp, dict):
            for key in ("error", "output"):
                if isinstance(resp.get(key), str) and resp[key].strip():
                    return short(resp[key], 100)
    return tc.status or ""


def decode_messages(raws: Iterable[msgspec.Raw], source: str, offset: int,
                    now: float) -> tuple[list[_Message], list[tuple[int, bytes, Event]]]:
    """Messages given as raw JSON (a document's, a checkpoint's): those that decode, and
    (index, raw, bad line) of those that do not."""
    good: list[_Message] = []
    bad: list[tuple[int, bytes, Event]] = []
    for i, raw in enumerate(raws):
        data = bytes(raw)
        m, errors = decode_or_bad(_message_decoder, data, source, offset, now,
                                  "unexpected message shape")
        if m is None:
            bad.append((i, data, errors[0]))
        else:
            good.append(m)
    return good, bad


_V = TypeVar("_V")


def _remember(d: OrderedDict[str, _V], key: str, value: _V) -> None:
    d[key] = value
    if len(d) > MAX_IDS:
        d.popitem(last=False)


def place(source: str) -> tuple[str, str]:
    """(project, parent session) from a chat file's path: ``tmp/<project>/chats/<file>`` or
    ``tmp/<project>/chats/<parent session>/<file>`` (a sub-agent). A sha256 project folder
    names no project."""
    parts = source.replace("\\", "/").split("/")
    try:
        at = len(parts) - 1 - parts[::-1].index("chats")
    except ValueError:
        return "", ""
    project = parts[at - 1] if at >= 1 else ""
    if _HASH_DIR.fullmatch(project):
        project = ""
    parent = parts[at + 1] if at + 2 < len(parts) else ""
    return project, parent


def _file_session(source: str) -> str:
    """A session id from the file name when no record said it (``--from-end``)."""
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    for ext in (".jsonl", ".json"):
        if name.endswith(ext):
            return name[: -len(ext)]
    return name


class _Session:
    """What one decoder has said about one session (so it says each thing once)."""

    __slots__ = ("id", "agent", "parent", "project", "announced", "rank", "prompted",
                 "said", "tools", "times", "last_ts")

    def __init__(self, session_id: str, project: str, parent: str) -> None:
        self.id = session_id
        self.parent = parent
        self.agent = f"{parent}/{session_id}" if parent else session_id
        self.project = project
        self.announced = False
        self.rank = 0  # of the name said: 1 the first prompt, 2 the session's summary
        self.prompted = False
        self.said: OrderedDict[str, tuple[int, int, int]] = OrderedDict()  # message -> figures
        self.tools: OrderedDict[str, bool] = OrderedDict()  # tool call id -> ended
        self.times: OrderedDict[str, float] = OrderedDict()  # message id -> its time
        self.last_ts: float | None = None


class _Chat:
    """The events of a chat's records, shared by the line and the document decoder."""

    def __init__(self, source: str) -> None:
        # only a sub-agent's chat is one folder down (its record also says kind: subagent)
        self.project, self.parent = place(source)
        self.session: _Session | None = None

    # ---- the session -------------------------------------------------------------------
    def begin(self, session_id: str | None, start: str | None, source: str, now: float,
              out: list[Event]) -> _Session:
        sess = self.session
        if sess is None or (session_id and session_id != sess.id):
            sess = self.session = _Session(session_id or _file_session(source), self.project,
                                           self.parent)
        if not sess.announced:
            ts = _time(start)
            ts = ts if ts is not None else (sess.last_ts if sess.last_ts is not None else now)
            sess.announced = True
            name = "" if sess.parent else sess.project
            out.append(AgentInfo(ts=ts, source=source, agent=sess.agent, parent=sess.parent,
                                 agent_kind=KIND, name=name))
        return sess

    def _current(self, source: str, now: float, out: list[Event]) -> _Session:
        return self.session if self.session is not None and self.session.announced else \
            self.begin(None, None, source, now, out)

    def name(self, sess: _Session, text: str, rank: int, ts: float, source: str,
             out: list[Event], turn: str = "") -> None:
        if rank > sess.rank and text.strip():
            sess.rank = rank
            name = short(text)
            if sess.project and not sess.parent:
                name = f"{sess.project}: {name}"
            out.append(AgentInfo(ts=ts, source=source, agent=sess.agent, name=name, turn=turn))
        elif turn:
            out.append(AgentInfo(ts=ts, source=source, agent=sess.agent, turn=turn))

    def summary(self, text: str | None, source: str, now: float, out: list[Event]) -> None:
        if text:
            sess = self._current(source, now, out)
            ts = sess.last_ts if sess.last_ts is not None else now
            self.name(sess, text, 2, ts, source, out)

    # ---- messages ----------------------------------------------------------------------
    def messages(self, ms: list[_Message], source: str, now: float, out: list[Event]) -> None:
        for m in ms:
            self.message(m, source, now, out)

    def message(self, m: _Message, source: str, now: float, out: list[Event]) -> None:
        if not m.id:
            return
        sess = self._current(source, now, out)
        mid = m.id
        first = mid not in sess.times
        if first:
            stated = _time(m.timestamp)
            ts = stated if stated is not None else (
                sess.last_ts if sess.last_ts is not None else now)
            _remember(sess.times, mid, ts)
            if sess.last_ts is None or ts > sess.last_ts:
                sess.last_ts = ts
        else:
            ts = sess.times[mid]
        kind = m.type
        if kind == "gemini":
            self._gemini(sess, m, mid, ts, first, source, out)
        elif not first:
            return
        elif kind == "user":
            text = content_text(m.content)
            if text.strip() and not text.strip().startswith(_NOT_PROMPT):
                if not sess.prompted:
                    sess.prompted = True
                    self.name(sess, text, 1, ts, source, out, turn="model")
                else:
                    out.append(AgentInfo(ts=ts, source=source, agent=sess.agent, turn="model"))
        elif kind in _LEVELS:
            text = content_text(m.content).strip()
            if text:
                out.append(LogLine(ts=ts, source=source, level=_LEVELS[kind],
                                   text=text[:MAX_LOG], agent=sess.agent))

    def _gemini(self, sess: _Session, m: _Message, mid: str, ts: float, first: bool,
                source: str, out: list[Event]) -> None:
        if m.tokens is not None:
            fig = figures(m.tokens)
            if sess.said.get(mid) != fig:
                _remember(sess.said, mid, fig)
                i, o, cr = fig
                out.append(LLMCall(ts=ts, source=source, model=m.model or "unknown",
                                   agent=sess.agent, input_tokens=i, output_tokens=o,
                                   cache_read_tokens=cr,
                                   dedupe_key=f"gemini:{sess.id}:{mid}"))
        ended = 0
        for tc in m.toolCalls or ():
            ended += self._tool(sess, tc, ts, source, out)
        if ended:
            out.append(AgentInfo(ts=max(ts, sess.last_ts or ts), source=source,
                                 agent=sess.agent, turn="model"))  # results go back to it
        elif first and not m.toolCalls and content_text(m.content).strip():
            # an answer with no tool call (yet: they are recorded once completed)
            out.append(AgentInfo(ts=ts, source=source, agent=sess.agent, turn="user"))

    def _tool(self, sess: _Session, tc: _ToolRecord, msg_ts: float, source: str,
              out: list[Event]) -> int:
        """A tool call record: its end once (1 when this record ended it), a start before
        that if a record shows it still running."""
        if not tc.id:
            return 0
        done = (tc.status or "") in _DONE
        before = sess.tools.get(tc.id)
        if before or (before is not None and not done):
            return 0
        tool = tc.name or "(unknown tool)"
        summary, _ = tool_summary(tool, tc.args)
        stated = _time(tc.timestamp)
        ts = stated if stated is not None else msg_ts
        if ts > (sess.last_ts or ts):
            sess.last_ts = ts
        _remember(sess.tools, tc.id, done)
        if not done:
            out.append(ToolCall(ts=ts, source=source, tool=tool, agent=sess.agent,
                                call_id=tc.id, phase="start", summary=summary))
            return 0
        ok = tc.status == "success"
        # recorded when it completed; it was asked for when the model's message was
        out.append(ToolCall(ts=ts, source=source, tool=tool, agent=sess.agent, call_id=tc.id,
                            phase="end", duration_ms=round((ts - msg_ts) * 1000.0, 3)
                            if ts >= msg_ts else None, ok=ok, summary=summary,
                            error="" if ok else _tool_error(tc)))
        if tc.agentId:  # a sub-agent ran it: chats/<main session>/<agentId>.jsonl
            what = tc.description or ""
            label = tc.displayName or tool
            main = sess.parent or sess.id  # (a sub-agent's own sub-agents file under the main)
            out.append(AgentInfo(ts=ts, source=source, agent=f"{main}/{tc.agentId}",
                                 parent=sess.agent, agent_kind=KIND,
                                 name=short(f"{label}: {what}" if what.strip() else label),
                                 turn="done" if ok else "failed"))
        return 1


class GeminiDecoder:
    """``gemini``: the appended ``session-*.jsonl`` form, one record a line."""

    name = "gemini"

    def __init__(self) -> None:
        self._chat: _Chat | None = None

    def decode(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        rec, bad = decode_or_bad(_record_decoder, line, source, offset, now,
                                 "unexpected Gemini CLI record shape")
        if rec is None:
            return bad
        chat = self._chat
        if chat is None:
            chat = self._chat = _Chat(source)
        out: list[Event] = []
        if rec.rewind is not None:
            return out  # a rewind hides messages from the chat; their tokens were spent
        if rec.id is not None:
            chat.message(rec, source, now, out)
            return out
        # a checkpoint ($set.messages) or a one-line legacy record: a message that does not
        # decode makes the line bad, as any bad field does
        raws = (rec.set_.messages if rec.set_ is not None else rec.messages) or ()
        messages, bad_messages = decode_messages(raws, source, offset, now)
        if bad_messages:
            return [bad_messages[0][2]]
        if rec.set_ is not None:
            s = rec.set_
            if s.sessionId:
                chat.begin(s.sessionId, None, source, now, out)
            chat.summary(s.summary, source, now, out)
        elif rec.sessionId is not None:
            chat.begin(rec.sessionId, rec.startTime, source, now, out)
            chat.summary(rec.summary, source, now, out)
        else:
            return out
        chat.messages(messages, source, now, out)
        return out


class GeminiDocumentDecoder:
    """``gemini-doc``: the whole-document ``session-*.json`` (rewritten in place). Each read
    returns only what is new since the last read of that file (the whole-file contract,
    decoders/__init__.py); a file caught mid-rewrite yields nothing and ``last_error`` says
    why."""

    name = "gemini-doc"
    whole_file = True

    def __init__(self) -> None:
        self._chats: OrderedDict[str, tuple[_Chat, OrderedDict[str, None]]] = OrderedDict()
        self.last_error = ""

    def decode_file(self, data: bytes, source: str, now: float) -> list[Event]:
        self.last_error = ""
        if not data.strip():
            return []
        try:
            doc = _document_decoder.decode(valid_utf8(data))
        except msgspec.ValidationError as exc:
            self.last_error = f"not a Gemini CLI chat document: {exc}"
            return []
        except msgspec.DecodeError as exc:
            self.last_error = f"not valid JSON (being rewritten?): {exc}"
            return []
        except RecursionError:
            self.last_error = TOO_DEEP
            return []
        entry = self._chats.get(source)
        if entry is None:
            entry = self._chats[source] = (_Chat(source), OrderedDict())
            if len(self._chats) > MAX_SESSIONS:
                self._chats.popitem(last=False)
        chat, reported = entry
        out: list[Event] = []
        messages, bad = decode_messages(doc.messages or (), source, 0, now)
        for i, raw, error in bad:  # a bad line each, once however often the file is re-read
            key = f"{i}:{hash(raw)}"
            if key not in reported:
                _remember(reported, key, None)
                out.append(error)
        if bad:
            self.last_error = f"{len(bad)} message(s) of unexpected shape (bad lines)"
        chat.begin(doc.sessionId, doc.startTime, source, now, out)
        chat.messages(messages, source, now, out)
        chat.summary(doc.summary, source, now, out)
        return out
