"""Write to the terminal only the cells that changed since they were last written.

Textual writes every dirty region whole, from the left edge of each widget in it, and gives
every segment its full colour codes and a reset (≈ 40 bytes of escapes per segment in
truecolor). The dashboard's lines are repainted whole when one figure in them moves (a table
row, a status line) and the log tail scrolls, so ≈ 7.5 KB went out per frame at 120x40 for a
few dozen changed digits. ``DiffUpdate`` keeps what the terminal shows (``FrontBuffer``: the
character and colour codes of each cell written), compares each dirty line with it and
writes only the runs of cells that differ, the colour codes only where they change. What the
buffer does not know (after a full repaint, another screen, a resize) counts as changed, so
the first write after it is Textual's own."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.style import Style
from textual._compositor import ChopsUpdate
from textual.strip import Strip

Cell = tuple[str, str]  # (character, SGR codes); "" for the second half of a wide character
MERGE_GAP = 3  # unchanged cells between two runs written through rather than jumped over


class FrontBuffer:
    """What each cell of the screen was last written as (None: not known)."""

    def __init__(self) -> None:
        self.lines: list[list[Cell | None]] = []
        self.width = 0
        self._codes: dict[Style, str] = {}

    def invalidate(self) -> None:
        self.lines = []

    def line(self, y: int, width: int) -> list[Cell | None]:
        if width != self.width:
            self.width = width
            self.lines = []
        while len(self.lines) <= y:
            self.lines.append([None] * width)
        return self.lines[y]

    def codes(self, style: Style | None, console: Console) -> str:
        if style is None:
            return ""
        codes = self._codes.get(style)
        if codes is None:
            rendered = style.render("\0", color_system=console._color_system)
            codes = rendered[2:rendered.index("m")] if rendered.startswith("\x1b[") else ""
            if len(self._codes) > 4096:
                self._codes.clear()
            self._codes[style] = codes
        return codes


def explode(strip: Strip, x: int, out: dict[int, Cell], buf: FrontBuffer,
            console: Console) -> None:
    """The cells of ``strip`` placed at column ``x``."""
    codes_of = buf.codes
    for text, style, control in strip:
        if control or not text:
            continue
        codes = codes_of(style, console)
        if text.isascii():
            for ch in text:
                out[x] = (ch, codes)
                x += 1
            continue
        for ch in text:
            width = cell_len(ch)
            if width == 0:  # a combining mark joins the cell before it
                prev = out.get(x - 1)
                if prev is not None:
                    out[x - 1] = (prev[0] + ch, prev[1])
                continue
            out[x] = (ch, codes)
            x += 1
            if width == 2:
                out[x] = ("", codes)
                x += 1


class DiffUpdate(ChopsUpdate):
    """Textual's partial update, written as the cells that differ from ``buffer``."""

    def __init__(self, update: ChopsUpdate, buffer: FrontBuffer, width: int) -> None:
        super().__init__(update.chops, update.spans, update.chop_ends)
        self.buffer = buffer
        self.width = width

    def render_segments(self, console: Console) -> str:
        out: list[str] = []
        state: list[str | None] = [None]  # the codes in force on the terminal (None: unknown)
        for y, x1, x2 in self.spans:
            cells: dict[int, Cell] = {}
            for end, (x, strip) in zip(self.chop_ends[y], self.chops[y].items(), strict=False):
                if strip is None or x >= x2 or end <= x1:
                    continue
                left, right = max(x, x1), min(end, x2)
                if (left, right) != (x, end):
                    strip = strip.crop(left - x, right - x)
                explode(strip, left, cells, self.buffer, console)
            front = self.buffer.line(y, self.width)
            changed = [c for c in sorted(cells) if c < self.width and front[c] != cells[c]]
            for a, b in _runs(changed, cells):
                self._write(out, state, y, a, b, cells, front)
        if out:
            out.append("\x1b[0m")
        return "".join(out)

    @staticmethod
    def _write(out: list[str], state: list[str | None], y: int, a: int, b: int,
               cells: dict[int, Cell], front: list[Cell | None]) -> None:
        out.append(f"\x1b[{y + 1};{a + 1}H")
        for x in range(a, b):
            cell = cells[x]
            ch, codes = cell
            front[x] = cell
            if not ch:
                continue  # the second half of a wide character: written with the first
            if codes != state[0]:
                out.append(f"\x1b[0;{codes}m" if codes else "\x1b[0m")
                state[0] = codes
            out.append(ch)


def _runs(changed: list[int], cells: dict[int, Cell]) -> list[tuple[int, int]]:
    """Runs [a, b) of columns to write: the changed ones, joined across small gaps of known
    cells, widened to whole wide characters."""
    runs: list[tuple[int, int]] = []
    for x in changed:
        if runs and x - runs[-1][1] <= MERGE_GAP and all(
                c in cells for c in range(runs[-1][1], x)):
            runs[-1] = (runs[-1][0], x + 1)
        else:
            runs.append((x, x + 1))
    out = []
    for a, b in runs:
        if cells[a][0] == "" and a - 1 in cells:
            a -= 1  # a run may not start on the second half of a wide character
        if b in cells and cells[b][0] == "":
            b += 1
        out.append((a, b))
    return out


def supported(update: Any) -> bool:
    return isinstance(update, ChopsUpdate) and hasattr(update, "chop_ends")
