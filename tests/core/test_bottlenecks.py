"""Each bottleneck kind from generated data, with a `why` naming its evidence."""

from __future__ import annotations

from swarmtop.core import bottlenecks as bn
from swarmtop.core import signals
from swarmtop.core.patterns import PatternTracker
from swarmtop.events import TaskEvent
from swarmtop.snapshot import GcStats, Memory, Metrics, ProcessInfo, Saving, TokenCounts, Tokens

T0 = 1_764_000_000.0


def inputs(**kw) -> signals.Inputs:
    base = dict(now=T0, tokens=Tokens(), memory=Memory(), patterns={}, window_tasks=(0, 0),
                all_tasks=(0, 0), cpu_cores=4)
    base.update(kw)
    return signals.Inputs(**base)


def find(inp: signals.Inputs) -> dict[str, bn.Bottleneck]:
    found = bn.find(inp, signals.compute(inp))
    assert [b.severity for b in found] == sorted((b.severity for b in found), reverse=True)
    assert all(0 < b.severity <= 1 for b in found)
    return {b.kind: b for b in found}


def test_nothing_wrong_nothing_found() -> None:
    procs = [ProcessInfo(pid=1, name="w", cpu_percent=20, rss_bytes=1 << 20, growth="stable")]
    assert find(inputs(memory=Memory(processes=procs, total_rss_bytes=1 << 20))) == {}


def test_cpu_near_all_cores() -> None:
    procs = [ProcessInfo(pid=i, name=f"w{i}", cpu_percent=97.0) for i in range(4)]
    b = find(inputs(memory=Memory(processes=procs)))["cpu"]
    assert b.severity > 0.9
    assert "4 cores" in b.why and "97%" in b.why


def test_cpu_single_core_bound() -> None:
    procs = [ProcessInfo(pid=7, name="swarm", cpu_percent=99.0),
             ProcessInfo(pid=8, name="idle", cpu_percent=1.0)]
    b = find(inputs(memory=Memory(processes=procs)))["cpu"]
    assert b.subject == "pid 7 (swarm)" and "one core" in b.why
    assert 0.5 < b.severity <= 0.8


def test_memory_growth_toward_limit_and_leak() -> None:
    gib = 1 << 30
    procs = [ProcessInfo(pid=3, name="agent", rss_bytes=3 * gib, growth="linear",
                         growth_bytes_per_s=2 << 20, leak_suspected=True)]
    mem = Memory(processes=procs, total_rss_bytes=3 * gib, limit_bytes=4 * gib)
    b = find(inputs(memory=mem))["memory"]
    # 1 GiB left at 2 MiB/s: 512 s to the limit
    assert "8.5 min" in b.why
    assert b.severity > 0.7
    mem = Memory(processes=procs, total_rss_bytes=3 * gib)  # no limit: the leak itself
    b = find(inputs(memory=mem))["memory"]
    assert "leak suspected" in b.why and b.subject == "pid 3 (agent)"


def _tracker() -> PatternTracker:
    pt = PatternTracker({"divergent": 1000.0}, window_s=60)
    for i in range(60):
        agent = "slowpoke" if i % 3 == 0 else f"a{i % 3}"
        dur = 2500.0 if agent == "slowpoke" else 400.0
        failed = agent == "slowpoke" and i % 2 == 0
        pt.add(TaskEvent(ts=T0 - 60 + i, source="s", agent=agent, pattern="divergent",
                         duration_ms=dur, status="error" if failed else "ok"))
    return pt


def test_latency_names_pattern_and_agent() -> None:
    pt = _tracker()
    b = find(inputs(patterns=pt.section(T0), agent_loads=pt.agent_loads(T0),
                    window_tasks=pt.window_totals(T0), all_tasks=pt.totals()))["latency"]
    assert b.subject == "divergent/slowpoke"
    assert "divergent p99 2.5s vs target 1.0s" in b.why and "slowest agent slowpoke" in b.why
    assert b.severity == 1.0  # 2.5x the target


def test_errors_concentrated_in_one_agent() -> None:
    pt = _tracker()
    b = find(inputs(patterns=pt.section(T0), agent_loads=pt.agent_loads(T0),
                    window_tasks=pt.window_totals(T0), all_tasks=pt.totals()))["errors"]
    assert b.subject == "slowpoke"
    assert "concentrated in agent slowpoke" in b.why
    assert "100% of recent failures" in b.why


def test_errors_spread_name_no_culprit() -> None:
    pt = PatternTracker({}, window_s=60)
    for i in range(100):
        pt.add(TaskEvent(ts=T0 - 50 + i * 0.5, source="s", agent=f"a{i % 4}",
                         pattern=f"p{i % 2}", status="error" if i % 5 == 0 else "ok"))
    b = find(inputs(patterns=pt.section(T0), agent_loads=pt.agent_loads(T0),
                    window_tasks=pt.window_totals(T0), all_tasks=pt.totals()))["errors"]
    assert b.subject == "" and "concentrated" not in b.why
    assert 0.5 < b.severity < 0.7  # 20 % failing


def test_tokens_over_budget_pace() -> None:
    # $60 budget over an hour = $1/min; burning $2.50/min
    tok = Tokens(calls=10, cost_usd=5.0, burn_usd_per_min=2.5, budget_usd=60.0,
                 budget_exhausted_in_s=1320)
    b = find(inputs(tokens=tok))["tokens"]
    assert "250% of the budget pace" in b.why and "22 min" in b.why
    assert b.severity == 1.0
    tok = Tokens(calls=10, cost_usd=5.0, burn_usd_per_min=0.5, budget_usd=60.0)
    assert "tokens" not in find(inputs(tokens=tok))


def test_tokens_cache_miss_waste() -> None:
    by_model = {"claude-x": TokenCounts(input=900_000, cache_read=100_000, calls=300),
                "tiny": TokenCounts(input=1000, calls=5)}
    tok = Tokens(calls=305, input=901_000, cache_read=100_000, by_model=by_model)
    b = find(inputs(tokens=tok))["tokens"]
    assert b.subject == "claude-x" and "90% of 1,000,000 prompt tokens missed the cache" in b.why
    # a savings estimate from the token ledger, when there is one, is the better evidence
    tok = Tokens(calls=305, input=901_000, cache_read=100_000, by_model=by_model, cost_usd=10.0,
                 savings=[Saving(strategy="caching", usd=4.0, why="repeated system prompt")])
    b = find(inputs(tokens=tok))["tokens"]
    assert b.severity == 0.4 and "caching could save $4.00 of $10.00" in b.why


def _gc_metrics(share: float, pid: int = 7) -> Metrics:
    return Metrics(gc={"/runs/p-7.jsonl": GcStats(pid=pid, collections=420,
                                                  by_generation=[400, 15, 5], collected=9000,
                                                  uncollectable=0, pause_ms_total=5000.0,
                                                  pause_ms_max=35.0, pause_ms_per_s=share * 1000,
                                                  wall_share=share, last_ts=T0)},
                   custom={})


def test_memory_gc_wall_share_over_five_percent() -> None:
    procs = [ProcessInfo(pid=7, name="worker", rss_bytes=1 << 20, growth="stable")]
    mem = Memory(processes=procs, total_rss_bytes=1 << 20)
    b = find(inputs(memory=mem, metrics=_gc_metrics(0.12)))["memory"]
    assert b.subject == "pid 7 (worker)"
    assert "12% of wall time in GC" in b.why and "120 ms/s" in b.why
    assert 0.3 < b.severity < 1
    worse = find(inputs(memory=mem, metrics=_gc_metrics(0.40)))["memory"]
    assert worse.severity == 1.0
    # at or under 5 %, GC is no bottleneck; a process not watched is named by its pid
    assert "memory" not in find(inputs(memory=mem, metrics=_gc_metrics(0.05)))
    b = find(inputs(metrics=_gc_metrics(0.2, pid=99)))["memory"]
    assert b.subject == "pid 99" and "20%" in b.why
