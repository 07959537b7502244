"""Writing only the changed cells (ui/cells.py) leaves the terminal showing what Textual's own
writes would: both byte streams of a running dashboard are played on a small emulator."""

from __future__ import annotations

import re

from rich.cells import cell_len
from textual._compositor import ChopsUpdate, CompositorUpdate

from swarmtop.ui.app import SwarmtopApp
from swarmtop.ui.cells import DiffUpdate
from tests.ui.fakes import MovingFeed

_TOKEN = re.compile(r"\x1b\[(\d+);(\d+)H|\x1b\[([0-9;]*)m|\x1b\[(\d+)C|\x1b\[[0-9;?]*[A-Za-z]"
                    r"|\n|[^\x1b\n]")


class Screen:
    """Characters and the SGR codes in force for each cell (enough for Textual's output)."""

    def __init__(self, width: int, height: int) -> None:
        self.cells: list[list[tuple[str, object]]] = [[(" ", "")] * width
                                                      for _ in range(height)]
        self.x = self.y = 0
        self.attrs: frozenset[str] = frozenset()
        self.fg = self.bg = ""

    def _sgr(self, codes: str) -> None:
        parts = codes.split(";") if codes else ["0"]
        i = 0
        while i < len(parts):
            p = parts[i]
            if p in ("38", "48"):
                n = 5 if parts[i + 1] == "2" else 3
                value = ";".join(parts[i + 1:i + n])
                if p == "38":
                    self.fg = value
                else:
                    self.bg = value
                i += n
                continue
            if p == "0":
                self.attrs, self.fg, self.bg = frozenset(), "", ""
            elif p == "39":
                self.fg = ""
            elif p == "49":
                self.bg = ""
            elif 30 <= int(p) <= 37 or 90 <= int(p) <= 97:
                self.fg = p
            elif 40 <= int(p) <= 47 or 100 <= int(p) <= 107:
                self.bg = p
            else:
                self.attrs = self.attrs | {p}
            i += 1

    def play(self, data: str) -> None:
        for m in _TOKEN.finditer(data):
            tok = m.group(0)
            if m.group(1):
                self.y, self.x = int(m.group(1)) - 1, int(m.group(2)) - 1
            elif m.group(3) is not None:
                self._sgr(m.group(3))
            elif m.group(4):
                self.x += int(m.group(4))
            elif tok == "\n":
                self.y, self.x = self.y + 1, 0
            elif not tok.startswith("\x1b"):
                width = cell_len(tok)
                if width and 0 <= self.y < len(self.cells) and self.x < len(self.cells[0]):
                    style = (tuple(sorted(self.attrs)), self.fg, self.bg)
                    self.cells[self.y][self.x] = (tok, style)
                    self.x += width


async def test_changed_cells_only_show_what_textual_would():
    app = SwarmtopApp(MovingFeed(extra_procs=5, agents=True), interval=0.1)
    stock, diffed = Screen(120, 40), Screen(120, 40)
    written = {"stock": 0, "diff": 0}
    diffs = 0

    def display(screen, renderable) -> None:
        nonlocal diffs
        if not isinstance(renderable, CompositorUpdate):
            return
        console = app.console
        if isinstance(renderable, DiffUpdate):
            diffs += 1
            plain = ChopsUpdate.render_segments(renderable, console)
            fewer = renderable.render_segments(console)
        else:
            plain = fewer = renderable.render_segments(console)
        written["stock"] += len(plain)
        written["diff"] += len(fewer)
        stock.play(plain)
        diffed.play(fewer)

    app._display = display  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(25):
            await pilot.pause(0.1)
    assert diffs > 5
    assert diffed.cells == stock.cells
    assert written["diff"] < written["stock"] / 2
