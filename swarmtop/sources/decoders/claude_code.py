"""Claude Code session transcripts (``~/.claude/projects/<project>/<session>.jsonl``).

Only assistant records carry usage (``message.usage``). Claude Code writes one line per content
block and repeats the same usage on each, so every call carries ``dedupe_key`` =
``message.id:requestId`` and the aggregator counts a key once. ``<synthetic>`` rows (messages
Claude Code makes up locally, always zero usage) are skipped. Agent = the session id; a
sub-agent (``<session>/subagents/agent-<id>.jsonl``, ``agentId`` on every record) or an inline
sidechain gets ``<session>/<agentId>`` or ``<session>/sidechain``.

Speed: most bytes of a transcript are user/tool-result lines that cannot carry usage; a line
without the bytes ``"output_tokens"`` (a key every usage object has) is dropped before any
JSON parsing — inside a JSON string the quotes would be escaped, so text that merely
mentions it does not match. The report reader goes further: it hands whole chunks to
``scan``, which passes over user records without searching them. The rest is decoded into
small msgspec Structs that name only the fields we read.

Agents (docs/agents.md): each line also says what its agent is doing. A ``tool_use`` block
starts a ToolCall, the ``tool_result`` with its id ends it (``is_error``: failed); a prompt or
a tool result hands the turn to the model, a text answer or a ``turn_duration`` record hands it
back to the user. Names come from ``custom-title`` > ``ai-title``/``agent-name`` > ``summary``
> the first prompt, after the project (the last part of ``cwd``). A ``Task``/``Agent``
tool_use names the sub-agent it starts (``subagent_type: description``), linked by a hash of
its prompt (the sub-agent's first user message) and by ``toolUseResult.agentId`` when it ends.
``toolUseResult.usage`` is a sum of the sub-agent's own calls and ``progress``
(``agent_progress``) lines echo them: neither is counted.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from datetime import UTC, datetime

import msgspec

from swarmtop.events import AgentInfo, Event, LLMCall, ToolCall
from swarmtop.sources.decoders.common import (
    MAX_TS,
    MIN_TS,
    Amount,
    Count,
    decode_or_bad,
    valid_utf8,
)

# Every usage object has output_tokens; measured here, searching for this needle runs ~2.5x
# faster than for '"usage"' (its rarer bytes let the search skip further).
NEEDLE = b'"output_tokens"'
# A user record (prompts, tool results: most of a transcript's bytes) states its type among
# the scalar keys at the start of its line; scan() looks for it this far into a line.
USER = b'"type":"user"'
USER_HEAD = 512
USER_MIN = 2048  # bytes: a line shorter than this is searched for the needle at once
SYNTHETIC = "<synthetic>"
TOOL_USE = b'"type":"tool_use"'  # a tool_use block, as Claude Code writes it (compact JSON)


_Count = Count  # a negative (or absurdly large: common.MAX_COUNT) token count is a bad line


class _CacheCreation(msgspec.Struct):
    ephemeral_1h_input_tokens: _Count | None = None


class _Usage(msgspec.Struct):
    input_tokens: _Count | None = None
    output_tokens: _Count | None = None
    cache_creation_input_tokens: _Count | None = None
    cache_read_input_tokens: _Count | None = None
    cache_creation: _CacheCreation | None = None  # the split by cache lifetime


class _Block(msgspec.Struct):
    """A content block of an assistant message: only tool_use blocks are read further."""

    type: str | None = None
    id: str | None = None
    name: str | None = None
    input: msgspec.Raw = msgspec.Raw(b"null")  # (a Raw cannot be in a union with None)


class _Message(msgspec.Struct):
    id: str | None = None
    model: str | None = None
    usage: _Usage | None = None
    content: list[_Block] | str | None = None
    stop_reason: str | None = None


class _Record(msgspec.Struct):
    type: str | None = None
    timestamp: str | None = None
    sessionId: str | None = None  # the log's own key
    agentId: str | None = None
    isSidechain: bool | None = None
    isApiErrorMessage: bool | None = None
    requestId: str | None = None
    costUSD: Amount | None = None  # older Claude Code versions stated the cost
    cwd: str | None = None
    message: _Message | None = None


_decoder = msgspec.json.Decoder(_Record)


class _UserBlock(msgspec.Struct):
    type: str | None = None
    tool_use_id: str | None = None
    is_error: bool | None = None
    content: msgspec.Raw = msgspec.Raw(b"null")
    text: str | None = None


class _UserMessage(msgspec.Struct):
    content: str | list[_UserBlock] | None = None


class _Other(msgspec.Struct):
    """Any record but an assistant one: prompts, tool results, titles, turn ends."""

    type: str | None = None
    subtype: str | None = None
    timestamp: str | None = None
    sessionId: str | None = None
    agentId: str | None = None
    isSidechain: bool | None = None
    isMeta: bool | None = None
    cwd: str | None = None
    message: _UserMessage | None = None
    toolUseResult: msgspec.Raw = msgspec.Raw(b"null")  # an object, or a string
    summary: str | None = None
    aiTitle: str | None = None
    customTitle: str | None = None
    agentName: str | None = None


_other_decoder = msgspec.json.Decoder(_Other)


class _SpawnResult(msgspec.Struct):
    status: str | None = None
    agentId: str | None = None


_spawn_decoder = msgspec.json.Decoder(_SpawnResult)


class _TimedRecord(_Record):
    """The same record with its time parsed by msgspec (RFC 3339, in C): the common case.
    A time it rejects sends the line to ``_decoder`` and ``iso_ts`` (which accept more)."""

    timestamp: datetime | None = None  # type: ignore[assignment]  # msgspec parses what _Record keeps as str


_timed_decoder = msgspec.json.Decoder(_TimedRecord)


_second_cache: dict[str, float] = {}


def iso_ts(text: str | None, now: float) -> float:
    """Epoch seconds of an ISO time. The common ``YYYY-MM-DDTHH:MM:SS.mmmZ`` form is split at
    the second and the second's epoch cached: consecutive records share it."""
    if not text:
        return now
    if len(text) == 24 and text[19] == "." and text[23] == "Z":
        base = _second_cache.get(text[:19])
        if base is None:
            try:
                base = datetime.fromisoformat(text[:19]).replace(tzinfo=UTC).timestamp()
            except ValueError:
                return now
            if len(_second_cache) > 4096:
                _second_cache.clear()
            _second_cache[text[:19]] = base
        frac = text[20:23]
        if frac.isdigit():
            return base + int(frac) / 1000.0
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return now
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def agent_name(base: str, agent_id: str | None, sidechain: bool | None) -> str:
    if agent_id:
        return f"{base}/{agent_id}"
    if sidechain:
        return f"{base}/sidechain"
    return base


def _fallback_agent(source: str) -> str:
    """The session id from the path when records lack ``sessionId``."""
    name = source.rsplit("/", 1)[-1]
    return name[:-6] if name.endswith(".jsonl") else name


# names by where they come from: a better one replaces a worse one
_TITLE_RANK = {"customTitle": 4, "aiTitle": 3, "agentName": 3, "summary": 2, "prompt": 1}
SPAWN_TOOLS = ("Task", "Agent")
MAX_PENDING = 10_000  # tool uses waiting for their result, per file
MAX_UNTIMED = 64  # names waiting for the file's first time (titles before any timed record)
# a user message that is Claude Code's own text (a slash command's echo, a reminder), not a
# prompt the user typed
_NOT_PROMPT = ("<command-", "<local-command-", "<system-reminder", "<bash-", "Caveat:",
               "<task-notification")
_SUMMARY_KEYS = ("command", "file_path", "path", "pattern", "url", "query", "description",
                 "prompt")


def prompt_key(text: str) -> str:
    """What links a sub-agent to the Task that started it: a hash of the prompt."""
    return hashlib.blake2b(text.strip().encode("utf-8", "replace"), digest_size=8).hexdigest()


def short(text: str, width: int = 60) -> str:
    """One line of at most ``width`` characters, white space folded."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "\u2026"


def tool_summary(tool: str, raw: msgspec.Raw) -> tuple[str, dict]:
    """(a short summary of a tool's input, the input) — the command, path or pattern it
    names, else its first string."""
    try:
        args = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return "", {}
    if not isinstance(args, dict):
        return "", {}
    for key in _SUMMARY_KEYS:
        v = args.get(key)
        if isinstance(v, str) and v.strip():
            return short(v, 80), args
    for v in args.values():
        if isinstance(v, str) and v.strip():
            return short(v, 80), args
    return "", args


def _result_text(raw: msgspec.Raw) -> str:
    """The first line of a tool result's content (a string, or text blocks)."""
    try:
        content = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return ""
    if isinstance(content, list):
        content = next((b.get("text") for b in content
                        if isinstance(b, dict) and isinstance(b.get("text"), str)), "")
    return short(content, 100) if isinstance(content, str) else ""


class _AgentState:
    """What this file's decoder has said about one agent (so it says each thing once)."""

    __slots__ = ("rank", "project", "prompted", "announced", "answered")

    def __init__(self) -> None:
        # the model's turn ended (a text answer) and nothing since: a further text line of the
        # same turn says nothing new (one AgentInfo a turn, not one a content block)
        self.answered = False
        self.rank = 0
        self.project = ""
        self.prompted = False
        self.announced = False


class ClaudeCodeDecoder:
    name = "claude-code"

    def __init__(self) -> None:
        self._last: tuple[bytes, bytes] | None = None  # requestId, output_tokens of the last
        self._agents: dict[tuple[str | None, str | None, bool | None], str] = {}
        self._states: dict[str, _AgentState] = {}
        # tool_use id -> (tool, start, summary, agent, the sub-agent name a Task gives)
        self._pending: OrderedDict[str, tuple[str, float, str, str, str]] = OrderedDict()
        # the newest time a record of this file stated: a record without one (titles,
        # summaries) takes it, never the time it was read (which would put "now" at today
        # for last month's transcripts); before any, such events wait for the first time
        self._file_ts: float | None = None
        self._untimed: list[AgentInfo] = []

    def _time(self, text: str | None, now: float) -> float | None:
        """A record's time: its own, else the file's newest, else None (not known yet)."""
        if text:
            ts = iso_ts(text, now)
            if self._file_ts is None or ts > self._file_ts:
                self._file_ts = ts
            return ts
        return self._file_ts

    def _flush_untimed(self, ts: float, out: list[Event]) -> None:
        if self._untimed:
            out.extend(msgspec.structs.replace(ev, ts=ts) for ev in self._untimed)
            self._untimed.clear()

    def decode(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        """One line (the live tailer's path): ``scan`` of it alone."""
        out: list[Event] = []
        self.scan(line + b"\n", 0, len(line) + 1, offset, source, now, out)
        return out

    def scan(self, chunk: bytes, lo: int, hi: int, base: int, source: str, now: float,
             out: list[Event]) -> int:
        """The complete lines of ``chunk[lo:hi]`` (``hi`` just after a newline; ``base`` is
        the file offset of ``chunk[0]``): their events are appended to ``out``, their number
        returned. Same events as ``decode`` on every line, faster: each line's end is found
        first (memchr); a line holding the needle (an assistant record's usage, searched from
        the line's end, where it is) is decoded as a call unless it repeats the last response
        line for line; a blank line is passed over; any other line is a prompt, a tool result,
        a title or a turn's end, read by ``_other``."""
        find, rfind = chunk.find, chunk.rfind
        decode, other = self._decode, self._other
        last = self._last
        lines = 0
        pos = lo
        while pos < hi:
            end = find(b"\n", pos, hi)
            lines += 1
            # a user record states its type among its leading scalar keys: one that does is
            # not searched for the needle through its tool output (most of a transcript)
            u = find(USER, pos, pos + USER_HEAD) if end - pos > USER_MIN else -1
            if u >= 0 and find(b"{", pos + 1, u) < 0 and find(b"[", pos + 1, u) < 0:
                at = -1
            else:
                at = rfind(NEEDLE, pos, end)
            if at >= 0:
                # A content-block line repeating the last response (same ``requestId``) with
                # the same ``output_tokens`` adds no tokens: skipped before parsing, unless it
                # starts a tool or ends the turn (each content block has a line of its own).
                r = rfind(b'"requestId":"', pos, end)
                if r < 0:
                    key = None
                else:
                    q = find(b'"', r + 13, end)
                    n = at + 28 if at + 28 < end else end  # the figure: up to 13 bytes
                    c = find(b",", at + 15, n)
                    key = (chunk[r + 13 : q if q >= 0 else end - 1],
                           chunk[at + 15 : c if c >= 0 else n])
                if (key is None or key != last or find(TOOL_USE, pos, end) >= 0
                        or find(b'"end_turn"', pos, end) >= 0):
                    last = key
                    out.extend(decode(chunk[pos:end], source, base + pos, now))
            elif end > pos and not chunk[pos:end].isspace():
                events = other(chunk[pos:end], source, base + pos, now)
                if events:
                    out.extend(events)
            pos = end + 1
        self._last = last
        return lines

    # ---- agents -------------------------------------------------------------------------
    def _agent(self, session: str | None, agent_id: str | None, sidechain: bool | None,
               source: str) -> str:
        akey = (session, agent_id, sidechain)
        agent = self._agents.get(akey)
        if agent is None:
            agent = agent_name(session or _fallback_agent(source), agent_id, sidechain)
            if len(self._agents) < 10_000:
                self._agents[akey] = agent
        return agent

    def _state(self, agent: str, cwd: str | None, ts: float, source: str,
               out: list[Event]) -> _AgentState:
        """This agent's state here; the first time, what it is (kind, parent, project)."""
        st = self._states.get(agent)
        if st is None:
            st = self._states[agent] = _AgentState()
            if len(self._states) > 10_000:
                self._states.pop(next(iter(self._states)))
        if not st.announced:
            st.announced = True
            parent = agent.split("/", 1)[0] if "/" in agent else ""
            st.project = cwd.rstrip("/").rsplit("/", 1)[-1] if cwd else ""
            out.append(AgentInfo(ts=ts, source=source, agent=agent, parent=parent,
                                 agent_kind="claude-code", cwd=cwd or "",
                                 name=st.project if not parent and st.project else ""))
        elif cwd and not st.project:
            st.project = cwd.rstrip("/").rsplit("/", 1)[-1]
        return st

    def _named(self, st: _AgentState, agent: str, title: str, rank: int, ts: float,
               source: str, out: list[Event], **extra: str) -> None:
        if rank > st.rank and title.strip():
            st.rank = rank
            name = short(title)
            if st.project and "/" not in agent:
                name = f"{st.project}: {name}"
            out.append(AgentInfo(ts=ts, source=source, agent=agent, name=name, **extra))
        elif extra:
            out.append(AgentInfo(ts=ts, source=source, agent=agent, **extra))

    def _other(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        """A record that is not an assistant message: a prompt or tool results (user), a
        title, a summary, or the end of a turn."""
        rec, bad = decode_or_bad(_other_decoder, line, source, offset, now,
                                 "unexpected record shape")
        if rec is None:
            return bad
        kind = rec.type
        if kind == "user":
            return self._user(rec, source, now)
        out: list[Event] = []
        if kind == "system" and rec.subtype == "turn_duration":
            agent = self._agent(rec.sessionId, rec.agentId, rec.isSidechain, source)
            ts = self._time(rec.timestamp, now)
            if ts is None:
                return out
            self._state(agent, rec.cwd, ts, source, out)
            out.append(AgentInfo(ts=ts, source=source, agent=agent, turn="user"))
            return out
        for field in ("customTitle", "aiTitle", "agentName", "summary"):
            title = getattr(rec, field)
            if isinstance(title, str) and title:
                agent = self._agent(rec.sessionId, rec.agentId, rec.isSidechain, source)
                ts = self._time(rec.timestamp, now)
                st = self._state(agent, rec.cwd, ts or 0.0, source, out)
                self._named(st, agent, title, _TITLE_RANK[field], ts or 0.0, source, out)
                if ts is None:  # no time known yet: these wait for the first record that has one
                    if len(self._untimed) < MAX_UNTIMED:
                        self._untimed.extend(e for e in out if isinstance(e, AgentInfo))
                    return [e for e in out if not isinstance(e, AgentInfo)]
                return out
        return out

    def _user(self, rec: _Other, source: str, now: float) -> list[Event]:
        agent = self._agent(rec.sessionId, rec.agentId, rec.isSidechain, source)
        stated = self._time(rec.timestamp, now)
        ts = now if stated is None else stated
        out: list[Event] = []
        self._flush_untimed(ts, out)
        st = self._state(agent, rec.cwd, ts, source, out)
        content = rec.message.content if rec.message is not None else None
        if isinstance(content, str):
            self._prompt(st, agent, content, rec, ts, source, out)
            return out
        if not content:
            return out
        st.answered = False  # whatever the user line says, the turn is the model's again
        for block in content:  # (the last tool result hands the turn back: core/agents.py)
            if block.type == "tool_result" and block.tool_use_id:
                self._tool_end(block, rec, agent, ts, source, out)
            elif block.type == "text" and block.text:
                self._prompt(st, agent, block.text, rec, ts, source, out)
                return out
        return out

    def _prompt(self, st: _AgentState, agent: str, text: str, rec: _Other, ts: float,
                source: str, out: list[Event]) -> None:
        if rec.isMeta or text.lstrip().startswith(_NOT_PROMPT):
            return
        st.answered = False
        extra = {"turn": "model"}
        if not st.prompted:
            st.prompted = True
            extra["prompt_key"] = prompt_key(text)
        self._named(st, agent, text, _TITLE_RANK["prompt"], ts, source, out, **extra)

    def _tool_end(self, block: _UserBlock, rec: _Other, agent: str, ts: float, source: str,
                  out: list[Event]) -> None:
        pending = self._pending.pop(block.tool_use_id or "", None)
        tool, start, summary, spawn_name = (pending[0], pending[1], pending[2], pending[4]) \
            if pending is not None else ("(unknown tool)", None, "", "")
        if pending is not None:
            agent = pending[3]  # the agent whose tool_use it answers
        failed = bool(block.is_error)
        out.append(ToolCall(
            ts=ts, source=source, tool=tool, agent=agent, call_id=block.tool_use_id or "",
            phase="end", duration_ms=round((ts - start) * 1000.0, 3) if start is not None
            and ts >= start else None, ok=not failed, summary=summary,
            error=_result_text(block.content) if failed else ""))
        if tool in SPAWN_TOOLS:
            try:
                result = _spawn_decoder.decode(rec.toolUseResult)
            except msgspec.DecodeError:  # null, or a string: the spawn failed
                return
            if result.agentId:
                base = agent.split("/", 1)[0]
                turn = "done" if result.status == "completed" else ""
                out.append(AgentInfo(ts=ts, source=source, agent=f"{base}/{result.agentId}",
                                     parent=agent, agent_kind="claude-code", name=spawn_name,
                                     turn=turn))

    def _decode(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        line = valid_utf8(line)
        try:
            rec = _timed_decoder.decode(line)
        except (msgspec.DecodeError, RecursionError):
            # a time msgspec does not take, or a bad line: the lenient path
            rec, bad = decode_or_bad(_decoder, line, source, offset, now,
                                     "unexpected record shape")
            if rec is None:
                return bad
        msg = rec.message
        if rec.type != "assistant":  # e.g. a Task's result, whose toolUseResult has usage
            return self._other(line, source, offset, now)
        if msg is None or msg.usage is None:
            return []
        model = msg.model or "unknown"
        if model == SYNTHETIC:
            return []
        u = msg.usage
        agent = self._agent(rec.sessionId, rec.agentId, rec.isSidechain, source)
        key = None
        if msg.id:
            key = f"{msg.id}:{rec.requestId}" if rec.requestId else msg.id
        t = rec.timestamp
        if t is None:
            ts = now if self._file_ts is None else self._file_ts
        elif type(t) is str:
            ts = iso_ts(t, now)
        else:
            ts = (t if t.tzinfo is not None else t.replace(tzinfo=UTC)).timestamp()
        if not MIN_TS <= ts <= MAX_TS:  # year 1 at +23:59: no time a calendar shows
            ts = now
        if t is not None and (self._file_ts is None or ts > self._file_ts):
            self._file_ts = ts
        out: list[Event] = [
            LLMCall(
                ts=ts,
                source=source,
                model=model,
                agent=agent,
                input_tokens=u.input_tokens or 0,
                output_tokens=u.output_tokens or 0,
                cache_read_tokens=u.cache_read_input_tokens or 0,
                cache_write_tokens=u.cache_creation_input_tokens or 0,
                cost_usd=rec.costUSD,
                ok=not rec.isApiErrorMessage,
                dedupe_key=key,
                cache_write_1h_tokens=(u.cache_creation.ephemeral_1h_input_tokens or 0)
                if u.cache_creation is not None else 0,
            )
        ]
        self._flush_untimed(ts, out)
        if agent not in self._states or not self._states[agent].announced:
            self._state(agent, rec.cwd, ts, source, out)
        blocks = msg.content if isinstance(msg.content, list) else ()
        tools = [b for b in blocks if b.type == "tool_use" and b.id]
        st = self._states.get(agent)
        for b in tools:
            self._tool_start(b, agent, ts, source, out)
        if tools and st is not None:
            st.answered = False
        elif not tools and msg.stop_reason in (None, "end_turn") and any(
                b.type == "text" for b in blocks) and not (st is not None and st.answered):
            out.append(AgentInfo(ts=ts, source=source, agent=agent, turn="user"))
            if st is not None:
                st.answered = True
        return out

    def _tool_start(self, b: _Block, agent: str, ts: float, source: str,
                    out: list[Event]) -> None:
        tool = b.name or "(unknown tool)"
        summary, args = tool_summary(tool, b.input)
        spawn_name = ""
        if b.id in self._pending:
            return  # the same tool_use on a repeated line
        if tool in SPAWN_TOOLS:
            kind, what = args.get("subagent_type"), args.get("description")
            spawn_name = short(": ".join(str(x) for x in (kind, what) if x) or tool)
            prompt = args.get("prompt")
            if isinstance(prompt, str) and prompt.strip():
                out.append(AgentInfo(ts=ts, source=source, agent=agent,
                                     spawn_key=prompt_key(prompt), spawn_name=spawn_name))
        self._pending[b.id or ""] = (tool, ts, summary, agent, spawn_name)
        if len(self._pending) > MAX_PENDING:
            self._pending.popitem(last=False)
        out.append(ToolCall(ts=ts, source=source, tool=tool, agent=agent, call_id=b.id or "",
                            phase="start", summary=summary))
