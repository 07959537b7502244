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
        # the codes in force on the terminal (None: unknown), and where the cursor is
        state: list[Any] = [None, -1, -1]
        pieces: list[tuple[int, int, str, int, list[Cell]]] = []  # (style order, y, codes, x)
        order: dict[str, int] = {}
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
                run = [cells[x] for x in range(a, b)]
                front[a:b] = run
                # cut where the colours change: each piece is written with the others of
                # its colours, one colour change for all of them rather than one per piece
                start = a
                for x in range(a + 1, b + 1):
                    if x == b or cells[x][1] != cells[start][1]:
                        codes = cells[start][1]
                        rank = order.setdefault(codes, len(order))
                        pieces.append((rank, y, codes, start, run[start - a:x - a]))
                        start = x
        pieces.sort(key=lambda p: (p[0], p[1], p[3]))
        for _, y, codes, x, run in pieces:
            self._write(out, state, y, x, codes, run)
        if out:
            out.append("\x1b[0m")
        return "".join(out)

    @staticmethod
    def _write(out: list[str], state: list[Any], y: int, a: int, codes: str,
               run: list[Cell]) -> None:
        if state[1] == y and state[2] < a:
            out.append(f"\x1b[{a - state[2]}C")  # forward on the same line: shorter
        elif not (state[1] == y and state[2] == a):
            out.append(f"\x1b[{y + 1};{a + 1}H")
        if codes != state[0]:
            out.append(sgr_change(state[0], codes))
            state[0] = codes
        out.append("".join(ch for ch, _ in run))  # (a wide character's second half is "")
        state[1], state[2] = y, a + len(run)


def _split(codes: str) -> tuple[str, str, str]:
    """SGR codes as (attributes, foreground, background)."""
    attrs: list[str] = []
    fg = bg = ""
    parts = codes.split(";") if codes else []
    i = 0
    while i < len(parts):
        p = parts[i]
        if p in ("38", "48"):
            n = 5 if i + 1 < len(parts) and parts[i + 1] == "2" else 3
            value = ";".join(parts[i:i + n])
            i += n
            if p == "38":
                fg = value
            else:
                bg = value
            continue
        code = int(p) if p.isdigit() else -1
        if 30 <= code <= 39 or 90 <= code <= 97:
            fg = p
        elif 40 <= code <= 49 or 100 <= code <= 107:
            bg = p
        else:
            attrs.append(p)
        i += 1
    return ";".join(attrs), fg, bg


_SPLIT: dict[str, tuple[str, str, str]] = {}


def sgr_change(old: str | None, new: str) -> str:
    """The escape that takes the terminal from codes ``old`` (None: unknown) to ``new``: only
    the colours that differ when the attributes are the same, else a reset and all of it."""
    if len(_SPLIT) > 4096:  # (bounded whichever branch a change takes)
        _SPLIT.clear()
    if old is not None:
        a0, f0, b0 = _SPLIT.get(old) or _SPLIT.setdefault(old, _split(old))
        a1, f1, b1 = _SPLIT.get(new) or _SPLIT.setdefault(new, _split(new))
        if a0 == a1:
            parts = []
            if f0 != f1:
                parts.append(f1 or "39")
            if b0 != b1:
                parts.append(b1 or "49")
            return f"\x1b[{';'.join(parts)}m" if parts else ""
    return f"\x1b[0;{new}m" if new else "\x1b[0m"


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
