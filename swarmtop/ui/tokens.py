"""Panel 3: tokens and dollars — totals, burn-rate sparklines, budget, per-model and
per-agent tables, savings. Figures counted by tiktoken (not reported) are marked `~`."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal

from swarmtop.export.fmt import fmt_limit, fmt_num, fmt_usd
from swarmtop.snapshot import Limit, Snapshot, TokenCounts
from swarmtop.ui.delta import Figures, baseline_counts, baseline_figures, delta_mark, with_delta
from swarmtop.ui.graph import sparkline
from swarmtop.ui.history import History
from swarmtop.ui.lines import TextLines
from swarmtop.ui.panel import Panel
from swarmtop.ui.table import Column, Row, SyncTable
from swarmtop.ui.text import Flow, Palette, bar, clip, fmt_duration, fmt_rate_usd, plain


def _columns(first: str) -> list[Column]:
    return [Column(first, "name", numeric=False), Column("Calls", "calls"),
            Column("In", "in"), Column("Out", "out"), Column("CacheR", "cr"),
            Column("CacheW", "cw"), Column("Cost", "cost")]


RowCache = dict[str, tuple[object, Row]]  # name -> (what its row was made from, the row)
MAX_CACHED_ROWS = 2_000


def count_rows(counts: dict[str, TokenCounts], table: str = "", base: Figures | None = None,
               pal: Palette | None = None, cache: RowCache | None = None,
               names: dict[str, str] | None = None) -> list[Row]:
    """Rows of a per-model/per-agent table; with a baseline, calls and cost carry their delta
    (figures tokens.<table>.<name>.calls / .cost_usd). With ``cache``, a name whose counts,
    deltas and palette are as last time gets last time's Row (most agents make no call in a
    given half second; the table then finds the same cells at once)."""
    base = base or {}
    pal = pal or Palette()
    rows = []
    for name, c in counts.items():
        key = f"tokens.{table}.{name}."
        d_calls, d_cost = base.get(key + "calls"), base.get(key + "cost_usd")
        label = names.get(name, name) if names else name  # an agent's name, not its UUID
        made_of = (c, d_calls, d_cost, pal, label)
        if cache is not None:
            hit = cache.get(name)
            if hit is not None and hit[0] == made_of:
                rows.append(hit[1])
                continue
        est = "~" if c.estimated else ""
        cost = fmt_usd(c.cost_usd) + ("?" if c.unpriced_calls else "")
        cells = (plain(label), with_delta(plain(fmt_num(c.calls)), d_calls, pal),
                 plain(est + fmt_num(c.input)),
                 plain(est + fmt_num(c.output)), plain(fmt_num(c.cache_read)),
                 plain(fmt_num(c.cache_write)),
                 with_delta(plain(cost), d_cost, pal))
        row = Row(key=name, cells=cells,
                  sort=(name, c.calls, c.input, c.output, c.cache_read, c.cache_write,
                        c.cost_usd),
                  filter_text=f"{label} {name}")
        rows.append(row)
        if cache is not None:
            if len(cache) >= MAX_CACHED_ROWS:
                cache.clear()  # bounded: names come and go over a long run
            cache[name] = (made_of, row)
    rows.sort(key=lambda r: -r.sort[6])  # natural order: most expensive first
    return rows


GRID_NOTES = 3  # note lines shown on the grid


def limits_text(limits: list[Limit], pal: Palette) -> Text:
    """The plans' rate-limit windows, by source: "codex 5 h window 62 %, resets 14:10 · 7 d
    window 23 %, …"; a window 70 % used is a warning, 90 % bad."""
    out = Text(end="")
    source = None
    for lm in limits:
        if lm.source != source:
            if source is not None:
                out.append("  ")
            out.append_text(plain(f"{lm.source} ", pal.muted))
            source = lm.source
        else:
            out.append(" · ", style=pal.muted)
        used = lm.used_percent
        style = pal.bad if used >= 90 else pal.warn if used >= 70 else ""
        out.append_text(plain(fmt_limit(lm), style))
    return out


class TokensPanel(Panel):
    NUMBER = 3
    TITLE = "Tokens"
    SHORT = "Tok"
    HELP = "tokens and $; ~ marks tiktoken estimates, ? a model without a price; s sorts"

    DEFAULT_CSS = """
    TokensPanel .tok-line { height: auto; }
    TokensPanel #tok-tables { height: 1fr; }
    TokensPanel #tok-tables.-stack { layout: vertical; }
    /* stacked: the few models take their rows, the agents the rest */
    TokensPanel #tok-tables.-stack #tok-models { height: auto; max-height: 50%; }
    TokensPanel SyncTable { width: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.usd_per_min = History(maxlen=240, step_s=2.0)
        self.tokens_per_min = History(maxlen=240, step_s=2.0)
        self._rows: dict[str, RowCache] = {"by_model": {}, "by_agent": {}}

    def compose(self) -> ComposeResult:
        for part in ("totals", "rates", "budget", "limits", "base", "notes"):
            yield TextLines("", id=f"tok-{part}", classes="tok-line",
                            hold_height=part in ("totals", "rates"))
        with Horizontal(id="tok-tables"):
            yield SyncTable(_columns("Model"), natural_label="cost", id="tok-models")
            yield SyncTable(_columns("Agent"), natural_label="cost", id="tok-agents")

    def on_resize(self) -> None:
        # side by side when both tables fit, stacked otherwise
        self.query_one("#tok-tables").set_class(self.size.width < 130, "-stack")

    def empty_reason(self, snap: Snapshot) -> str | None:
        t = snap.tokens
        return None if t.calls or t.total or t.cost_usd or t.budget_usd else "no calls"

    def observe(self, snap: Snapshot) -> None:
        self.usd_per_min.add(snap.uptime_s, snap.tokens.burn_usd_per_min)
        self.tokens_per_min.add(snap.uptime_s, snap.tokens.tokens_per_min)

    def render_snapshot(self, snap: Snapshot) -> None:
        # four lines, four widgets: a change in one (the sparklines move every 2 s) repaints
        # that line only
        pal = self.palette
        t = snap.tokens
        base = baseline_figures(snap)
        est = "~" if t.estimated else ""
        def figure(text: str, key: str, style: str = "") -> Text:
            out = Text(text, end="")
            out.stylize(style)  # the figure's own style, not its delta mark's
            out.append_text(delta_mark(base.get(key), pal))
            return out

        self.put(self.query_one("#tok-totals", TextLines), Flow((
            figure(f"in {est}{fmt_num(t.input)}", "tokens.input"),
            figure(f"out {est}{fmt_num(t.output)}", "tokens.output"),
            Text(f"cache r/w {fmt_num(t.cache_read)}/{fmt_num(t.cache_write)}"),
            figure(f"total {est}{fmt_num(t.total)}", "tokens.total", "bold"),
            figure(f"{fmt_num(t.calls)} calls", "tokens.calls", pal.muted),
        )))

        spark_w = max(8, min(30, (self.size.width - 44) // 2))
        s = Text(end="")
        s.append(fmt_usd(t.cost_usd), style=f"bold {pal.accent}")
        s.append_text(delta_mark(base.get("tokens.cost_usd"), pal))
        s.append(f"  {fmt_rate_usd(t.burn_usd_per_min)}/min ")
        s.append(sparkline(list(self.usd_per_min.values), spark_w, lo=0), style=pal.warn)
        s.append(f"  {fmt_num(t.tokens_per_min)} tok/min ")
        s.append(sparkline(list(self.tokens_per_min.values), spark_w, lo=0), style=pal.accent)
        self.put(self.query_one("#tok-rates", TextLines), s)

        s = Text(end="")
        if t.budget_usd:
            frac = t.cost_usd / t.budget_usd
            style = pal.bad if frac >= 0.9 else pal.warn if frac >= 0.7 else pal.good
            s.append(f"budget {fmt_usd(t.budget_usd)} ")
            s.append(bar(frac, max(10, min(40, self.size.width - 50))), style=style)
            s.append(f" {frac:.0%}", style=style)
            if frac >= 1:
                s.append("  EXHAUSTED", style=f"bold {pal.bad}")
            elif t.budget_exhausted_in_s is not None:
                s.append(f"  gone in {fmt_duration(t.budget_exhausted_in_s)}", style=style)
            else:
                s.append("  not burning", style=pal.muted)
        elif not snap.limits:
            s.append("no budget set (--budget USD)", style=pal.muted)
        budget_line = self.query_one("#tok-budget", TextLines)
        shown = bool(t.budget_usd) or not snap.limits  # the plan's limits stand in for it
        if budget_line.display != shown:
            budget_line.display = shown
        self.put(budget_line, s)
        limits_line = self.query_one("#tok-limits", TextLines)
        if limits_line.display != bool(snap.limits):
            limits_line.display = bool(snap.limits)  # no blank row without limits
        self.put(limits_line, limits_text(snap.limits, pal))

        s = Text(end="")
        if base:
            worse, better, same = baseline_counts(snap)
            s.append("vs ", style=pal.muted)
            s.append_text(plain(clip(snap.baseline.source or "baseline", 24),
                                pal.muted))
            s.append(": ")
            s.append(f"{worse} worse", style=pal.bad if worse else pal.muted)
            s.append(" ")
            s.append(f"{better} better", style=pal.good if better else pal.muted)
            s.append(f" {same} same", style=pal.muted)
            per_task = base.get("tasks.cost_per_task")
            if per_task and self.size.width >= 70:
                s.append(f"  $/task {fmt_usd(per_task.new)}")
                s.append_text(delta_mark(per_task, pal))
        base_line = self.query_one("#tok-base", TextLines)
        if base_line.display != bool(base):
            base_line.display = bool(base)  # no blank row without a baseline
        self.put(base_line, s)

        s = Text(end="")
        if t.estimated:
            s.append(f"~ {fmt_num(t.estimated)} tokens estimated ", style=pal.muted)
            s.append_text(plain(f"({t.tokenizer})" if t.tokenizer else "", pal.muted))
        if t.unpriced_models:
            s.append("\n? no price for ", style=pal.warn)
            s.append_text(plain(", ".join(t.unpriced_models[:5]), pal.warn))
        for saving in sorted(t.savings, key=lambda x: -x.usd)[:3]:
            s.append("\nsave ", style=pal.good)
            s.append(fmt_usd(saving.usd), style=f"bold {pal.good}")
            s.append_text(plain(f" {saving.strategy}: {saving.why}"))
        lines = [line for line in s.split("\n") if line.plain]
        s = Text("\n", end="")
        if not getattr(self.app, "single", True):
            # on the grid the tables need the room: a note is one line there, cut with an
            # ellipsis (zoomed with `3`, whole)
            lines = lines[:GRID_NOTES]
            s.no_wrap, s.overflow = True, "ellipsis"
        self.put(self.query_one("#tok-notes", TextLines), s.join(lines))
        for table, counts, wid in (("by_model", t.by_model, "#tok-models"),
                                   ("by_agent", t.by_agent, "#tok-agents")):
            names = {a.id: a.name for a in snap.agents} if table == "by_agent" else None
            rows = count_rows(counts, table, base, pal, self._rows[table], names)
            self.query_one(wid, SyncTable).set_rows(rows)
