"""Codex CLI rollouts (``${CODEX_HOME:-~/.codex}/sessions/YYYY/MM/DD/rollout-*.jsonl``, and
``archived_sessions/``). Read in openai/codex: ``codex-rs/protocol/src/protocol.rs``
(``RolloutLine``, ``TokenCountEvent``, ``TokenUsage``, ``RateLimitSnapshot``), the rollout
recorder (``codex-rs/rollout/src/recorder.rs``, ``policy.rs``) and the fork of a sub-agent
(``codex-rs/core/src/agent/control/spawn.rs``). docs/tokens.md says how each field counts.

Each line is ``{"timestamp", "type", "payload"}``; ``type`` is ``session_meta``,
``turn_context``, ``event_msg``, ``response_item`` or ``compacted``. What is read:

- ``event_msg`` ``token_count``: ``info`` (null until Codex knows) holds ``total_token_usage``
  (the session's running sum), ``last_token_usage`` (the request just made) and
  ``model_context_window``; ``rate_limits`` the plan's windows. Codex re-sends the event
  whenever its rate limits refresh, totals unchanged: a call is an event whose
  ``total_token_usage`` moved, and its tokens are its ``last_token_usage`` (the difference
  of the totals when an old line has none). ``input_tokens`` includes the cached ones and
  ``output_tokens`` the reasoning ones, as OpenAI counts them: input = input − cached,
  cache_read = cached, output = output_tokens.
- ``turn_context``: the model of the requests that follow.
- ``session_meta``: the thread id (the agent), its ``cwd`` (the project in its name), and for a
  sub-agent ``source.subagent.thread_spawn`` (its parent, nickname, role) or ``forked_from_id``.
- **A forked or spawned thread's file replays its parent's history** (spawn.rs keeps the
  parent's ``session_meta``, events and messages; the recorder stamps them with the time of the
  copy), token counts included, and Codex seeds the child's running totals from the last of
  them. Counting them would count the parent again once per child (ccusage issue #950: 91x).
  So in a child's file nothing before its own first turn counts: those token counts only set
  the running totals its own calls add to. Its own first turn is the first ``task_started``
  that began after the child was created (``started_at``; else the UUIDv7 time of its
  ``turn_id`` against the thread id's; else, for versions stating neither, one that comes a
  second or more after the copy began: the copy is written in one burst).
- ``response_item`` ``function_call`` / ``custom_tool_call`` / ``local_shell_call`` start a
  tool call; the ``*_output`` with the same ``call_id`` ends it (a non-zero exit code: failed).
- ``event_msg`` ``user_message`` (the first one names the agent), ``task_started`` (the model's
  turn), ``task_complete`` / ``turn_aborted`` (the user's turn again).

Speed: the recorder writes compact JSON in field order, so a line opens with
``{"timestamp":"…","type":"<kind>","payload":{"type":"<sub>"``; lines of kinds not read
(reasoning, messages: most of the bytes) are passed over from that prefix without parsing.

The lines' shapes and that prefix are in codex_records.py; a tool call's summary and outcome
in codex_tools.py.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import OrderedDict
from typing import Any

import msgspec

from swarmtop.events import AgentInfo, Event, LLMCall, RateLimit, ToolCall
from swarmtop.sources.decoders.codex_records import (
    _decoders,
    _Event,
    _Item,
    _Key,
    _line_decoder,
    _Meta,
    _RateLimits,
    _Reading,
    _TokenCount,
    head,
    wanted,
)
from swarmtop.sources.decoders.codex_tools import (
    args_summary,
    mcp_failure,
    output_outcome,
    text_summary,
)
from swarmtop.sources.decoders.common import MAX_TS, MIN_TS, TOO_DEEP, bad_line, valid_utf8
from swarmtop.sources.decoders.iso_time import iso_ts
from swarmtop.sources.decoders.summaries import short

# what tests import from here since before the split (issue 22)
__all__ = ["CodexDecoder", "args_summary", "head", "output_outcome", "text_summary", "uuid7_ms",
           "wanted"]

MAX_PENDING = 10_000  # tool calls waiting for their output, per file
LIMIT_REFRESH_S = 60.0  # an unchanged rate-limit reading is sent again after this long
# a user_message that is Codex's own wrapping, not a prompt the user typed
_NOT_PROMPT = ("<environment_context>", "<user_instructions>", "<user_shell_command>",
               "<turn_aborted>", "# AGENTS.md instructions")
_ROLLOUT_NAME = re.compile(r"rollout-.*?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                           r"[0-9a-f]{12})\.jsonl$")


def uuid7_ms(text: str | None) -> int | None:
    """The millisecond time of a UUIDv7 (Codex thread ids), None for any other string."""
    if not text:
        return None
    try:
        u = uuid.UUID(text)
    except ValueError:
        return None
    return u.int >> 80 if u.version == 7 else None


def _subagent(source: object) -> tuple[bool, dict[str, Any]]:
    """(is a sub-agent, its thread_spawn fields) from ``session_meta.source``."""
    if not isinstance(source, dict):
        return False, {}
    sub = source.get("subagent")
    if sub is None:
        return False, {}
    spawn = sub.get("thread_spawn") if isinstance(sub, dict) else None
    return True, spawn if isinstance(spawn, dict) else {}



class CodexDecoder:
    name = "codex"

    def __init__(self) -> None:
        self._thread = ""  # this file's thread id: the agent
        self._created: float | None = None  # when the thread was created (epoch s)
        self._child = False  # a fork or a spawned sub-agent
        self._replaying = False  # lines are its parent's history, copied
        self._own_turn = False  # its own first turn has begun
        self._copy_ts: float | None = None  # when the copy began
        self._totals: _Key | None = None  # last running totals
        self._last: _Key | None = None  # (when no totals are stated)
        self._model = ""
        self._copied_model = ""  # the parent's, from the copy: a child starts with it
        self._said_model = ""
        self._window: int | None = None
        self._project = ""
        self._rank = 0  # 2: nickname, 1: prompt
        self._announced = False
        self._meta_seen = False
        self._turn_events = False  # a task_started was seen (copied or its own)
        self._file_ts: float | None = None
        self._pending: OrderedDict[str, tuple[str, float, str]] = OrderedDict()
        # call id -> why it failed, from an mcp_tool_call_end (its output line comes after)
        self._mcp_failed: OrderedDict[str, str] = OrderedDict()
        # (limit id, window) -> (the reading last sent, its time)
        self._said_limits: dict[tuple[str | None, str], tuple[_Reading, float]] = {}

    # ---- lines ---------------------------------------------------------------------------
    def decode(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        h = head(line)
        if h is not None and not wanted(*h):
            return []
        line = valid_utf8(line)
        try:
            rec = _line_decoder.decode(line)
        except msgspec.ValidationError as exc:
            return bad_line(source, offset, now, f"not a rollout line: {exc}", line)
        except msgspec.DecodeError as exc:
            return bad_line(source, offset, now, f"not valid JSON: {exc}", line)
        except RecursionError:
            return bad_line(source, offset, now, TOO_DEEP, line)
        kind = rec.type
        if kind == "event_msg":
            sub = h[1].decode() if h is not None and h[1] else self._event_type(rec.payload)
            dec = "token_count" if sub == "token_count" else "event_msg"
        elif kind in ("session_meta", "turn_context", "response_item"):
            sub, dec = "", kind
        else:
            return []  # compacted, older shapes: nothing counted
        try:
            p = _decoders[dec].decode(rec.payload)
        except msgspec.ValidationError as exc:
            return bad_line(source, offset, now, f"unexpected {kind} shape: {exc}", line)
        except (msgspec.DecodeError, RecursionError) as exc:
            return bad_line(source, offset, now, f"not valid JSON: {exc}", line)
        ts = self._time(rec.timestamp, now)
        if dec == "token_count":
            return self._token_count(p, ts, source)
        if dec == "session_meta":
            return self._meta(p, ts, source)
        if dec == "turn_context":
            if p.model and not self._replaying:
                self._model = p.model
            elif p.model:
                self._copied_model = p.model
            return []
        if dec == "event_msg":
            return self._event(p, ts, source)
        return self._item(p, ts, source)

    @staticmethod
    def _event_type(raw: msgspec.Raw) -> str:
        try:
            return _decoders["event_msg"].decode(raw).type or ""
        except (msgspec.DecodeError, RecursionError):
            return ""

    def _time(self, text: str | None, now: float) -> float:
        if not text:
            return self._file_ts if self._file_ts is not None else now
        ts = iso_ts(text, now)
        if not MIN_TS <= ts <= MAX_TS:
            return now
        if self._file_ts is None or ts > self._file_ts:
            self._file_ts = ts
        return ts

    def _agent(self, source: str) -> str:
        if not self._thread:
            m = _ROLLOUT_NAME.search(source)
            self._thread = m.group(1) if m else source.rsplit("/", 1)[-1]
        return self._thread

    def _announce(self, ts: float, source: str, out: list[Event], parent: str = "",
                  name: str = "", cwd: str = "") -> None:
        if not self._announced:
            self._announced = True
            out.append(AgentInfo(ts=ts, source=source, agent=self._agent(source),
                                 agent_kind="codex", parent=parent, cwd=cwd,
                                 name=name or self._project))

    # ---- session_meta --------------------------------------------------------------------
    def _meta(self, p: _Meta, ts: float, source: str) -> list[Event]:
        out: list[Event] = []
        if self._meta_seen:
            if p.id != self._thread and not self._own_turn:
                # another thread's meta: the copy of a parent's history begins (spawn.rs
                # keeps the parent's session_meta in what it copies)
                self._replaying = True
                if self._copy_ts is None:
                    self._copy_ts = ts
            return out
        self._meta_seen = True
        if p.id:
            self._thread = p.id
        self._created = iso_ts(p.timestamp, ts) if p.timestamp else ts
        is_sub, spawn = _subagent(p.source)
        parent = spawn.get("parent_thread_id")
        parent = parent if isinstance(parent, str) else ""
        self._child = is_sub or bool(p.forked_from_id)
        if self._child:
            self._replaying = True
            self._copy_ts = ts
        cwd = p.cwd or ""
        self._project = cwd.rstrip("/").rsplit("/", 1)[-1] if cwd else ""
        nick = spawn.get("agent_nickname") or p.agent_nickname
        role = spawn.get("agent_role") or p.agent_role
        name = ""
        if isinstance(nick, str) and nick:
            name = f"{nick} ({role})" if isinstance(role, str) and role else nick
            self._rank = 2
        elif isinstance(role, str) and role:
            name = role
        self._announce(ts, source, out, parent=parent, name=short(name) if name else "",
                       cwd=cwd)
        return out

    # ---- token_count ---------------------------------------------------------------------
    def _token_count(self, p: _TokenCount, ts: float, source: str) -> list[Event]:
        info = p.info
        if (self._replaying and not self._turn_events and self._copy_ts is not None
                and ts - self._copy_ts >= 1.0):
            self._replaying = False  # a version writing no task_started: the copy is over
        if self._replaying:  # the parent's calls: they only set where its totals start
            if info is not None and info.total_token_usage is not None:
                self._totals = info.total_token_usage.key()
            return []
        out: list[Event] = []
        agent = self._agent(source)
        self._announce(ts, source, out)
        if p.rate_limits is not None:
            self._limits(p.rate_limits, ts, source, agent, out)
        if info is None:
            return out
        if info.model_context_window:
            self._window = info.model_context_window
        total, last = info.total_token_usage, info.last_token_usage
        if total is not None:
            key = total.key()
            if key == self._totals:
                return out  # re-sent with its rate limits: no new request
            prev, self._totals = self._totals, key
            usage = last.key() if last is not None else _difference(key, prev)
        elif last is not None:
            usage = last.key()
            if usage == self._last:
                return out
            self._last = usage
        else:
            return out
        inp, cached, output = usage[0], usage[1], usage[2]
        if not (inp or cached or output):
            return out  # a context-window fill or an estimate: no tokens of a request
        cached = min(cached, inp)
        model = self._model or self._copied_model or "unknown"
        out.append(LLMCall(ts=ts, source=source, model=model, agent=agent,
                           input_tokens=inp - cached, output_tokens=output,
                           cache_read_tokens=cached, context_window=self._window))
        if model != self._said_model:
            self._said_model = model
            out.append(AgentInfo(ts=ts, source=source, agent=agent, model=model))
        return out

    def _limits(self, rl: _RateLimits, ts: float, source: str, agent: str,
                out: list[Event]) -> None:
        plan = rl.plan_type if isinstance(rl.plan_type, str) else ""
        for window, w in (("primary", rl.primary), ("secondary", rl.secondary)):
            if w is None or w.used_percent is None:
                continue
            resets = w.resets_at
            if resets is None and w.resets_in_seconds is not None:
                resets = ts + w.resets_in_seconds
            if resets is not None and not MIN_TS <= resets <= MAX_TS:
                resets = None
            # Codex repeats the same reading on every token_count: a reading is sent again
            # when it changed, or a minute on (how old `observed_at` may be), not each time
            key = (rl.limit_id, window)
            said: _Reading = (w.used_percent, w.window_minutes, resets, plan)
            last = self._said_limits.get(key)
            if last is not None and last[0] == said and 0 <= ts - last[1] < LIMIT_REFRESH_S:
                continue
            if len(self._said_limits) < 64 or key in self._said_limits:
                self._said_limits[key] = (said, ts)
            out.append(RateLimit(ts=ts, source=source, tool="codex", limit=rl.limit_id or "",
                                 window=window, agent=agent, used_percent=w.used_percent,
                                 window_minutes=w.window_minutes, resets_at=resets,
                                 plan=plan))

    # ---- event_msg -----------------------------------------------------------------------
    def _event(self, p: _Event, ts: float, source: str) -> list[Event]:
        kind = p.type
        if kind in ("task_started", "turn_started"):
            self._turn_events = True
        if self._replaying:
            if kind in ("task_started", "turn_started") and self._is_own(p, ts):
                self._replaying = False
            else:
                return []
        if kind in ("task_started", "turn_started"):
            self._own_turn = True
        out: list[Event] = []
        agent = self._agent(source)
        self._announce(ts, source, out)
        if kind in ("task_started", "turn_started"):
            out.append(AgentInfo(ts=ts, source=source, agent=agent, turn="model"))
        elif kind in ("task_complete", "turn_complete", "turn_aborted"):
            out.append(AgentInfo(ts=ts, source=source, agent=agent, turn="user"))
        elif kind == "mcp_tool_call_end" and p.call_id:
            why = mcp_failure(p.result)
            if why is not None:
                self._mcp_failed[p.call_id] = why
                if len(self._mcp_failed) > MAX_PENDING:
                    self._mcp_failed.popitem(last=False)
        elif kind == "user_message" and isinstance(p.message, str):
            text = p.message.strip()
            if text and not text.startswith(_NOT_PROMPT):
                name = ""  # (AgentInfo's default: says nothing)
                if self._rank < 1:
                    self._rank = 1
                    name = short(text)
                    name = f"{self._project}: {name}" if self._project else name
                out.append(AgentInfo(ts=ts, source=source, agent=agent, turn="model", name=name))
        return out

    def _is_own(self, p: _Event, ts: float) -> bool:
        """Whether a ``task_started`` met while copying is the child's own first turn."""
        if p.started_at is not None and self._created is not None:
            return p.started_at >= math.floor(self._created)
        turn, thread = uuid7_ms(p.turn_id), uuid7_ms(self._thread)
        if turn is not None and thread is not None:
            return turn >= thread
        return self._copy_ts is None or ts - self._copy_ts >= 1.0

    # ---- response_item -------------------------------------------------------------------
    def _item(self, p: _Item, ts: float, source: str) -> list[Event]:
        if self._replaying or not p.call_id:
            return []
        kind = p.type
        out: list[Event] = []
        agent = self._agent(source)
        self._announce(ts, source, out)
        if kind in ("function_call", "custom_tool_call", "local_shell_call"):
            if p.call_id in self._pending:
                return out
            if kind == "function_call":
                tool, summary = p.name or "(unknown tool)", args_summary(p.arguments)
            elif kind == "custom_tool_call":
                tool, summary = p.name or "(unknown tool)", text_summary(p.input)
            else:
                tool, summary = "local_shell", args_summary(p.action)
            self._pending[p.call_id] = (tool, ts, summary)
            if len(self._pending) > MAX_PENDING:
                self._pending.popitem(last=False)
            out.append(ToolCall(ts=ts, source=source, tool=tool, agent=agent,
                                call_id=p.call_id, phase="start", summary=summary))
        elif kind in ("function_call_output", "custom_tool_call_output"):
            pending = self._pending.pop(p.call_id, None)
            tool, start, summary = pending if pending is not None else ("(unknown tool)",
                                                                        None, "")
            ok, error = output_outcome(p.output)
            failed = self._mcp_failed.pop(p.call_id, None)
            if failed is not None:
                ok, error = False, failed
            out.append(ToolCall(
                ts=ts, source=source, tool=tool, agent=agent, call_id=p.call_id, phase="end",
                duration_ms=round((ts - start) * 1000.0, 3)
                if start is not None and ts >= start else None,
                ok=ok, summary=summary, error="" if ok else error))
        return out


def _difference(total: _Key, prev: _Key | None) -> _Key:
    """A request's usage from the running totals: their advance, or the totals themselves
    after a reset (a field went down: a new count began)."""
    if prev is None or any(t < q for t, q in zip(total, prev, strict=True)):
        return total
    i, c, o, r, n = total
    pi, pc, po, pr, pn = prev
    return i - pi, c - pc, o - po, r - pr, n - pn
