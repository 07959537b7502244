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

The records' shapes are in claude_code_records.py, the time parsing in iso_time.py and the
short summaries of tools and prompts in summaries.py (shared with the other decoders).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC

import msgspec

from swarmtop.events import AgentInfo, Event, LLMCall, ToolCall
from swarmtop.sources.decoders.claude_code_records import (
    _Block,
    _decoder,
    _Other,
    _other_decoder,
    _Record,
    _spawn_decoder,
    _timed_decoder,
    _TimedRecord,
    _UserBlock,
)
from swarmtop.sources.decoders.common import MAX_TS, MIN_TS, decode_or_bad, valid_utf8
from swarmtop.sources.decoders.iso_time import iso_ts
from swarmtop.sources.decoders.summaries import prompt_key, result_text, short, tool_summary

# what other modules import from here since before the split (issue 22)
__all__ = ["SYNTHETIC", "ClaudeCodeDecoder", "agent_name", "iso_ts", "prompt_key", "short",
           "tool_summary"]

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
               source: str, out: list[Event], turn: str = "", prompt_key: str = "") -> None:
        """A name from ``title`` if it outranks the agent's; ``turn`` and ``prompt_key`` (when
        given) are said either way."""
        if rank > st.rank and title.strip():
            st.rank = rank
            name = short(title)
            if st.project and "/" not in agent:
                name = f"{st.project}: {name}"
            out.append(AgentInfo(ts=ts, source=source, agent=agent, name=name, turn=turn,
                                 prompt_key=prompt_key))
        elif turn or prompt_key:
            out.append(AgentInfo(ts=ts, source=source, agent=agent, turn=turn,
                                 prompt_key=prompt_key))

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
        key = ""
        if not st.prompted:
            st.prompted = True
            key = prompt_key(text)
        self._named(st, agent, text, _TITLE_RANK["prompt"], ts, source, out, turn="model",
                    prompt_key=key)

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
            error=result_text(block.content) if failed else ""))
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
        rec: _TimedRecord | _Record  # (a time msgspec parsed, or the text: _Record's)
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
        elif isinstance(t, str):  # (msgspec gives a str itself, never a subclass)
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
