"""Agents: who makes the calls, what each is doing now, and its own figures.

Fed by every event that names an agent (calls, tools, tasks, log lines) and by ``AgentInfo``
(identity and turn evidence). Tokens, dollars and rates per agent stay in the token ledger
(``TokenLedger.by_agent``): this book adds identity, state, tools and the tree, and joins the
two at snapshot time. Status rules and names: docs/agents.md.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Callable, Iterable
from operator import itemgetter

import msgspec

from swarmtop.core.quantiles import AllTime
from swarmtop.core.signals import Reading
from swarmtop.events import AgentInfo, LLMCall, ToolCall
from swarmtop.snapshot import AgentRow, ProcessInfo, TokenCounts, ToolStats
from swarmtop.timeparse import iso

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


# an agent kind -> the name of the CLI whose process runs it (the heuristic process match)
_CLI_KINDS = {"claude-code": "claude", "codex": "codex", "gemini": "gemini"}
_NO_PROCESS: tuple[ProcessInfo | None, str] = (None, "")


def _cli_of(proc: ProcessInfo) -> str:
    """Which agent CLI a process runs, from its name or the first words of its command line
    (npm installs run as ``node /usr/lib/node_modules/.../claude``)."""
    words = [proc.name, *proc.cmd.split()[:3]]
    for word in words:
        base = word.rstrip("/").rsplit("/", 1)[-1].lower()
        for cli in ("claude", "codex", "gemini"):
            if base == cli or base.startswith(cli + "-") or base == cli + ".js":
                return cli
    if proc.name.lower() in ("node", "bun") and "@anthropic-ai/claude-code" in proc.cmd:
        return "claude"
    return ""


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
        self._tick: tuple | None = None
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


class AgentBook:
    def __init__(self, context_window: Callable[[str], int | None] = lambda m: None) -> None:
        self.agents: dict[str, _Agent] = {}
        self.tools: dict[str, _Tool] = {}
        self._context_window = context_window
        self._spawns: dict[str, tuple[str, str]] = {}  # prompt key -> (parent, name)
        self.version = 0  # moves whenever an event changed something a row shows

    # ---- events ---------------------------------------------------------------------------
    def _agent(self, agent_id: str) -> _Agent:
        a = self.agents.get(agent_id)
        if a is None:
            if len(self.agents) >= MAX_AGENTS:
                agent_id = "(other)"
                a = self.agents.get(agent_id)
                if a is not None:
                    return a
            a = self.agents[agent_id] = _Agent(agent_id)
        return a

    def add_calls(self, calls: Iterable[LLMCall]) -> None:
        """The calls of a batch, in order (repeated lines of one response included: they
        only confirm what the first said)."""
        agents = self.agents
        for c in calls:
            a = agents.get(c.agent or "(none)") or self._agent(c.agent or "(none)")
            ts = c.ts
            a.seen(ts)
            # the latest call by its own time (calls of a batch are recorded after its other
            # events: core/aggregator.py _flush)
            if ts >= a.call_ts:
                a.call_ts = ts
                a.model = c.model
                a.context = (c.input_tokens or 0) + c.cache_read_tokens + c.cache_write_tokens
                a.context_model = c.model
                a.context_stated = c.context_window
            if c.latency_ms is not None and c.latency_ms >= 0:
                a.latencies.add(c.latency_ms)
            if not c.ok:
                a.note(ts, f"API error from {c.model}")
        self.version += 1

    def add_untimed_call(self, c: LLMCall) -> None:
        """A call with no time: the agent exists and its figures count (the ledger's), but it
        is no evidence of when the agent was active."""
        a = self._agent(c.agent or "(none)")
        a.version += 1
        self.version += 1
        if a.call_ts == -math.inf:  # no timed call says what its latest request was
            a.model = c.model
            a.context = (c.input_tokens or 0) + c.cache_read_tokens + c.cache_write_tokens
            a.context_model = c.model
        if c.latency_ms is not None and c.latency_ms >= 0:
            a.latencies.add(c.latency_ms)

    def add_untimed_tool(self, ev: ToolCall) -> None:
        """A tool call with no time: counted when it ends; never in flight (no start time)."""
        a = self._agent(ev.agent or "(none)")
        a.version += 1
        self.version += 1
        if ev.phase != "start":
            self._count_end(a, ev)

    def _count_end(self, a: _Agent, ev: ToolCall) -> _Tool | None:
        """A tool call's end in the agent's and the tool's counts (timed or not); the tool,
        or None when the tool names are over the bound."""
        a.tools += 1
        tool = self.tools.get(ev.tool)
        if tool is None:
            if len(self.tools) >= MAX_TOOLS:
                return None
            tool = self.tools[ev.tool] = _Tool()
        tool.count += 1
        if ev.duration_ms is not None and ev.duration_ms >= 0:
            tool.durations.add(ev.duration_ms)
        if not ev.ok:
            tool.errors += 1
            a.tool_errors += 1
        return tool

    def add_tool(self, ev: ToolCall) -> None:
        a = self._agent(ev.agent or "(none)")
        if ev.phase != "start" and ev.call_id:
            if ev.call_id in a.ended:
                return  # this call's end, read again from a copy
            a.ended[ev.call_id] = None
            if len(a.ended) > ENDED:
                del a.ended[next(iter(a.ended))]
        a.seen(ev.ts)
        self.version += 1
        if ev.phase == "start":
            if a.turn in ("done", "failed") and ev.ts <= a.turn_ts:
                return  # older than its end (files of one swarm read one after another)
            if len(a.in_flight) < IN_FLIGHT or ev.call_id in a.in_flight:
                a.in_flight[ev.call_id] = (ev.tool, ev.ts, ev.summary)
            if ev.ts >= a.turn_ts:
                a.turn, a.turn_ts = "", ev.ts  # the model handed the turn to a tool
            return
        if a.in_flight.pop(ev.call_id, None) is not None and not a.in_flight \
                and ev.ts >= a.turn_ts and a.turn not in ("done", "failed"):
            a.turn, a.turn_ts = "model", ev.ts  # its results go back to the model
        if self._count_end(a, ev) is None:
            return
        a.stream.append(ev)  # (worded when shown: _stream_entry)
        a.note(ev.ts, f"{ev.tool} `{ev.summary}`")
        if not ev.ok:
            if ev.error:
                a.note(ev.ts, f"error `{ev.error}`")

    def add_info(self, ev: AgentInfo, timed: bool = True) -> None:
        """``timed=False``: its record had no time — identity only, no turn evidence."""
        a = self._agent(ev.agent or "(none)")
        self.version += 1
        a.version += 1
        if not timed:
            ev = msgspec.structs.replace(ev, turn="")
        if ev.turn:
            a.seen(ev.ts)
        if ev.name and a.rank <= RANK_STATED:
            a.name, a.rank = ev.name, RANK_STATED
        if ev.parent and ev.parent != a.id:
            a.parent = ev.parent
        if ev.agent_kind:
            a.kind = ev.agent_kind
        if ev.pid is not None:
            a.pid = ev.pid
        if ev.cwd:
            a.cwd = ev.cwd
        if ev.model:
            a.model = ev.model
        if ev.turn and ev.ts >= a.turn_ts:
            a.turn, a.turn_ts = ev.turn, ev.ts
            if ev.turn in ("done", "failed"):
                a.in_flight.clear()
        if ev.prompt_key:
            a.prompt_key = ev.prompt_key
            spawn = self._spawns.get(ev.prompt_key)
            if spawn is not None and spawn[0] in ("", a.parent):
                a.name, a.rank = spawn[1], RANK_SPAWN
        if ev.spawn_key:
            self._spawned(a.id, ev.spawn_key, ev.spawn_name)

    def _spawned(self, parent: str, key: str, name: str) -> None:
        """``parent`` started a sub-agent whose first prompt hashes to ``key``."""
        if len(self._spawns) >= SPAWNS:
            del self._spawns[next(iter(self._spawns))]
        self._spawns[key] = (parent, name)
        for a in self.agents.values():  # it may have been read first
            if a.prompt_key == key and a.parent in ("", parent) and a.id != parent:
                a.name, a.rank = name, RANK_SPAWN
                a.parent = a.parent or parent
                a.version += 1

    def seen_many(self, items: Iterable[tuple[str, float]]) -> None:
        """(agent, time) of task and log events: they show the agent is alive."""
        for agent, ts in items:
            if agent:
                self._agent(agent).seen(ts)

    # ---- figures --------------------------------------------------------------------------
    def status(self, a: _Agent, now: float, proc: ProcessInfo | None) -> tuple[str, str]:
        """(status, activity) of ``a`` at ``now`` from the evidence (docs/agents.md)."""
        if a.last_ts == -math.inf and not a.turn:
            return "idle", ""  # named, nothing done yet
        silent = now - a.last_ts if a.last_ts > -math.inf else math.inf
        if a.turn == "failed":
            return "failed", "failed"
        if a.turn == "done":
            return "done", "done"
        if proc is not None and not proc.alive:
            code = proc.exit_code
            if code not in (None, 0):
                return "failed", f"process exited with code {code}"
            return "done", "process exited"
        stall_after = max(STALL_MIN_S, STALL_GAPS * self._usual_gap(a))
        gone = silent > GONE_AFTER_S and (proc is None or not proc.alive)
        if a.in_flight:
            tool, start, summary = next(reversed(a.in_flight.values()))  # the newest started
            what = f"{tool}: {summary}" if summary else tool
            if tool in ASK_TOOLS:
                return "waiting", f"asks the user ({_secs(now - start)})"
            if gone:
                return "idle", f"quiet for {_secs(silent)} with {tool} unfinished"
            if silent > stall_after:
                return "stalled", f"{what} ({_secs(now - start)}, no event for {_secs(silent)})"
            return "working", f"{what} ({_secs(now - start)})"
        if a.turn == "model":
            model = a.model or "the model"
            if gone:
                return "idle", f"quiet for {_secs(silent)}, no reply from {model}"
            if silent > stall_after:
                return "stalled", f"waiting on {model} ({_secs(silent)}, no reply)"
            return "working", f"waiting on {model} ({_secs(now - a.turn_ts)})"
        if a.turn == "user":
            if silent > IDLE_AFTER_S:
                return "idle", f"idle ({_secs(silent)})"
            return "waiting", f"waiting for input ({_secs(now - a.turn_ts)})"
        if silent <= max(WORKING_FOR_S, 3 * self._usual_gap(a)):
            return "working", ""
        if proc is not None and proc.alive and silent > stall_after:
            return "stalled", f"no event for {_secs(silent)} (process alive)"
        return "idle", f"idle ({_secs(silent)})"

    @staticmethod
    def _usual_gap(a: _Agent) -> float:
        """Its median busy gap, kept until its next event."""
        if a._gap[0] != a.version:
            a._gap = (a.version, _median(a.gaps))
        return a._gap[1]

    @staticmethod
    def loop(a: _Agent, now: float) -> tuple[int, str]:
        """The most repeated tool input or error within the loop window: (times, what).
        Kept until the next entry of ``recent`` or until the oldest one counted leaves the
        window (a backlog asks at every tick)."""
        version, until, n, what = a._loop
        if version == a.repeats and now < until:
            return n, what
        window = [e for e in a.recent if now - e[0] <= LOOP_WINDOW_S]
        if window:
            # the first most repeated, in order of first appearance (Counter keeps it), and
            # the earliest of each entry's first time (the window's entries may be out of
            # order): a dict built from the end keeps each entry's first time
            what, n = max(Counter([item for _ts, item in window]).items(), key=_second)
            until = min({item: ts for ts, item in reversed(window)}.values()) + LOOP_WINDOW_S
        else:
            what, n, until = "", 0, math.inf
        a._loop = (a.repeats, until, n, what)
        return n, what

    def context_pct(self, a: _Agent) -> tuple[float | None, int | None]:
        """(share of its context window its latest request used, in %, the window)."""
        window = a.context_stated or (self._context_window(a.context_model)
                                      if a.context_model else None)
        return (round(100.0 * a.context / window, 1) if window and a.context else None), window

    def tick_readings(self, now: float, burn: Callable[[str], float],
                      processes: dict[int, ProcessInfo]) -> dict[str, Reading]:
        """The agent.* readings without building the rows (a backlog ticks thousands of
        times): the same per-agent figures as ``rows``, through the same functions, and the
        same ``readings`` over them; $/min only of agents that called within the window.
        An agent's figures are kept from tick to tick while nothing of it changed, its loop
        count holds and its silence has not crossed a mark its status turns at
        (``_steady``); tests/core/test_agent_tick_cache.py holds them to the plain ones."""
        items = []
        recent = now - 60.0
        matched = self.match_processes(processes)
        for a in self.agents.values():
            proc, _ = matched.get(a.id, _NO_PROCESS)
            fig = a._tick
            if (proc is not None or fig is None or fig[0] != a.version or fig[1] != a.repeats
                    or now < fig[2] or now - a.last_ts > fig[3] or not now < fig[4]):
                status, activity = self.status(a, now, proc)
                if a._dups:
                    n, what = self.loop(a, now)
                    loop_until = a._loop[1]
                else:  # nothing is in ``recent`` twice: no loop, whatever the window
                    n, what, loop_until = 0, "", math.inf
                ctx, _ = self.context_pct(a)
                idle = _Figures(a.name or a.id, status, activity, n if n >= 2 else 0, what,
                                ctx, 0.0)
                fig = a._tick = (a.version, a.repeats, now,
                                 self._steady(a, now, status) if proc is None else -math.inf,
                                 loop_until, idle)
            idle = fig[5]  # its figures with no spend (it made no call within the minute)
            items.append(idle if a.last_ts < recent else _Figures(
                idle.name, idle.status, idle.activity, idle.loop_count, idle.loop,
                idle.context_pct, burn(a.id)))
        return _readings(items)

    def _steady(self, a: _Agent, now: float, status: str) -> float:
        """(no process known) The silence up to which ``status`` keeps this answer for ``a``
        as it is: the next mark its rules compare the silence with, at ``now`` or later. A
        stalled agent's activity (which ``agent.stalled`` names) moves with the clock: never
        kept. Of the others only the status is read (``_readings``)."""
        if status == "stalled":
            return -math.inf
        if a.last_ts == -math.inf or a.turn in ("failed", "done"):
            return math.inf  # the silence is infinite, or not read
        silent = now - a.last_ts
        if a.in_flight:
            if next(reversed(a.in_flight.values()))[0] in ASK_TOOLS:
                return math.inf  # waiting on the user, however long
            marks: tuple[float, ...] = (GONE_AFTER_S,
                                        max(STALL_MIN_S, STALL_GAPS * self._usual_gap(a)))
        elif a.turn == "model":
            marks = (GONE_AFTER_S, max(STALL_MIN_S, STALL_GAPS * self._usual_gap(a)))
        elif a.turn == "user":
            marks = (IDLE_AFTER_S,)
        else:
            marks = (max(WORKING_FOR_S, 3 * self._usual_gap(a)),)
        return min((m for m in marks if m >= silent), default=math.inf)

    def rows(self, now: float, by_agent: dict[str, TokenCounts],
             rates: Callable[[str], tuple[float, float]],
             processes: dict[int, ProcessInfo]) -> list[AgentRow]:
        """Every agent, in tree order (an agent, then its sub-agents), joined with its token
        counts and rates from the ledger and its process from the sampler."""
        empty = TokenCounts()
        rows: dict[str, AgentRow] = {}
        matched = self.match_processes(processes)
        for a in self.agents.values():
            t = by_agent.get(a.id, empty)
            tpm, burn = rates(a.id)
            proc, how = matched.get(a.id, _NO_PROCESS)
            status, activity = self.status(a, now, proc)
            loops, what = self.loop(a, now)
            ctx, window = self.context_pct(a)
            p50, p99 = a.latencies.quantiles((0.5, 0.99))
            rows[a.id] = AgentRow(
                id=a.id, name=a.name or a.id, parent=a.parent or None, kind=a.kind,
                status=status, activity=activity, model=a.model, calls=t.calls,
                errors=t.errors, input=t.input, output=t.output, cache_read=t.cache_read,
                cache_write=t.cache_write, cost_usd=t.cost_usd,
                burn_usd_per_min=round(burn, 6), tokens_per_min=round(tpm, 3),
                context_used_pct=ctx, context_window=window,
                last_seen=iso(a.last_ts) if a.last_ts > -math.inf else None,
                idle_s=round(max(0.0, now - a.last_ts), 1) if a.last_ts > -math.inf else None,
                pid=proc.pid if proc is not None and how == "heuristic" else a.pid, pid_match=how,
                rss_bytes=proc.rss_bytes if proc is not None else None,
                cpu_percent=proc.cpu_percent if proc is not None else None,
                tool_calls=a.tools, tool_errors=a.tool_errors,
                p50_ms=_round(p50), p99_ms=_round(p99),
                loop=what if loops >= 2 else "", loop_count=loops if loops >= 2 else 0,
                recent=[_stream_entry(a.stream[-k])
                        for k in range(1, min(SHOWN, len(a.stream)) + 1)],
            )
        # siblings by when each was first seen on the log's timeline (not by arrival, which
        # depends on how a backlog was batched), then by id
        return _tree(rows, {a.id: (a.first_ts, a.id) for a in self.agents.values()})

    def match_processes(self, processes: dict[int, ProcessInfo]
                        ) -> dict[str, tuple[ProcessInfo | None, str]]:
        """Each agent's process and how it is known: ``stated`` (its events name the pid),
        ``heuristic`` (a watched, live agent-CLI process of its kind whose working
        directory is the session's, started before the session's last event; of the sessions
        it could be, the latest seen), or ``""``. Sub-agents run inside their parent's process
        and are not matched. See docs/agents.md."""
        out: dict[str, tuple[ProcessInfo | None, str]] = {}
        for a in self.agents.values():
            if a.pid is not None:
                out[a.id] = (processes.get(a.pid), "stated")
        if len(out) == len(self.agents) or not processes:
            return out
        stated = {pid for pid in (a.pid for a in self.agents.values()) if pid is not None}
        for proc in processes.values():
            cli = _cli_of(proc)
            if proc.pid in stated or not proc.alive or not proc.cwd or not cli:
                continue
            best: _Agent | None = None
            for a in self.agents.values():
                if (a.pid is None and not a.parent and a.id not in out and a.cwd == proc.cwd
                        and _CLI_KINDS.get(a.kind) == cli and a.last_ts >= proc.create_time
                        and (best is None or a.last_ts > best.last_ts)):
                    best = a
            if best is not None:
                out[best.id] = (proc, "heuristic")
        return out

    def stream(self, agent_id: str) -> list[tuple[float, str]]:
        """An agent's recent tool activity, newest first (the detail view)."""
        a = self.agents.get(agent_id)
        return [_stream_entry(ev) for ev in reversed(a.stream)] if a is not None else []

    def tool_stats(self) -> dict[str, ToolStats]:
        in_flight: dict[str, int] = {}
        for a in self.agents.values():
            for tool, _, _ in a.in_flight.values():
                in_flight[tool] = in_flight.get(tool, 0) + 1
        out: dict[str, ToolStats] = {}
        for name, t in sorted(self.tools.items()):
            p50, p90, p99 = t.durations.quantiles((0.5, 0.9, 0.99))
            out[name] = ToolStats(count=t.count, errors=t.errors, p50_ms=_round(p50),
                                  p90_ms=_round(p90), p99_ms=_round(p99),
                                  max_ms=_round(t.durations.max),
                                  in_flight=in_flight.pop(name, 0))
        for name, n in sorted(in_flight.items()):  # started, none ended yet
            out[name] = ToolStats(in_flight=n)
        return out


class _Figures(msgspec.Struct, array_like=True):
    """What the agent.* readings read of one agent (a row, or the book on a backlog tick)."""

    name: str
    status: str
    activity: str
    loop_count: int
    loop: str
    context_pct: float | None
    burn: float


def readings(rows: list[AgentRow]) -> dict[str, Reading]:
    """The agent.* alert metrics (core/signals.py METRICS) of a snapshot's rows."""
    return _readings([_Figures(r.name, r.status, r.activity, r.loop_count, r.loop,
                               r.context_used_pct, r.burn_usd_per_min) for r in rows])


def _readings(items: list[_Figures]) -> dict[str, Reading]:
    """Worst agent as the subject of each."""
    out: dict[str, Reading] = {}
    if not items:
        return out
    looping = [r for r in items if r.loop_count]
    if looping:
        r = max(looping, key=lambda r: r.loop_count)
        what = f"{r.loop} x{r.loop_count} in {int(LOOP_WINDOW_S // 60)} min"
        out["agent.loop_repeats"] = Reading(float(r.loop_count), f"{r.name}: {what}")
    stalled = [r for r in items if r.status == "stalled"]
    out["agent.stalled"] = Reading(1.0 if stalled else 0.0,
                                   f"{stalled[0].name} ({stalled[0].activity})" if stalled else "")
    ctx = [r for r in items if r.context_pct is not None and r.status not in ("done", "failed")]
    if ctx:
        r = max(ctx, key=lambda r: r.context_pct or 0.0)
        out["agent.context_used"] = Reading((r.context_pct or 0.0) / 100.0, r.name)
    spending = sorted(r.burn for r in items if r.burn > 0)
    if len(spending) >= 3:
        median = spending[len(spending) // 2] if len(spending) % 2 else (
            spending[len(spending) // 2 - 1] + spending[len(spending) // 2]) / 2
        top = max(items, key=lambda r: r.burn)
        if median > 0:
            out["agent.spend_vs_median"] = Reading(top.burn / median, top.name)
    return out


def _tree(rows: dict[str, AgentRow], order: dict[str, tuple[float, str]]) -> list[AgentRow]:
    """Depth-first: each agent followed by its children, siblings in ``order``."""
    children: dict[str | None, list[str]] = {}
    for rid, r in rows.items():
        parent = r.parent if r.parent in rows and r.parent != rid else None
        children.setdefault(parent, []).append(rid)
    out: list[AgentRow] = []
    seen: set[str] = set()

    def visit(rid: str, depth: int) -> None:
        if rid in seen:
            return
        seen.add(rid)
        r = rows[rid]
        out.append(r if depth == 0 else _with_depth(r, depth))
        for child in sorted(children.get(rid, ()), key=order.__getitem__):
            visit(child, depth + 1)

    for rid in sorted(children.get(None, ()), key=order.__getitem__):
        visit(rid, 0)
    for rid in rows:  # a cycle of parents: shown at the top rather than lost
        visit(rid, 0)
    return out


def _with_depth(r: AgentRow, depth: int) -> AgentRow:
    return msgspec.structs.replace(r, depth=depth)


_second = itemgetter(1)


def _median(values: deque[float]) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[(len(s) - 1) // 2]  # the lower median: one long wait does not set the bar


def _stream_entry(ev: ToolCall) -> tuple[float, str]:
    """(time, what a person reads) of a tool's end in the activity stream."""
    took = f" {_secs(ev.duration_ms / 1000)}" if ev.duration_ms is not None else ""
    what = f"{ev.tool}: {ev.summary}" if ev.summary else ev.tool
    return (ev.ts, f"{what}{took}") if ev.ok else (ev.ts, f"{what}{took} failed: {ev.error}")


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 3)


def _secs(s: float) -> str:
    """A duration as a person reads it: 42 s, 3 m, 2 h."""
    if not math.isfinite(s):
        return "?"
    s = max(0.0, s)
    if s < 60:
        return f"{s:.0f} s"
    if s < 3600:
        return f"{s / 60:.0f} m"
    return f"{s / 3600:.1f} h"
