"""The aggregator owns all state: it consumes event batches and produces Snapshots.

Plain Python, no Textual; every buffer is bounded. Time is injected (``clock``) so the same
code serves live monitoring (wall clock) and reports/replays (event time).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import msgspec

from swarmtop.core.baseline import BaselineSettings, compare
from swarmtop.core.config import Config
from swarmtop.core.health import combine, error_component, latency_component
from swarmtop.core.logtail import LogTail
from swarmtop.core.metrics import MetricsTracker
from swarmtop.core.patterns import PatternTracker
from swarmtop.core.prices import PriceTable
from swarmtop.core.processes import ProcessTracker
from swarmtop.core.tokenizer import Tokenizer
from swarmtop.core.tokens import TokenLedger
from swarmtop.events import (
    Event,
    FileStatus,
    GcEvent,
    LLMCall,
    LogLine,
    MetricEvent,
    ParseError,
    ProcessExit,
    ProcessSample,
    TaskEvent,
)
from swarmtop.snapshot import FileInfo, Snapshot, Sources
from swarmtop.sources.timeparse import iso

MAX_FILES = 10_000  # per-file status entries kept


class _FileCounts:
    __slots__ = ("events", "bad_lines", "status")

    def __init__(self) -> None:
        self.events = 0
        self.bad_lines = 0
        self.status: FileStatus | None = None


class Aggregator:
    def __init__(
        self,
        config: Config | None = None,
        *,
        clock: Callable[[], float] = time.time,
        prices: PriceTable | None = None,
        tokenizer: Tokenizer | None = None,
    ) -> None:
        self.config = config or Config()
        self.clock = clock
        self.started = clock()
        self.prices = prices or PriceTable()
        self.tokenizer = tokenizer or Tokenizer()
        cfg = self.config
        self.tokens = TokenLedger(cfg.window_s, cfg.budget_usd)
        self.patterns = PatternTracker(cfg.pattern_targets_ms, cfg.window_s)
        self.processes = ProcessTracker(cfg.interval_s, cfg.memory_limit_bytes)
        self.logtail = LogTail(cfg.log_tail_lines)
        self.metrics = MetricsTracker(cfg.window_s)
        self.files: dict[str, _FileCounts] = {}
        self.events = 0
        self.bad_lines = 0
        self.pids: set[int] = set()
        self.last_event_ts: float | None = None
        self.first_event_ts: float | None = None
        self.error_lines = 0
        self.llm_errors = 0
        self.max_ts = float("-inf")  # newest event time seen (samples included)
        self.since: float | None = None  # --since: ignore events older than this (their own ts)
        self.skipped_old = 0
        # name -> callable giving a small dict for snapshot.runtime (e.g. the recorder's state)
        # --baseline: (base snapshot, settings, where it came from); compared at every snapshot
        self.baseline: tuple[Snapshot, BaselineSettings, str] | None = None
        self.status_providers: dict[str, Callable[[], dict[str, object]]] = {}

    def event_clock(self) -> float:
        """'Now' as the newest event seen: the clock for reports and replays, so rolling
        figures describe the end of the recording rather than an empty minute of wall time."""
        return self.max_ts if self.max_ts > float("-inf") else time.time()

    # ---- ingest -------------------------------------------------------------------------
    def ingest(self, events: Iterable[Event]) -> None:
        for ev in events:
            self._ingest_one(ev)

    def _file(self, source: str) -> _FileCounts | None:
        fc = self.files.get(source)
        if fc is None and len(self.files) < MAX_FILES and not source.startswith("pid:"):
            fc = self.files[source] = _FileCounts()
        return fc

    def _ingest_one(self, ev: Event) -> None:
        if isinstance(ev, FileStatus):
            fc = self._file(ev.source)
            if fc is not None:
                fc.status = ev
            return
        if isinstance(ev, ProcessSample):
            if ev.ts > self.max_ts:
                self.max_ts = ev.ts
            self.processes.add_sample(ev)
            self.pids.add(ev.pid)
            return
        if isinstance(ev, ProcessExit):
            self.processes.add_exit(ev)
            return
        if isinstance(ev, ParseError):
            self.bad_lines += 1
            fc = self._file(ev.source)
            if fc is not None:
                fc.bad_lines += 1
            self.logtail.add_bad(ev)
            return
        if self.since is not None and ev.ts < self.since:
            self.skipped_old += 1
            return
        self.events += 1
        fc = self._file(ev.source)
        if fc is not None:
            fc.events += 1
        if self.last_event_ts is None or ev.ts > self.last_event_ts:
            self.last_event_ts = ev.ts
        if ev.ts > self.max_ts:
            self.max_ts = ev.ts
        if self.first_event_ts is None or ev.ts < self.first_event_ts:
            self.first_event_ts = ev.ts
        if isinstance(ev, LLMCall):
            self._add_call(ev)
        elif isinstance(ev, TaskEvent):
            self.patterns.add(ev)
        elif isinstance(ev, LogLine):
            if ev.level in ("error", "critical"):
                self.error_lines += 1
            self.logtail.add_line(ev)
        elif isinstance(ev, MetricEvent):
            self.metrics.add(ev)
        elif isinstance(ev, GcEvent):
            self.metrics.add_gc(ev)

    def _add_call(self, call: LLMCall) -> None:
        if self.tokens.is_duplicate(call.dedupe_key):
            return
        estimated = call.estimated
        if call.input_tokens is None and call.output_tokens is None:
            i = self.tokenizer.count(call.model, call.prompt)
            o = self.tokenizer.count(call.model, call.completion)
            estimated = True
            self.tokens.tokenizer = self.tokenizer.status or "tiktoken"
        else:
            i, o = call.input_tokens or 0, call.output_tokens or 0
        cost = call.cost_usd
        if cost is None:
            cost = self.prices.cost(call.model, i, o, call.cache_read_tokens,
                                    call.cache_write_tokens)
        if not call.ok:
            self.llm_errors += 1
        self.tokens.add(call, i, o, estimated, cost)

    # ---- snapshot -----------------------------------------------------------------------
    def snapshot(self, now: float | None = None) -> Snapshot:
        now = self.clock() if now is None else now
        cfg = self.config
        patterns = self.patterns.section(now)
        tasks, failed = self.patterns.totals()
        weights = cfg.health_weights
        components = {
            "errors": error_component(tasks, failed, weights.get("errors", 0.3)),
            "latency": latency_component(patterns, weights.get("latency", 0.2)),
        }
        files = []
        for path, fc in self.files.items():
            st = fc.status
            files.append(
                FileInfo(
                    path=path,
                    format=st.format if st else "auto",
                    lines=st.lines if st else 0,
                    events=fc.events,
                    bad_lines=fc.bad_lines,
                    offset=st.offset if st else 0,
                    state=st.state if st else "following",
                    why=st.why if st else "",
                )
            )
        sources = Sources(
            lines=sum(f.lines for f in files),
            events=self.events,
            bad_lines=self.bad_lines,
            files=files,
            pids=sorted(self.pids),
            recent_bad_lines=self.logtail.bad(),
        )
        snap = Snapshot(
            generated_at=iso(time.time()),
            as_of=iso(now),
            uptime_s=round(max(0.0, now - self.started), 3),
            health=combine(components),
            tokens=self.tokens.section(now),
            memory=self.processes.section(now),
            patterns=patterns,
            sources=sources,
            errors={"tasks": tasks, "failed_tasks": failed, "error_lines": self.error_lines,
                    "llm_errors": self.llm_errors, "bad_lines": self.bad_lines},
            log_tail=self.logtail.lines(),
            metrics=self.metrics.section(now),
            runtime={name: fn() for name, fn in self.status_providers.items()},
        )
        if self.baseline is not None:
            base, settings, origin = self.baseline
            snap = msgspec.structs.replace(snap, baseline=compare(base, snap, settings, origin))
        return snap
