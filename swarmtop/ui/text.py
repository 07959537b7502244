"""Building display text. Untrusted strings (anything that came from a log or a process)
go through `plain()`: control characters become visible escapes and the result is a Rich
`Text` built from a plain string, so `[bold]`, `[@click=...]` or `[/INST]` show literally."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rich.text import Text

from swarmtop.export.fmt import fmt_bytes, fmt_secs
from swarmtop.sanitize import safe_text

BAR_FULL, BAR_EMPTY = "█", "░"


SHARED_CELLS = 4096  # short Texts kept for reuse: most table cells repeat from tick to tick
SHARED_MAX_LEN = 80  # longer strings (log lines) are rarely repeated: built fresh


def plain(text: object, style: str = "") -> Text:
    """Untrusted text -> a Text that is never parsed as markup. The style is a span (not the
    base style) so that Text equality, used to skip unchanged cells, sees it.

    A short string's Text is shared between equal calls (a bounded cache: a dashboard tick
    builds hundreds of cells, most the same as the tick before), so never change the result
    in place: `copy()` it first."""
    s = text if isinstance(text, str) else str(text)
    if len(s) > SHARED_MAX_LEN:
        return _plain(s, style)
    return _shared_plain(s, style)


def _plain(text: str, style: str) -> Text:
    t = Text(safe_text(text), end="")
    if style:
        t.stylize(style)
    return t


_shared_plain = lru_cache(maxsize=SHARED_CELLS)(_plain)


def flow(items: Sequence[Text], width: int, sep: str = "  ") -> Text:
    """``items`` on lines of at most ``width`` cells, ``sep`` between them, broken only
    between items, so a label and its figure ("liveness 100", "0 bad") stay on one line.
    An item wider than a line gets a line of its own (and wraps there). ``width`` 0 (not yet
    laid out): one line."""
    out = Text(end="")
    used = 0
    for item in items:
        n = item.cell_len
        if used and width and used + len(sep) + n > width:
            out.append("\n")
            used = 0
        elif used:
            out.append(sep)
            used += len(sep)
        out.append_text(item)
        used += n
    return out


@dataclass(frozen=True)
class Flow:
    """Content for a TextLines: ``items`` laid out with ``flow`` at the widget's own width
    (known only at layout; a resize lays them out again)."""

    items: tuple[Text, ...]
    sep: str = "  "


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


@dataclass(frozen=True)
class Palette:
    """Rich styles for meanings, derived from the current Textual theme so data colours
    follow the theme (ANSI themes yield ANSI colours)."""

    good: str = "green"
    warn: str = "yellow"
    bad: str = "red"
    accent: str = "cyan"
    muted: str = "dim"

    @classmethod
    def from_variables(cls, variables: dict[str, str]) -> Palette:
        def rich(name: str, fallback: str) -> str:
            value = variables.get(name, fallback).split()[0]
            if value.startswith("ansi_"):
                value = value[5:]
                return "default" if value == "default" else value
            return value if value.startswith("#") else fallback

        return cls(
            good=rich("success", "green"),
            warn=rich("warning", "yellow"),
            bad=rich("error", "red"),
            accent=rich("accent", "cyan"),
        )

    def band(self, score: float) -> str:
        """Health bands: >= 80 good, >= 50 degraded, below that bad."""
        return self.good if score >= 80 else self.warn if score >= 50 else self.bad

    def severity(self, severity: str) -> str:
        return {"critical": f"bold {self.bad}", "warning": self.warn}.get(severity, self.accent)

    def level(self, level: str) -> str:
        lv = level.lower()
        if lv in ("error", "critical", "fatal"):
            return self.bad
        if lv in ("warning", "warn"):
            return self.warn
        if lv in ("debug", "trace"):
            return self.muted
        return ""


def bar(fraction: float, width: int) -> str:
    """A text bar, `fraction` of `width` cells filled (clamped to 0..1)."""
    fraction = min(1.0, max(0.0, fraction))
    full = round(fraction * width)
    return BAR_FULL * full + BAR_EMPTY * (width - full)


fmt_duration = fmt_secs  # one rounding of spans for the report and the screen


def fmt_rate_usd(x: float) -> str:
    """Dollars per minute to the cent (a tenth of a cent below $0.10): stable to the eye."""
    return f"${x:.3f}" if abs(x) < 0.1 else f"${x:,.2f}"


def sig3(x: float) -> str:
    """Three significant digits (what a person reads, and what does not churn each tick)."""
    a = abs(x)
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def fmt_mem(n: float | None) -> str:
    """Bytes to three significant digits: 109MiB, 50.0MiB, 1.23GiB."""
    return fmt_bytes(n, sig3)


def fmt_latency(ms: float | None) -> str:
    """Milliseconds to three significant digits: 850ms, 2.50s, 12.6s, 125s."""
    if ms is None:
        return "-"
    return f"{ms:.0f}ms" if ms < 1000 else f"{sig3(ms / 1000)}s"


def fmt_uptime(seconds: float) -> str:
    """Uptime for the status line, in whole minutes: it changes once a minute, not each second."""
    s = int(max(0.0, seconds))
    if s < 60:
        return "<1m"
    if s < 3600:
        return f"{s // 60}m"
    return fmt_duration(s)
