"""The aggregator owns all state: it consumes event batches and produces Snapshots.
It routes events to the trackers and assembles their sections; each figure is computed in
the tracker's own module (docs/decisions.md, "Where things are"). A little over 500 lines:
the ingest loop is one function on purpose (the hot path of a report).

Plain Python, no Textual; every buffer is bounded. Time is injected (``clock``) so the same
code serves live monitoring (wall clock) and reports/replays (event time).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from swarmtop.core import agents as agent_signals
from swarmtop.core.agents import AgentBook
from swarmtop.core.analysis import Analysis, Analyzer, without_analyzers
from swarmtop.core.baseline import BaselineSettings, compare
from swarmtop.core.calls import CallCounter
from swarmtop.core.config import Config
from swarmtop.core.files import FileBook, FileCounts
from swarmtop.core.limits import LimitBook
from swarmtop.core.logtail import LogTail, entry_of
from swarmtop.core.metrics import MetricsTracker
from swarmtop.core.patterns import PatternTracker
from swarmtop.core.prices import PriceTable
from swarmtop.core.processes import ProcessTracker
from swarmtop.core.signals import Inputs, Reading, silence
from swarmtop.core.tokenizer import Tokenizer
from swarmtop.core.tokens import TokenLedger
from swarmtop.core.untimed import untimed_why
from swarmtop.errorlog import Failures
from swarmtop.events import (
    ARRIVAL_STAMPED,
    UNTIMED,
    AgentInfo,
    Event,
    FileStatus,
    GcEvent,
    LLMCall,
    LogLine,
    MetricEvent,
    ParseError,
    ProcessExit,
    ProcessSample,
    RateLimit,
    TaskEvent,
    ToolCall,
)
from swarmtop.snapshot import (
    AgentRow,
    ErrorCounts,
    LogEntry,
    Memory,
    Metrics,
    MonitorStatus,
    PatternStats,
    ReceiverInfo,
    RecordStatus,
    SamplerStatus,
    SessionStore,
    Snapshot,
    SourceFailure,
    Sources,
    TokenCounts,
    Tokens,
)
from swarmtop.timeparse import iso

# shared, never written: what a backlog tick passes when there is nothing of the kind
_NO_PATTERNS: dict[str, PatternStats] = {}
_NO_LOADS: dict[str, dict[str, tuple[float, float, float]]] = {}


def source_failures(book: Failures) -> list[SourceFailure]:
    """The book's entries as the snapshot's ``sources.errors``."""
    return [SourceFailure(where=f.where, message=f.message, since=iso(f.since), count=f.count,
                          last=iso(f.last)) for f in book.entries()]


class Aggregator:
    def __init__(
        self,
        config: Config | None = None,
        *,
        clock: Callable[[], float] = time.time,
        prices: PriceTable | None = None,
        tokenizer: Tokenizer | None = None,
        failures: Failures | None = None,
        event_time: bool = False,
        since: float | None = None,
        baseline: tuple[Snapshot, BaselineSettings, str] | None = None,
        sampler: Callable[[], SamplerStatus] | None = None,
        recorder: Callable[[], RecordStatus] | None = None,
        receivers: Iterable[Callable[[], ReceiverInfo]] = (),
        discovered: Iterable[tuple[str, str]] = (),
    ) -> None:
        """``event_time``: 'now' is the newest event seen (reports, replays: figures describe
        the end of the recording, uptime is the span it covers); else ``clock``.
        ``since``: --since, events older than this (their own time) are skipped.
        ``baseline``: --baseline (base snapshot, settings, where it came from), compared at
        every snapshot. ``sampler``, ``recorder``: the process sampler's and --record's state
        (``snapshot.runtime``; a failed recorder also raises ``record_failed``).
        ``receivers``: network receivers' own state (--otlp). ``discovered``: (tool, where) of
        each session store found with no SOURCE."""
        self.config = config or Config()
        # failures of swarmtop itself (sources, analyzers, hooks): sources.errors, source_failed
        self.failures = failures if failures is not None else Failures()
        self.clock = self.event_clock if event_time else clock
        self.started: float | None = None if event_time else clock()
        self.prices = prices or PriceTable()
        self.tokenizer = tokenizer or Tokenizer()
        cfg = self.config
        self.tokens = TokenLedger(cfg.window_s, cfg.budget_usd)
        self.patterns = PatternTracker(cfg.pattern_targets_ms, cfg.window_s)
        self.processes = ProcessTracker(cfg.interval_s, cfg.memory_limit_bytes)
        self.logtail = LogTail(cfg.log_tail_lines)
        self.metrics = MetricsTracker(cfg.window_s)
        self.agents = AgentBook(self.prices.context_window)
        self.limits = LimitBook()
        self.files = FileBook()  # per-file counts and status: snapshot.sources.files
        self.events = 0
        self.bad_lines = 0
        self.pids: set[int] = set()
        self.last_event_ts: float | None = None
        self.first_event_ts: float | None = None
        self.error_lines = 0
        # LLM calls into the token ledger: usage, estimates, prices, repeats and restatements
        self.calls = CallCounter(self.tokens, self.prices, self.tokenizer)
        self.analyzer = Analyzer(cfg)  # alerts, trends, bottlenecks, health (core/analysis.py)
        self._analysis: Analysis | None = None  # the last one that worked
        self.last_event_at: float | None = None  # our clock when the newest event arrived
        self._next_tick = float("-inf")
        self.max_ts = float("-inf")  # newest event time seen (samples included)
        self.since = since
        self.skipped_old = 0
        # events whose log gave them no time (events.UNTIMED): on event time (reports,
        # replays) counted in totals only; live, stamped when they arrived
        self.untimed = 0
        self._bookkeeping: dict[type, Callable[[Any], None]] = {
            FileStatus: self.files.status,
            ProcessSample: self._on_sample,
            ProcessExit: self.processes.add_exit,
            ParseError: self._on_parse_error,
        }
        self._content: dict[type, Callable[[Any], None]] = {
            LLMCall: self.calls.add,
            TaskEvent: self.patterns.add,
            LogLine: self._on_log,
            MetricEvent: self.metrics.add,
            GcEvent: self.metrics.add_gc,
            ToolCall: self.agents.add_tool,
            AgentInfo: self.agents.add_info,
            RateLimit: self.limits.add,
        }
        self.baseline = baseline
        # the monitor's own parts, for snapshot.runtime
        self.sampler_status = sampler
        self.record_status = recorder
        self.receivers: list[Callable[[], ReceiverInfo]] = list(receivers)
        self.discovered = [SessionStore(tool=tool, path=path) for tool, path in discovered]
        self._idle_memory = self.processes.section(0.0)  # no process seen (backlog ticks)

    def event_clock(self) -> float:
        """'Now' as the newest event seen: the clock for reports and replays, so rolling
        figures describe the end of the recording rather than an empty minute of wall time."""
        return self.max_ts if self.max_ts > float("-inf") else time.time()

    # ---- ingest -------------------------------------------------------------------------
    def ingest(self, events: Iterable[Event], arrived: float | None = None) -> None:
        """Add events; ``arrived`` is when they reached the monitor (our clock), if they
        waited in a queue before this call (the live runtime ingests at snapshot time)."""
        before = self.events
        # on event time (reports, replays) the analyzers also tick as the log's own timestamps
        # pass, so an alert's `for` is measured on the log's timeline even within one batch
        event_time = self.clock == self.event_clock
        if not event_time:  # live: a record with no time of its own happened as it arrived
            events = self._stamp_untimed(events, arrived)
        # the hot path: locals, and runs recorded at once (docs/decisions.md, "The ingest loop")
        calls: list[LLMCall] = []
        tasks: list[TaskEvent] = []
        logs: list[LogLine] = []
        # (typed on Any: the content handler of an event is chosen by its own type)
        add_call: Callable[[Any], None] = calls.append
        add_task: Callable[[Any], None] = tasks.append
        content_of = {**self._content, LogLine: logs.append}.get
        bookkeeping_of = self._bookkeeping
        file_of = self.files.counts.get
        new_file = self.files.counts_of
        since = self.since
        inf = float("inf")
        next_tick = self._next_tick if event_time else inf
        gap = self.analyzer.schedule.gap_s if event_time else inf  # a silence to tick through
        n = 0  # events counted here, not yet added to self.events
        max_ts, last, first = self.max_ts, self.last_event_ts, self.first_event_ts
        src: str | None = None  # the source of the previous event, its counts, and how many
        fc: FileCounts | None = None  # events of it are not yet added to them
        fn = 0
        try:
            for ev in events:
                cls = type(ev)  # the two commonest first, by identity
                content: Callable[[Any], None] | None
                if cls is LLMCall:
                    content = add_call
                elif cls is TaskEvent:
                    content = add_task
                else:
                    content = content_of(cls)
                if content is None:
                    self._sync(n, max_ts, last, first)
                    n = 0
                    if calls or tasks or logs:
                        self._flush(calls, tasks, logs)
                    bookkeeping_of[type(ev)](ev)  # KeyError: not an event type
                    max_ts = self.max_ts
                    ts = ev.ts  # samples and exits carry event time: they tick the analyzers too
                    if (ts >= next_tick and not isinstance(ev, ARRIVAL_STAMPED)
                            and (since is None or ts >= since)):
                        next_tick = self._next_tick = ts + self._tick(ts, self.last_event_ts)
                    continue
                ts = ev.ts
                if ts == UNTIMED:  # no time at all: totals only, never the timeline
                    self._sync(n, max_ts, last, first)
                    n = 0
                    self._flush(calls, tasks, logs)
                    self._add_untimed(ev)
                    continue
                if since is not None and ts < since:
                    self.skipped_old += 1
                    continue
                if last is not None and ts - last > gap:
                    # the log fell silent from `last` to this event: tick through the gap
                    # as live ticks would have, before the event ends it
                    self._sync(n, max_ts, last, first)
                    n = 0
                    self._flush(calls, tasks, logs)
                    self._gap_ticks(last, ts)
                    next_tick = ts  # and tick again once it is in: silence is over
                n += 1
                source = ev.source
                if source is not src:
                    if fc is not None:
                        fc.events += fn
                    fn = 0
                    src = source
                    fc = file_of(source) or new_file(source)
                fn += 1
                if ts > max_ts:
                    max_ts = ts
                if last is None or ts > last:
                    last = ts
                    if first is None:
                        first = ts
                elif ts < first:  # type: ignore[operator]  # set with last
                    first = ts
                content(ev)
                if ts >= next_tick:
                    self._sync(n, max_ts, last, first)
                    n = 0
                    self._flush(calls, tasks, logs)
                    next_tick = self._next_tick = ts + self._tick(ts, last)
        finally:
            if fc is not None:
                fc.events += fn
            self._sync(n, max_ts, last, first)
            self._flush(calls, tasks, logs)
        if self.events != before:
            self.last_event_at = self.clock() if arrived is None else arrived

    def preview_lines(self, events: list[Event], arrived: float) -> list[LogEntry]:
        """The log-tail entries ``events`` will add once ingested, by the rules of ``ingest``
        (live, an untimed line takes its arrival time; under --since an older one is
        skipped): what the TUI shows before the next snapshot. Reads only settings, so any
        thread may call it."""
        since = self.since
        live = self.clock != self.event_clock
        out = []
        for ev in events:
            if type(ev) is not LogLine:
                continue
            if ev.ts == UNTIMED:
                if not live:
                    continue  # on event time an untimed line is in no timeline, the tail's too
                ev = msgspec.structs.replace(ev, ts=arrived)
            if since is not None and ev.ts < since:
                continue
            out.append(entry_of(ev))
        return out

    def _stamp_untimed(self, events: Iterable[Event], arrived: float | None) -> list[Event]:
        """Live: each untimed event stamped with its arrival (counted, and said so)."""
        evs = events if isinstance(events, list) else list(events)
        if not any(ev.ts == UNTIMED for ev in evs):
            return evs
        stamp = self.clock() if arrived is None else arrived
        out = []
        for ev in evs:
            if ev.ts == UNTIMED:
                self._count_untimed(ev.source)
                ev = msgspec.structs.replace(ev, ts=stamp)
            out.append(ev)
        return out

    def _count_untimed(self, source: str) -> None:
        self.untimed += 1
        fc = self.files.counts_of(source)
        if fc is not None:
            fc.untimed += 1

    def _add_untimed(self, ev: Event) -> None:
        """An event with no time (on event time): it counts in every total — tokens, dollars,
        calls, tasks, tools, errors — and in none of the figures that need a time: rate
        windows (burn, tokens/min, window percentiles), uptime, the analyzers' ticks, an
        agent's last-seen and status evidence. Under --since it cannot be shown to be recent:
        skipped (and counted as such)."""
        self._count_untimed(ev.source)
        if self.since is not None:
            self.skipped_old += 1
            return
        self.events += 1
        fc = self.files.counts_of(ev.source)
        if fc is not None:
            fc.events += 1
        if isinstance(ev, LLMCall):
            self.calls.add(ev, timed=False)
            self.agents.add_untimed_call(ev)
        elif isinstance(ev, TaskEvent):
            self.patterns.add_untimed(ev)
        elif isinstance(ev, MetricEvent):
            self.metrics.add_untimed(ev)
        elif isinstance(ev, ToolCall):
            self.agents.add_untimed_tool(ev)
        elif isinstance(ev, AgentInfo):
            self.agents.add_info(ev, timed=False)
        elif isinstance(ev, LogLine) and ev.level in ("error", "critical"):
            self.error_lines += 1  # (the log tail shows lines at their time: not there)

    def _flush(self, calls: list[LLMCall], tasks: list[TaskEvent],
               logs: list[LogLine]) -> None:
        """Record the gathered calls, tasks and log lines (in order within each) and empty the
        lists (first: an exception while recording must not record them again at the end)."""
        if calls:
            run = calls.copy()
            calls.clear()
            self.calls.add_run(run)
            self.agents.add_calls(run)
        if tasks:
            done = tasks.copy()
            tasks.clear()
            self.patterns.add_many(done)
            self.agents.seen_many((t.agent, t.ts) for t in done)
        if logs:
            lines = logs.copy()
            logs.clear()
            self.agents.seen_many((ln.agent, ln.ts) for ln in lines)
            by_level = self.logtail.by_level
            before = by_level.get("error", 0) + by_level.get("critical", 0)
            self.logtail.add_lines(lines)
            self.error_lines += by_level.get("error", 0) + by_level.get("critical", 0) - before

    def _sync(self, n: int, max_ts: float, last: float | None, first: float | None) -> None:
        """Write back what ingest's loop keeps in locals."""
        self.events += n
        self.max_ts = max_ts
        self.last_event_ts = last
        self.first_event_ts = first

    def register_file(self, source: str) -> None:
        """List ``source`` among the files now (snapshot.sources.files keeps this order)."""
        self.files.counts_of(source)

    def _on_sample(self, ev: ProcessSample) -> None:
        if ev.ts > self.max_ts:
            self.max_ts = ev.ts
        self.processes.add_sample(ev)
        self.pids.add(ev.pid)

    def _on_parse_error(self, ev: ParseError) -> None:
        self.bad_lines += 1
        fc = self.files.counts_of(ev.source)
        if fc is not None:
            fc.bad_lines += 1
        self.logtail.add_bad(ev)

    def _on_log(self, ev: LogLine) -> None:
        if ev.level in ("error", "critical"):
            self.error_lines += 1
        self.logtail.add_line(ev)

    # ---- snapshot -----------------------------------------------------------------------
    def snapshot(self, now: float | None = None) -> Snapshot:
        now = self.clock() if now is None else now
        tasks, failed = self.patterns.totals()
        tokens = self.tokens.section(now)
        memory = self.processes.section(now)
        patterns = self.patterns.section(now)
        metrics = self.metrics.section(now)
        agents = self._agent_rows(now, tokens.by_agent, memory)
        try:
            analysis = self.analyzer.analyse(self._inputs(now, tokens, memory, patterns, metrics,
                                                          agents))
            self._analysis = analysis
        except Exception as exc:  # noqa: BLE001 - the figures are still worth showing
            self.failures.record("analyzers (alerts, trends, health)", exc)
            analysis = without_analyzers(self._analysis, self.failures)
        files = self.files.section()
        sources = Sources(
            lines=sum(f.lines for f in files),
            events=self.events,
            bad_lines=self.bad_lines,
            files=files,
            pids=sorted(self.pids),
            recent_bad_lines=self.logtail.bad(),
            errors=source_failures(self.failures),
            log_file=self.failures.log_file,
            receivers=[fn() for fn in self.receivers],
            untimed_events=self.untimed,
            untimed_why=untimed_why(self.untimed, self.clock == self.event_clock,
                                    self.since is not None),
            discovered=self.discovered,
        )
        snap = Snapshot(
            generated_at=iso(time.time()),
            as_of=iso(now),
            uptime_s=round(max(0.0, now - self._started(now)), 3),
            health=analysis.health,
            tokens=tokens,
            memory=memory,
            patterns=patterns,
            alerts=analysis.alerts,
            bottlenecks=analysis.bottlenecks,
            trends=analysis.trends,
            alert_history=analysis.alert_history,
            alert_metrics=analysis.alert_metrics,
            sources=sources,
            errors=ErrorCounts(tasks=tasks, failed_tasks=failed, error_lines=self.error_lines,
                               llm_errors=self.calls.llm_errors, bad_lines=self.bad_lines),
            log_tail=self.logtail.lines(),
            metrics=metrics,
            runtime=MonitorStatus(
                sampler=self.sampler_status() if self.sampler_status is not None else None,
                record=self.record_status() if self.record_status is not None else None),
            agents=agents,
            tools=self.agents.tool_stats(),
            limits=self.limits.section(),
        )
        if self.baseline is not None:
            base, settings, origin = self.baseline
            try:
                snap = msgspec.structs.replace(snap,
                                               baseline=compare(base, snap, settings, origin))
            except Exception as exc:  # noqa: BLE001 - the rest of the snapshot stands
                self.failures.record("baseline comparison", exc)
        return snap

    def _started(self, now: float) -> float:
        """When the figures began: construction (live), else the first event with a time
        (reports, replays: uptime is the span the log covers; none while no event has one)."""
        if self.started is not None:
            return self.started
        return self.first_event_ts if self.first_event_ts is not None else now

    def _failure_reading(self) -> Reading | None:
        """``monitor.failures``: how many parts failed, and what (None while nothing did)."""
        n = len(self.failures)
        return Reading(float(n), self.failures.summary()) if n else None

    # ---- analysis -----------------------------------------------------------------------
    def _gap_ticks(self, quiet_from: float, until: float) -> None:
        """Backlog ticks through a silent stretch of log time (``TickSchedule.gap_times``)."""
        sched = self.analyzer.schedule
        for t in sched.gap_times(quiet_from, until, self._next_tick):
            self._tick(t, quiet_from)
        self._next_tick = max(self._next_tick, until + sched.backlog_step_s)

    def _tick(self, now: float, quiet_from: float | None) -> float:
        """A backlog tick (event time): alerts and trends only, at the least cost (see
        docs/decisions.md, "Backlog ticks"). Silence counts from ``quiet_from``, the newest
        log event (None: none yet). Returns the log time to the next tick."""
        try:
            return self._tick_analyzers(now, quiet_from)
        except Exception as exc:  # noqa: BLE001 - a broken analyzer must not stop the reading
            self.failures.record("analyzers (alerts, trends, health)", exc)
            return self.analyzer.schedule.backlog_step_s

    def _tick_analyzers(self, now: float, quiet_from: float | None) -> float:
        an = self.analyzer
        sched = an.schedule
        last = now if quiet_from is None else quiet_from
        if self._lean():
            # tokens and logs only: the readings are at most the silence (signals.compute)
            readings = {}
            if sched.reads.silence and self.files:
                readings["source.silence_s"] = silence(now, last)
            agent_readings = self._tick_agent_readings(now)
            if agent_readings:
                readings.update(agent_readings)
            an.tick_tokens_only(now, readings, self.tokens.tick_tokens_per_min(now))
            return sched.after(lean=True)
        reads = sched.reads
        if len(self.patterns):
            patterns = self.patterns.section(now, all_time=False)
            window = (sum(p.window_count for p in patterns.values()),
                      sum(p.window_errors for p in patterns.values()))
            all_tasks = self.patterns.totals()
        else:
            patterns, window, all_tasks = _NO_PATTERNS, (0, 0), (0, 0)
        an.tick(Inputs(
            now, self.tokens.tick_tokens(now, reads.tokens),
            self.processes.section(now) if len(self.processes) else self._idle_memory,
            patterns, window, all_tasks, last, bool(self.files), an.cores,
            self.config.budget_period_s, _NO_LOADS,
            self.metrics.section(now) if an.dynamic else None,
            self._record_failed(), self._tick_agent_readings(now), self._failure_reading(),
        ), reads)
        return sched.after(lean=False)

    def _lean(self) -> bool:
        """Is a tick now the lean one: tokens and logs only, no rule reading a token figure?"""
        return (self.analyzer.schedule.lean and not len(self.patterns) and not len(self.processes)
                and self.record_status is None and not len(self.failures))

    def _agent_rows(self, now: float, by_agent: dict[str, TokenCounts],
                    memory: Memory) -> list[AgentRow]:
        if not self.agents.agents:
            return []
        procs = {p.pid: p for p in memory.processes}
        return self.agents.rows(now, by_agent, lambda a: self.tokens.agent_rates(a, now), procs)

    def _tick_agent_readings(self, now: float) -> dict[str, Reading] | None:
        """agent.* readings on a backlog tick (only when a rule reads them)."""
        if not self.analyzer.schedule.reads.agents or not self.agents.agents:
            return None
        memory = self.processes.section(now) if len(self.processes) else self._idle_memory
        return self.agents.tick_readings(now, lambda a: self.tokens.agent_rates(a, now)[1],
                                         {p.pid: p for p in memory.processes})

    def _inputs(self, now: float, tokens: Tokens, memory: Memory,
                patterns: dict[str, PatternStats], metrics: Metrics,
                agents: list[AgentRow] | None = None) -> Inputs:
        """What the analyzers read at a snapshot."""
        return Inputs(
            now=now,
            tokens=tokens,
            memory=memory,
            patterns=patterns,
            window_tasks=(sum(p.window_count for p in patterns.values()),
                          sum(p.window_errors for p in patterns.values())),
            all_tasks=self.patterns.totals(),
            # before the first event, silence counts from when we started following
            last_event_at=(self.last_event_at if self.last_event_at is not None
                           else self._started(now)),
            follows_logs=bool(self.files),
            cpu_cores=self.analyzer.cores,
            budget_period_s=self.config.budget_period_s,
            agent_loads=self.patterns.agent_loads(now),
            metrics=metrics,
            record_failed=self._record_failed(),
            agent_readings=agent_signals.readings(agents) if agents else None,
            failures=self._failure_reading(),
        )

    def _record_failed(self) -> bool | None:
        return None if self.record_status is None else bool(self.record_status().error)

    def acknowledge(self, rule: str) -> bool:
        """Silence the firing alert ``rule`` until its severity changes (False: not firing)."""
        return self.analyzer.acknowledge(rule)
