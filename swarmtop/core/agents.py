"""Agents: who makes the calls, what each is doing now, and its own figures.

Fed by every event that names an agent (calls, tools, tasks, log lines) and by ``AgentInfo``
(identity and turn evidence). Tokens, dollars and rates per agent stay in the token ledger
(``TokenLedger.by_agent``): this book adds identity, state, tools and the tree, and joins the
two at snapshot time. Status rules and names: docs/agents.md.

The parts, each in its module: an agent's record and the bounds (``agent_record``), its status
and loop rules (``agent_status``), its process (``agent_processes``), the agent.* readings
(``agent_readings``) and the rows' tree and wording (``agent_rows``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import msgspec

from swarmtop.core import agent_status
from swarmtop.core.agent_processes import NO_PROCESS, match_processes
from swarmtop.core.agent_readings import _Figures, _readings, readings
from swarmtop.core.agent_record import (
    ENDED,
    IN_FLIGHT,
    LOOP_WINDOW_S,
    MAX_AGENTS,
    MAX_TOOLS,
    RANK_SPAWN,
    RANK_STATED,
    RECENT,
    SHOWN,
    SPAWNS,
    _Agent,
    _Tool,
)
from swarmtop.core.agent_rows import rounded, stream_entry, tree_order
from swarmtop.core.agent_status import steady, usual_gap
from swarmtop.core.signals import Reading
from swarmtop.events import AgentInfo, LLMCall, ToolCall
from swarmtop.snapshot import AgentRow, ProcessInfo, TokenCounts, ToolStats
from swarmtop.timeparse import iso

# what callers and tests import from here since before the split (issue 22)
__all__ = ["LOOP_WINDOW_S", "RECENT", "AgentBook", "_Agent", "_Figures", "_readings",
           "readings"]


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
        if ev.phase != "start" and not self._ended_before(a, ev):
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

    def _ended_before(self, a: _Agent, ev: ToolCall) -> bool:
        """Was this call's end counted already (read again from a copy)? Remembers it."""
        if not ev.call_id:
            return False
        if ev.call_id in a.ended:
            return True
        a.ended[ev.call_id] = None
        if len(a.ended) > ENDED:
            del a.ended[next(iter(a.ended))]
        return False

    def add_tool(self, ev: ToolCall) -> None:
        a = self._agent(ev.agent or "(none)")
        if ev.phase != "start" and self._ended_before(a, ev):
            return  # this call's end, read again from a copy
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
        return agent_status.status(a, now, proc)

    _usual_gap = staticmethod(usual_gap)
    loop = staticmethod(agent_status.loop)

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
        matched = match_processes(self.agents, processes)
        for a in self.agents.values():
            proc, _ = matched.get(a.id, NO_PROCESS)
            fig = a._tick
            if (proc is not None or fig is None or fig[0] != a.version or fig[1] != a.repeats
                    or now < fig[2] or now - a.last_ts > fig[3] or not now < fig[4]):
                status, activity = agent_status.status(a, now, proc)
                if a._dups:
                    n, what = agent_status.loop(a, now)
                    loop_until = a._loop[1]
                else:  # nothing is in ``recent`` twice: no loop, whatever the window
                    n, what, loop_until = 0, "", math.inf
                ctx, _ = self.context_pct(a)
                idle = _Figures(a.name or a.id, status, activity, n if n >= 2 else 0, what,
                                ctx, 0.0)
                fig = a._tick = (a.version, a.repeats, now,
                                 steady(a, now, status) if proc is None else -math.inf,
                                 loop_until, idle)
            idle = fig[5]  # its figures with no spend (it made no call within the minute)
            items.append(idle if a.last_ts < recent else _Figures(
                idle.name, idle.status, idle.activity, idle.loop_count, idle.loop,
                idle.context_pct, burn(a.id)))
        return _readings(items)

    def _steady(self, a: _Agent, now: float, status: str) -> float:
        """(no process known) How long ``status`` holds for ``a``: agent_status.steady."""
        return steady(a, now, status)

    def rows(self, now: float, by_agent: dict[str, TokenCounts],
             rates: Callable[[str], tuple[float, float]],
             processes: dict[int, ProcessInfo]) -> list[AgentRow]:
        """Every agent, in tree order (an agent, then its sub-agents), joined with its token
        counts and rates from the ledger and its process from the sampler."""
        empty = TokenCounts()
        rows: dict[str, AgentRow] = {}
        matched = match_processes(self.agents, processes)
        for a in self.agents.values():
            t = by_agent.get(a.id, empty)
            tpm, burn = rates(a.id)
            proc, how = matched.get(a.id, NO_PROCESS)
            status, activity = agent_status.status(a, now, proc)
            loops, what = agent_status.loop(a, now)
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
                p50_ms=rounded(p50), p99_ms=rounded(p99),
                loop=what if loops >= 2 else "", loop_count=loops if loops >= 2 else 0,
                recent=[stream_entry(a.stream[-k])
                        for k in range(1, min(SHOWN, len(a.stream)) + 1)],
            )
        # siblings by when each was first seen on the log's timeline (not by arrival, which
        # depends on how a backlog was batched), then by id
        return tree_order(rows, {a.id: (a.first_ts, a.id) for a in self.agents.values()})

    def match_processes(self, processes: dict[int, ProcessInfo]
                        ) -> dict[str, tuple[ProcessInfo | None, str]]:
        """Each agent's process and how it is known: agent_processes.match_processes."""
        return match_processes(self.agents, processes)

    def stream(self, agent_id: str) -> list[tuple[float, str]]:
        """An agent's recent tool activity, newest first (the detail view)."""
        a = self.agents.get(agent_id)
        return [stream_entry(ev) for ev in reversed(a.stream)] if a is not None else []

    def tool_stats(self) -> dict[str, ToolStats]:
        in_flight: dict[str, int] = {}
        for a in self.agents.values():
            for tool, _, _ in a.in_flight.values():
                in_flight[tool] = in_flight.get(tool, 0) + 1
        out: dict[str, ToolStats] = {}
        for name, t in sorted(self.tools.items()):
            p50, p90, p99 = t.durations.quantiles((0.5, 0.9, 0.99))
            out[name] = ToolStats(count=t.count, errors=t.errors, p50_ms=rounded(p50),
                                  p90_ms=rounded(p90), p99_ms=rounded(p99),
                                  max_ms=rounded(t.durations.max),
                                  in_flight=in_flight.pop(name, 0))
        for name, n in sorted(in_flight.items()):  # started, none ended yet
            out[name] = ToolStats(in_flight=n)
        return out

