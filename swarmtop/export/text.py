"""A compact human summary of a snapshot: what `top -b` is to `top`."""

from __future__ import annotations

from msgspec import UNSET

from swarmtop.export.fmt import describe_trend, fmt_limit, found_text
from swarmtop.sanitize import safe_text
from swarmtop.snapshot import BaselineComparison, Snapshot
from swarmtop.units import fmt_bytes, fmt_ms, fmt_num, fmt_usd


def render_text(s: Snapshot) -> str:
    t = s.tokens
    out: list[str] = []
    out.append(
        f"swarmtop {s.generated_at}  health {s.health.score:.0f}/100  "
        f"uptime {s.uptime_s:.0f}s"
    )
    for name, hc in s.health.components.items():
        out.append(f"  {name:<9} {hc.score:5.1f}  (w {hc.weight:.2f})  {safe_text(hc.why)}")
    est = f" (~{fmt_num(t.estimated)} estimated)" if t.estimated else ""
    out.append(
        f"tokens   in {fmt_num(t.input)}  out {fmt_num(t.output)}  cache r {fmt_num(t.cache_read)}"
        f"  w {fmt_num(t.cache_write)}  total {fmt_num(t.total)}{est}  calls {t.calls}"
    )
    budget = ""
    if t.budget_usd is not None:
        left = (
            f", budget gone in {t.budget_exhausted_in_s:.0f}s"
            if t.budget_exhausted_in_s is not None
            else ""
        )
        budget = f"  budget {fmt_usd(t.budget_usd)}{left}"
    out.append(
        f"cost     {fmt_usd(t.cost_usd)}  burn {fmt_usd(t.burn_usd_per_min)}/min  "
        f"{fmt_num(t.tokens_per_min)} tok/min{budget}"
    )
    if t.unpriced_models:
        out.append(f"  no price for: {safe_text(', '.join(t.unpriced_models))}")
    if s.limits:
        out.append("limits   " + "; ".join(f"{safe_text(lm.source)} {fmt_limit(lm)}"
                                           for lm in s.limits))
    for model, c in sorted(t.by_model.items(), key=lambda kv: -kv[1].cost_usd):
        out.append(
            f"  {safe_text(model)[:32]:<32} calls {c.calls:>6}  in {fmt_num(c.input):>7}  "
            f"out {fmt_num(c.output):>7}  {fmt_usd(c.cost_usd):>9}"
        )
    for sv in t.savings:
        out.append(f"  save {fmt_usd(sv.usd)} by {sv.strategy}: {safe_text(sv.why)}")
    if s.agents:
        out.append(f"agents   {len(s.agents)}: " + ", ".join(
            f"{n} {st}" for st, n in _status_counts(s).items()))
        for a in s.agents:
            name = ("  " * min(a.depth, 6) + safe_text(a.name))[:40]
            ctx = f"{a.context_used_pct:.0f}%" if a.context_used_pct is not None else "-"
            out.append(
                f"  {name:<40} {a.status:<8} calls {a.calls:>5}  err {a.errors + a.tool_errors:>3}"
                f"  {fmt_usd(a.cost_usd):>9}  {fmt_usd(a.burn_usd_per_min)}/min  ctx {ctx:>4}"
                f"  tools {a.tool_calls:>4}  {safe_text(a.activity)[:50]}")
    if s.tools:
        out.append("tool            count  errors     p50      p90      p99      max")
        for name, tl in sorted(s.tools.items(), key=lambda kv: -kv[1].count)[:15]:
            out.append(f"  {safe_text(name)[:12]:<12} {tl.count:>6} {tl.errors:>7} "
                       f"{fmt_ms(tl.p50_ms):>8} {fmt_ms(tl.p90_ms):>8} {fmt_ms(tl.p99_ms):>8} "
                       f"{fmt_ms(tl.max_ms):>8}")
    seen = {k: p for k, p in s.patterns.items() if p.count}
    if seen:
        out.append("pattern        count  errors     p50      p90      p99      max   target")
        for name, p in seen.items():
            flag = " !" if p.target_ms and p.p99_ms and p.p99_ms > p.target_ms else ""
            out.append(
                f"  {safe_text(name)[:12]:<12} {p.count:>6} {p.errors:>7} {fmt_ms(p.p50_ms):>8} "
                f"{fmt_ms(p.p90_ms):>8} {fmt_ms(p.p99_ms):>8} {fmt_ms(p.max_ms):>8} "
                f"{fmt_ms(p.target_ms):>8}{flag}"
            )
    m = s.memory
    if m.processes:
        out.append(f"memory   total rss {fmt_bytes(m.total_rss_bytes)}  ({len(m.processes)} processes)")
        for proc in m.processes:
            state = "" if proc.alive else f"  exited {proc.exited_at}"
            leak = "  LEAK?" if proc.leak_suspected else ""
            out.append(
                f"  {proc.pid:>7} {safe_text(proc.name)[:18]:<18} rss {fmt_bytes(proc.rss_bytes):>9} "
                f"peak {fmt_bytes(proc.peak_rss_bytes):>9} {proc.growth:<11} "
                f"{fmt_bytes(proc.growth_bytes_per_s)}/s cpu {proc.cpu_percent:5.1f}%{leak}{state}"
            )
    for al in s.alerts:
        out.append(f"ALERT {al.severity:<8} {safe_text(al.rule)}: {safe_text(al.message)}")
    for b in s.bottlenecks:
        out.append(f"bottleneck {b.kind} ({b.severity:.2f}): {safe_text(b.why)}")
    for name, tr in s.trends.items():
        out.append(f"trend {safe_text(name):<16} {safe_text(describe_trend(name, tr))}")
    out += _baseline_lines(s.baseline)
    src = s.sources
    out.append(
        f"sources  {len(src.files)} files  {fmt_num(src.lines)} lines  {fmt_num(src.events)} "
        f"events  {src.bad_lines} bad lines" + (f"  pids {src.pids}" if src.pids else "")
    )
    if src.discovered:
        out.append(f"  {safe_text(found_text(src.discovered))}")
    if src.untimed_events:
        out.append(f"  {src.untimed_why}")
    for f in src.files:
        if f.why or f.state in ("skipped", "deleted"):
            out.append(f"  {safe_text(f.path)}: {f.state} {safe_text(f.why)}")
    for e in src.errors:
        times = f" (x{e.count} since {e.since})" if e.count > 1 else f" ({e.since})"
        out.append(f"FAILED   {safe_text(e.where)}: {safe_text(e.message)}{times}")
    if src.errors:
        out.append(f"  tracebacks in {safe_text(src.log_file)}")
    return "\n".join(out) + "\n"


def _status_counts(s: Snapshot) -> dict[str, int]:
    out: dict[str, int] = {}
    for a in s.agents:
        out[a.status] = out.get(a.status, 0) + 1
    return out


def _baseline_lines(b: BaselineComparison) -> list[str]:
    """The comparison against --baseline: counts, then each figure that changed."""
    figs = b.figures
    if figs is UNSET:  # no --baseline
        return []
    changed = [f for f in figs if f.verdict != "same"]
    out = [f"baseline {safe_text(b.source or '')}: "
           f"{sum(f.verdict == 'worse' for f in figs)} worse, "
           f"{sum(f.verdict == 'better' for f in figs)} better, "
           f"{len(figs) - len(changed)} same"]
    for f in changed:
        pct = "" if f.change_pct is None else f" ({f.change_pct:+.1f}%)"
        out.append(f"  {f.verdict:<6} {safe_text(f.figure)}: {f.base:.6g} -> {f.new:.6g}{pct}")
    return out
