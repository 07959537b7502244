"""A Feed for UI tests and the tmux look: hands out Snapshots built here, step by step."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import msgspec

from swarmtop.feed import Progress
from swarmtop.snapshot import (
    AgentRow,
    Alert,
    AlertRecord,
    BadLine,
    BaselineComparison,
    Bottleneck,
    FileInfo,
    Health,
    HealthComponent,
    LogEntry,
    Memory,
    Metrics,
    PatternStats,
    ProcessInfo,
    Saving,
    Snapshot,
    Sources,
    TokenCounts,
    Tokens,
    ToolStats,
    Trend,
)

HOSTILE = [
    "[bold]not bold[/bold]",
    "[@click=app.quit]x",
    "\x1b]0;pwned title\x07after-osc",
    "[/INST] done",
    "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "\x1b[2Jcleared?",
    "[link=http://evil.example]click[/link]",
]

PATTERNS = ["convergent", "divergent", "lateral", "systems", "critical", "abstract", "adaptive"]


def make_metrics(step: int = 0, hostile: bool = False) -> dict:
    """The `metrics` section (swarmtop/core/metrics.py): custom metrics and GC per process."""
    def dist(p50: float, kind: str = "timer", unit: str = "ms", agent: str = "coder") -> dict:
        return {"kind": kind, "unit": unit, "agent": agent, "latest": p50 * 1.1,
                "count": 40 + step, "total": p50 * (40 + step), "rate_per_s": 0.5,
                "min": p50 / 4, "max": p50 * 6, "p50": p50, "p90": p50 * 2.5, "p99": p50 * 5,
                "window_p50": p50, "window_p99": p50 * 4.5, "last_ts": 1_764_000_000.0 + step}

    def scalar(kind: str, latest: float, rate: float, unit: str = "") -> dict:
        return {"kind": kind, "unit": unit, "agent": "", "latest": latest, "count": 10 + step,
                "total": latest * 3, "rate_per_s": rate, "min": 0.0, "max": latest,
                "p50": None, "p90": None, "p99": None, "window_p50": None, "window_p99": None,
                "last_ts": 1_764_000_000.0 + step}

    custom = {
        "cache.hits": scalar("counter", 1200.0 + step, 3.25),
        "queue.depth": scalar("gauge", 17.0, 0.5, "items"),
        "retrieval.latency": dist(42.0),
        "tool.calls": scalar("rate", 2.0, 2.0, "calls"),
    }
    gc = {
        "/runs/probe/swarm-main-100.jsonl": {
            "pid": 100, "collections": 420 + step, "by_generation": [400 + step, 15, 5],
            "collected": 91_000, "uncollectable": 0, "pause_ms_total": 5210.0,
            "pause_ms_max": 48.5, "pause_ms_per_s": 83.0, "wall_share": 0.083,
            "last_ts": 1_764_000_000.0 + step},
        "/runs/probe/agent-worker-1-101.jsonl": {
            "pid": 101, "collections": 12, "by_generation": [12, 0, 0], "collected": 300,
            "uncollectable": 2, "pause_ms_total": 6.0, "pause_ms_max": 1.2,
            "pause_ms_per_s": 0.4, "wall_share": 0.0004, "last_ts": 1_764_000_000.0},
    }
    if hostile:
        for i, text in enumerate(HOSTILE[:4]):
            custom[text] = scalar("gauge", float(i), 0.0, unit=HOSTILE[4])
        gc[f"/runs/{HOSTILE[2]}.jsonl"] = {**gc["/runs/probe/agent-worker-1-101.jsonl"],
                                           "pid": None}
    return {"window_s": 60.0, "dropped": 0, "custom": custom, "gc": gc}


def make_trends(step: int = 0) -> dict[str, Trend]:
    return {
        "tokens_per_min": Trend(kind="linear", rate_per_s=1.5, r2=0.9, points=30 + step,
                                span_s=60.0, last=12_345.0 + step * 100, horizon_s=300.0,
                                projection=12_795.0 + step * 100, why="rising 90/min (R² 0.90)"),
        "total_rss_bytes": Trend(kind="exponential", rate_per_s=0.01, doubling_s=69.3, r2=0.95,
                                 points=30, span_s=60.0, last=190.0 * (1 << 20), horizon_s=300.0,
                                 projection=3800.0 * (1 << 20), why="exponential: doubles"),
        "p99_ms": Trend(kind="seasonal", period_s=30.0, r2=0.4, points=30, span_s=60.0,
                        last=7500.0, horizon_s=300.0, projection=7400.0, why="repeats"),
        "error_rate": Trend(kind="flat", points=30, span_s=60.0, last=0.05, horizon_s=300.0,
                            projection=0.05, why="no clear slope"),
    }


def make_alert_history(hostile: bool = False) -> list[AlertRecord]:
    out = [
        AlertRecord(rule="error_rate", severity="warning", message="error rate 7% over 5%",
                    since="2026-11-25T15:50:00+00:00", until="2026-11-25T15:52:30+00:00",
                    peak_value=0.07),
        AlertRecord(rule="pattern.p99", severity="critical", message="lateral p99 over target",
                    since="2026-11-25T15:55:00+00:00", until="2026-11-25T15:58:00+00:00",
                    peak_value=1.4),
    ]
    if hostile:
        out.append(AlertRecord(rule=HOSTILE[0], severity="info", message=HOSTILE[2],
                               since="2026-11-25T15:59:00+00:00",
                               until="2026-11-25T15:59:30+00:00"))
    return out


def _fig(figure: str, base: float, new: float, verdict: str, rule: str = "tolerance") -> dict:
    change = new - base
    return {"figure": figure, "base": base, "new": new, "change": change,
            "change_pct": change / abs(base) * 100 if base else None, "verdict": verdict,
            "rule": rule}


def make_baseline(tokens: Tokens, patterns: dict[str, PatternStats],
                  hostile: bool = False) -> dict:
    """A `baseline` section (swarmtop/core/baseline.py) with known verdicts: cost 10 % lower
    (better), total tokens 25 % higher (worse), calls the same; lateral 30 % slower (worse),
    divergent 20 % faster at p50 (better), convergent the same; gpt-4o cost worse."""
    figs = [
        _fig("tokens.cost_usd", tokens.cost_usd / 0.9, tokens.cost_usd, "better"),
        _fig("tokens.total", tokens.total / 1.25, tokens.total, "worse"),
        _fig("tokens.calls", tokens.calls, tokens.calls, "same"),
        _fig("tokens.by_model.gpt-4o.cost_usd", 0.2, tokens.by_model["gpt-4o"].cost_usd, "worse"),
        _fig("tokens.by_model.claude-sonnet-4.cost_usd",
             tokens.by_model["claude-sonnet-4"].cost_usd,
             tokens.by_model["claude-sonnet-4"].cost_usd, "same"),
        _fig("tasks.cost_per_task", 0.03, 0.027, "better"),
    ]
    lat = patterns["lateral"]
    figs.append(_fig("patterns.lateral.p99_ms", (lat.p99_ms or 0) / 1.3, lat.p99_ms or 0,
                     "worse", "quantile-se"))
    div = patterns["divergent"]
    figs.append(_fig("patterns.divergent.p50_ms", (div.p50_ms or 0) / 0.8, div.p50_ms or 0,
                     "better", "quantile-se"))
    con = patterns["convergent"]
    figs.append(_fig("patterns.convergent.p50_ms", con.p50_ms or 0, con.p50_ms or 0, "same",
                     "quantile-se"))
    return {"source": HOSTILE[1] if hostile else "base-run.json",
            "rules": {"tolerance": "within 2 %"}, "figures": figs,
            "regressions": [{"figure": "patterns.lateral.p99_ms", "worse_by_pct": 30.0,
                             "limit_pct": 10.0}]}


def make_agents() -> list[AgentRow]:
    """A planner and its sub-agents as the demo runs them (docs/demo.md): working, waiting on
    a model, looping on a failing tool, stalled, done; fixed figures and clock times, and the
    fake processes' pids (100, 101), so that a picture of them is the same at every run."""
    def agent(id_: str, status: str, activity: str, model: str, cost: float, calls: int, *,
              parent: str | None = None, errors: int = 0, ctx: float | None = None,
              pid: int | None = None, seen: str = "16:00:00", **kw: object) -> AgentRow:
        return AgentRow(
            id=id_, name=id_, parent=parent, kind="native", status=status, activity=activity,
            model=model, calls=calls, errors=errors, input=calls * 900, output=calls * 200,
            cost_usd=cost, burn_usd_per_min=cost / 3 if status == "working" else 0.0,
            tokens_per_min=calls * 370.0 if status == "working" else 0.0,
            context_used_pct=ctx, context_window=200_000, last_seen=f"2026-11-25T{seen}+00:00",
            pid=pid, pid_match="stated" if pid else "", rss_bytes=(50 << 20) if pid else None,
            cpu_percent=12.0 if pid else None, p50_ms=900.0, p99_ms=2400.0,
            depth=0 if parent is None else 1, **kw)  # type: ignore[arg-type]

    return [
        agent("planner", "working", "Task: split the refactor (12 s)", "claude-sonnet-4-5",
              0.412, 14, ctx=38.0, pid=100, tool_calls=5),
        agent("coder", "working", "waiting on claude-sonnet-4-5 (3 s)", "claude-sonnet-4-5",
              0.584, 22, parent="planner", ctx=71.0),
        agent("fixer", "working", "Bash: pytest tests/test_flaky.py -x (4 s)",
              "claude-haiku-4-5", 0.061, 9, parent="planner", errors=1, ctx=22.0, pid=101,
              tool_calls=7, tool_errors=6, loop="Bash `pytest tests/test_flaky.py -x`",
              loop_count=6),
        agent("researcher", "waiting", "web_fetch: https://docs.example/api", "gpt-4o-mini",
              0.018, 11, parent="planner", ctx=12.0, seen="15:59:58"),
        agent("indexer", "stalled", "no event for 3m10s", "claude-haiku-4-5", 0.009, 3,
              parent="planner", ctx=4.0, seen="15:56:50"),
        agent("reviewer", "done", "done", "claude-sonnet-4-5", 0.121, 4, parent="planner",
              ctx=27.0, seen="15:58:12"),
    ]


def make_snapshot(step: int = 0, *, hostile: bool = False, alerts: bool = True,
                  log_lines: int = 20, extra_procs: int = 0, lines_per_step: int = 3,
                  metrics: bool = True, baseline: bool = False,
                  agents: bool = False) -> Snapshot:
    """A full snapshot whose figures move with `step` (0.5 s per step); with `agents`, the
    demo's planner and sub-agents (make_agents) and their tools."""
    t0 = 1_764_000_000.0
    uptime = step * 0.5
    rss = 100 * (1 << 20) + step * (1 << 20)
    procs = [
        ProcessInfo(pid=100, name="swarm-main", rss_bytes=rss, peak_rss_bytes=rss,
                    cpu_percent=12.3, threads=8, samples=step + 3, growth="linear",
                    growth_bytes_per_s=2 * (1 << 20), leak_suspected=True,
                    history=[[t0 + i, 100 * (1 << 20) + i * (1 << 20)] for i in range(step + 3)]),
        ProcessInfo(pid=101, name="agent-worker-1", parent=100, rss_bytes=50 << 20,
                    peak_rss_bytes=60 << 20, cpu_percent=3.0, threads=2, samples=10,
                    growth="stable", history=[[t0, 50 << 20], [t0 + 1, 50 << 20]]),
        ProcessInfo(pid=102, name="agent-worker-2", parent=100, alive=False, status="exited",
                    exited_at="2026-11-25T16:01:02+00:00", rss_bytes=40 << 20,
                    peak_rss_bytes=45 << 20, samples=5, growth="stable"),
    ]
    for n in range(extra_procs):  # more workers, with figures that move a little each step
        procs.append(ProcessInfo(
            pid=200 + n, name=f"agent-{n}", parent=100, rss_bytes=(30 << 20) + step * 4096 * n,
            peak_rss_bytes=(30 << 20) + step * 4096 * n, cpu_percent=(step * 7 + n) % 40,
            threads=2 + n % 3, samples=step + 1, growth="stable",
            history=[[t0 + i, (30 << 20) + i * 4096 * n] for i in range(min(step, 120))]))
    by_model = {
        "claude-sonnet-4": TokenCounts(input=120_000, output=30_000, cache_read=400_000,
                                       cache_write=20_000, calls=40, cost_usd=1.234),
        "gpt-4o": TokenCounts(input=50_000, output=10_000, calls=12, cost_usd=0.25,
                              estimated=60_000),
    }
    by_agent = {
        "planner": TokenCounts(input=100_000, output=20_000, calls=30, cost_usd=0.9),
        "coder": TokenCounts(input=70_000, output=20_000, calls=22, cost_usd=0.584),
    }
    patterns = {
        name: PatternStats(count=10 + i + step, errors=i % 3, p50_ms=1000.0 * (i + 1),
                           p90_ms=2000.0 * (i + 1), p99_ms=3000.0 * (i + 1),
                           max_ms=4000.0 * (i + 1), target_ms=8000.0, window_count=5,
                           window_p50_ms=900.0 * (i + 1), window_p90_ms=1800.0 * (i + 1),
                           window_p99_ms=2500.0 * (i + 1),
                           error_rate=(i % 3) / (10 + i + step))
        for i, name in enumerate(PATTERNS)
    }
    patterns["custom-pattern"] = PatternStats(count=3, p50_ms=10.0, p90_ms=20.0, p99_ms=30.0)
    log = [
        LogEntry(ts=t0 + i, source="/runs/a/agent.jsonl", level=("error" if i % 7 == 0 else
                                                                  "warning" if i % 5 == 0 else
                                                                  "info"),
                 text=f"line {i} of the log")
        for i in range(max(0, step * lines_per_step + log_lines - 20),
                       step * lines_per_step + log_lines)
    ]
    names = {"agent": "planner", "model": "claude-sonnet-4", "why": "calls repeat a prompt"}
    if hostile:
        for i, text in enumerate(HOSTILE):
            log.append(LogEntry(ts=t0 + 10_000 + i, source=f"/runs/{text}.log", level="error",
                                text=text))
        procs.append(ProcessInfo(pid=666, name=HOSTILE[1] + HOSTILE[2], rss_bytes=1 << 20))
        by_agent = {**by_agent, HOSTILE[0]: TokenCounts(calls=1, input=1)}
        by_model = {**by_model, HOSTILE[3]: TokenCounts(calls=1, input=1)}
        names = {"agent": HOSTILE[1], "model": HOSTILE[3], "why": HOSTILE[2]}
    tokens = Tokens(
        input=170_000, output=40_000, cache_read=400_000, cache_write=20_000, total=630_000,
        estimated=60_000, calls=52, cost_usd=1.484 + step * 0.01,
        burn_usd_per_min=0.41 + 0.1 * math.sin(step / 3), tokens_per_min=12_345.0 + step * 100,
        budget_usd=5.0, budget_exhausted_in_s=3600.0 * 1.5, by_model=by_model, by_agent=by_agent,
        savings=[Saving(strategy="caching", usd=0.42, why=names["why"])],
        tokenizer="tiktoken cl100k_base",
    )
    alert_list = [
        Alert(rule="memory.leak", severity="critical", message="swarm-main grows 2 MiB/s",
              since="2026-11-25T16:00:00+00:00", value=2.0, threshold=1.0),
        Alert(rule="tokens.burn", severity="warning", message="burn above $0.30/min",
              since="2026-11-25T16:00:05+00:00", value=0.41, threshold=0.30),
    ] if alerts else []
    return Snapshot(
        generated_at="2026-11-25T16:00:00+00:00", uptime_s=uptime,
        health=Health(score=max(0.0, 72.0 - step), components={
            "errors": HealthComponent(score=90.0, weight=0.3, why="3 of 60 tasks failed (5.0%)"),
            "memory": HealthComponent(score=40.0, weight=0.2, why="swarm-main leaking"),
            "spend": HealthComponent(score=85.0, weight=0.15, why=names["why"]),
        }),
        tokens=tokens,
        memory=Memory(total_rss_bytes=sum(p.rss_bytes for p in procs if p.alive),
                      processes=procs, growth="linear", growth_bytes_per_s=2 << 20,
                      leak_suspected=True),
        patterns=patterns, alerts=alert_list,
        bottlenecks=[Bottleneck(kind="memory", severity=0.8, why="swarm-main RSS grows")],
        sources=Sources(
            lines=1234, events=1200, bad_lines=2,
            files=[FileInfo(path="/runs/a/agent.jsonl", format="native", lines=1000,
                            events=990, bad_lines=2),
                   FileInfo(path="/runs/a/notes.txt", format="text", lines=234, events=210,
                            state="rotated", why="renamed to notes.txt.1")],
            pids=[100, 101, 102],
            recent_bad_lines=[BadLine(source="/runs/a/agent.jsonl", offset=4096,
                                      reason="invalid JSON", excerpt='{"ts": 1, "ty')]),
        log_tail=log,
        metrics=msgspec.convert(make_metrics(step, hostile) if metrics else {}, Metrics),
        trends=make_trends(step),
        alert_history=make_alert_history(hostile),
        baseline=msgspec.convert(make_baseline(tokens, patterns, hostile) if baseline else {},
                                 BaselineComparison),
        agents=make_agents() if agents else [],
        tools={"Bash": ToolStats(count=12, errors=6, p50_ms=4100.0, p90_ms=9000.0,
                                 p99_ms=12000.0, max_ms=12500.0, in_flight=1),
               "web_fetch": ToolStats(count=5, p50_ms=800.0, p90_ms=1500.0, p99_ms=1900.0,
                                      max_ms=1900.0)} if agents else {},
    )


@dataclass
class FakeFeed:
    """Feed protocol over a list of snapshots: each `advance()` moves to the next one."""

    snapshots: list[Snapshot] = field(default_factory=lambda: [make_snapshot(0)])
    progress_value: Progress = field(default_factory=Progress)
    index: int = 0
    started: int = 0
    stopped: int = 0
    acknowledged: list[str] = field(default_factory=list)
    reads: int = 0
    listeners: list = field(default_factory=list)  # Feed.subscribe: called by push()

    async def start(self) -> None:
        self.started += 1

    async def stop(self) -> None:
        self.stopped += 1

    def latest(self) -> Snapshot | None:
        self.reads += 1
        return self.snapshots[self.index] if self.snapshots else None

    def advance(self) -> Snapshot:
        self.index = min(self.index + 1, len(self.snapshots) - 1)
        return self.snapshots[self.index]

    def subscribe(self, listener):
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    def push(self) -> Snapshot:
        """advance(), and announce the new snapshot as the real Runtime does."""
        snap = self.advance()
        for listener in list(self.listeners):
            listener(snap)
        return snap

    def progress(self) -> Progress:
        return self.progress_value

    def acknowledge(self, rule: str) -> None:
        self.acknowledged.append(rule)


class MovingFeed(FakeFeed):
    """Makes a new snapshot at every read (for looking at the app in tmux)."""

    def __init__(self, hostile: bool = False, extra_procs: int = 0, lines_per_step: int = 3,
                 frozen: bool = False, baseline: bool = False, agents: bool = False) -> None:
        super().__init__()
        self.agents = agents
        self.hostile = hostile
        self.extra_procs = extra_procs
        self.lines_per_step = lines_per_step
        self.baseline = baseline
        self.frozen = frozen  # same figures every tick (a new object each time): an idle swarm
        self.step = 0

    def latest(self) -> Snapshot | None:
        self.step += 1
        snap = make_snapshot(0 if self.frozen else self.step, hostile=self.hostile,
                             extra_procs=self.extra_procs, lines_per_step=self.lines_per_step,
                             baseline=self.baseline, agents=self.agents)
        if self.frozen:  # the clock still runs
            snap = msgspec.structs.replace(snap, uptime_s=self.step * 0.5)
        return snap


def screen_text(app) -> str:
    """What the terminal shows now, as plain text (one line per row)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
