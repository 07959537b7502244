"""The snapshot as Markdown tables, to paste into a pull request or a CI summary."""

from __future__ import annotations

from msgspec import UNSET

from swarmtop import units
from swarmtop.export.fmt import fmt_reset, fmt_window, found_text, worse_by_pct
from swarmtop.sanitize import safe_text
from swarmtop.snapshot import BaselineComparison, Snapshot
from swarmtop.units import fmt_bytes, fmt_ms, fmt_num, fmt_usd


def cell(text: object) -> str:
    """A table cell: sanitised, with pipes escaped so a log's text cannot break the table."""
    return safe_text(str(text)).replace("|", "\\|")


def table(headers: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return out


def render_markdown(s: Snapshot) -> str:
    t = s.tokens
    out = [f"## swarmtop report — health {s.health.score:.0f}/100", "",
           f"As of {s.as_of or s.generated_at}; {fmt_num(s.sources.lines)} lines from "
           f"{len(s.sources.files)} files, {s.sources.bad_lines} bad lines."
           + (f" {s.sources.untimed_why}." if s.sources.untimed_events else "")
           + (f" {cell(found_text(s.sources.discovered))}." if s.sources.discovered else ""),
           ""]
    out += table(["component", "score", "weight", "why"],
                 [[n, f"{c.score:.0f}", f"{c.weight:.2f}", c.why]
                  for n, c in s.health.components.items()])
    out += ["", "### Tokens and cost", ""]
    est = f" (~estimated {fmt_num(t.estimated)})" if t.estimated else ""
    out.append(f"{fmt_num(t.total)} tokens{est} in {t.calls} calls, {fmt_usd(t.cost_usd)}, "
               f"burn {fmt_usd(t.burn_usd_per_min)}/min.")
    out.append("")
    out += table(["model", "calls", "input", "output", "cache read", "cache write", "cost"],
                 [[m, c.calls, c.input, c.output, c.cache_read, c.cache_write,
                   fmt_usd(c.cost_usd) if not c.unpriced_calls else "no price"]
                  for m, c in sorted(t.by_model.items(), key=lambda kv: -kv[1].cost_usd)])
    if s.limits:
        out += ["", "Plan limits (as the logs last stated them):", ""]
        out += table(["source", "window", "used", "resets", "observed"],
                     [[lm.source, fmt_window(lm.window_minutes, lm.window),
                       f"{lm.used_percent:.0f} %", fmt_reset(lm.resets_at, lm.observed_at),
                       lm.observed_at] for lm in s.limits])
    if t.savings:
        out += ["", "Savings:", ""]
        out += [f"- {cell(sv.strategy)}: {fmt_usd(sv.usd)} — {cell(sv.why)}" for sv in t.savings]
    if s.agents:
        out += ["", "### Agents", ""]
        out += table(["agent", "status", "model", "calls", "errors", "tokens", "cost",
                      "$/min", "context", "tools", "doing"],
                     [["\u2003" * min(a.depth, 6) + a.name, a.status, a.model, a.calls,
                       a.errors + a.tool_errors,
                       fmt_num(a.input + a.output + a.cache_read + a.cache_write),
                       fmt_usd(a.cost_usd), fmt_usd(a.burn_usd_per_min),
                       f"{a.context_used_pct:.0f}%" if a.context_used_pct is not None else "",
                       a.tool_calls, a.activity] for a in s.agents])
    if s.tools:
        out += ["", "### Tools", ""]
        out += table(["tool", "count", "errors", "p50", "p90", "p99", "max"],
                     [[n, tl.count, tl.errors, fmt_ms(tl.p50_ms), fmt_ms(tl.p90_ms),
                       fmt_ms(tl.p99_ms), fmt_ms(tl.max_ms)]
                      for n, tl in sorted(s.tools.items(), key=lambda kv: -kv[1].count)])
    seen = {k: p for k, p in s.patterns.items() if p.count}
    if seen:
        out += ["", "### Pattern latency", ""]
        out += table(["pattern", "count", "errors", "p50", "p90", "p99", "max", "target"],
                     [[n, p.count, p.errors, fmt_ms(p.p50_ms), fmt_ms(p.p90_ms),
                       fmt_ms(p.p99_ms) + (" ⚠" if p.target_ms and (p.p99_ms or 0) > p.target_ms
                                           else ""),
                       fmt_ms(p.max_ms), fmt_ms(p.target_ms)] for n, p in seen.items()])
    if s.memory.processes:
        out += ["", "### Memory", ""]
        out += table(["pid", "name", "rss", "peak", "growth", "rate", "leak?"],
                     [[p.pid, p.name, fmt_bytes(p.rss_bytes), fmt_bytes(p.peak_rss_bytes),
                       p.growth, fmt_bytes(p.growth_bytes_per_s) + "/s",
                       "yes" if p.leak_suspected else ""] for p in s.memory.processes])
    if s.alerts:
        out += ["", "### Alerts", ""]
        out += table(["severity", "rule", "message", "since"],
                     [[a.severity, a.rule, a.message, a.since] for a in s.alerts])
    if s.sources.errors:
        out += ["", "### Failures of swarmtop itself", ""]
        out += table(["where", "message", "times", "since", "last"],
                     [[e.where, e.message, e.count, e.since, e.last] for e in s.sources.errors])
        out += ["", f"Tracebacks in `{cell(s.sources.log_file).replace('`', '')}`."]
    if s.bottlenecks:
        out += ["", "### Bottlenecks", ""]
        out += table(["kind", "severity", "why"],
                     [[b.kind, f"{b.severity:.2f}", b.why] for b in s.bottlenecks])
    if s.baseline.figures is not UNSET:  # (UNSET: no --baseline)
        out += ["", *baseline_table(s.baseline)]
    return "\n".join(out) + "\n"


_MARK = {"better": "✅ better", "worse": "❌ worse", "same": "same"}


def baseline_table(b: BaselineComparison) -> list[str]:
    """The comparison as a table a person pastes into a pull request."""
    rows: list[list[object]] = []
    figures = b.figures or []
    for f in figures:
        pct = f.change_pct
        unit = f.unit or units.COUNT  # a baseline from before units: plain counts
        rows.append([f.figure, units.fmt(f.base, unit), units.fmt(f.new, unit),
                     "n/a" if pct is None else f"{pct:+.1f}%", _MARK[f.verdict]])
    out = [f"### Against baseline `{cell(b.source or '')}`", ""]
    counts = {v: sum(1 for f in figures if f.verdict == v) for v in _MARK}
    out.append(f"{counts['worse']} worse, {counts['better']} better, {counts['same']} the same.")
    out.append("")
    out += table(["figure", "base", "new", "change", "verdict"], rows)
    for r in b.regressions or []:
        out.append(f"\n**Regression:** `{cell(r.figure)}` worse by {worse_by_pct(r):.1f}% "
                   f"(limit {r.limit_pct:g}%)")
    out += ["", "Rules: " + "; ".join(f"*{k}*: {v}" for k, v in (b.rules or {}).items())]
    return out
