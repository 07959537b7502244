"""Where the swarm is held back: cpu, memory, latency, tokens, errors.

Each finding has a severity in 0..1 (0 = no sign, 1 = the thing limiting the run now) and a
``why`` that names its evidence (process, pattern, agent, model). Only findings with
severity >= MIN_SEVERITY are listed, worst first.
"""

from __future__ import annotations

from collections.abc import Mapping

from swarmtop.core.signals import Inputs, Reading, proc_label, smoothed_error_rate
from swarmtop.snapshot import Bottleneck, GcStats, Tokens

MIN_SEVERITY = 0.05
SINGLE_CORE = 90.0  # a process at >= 90 % of one core is likely bound by one thread (the GIL)
MIN_ERRORS = 3.0  # recent failures needed before naming a culprit
CACHE_MIN_INPUT = 100_000  # input tokens seen before judging cache use
GC_SHARE = 0.05  # a process pausing for GC over 5 % of wall time is held back by memory churn


def _clamp01(x: float) -> float:
    return round(max(0.0, min(1.0, x)), 3)


def cpu(inp: Inputs, readings: Mapping[str, Reading]) -> Bottleneck | None:
    sat = readings.get("process.cpu_saturation")
    top = readings.get("process.max_cpu_percent")
    if sat is None or top is None:
        return None
    cores = max(1, inp.cpu_cores)
    s_total = _clamp01((sat.value - 0.6) / 0.35)  # 60 % of all cores -> 0, 95 % -> 1
    s_single = _clamp01((top.value - 70.0) / (SINGLE_CORE + 5 - 70.0)) * 0.8 if cores > 1 else 0.0
    if s_total >= s_single:
        why = (f"watched processes use {sat.value:.0%} of {cores} cores "
               f"({sat.value * cores * 100:.0f}% CPU); busiest {top.subject} at {top.value:.0f}%")
        sev = s_total
    else:
        why = (f"{top.subject} at {top.value:.0f}% CPU: one core busy (single-threaded or "
               f"GIL-bound) while {cores} are available")
        sev = s_single
    return Bottleneck(kind="cpu", severity=sev, why=why, subject=top.subject)


def memory(inp: Inputs, readings: Mapping[str, Reading]) -> Bottleneck | None:
    found: list[tuple[float, str, str]] = []
    ttl = readings.get("memory.time_to_limit_s")
    if ttl is not None:
        why = (f"memory limit reached in {ttl.value / 60:.1f} min at the current growth"
               if ttl.value > 0 else "memory limit reached")
        found.append((_clamp01(1.0 - ttl.value / 1800.0), why, ttl.subject))
    frac = readings.get("memory.limit_fraction")
    if frac is not None:
        found.append((_clamp01((frac.value - 0.7) / 0.3),
                      f"total RSS at {frac.value:.0%} of the memory limit", ""))
    for p in inp.memory.processes:
        if not p.alive or p.growth not in ("linear", "exponential"):
            continue
        base = 0.6 if p.leak_suspected else 0.3
        if p.growth == "exponential":
            base += 0.2
        label = proc_label(p.pid, p.name)
        found.append((base, f"{label} RSS grows {p.growth} at {p.growth_bytes_per_s / 1024:.0f} "
                      f"KiB/s{' (leak suspected)' if p.leak_suspected else ''}", label))
    gc = _gc(inp)
    if gc is not None:
        found.append(gc)
    if not found:
        return None
    sev, why, subject = max(found, key=lambda x: x[0])
    return Bottleneck(kind="memory", severity=sev, why=why, subject=subject)


def _gc(inp: Inputs) -> tuple[float, str, str] | None:
    """The process spending the largest share of its wall time in GC pauses (probe `gc=True`),
    when that share is over GC_SHARE: 5 % -> severity 0.3, 25 % and more -> 1."""
    worst: tuple[float, str, GcStats] | None = None
    for src, g in ((inp.metrics.gc or {}) if inp.metrics is not None else {}).items():
        share = g.wall_share
        if share is not None and (worst is None or share > worst[0]):
            worst = (share, src, g)
    if worst is None or worst[0] <= GC_SHARE:
        return None
    share, src, g = worst
    pid = g.pid
    names = {p.pid: p.name for p in inp.memory.processes}
    label = proc_label(pid, names.get(pid, "")) if pid is not None else src
    sev = 0.3 + 0.7 * _clamp01((share - GC_SHARE) / 0.20)
    why = (f"{label} spends {share:.0%} of wall time in GC pauses "
           f"({g.pause_ms_per_s or 0:.0f} ms/s, longest {g.pause_ms_max or 0:.0f} ms, "
           f"{g.collections} collections)")
    return (round(sev, 3), why, label)


def latency(inp: Inputs) -> Bottleneck | None:
    worst: tuple[float, str, float, float] | None = None  # ratio, pattern, p99, target
    for name, p in inp.patterns.items():
        if p.window_count and p.target_ms and p.window_p99_ms is not None:
            ratio = p.window_p99_ms / p.target_ms
            if ratio > 1 and (worst is None or ratio > worst[0]):
                worst = (ratio, name, p.window_p99_ms, p.target_ms)
    if worst is None:
        return None
    ratio, name, p99_ms, target_ms = worst
    p = inp.patterns[name]
    why = (f"{name} p99 {p99_ms / 1000:.1f}s vs target {target_ms / 1000:.1f}s "
           f"({ratio:.0%}) over {p.window_count} recent tasks")
    subject = name
    agents = inp.agent_loads.get(name, {})
    slow = [(s, a, n) for a, (n, _e, s) in agents.items() if s >= 0.5]
    if slow:
        s, agent, n = max(slow)
        total_slow = sum(x[0] for x in slow)
        why += (f"; slowest agent {agent}: {s / n:.0%} of its tasks over target, "
                f"{s / total_slow:.0%} of the pattern's slow tasks")
        subject = f"{name}/{agent}"
    return Bottleneck(kind="latency", severity=_clamp01(ratio - 1.0), why=why, subject=subject)


def tokens(inp: Inputs, readings: Mapping[str, Reading]) -> Bottleneck | None:
    found: list[tuple[float, str, str]] = []
    pace = readings.get("tokens.burn_vs_budget")
    if pace is not None and pace.value > 1:
        t = inp.tokens
        left = (f", budget gone in {t.budget_exhausted_in_s / 60:.0f} min"
                if t.budget_exhausted_in_s is not None else "")
        found.append((_clamp01(pace.value - 1.0),
                      f"spending ${t.burn_usd_per_min:.3f}/min = {pace.value:.0%} of the budget "
                      f"pace{left}", ""))
    if isinstance(inp.tokens, Tokens):  # a backlog tick's TickTokens has no tables to read
        waste = _waste(inp.tokens)
        if waste is not None:
            found.append(waste)
    if not found:
        return None
    sev, why, subject = max(found, key=lambda x: x[0])
    return Bottleneck(kind="tokens", severity=sev, why=why, subject=subject)


def _waste(t: Tokens) -> tuple[float, str, str] | None:
    """The best saving the ledger names, else the model missing the cache the most."""
    if t.savings:
        best = max(t.savings, key=lambda s: s.usd)
        if t.cost_usd > 0 and best.usd > 0:
            return (_clamp01(best.usd / t.cost_usd),
                    f"{best.strategy} could save ${best.usd:.2f} of ${t.cost_usd:.2f}: "
                    f"{best.why}", best.strategy)
    elif t.input + t.cache_read >= CACHE_MIN_INPUT:
        # cache miss waste: prompt tokens paid at full price that a cache could have served
        worst: tuple[float, str, int] | None = None
        for model, c in t.by_model.items():
            prompt = c.input + c.cache_read
            if prompt >= CACHE_MIN_INPUT // 10 and c.calls >= 10:
                miss = c.input / prompt
                if worst is None or miss * prompt > worst[0] * worst[2]:
                    worst = (miss, model, prompt)
        if worst is not None and worst[0] > 0.5:
            miss, model, prompt = worst
            return (_clamp01((miss - 0.5) * 0.6),
                    f"{model}: {miss:.0%} of {prompt:,} prompt tokens missed the cache "
                    f"(cache reads {prompt - int(miss * prompt):,})", model)
    return None


def errors(inp: Inputs) -> Bottleneck | None:
    rate = smoothed_error_rate(inp.window_tasks, inp.all_tasks)
    if rate is None or rate < 0.02:
        return None
    sev = _clamp01(rate / 0.35)
    n, failed = inp.window_tasks
    why = f"{rate:.0%} of recent tasks failing ({failed} of {n})"
    subject = ""
    # concentration: one agent or one pattern holding most of the recent failures
    by_agent: dict[str, list[float]] = {}
    by_pattern: dict[str, list[float]] = {}
    for pattern, agents in inp.agent_loads.items():
        for agent, (cnt, err, _slow) in agents.items():
            a = by_agent.setdefault(agent, [0.0, 0.0])
            a[0] += cnt
            a[1] += err
            p = by_pattern.setdefault(pattern, [0.0, 0.0])
            p[0] += cnt
            p[1] += err
    total_err = sum(v[1] for v in by_agent.values())
    total_cnt = sum(v[0] for v in by_agent.values())
    if total_err >= MIN_ERRORS and total_cnt > 0:
        best: tuple[float, str, str, float] | None = None
        for kind, table in (("agent", by_agent), ("pattern", by_pattern)):
            if len(table) < 2:
                continue
            name, (cnt, err) = max(table.items(), key=lambda kv: kv[1][1])
            share, task_share = err / total_err, cnt / total_cnt
            if share >= 0.6 and share > task_share * 1.5 and (best is None or share > best[0]):
                best = (share, kind, name, task_share)
        if best is not None:
            share, kind, name, task_share = best
            why += (f"; concentrated in {kind} {name}: {share:.0%} of recent failures from "
                    f"{task_share:.0%} of the tasks")
            subject = name
    return Bottleneck(kind="errors", severity=sev, why=why, subject=subject)


def find(inp: Inputs, readings: Mapping[str, Reading]) -> list[Bottleneck]:
    found = [cpu(inp, readings), memory(inp, readings), latency(inp),
             tokens(inp, readings), errors(inp)]
    out = [b for b in found if b is not None and b.severity >= MIN_SEVERITY]
    out.sort(key=lambda b: -b.severity)
    return out
