"""Baseline deltas beside a figure (`--baseline BASE`, docs/baselines.md): ▲/▼ with the change
in %, green when the verdict is better, red when worse, a dim `=` when the same."""

from __future__ import annotations

from rich.text import Text

from swarmtop.snapshot import BaselineFigure, Snapshot
from swarmtop.ui.text import Palette

Figures = dict[str, BaselineFigure]


def baseline_figures(snap: Snapshot) -> Figures:
    """figure name -> its comparison row; empty without a baseline."""
    return {r.figure: r for r in snap.baseline.figures or []}


def fmt_pct(pct: float) -> str:
    a = abs(pct)
    if a >= 995:
        return f"{a / 100:.0f}x" if a < 99_950 else ">999x"
    return f"{a:.0f}%" if a >= 9.95 else f"{a:.1f}%"


def delta_mark(row: BaselineFigure | None, pal: Palette) -> Text:
    """` ▲12%` / ` ▼3.1%` coloured by the verdict, ` =` dimmed when the same, empty without
    a figure. (The leading space separates it from the figure it follows.)"""
    t = Text(end="")
    if not row:
        return t
    verdict = row.verdict
    if verdict == "same":
        t.append(" =", style=pal.muted)
        return t
    change = row.change
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="
    pct = row.change_pct
    amount = fmt_pct(pct) if pct is not None else "new"
    style = pal.good if verdict == "better" else pal.bad if verdict == "worse" else pal.muted
    t.append(f" {arrow}{amount}", style=style)
    return t


def with_delta(cell: Text, row: BaselineFigure | None, pal: Palette) -> Text:
    """A table cell followed by its delta mark."""
    if not row:
        return cell
    out = cell.copy()
    out.append_text(delta_mark(row, pal))
    return out


def baseline_counts(snap: Snapshot) -> tuple[int, int, int]:
    """(worse, better, same) over every compared figure."""
    rows = baseline_figures(snap).values()
    return (sum(r.verdict == "worse" for r in rows),
            sum(r.verdict == "better" for r in rows),
            sum(r.verdict == "same" for r in rows))
