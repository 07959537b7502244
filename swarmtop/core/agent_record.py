"""One agent's record in the book (``_Agent``) and one tool's counts (``_Tool``), with the
bounds and thresholds the agents' rules use (docs/agents.md)."""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

from swarmtop.core.quantiles import AllTime
from swarmtop.events import ToolCall

if TYPE_CHECKING:
    from swarmtop.core.agent_readings import _Figures

MAX_AGENTS = 2000  # agents kept by id; events of more are counted under "(other)"
MAX_TOOLS = 500
IDLE_AFTER_S = 300.0  # waiting for input this long, or nothing at all: idle
WORKING_FOR_S = 30.0  # an agent with no turn evidence is working while its events are fresh
STALL_MIN_S = 120.0  # in flight and silent at least this long ...
STALL_GAPS = 5.0  # ... and this many times its own median gap between events: stalled
# with no live process known, silence this long is a session left behind, not a stall
GONE_AFTER_S = 3600.0
LOOP_WINDOW_S = 600.0  # repeats of one tool input (or one error) counted over this window
GAPS = 64  # recent gaps between an agent's events, for its usual gap
RECENT = 128  # recent tool ends per agent, for the loop signal
SHOWN = 20  # of the activity stream, in each snapshot's row
IN_FLIGHT = 64  # tools in flight per agent
STREAM = 200  # entries of an agent's activity stream (the detail view)
SPAWNS = 10_000  # sub-agent prompts waiting for their sub-agent (or the reverse)
# tool call ids ended, per agent: the same call read again (a chat copied into a second file,
# as Gemini CLI's folder migration and session resume do) is not a second call
ENDED = 4096

# how much to trust a name: a later name replaces an earlier one of the same or lower rank
RANK_ID, RANK_STATED, RANK_SPAWN = 0, 1, 2
ASK_TOOLS = frozenset({"AskUserQuestion", "ExitPlanMode"})  # a tool that waits on the user


class _Agent:
    __slots__ = ("id", "name", "rank", "parent", "kind", "model", "pid", "cwd", "first_ts",
                 "last_ts", "gaps", "latencies", "context", "context_model", "context_stated",
                 "tools",
                 "tool_errors", "in_flight", "turn", "turn_ts", "recent", "stream",
                 "prompt_key", "version", "_loop", "_gap", "call_ts", "repeats", "ended",
                 "_tick", "_counts", "_dups")

    def __init__(self, agent_id: str) -> None:
        self.id = agent_id
        self.name = ""
        self.rank = RANK_ID
        self.parent = ""
        self.kind = ""
        self.model = ""
        self.pid: int | None = None
        self.cwd = ""
        self.first_ts = math.inf
        self.last_ts = -math.inf
        self.gaps: deque[float] = deque(maxlen=GAPS)
        self.latencies = AllTime()
        self.context = 0  # input + cache of its latest request
        self.call_ts = -math.inf  # the time of that request
        self.context_model = ""
        self.context_stated: int | None = None  # the window its log states (Codex)
        self.tools = 0
        self.tool_errors = 0
        self.in_flight: dict[str, tuple[str, float, str]] = {}  # call id -> tool, start, input
        self.turn = ""  # model | user | done | failed | "" (no evidence)
        self.turn_ts = -math.inf
        self.recent: deque[tuple[float, str]] = deque(maxlen=RECENT)  # (ts, what repeated)
        self.stream: deque[ToolCall] = deque(maxlen=STREAM)  # its tool ends, newest last
        self.prompt_key = ""
        self.version = 0  # moves with every event of it: what the caches below are keyed on
        self._loop: tuple[int, float, int, str] = (-1, 0.0, 0, "")  # version, until, n, what
        self._gap: tuple[int, float] = (-1, 0.0)  # version, median busy gap
        self.repeats = 0  # entries ever added to ``recent``: what the loop cache is keyed on
        self.ended: dict[str, None] = {}  # call ids of its tools that ended (ENDED newest)
        # a backlog tick's figures of it (AgentBook.tick_readings), and while they hold
        # (version, repeats, asked at, steady until, loop until, figures)
        self._tick: tuple[int, int, float, float, float, _Figures] | None = None
        # how often each entry is in ``recent``, and how many are there twice or more: with
        # none, no loop can be counted whatever the window (the loop scan is skipped)
        self._counts: dict[str, int] = {}
        self._dups = 0

    def note(self, ts: float, what: str) -> None:
        """An entry of ``recent`` (a tool input, an error): what the loop signal counts."""
        recent, counts = self.recent, self._counts
        if len(recent) == RECENT:  # the oldest leaves as this one comes
            old = recent[0][1]
            c = counts[old] - 1
            if c:
                counts[old] = c
                if c == 1:
                    self._dups -= 1
            else:
                del counts[old]
        recent.append((ts, what))
        c = counts.get(what, 0) + 1
        counts[what] = c
        if c == 2:
            self._dups += 1
        self.repeats += 1

    def seen(self, ts: float) -> None:
        """An event at ``ts`` (called before the event changes the agent's state): the gap
        since the last one counts toward its usual gap only if it was busy meanwhile (a call
        or a tool in flight), so time spent waiting on a person never stretches it."""
        self.version += 1
        if ts > self.last_ts:
            if self.last_ts > -math.inf and (self.turn == "model" or self.in_flight):
                self.gaps.append(ts - self.last_ts)
            self.last_ts = ts
        if ts < self.first_ts:
            self.first_ts = ts


class _Tool:
    __slots__ = ("count", "errors", "durations")

    def __init__(self) -> None:
        self.count = 0
        self.errors = 0
        self.durations = AllTime()

