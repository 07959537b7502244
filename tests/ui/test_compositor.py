"""The sparse compositor writes the same cells as Textual's own on every partial update of a
live dashboard, while rendering fewer widgets."""

from __future__ import annotations

from typing import Any

import pytest
from rich.cells import cell_len
from textual._compositor import Compositor

from swarmtop.ui.app import SwarmtopApp
from swarmtop.ui.compositor import SparseCompositor, supported
from tests.ui.fakes import MovingFeed
from tests.ui.waiting import wait_until


def _cells(update: Any) -> dict[tuple[int, int], tuple[str, Any]]:
    """(x, y) -> (character, style) of every cell a partial update writes."""
    out: dict[tuple[int, int], tuple[str, Any]] = {}
    for y, x1, x2 in update.spans:
        for (x, strip), end in zip(update.chops[y].items(), update.chop_ends[y], strict=True):
            if strip is None or x >= x2 or end <= x1:
                continue
            for seg in strip:
                for ch in seg.text:
                    if x1 <= x < x2:
                        out[(x, y)] = (ch, seg.style)
                    x += cell_len(ch)
    return out


@pytest.mark.parametrize("size", [(120, 40), (200, 60)])
async def test_partial_updates_match_textuals_compositor(monkeypatch, size):
    assert supported()
    compared: list[int] = []
    rendered = {"sparse": 0, "stock": 0}
    mode = ["stock"]

    def count_renders(orig):
        def wrapped(self, crop=None):
            for item in orig(self, crop):
                rendered[mode[0]] += 1
                yield item
        return wrapped

    monkeypatch.setattr(SparseCompositor, "_get_renders",
                        count_renders(SparseCompositor._get_renders))
    sparse_update = SparseCompositor.render_partial_update

    def both(self: SparseCompositor) -> Any:
        dirty = list(self._dirty_regions)
        mode[0] = "sparse"
        ours = sparse_update(self)
        self._dirty_regions.update(dirty)
        mode[0] = "stock"
        self._changed = None  # the stock path through the same widgets' (cached) lines
        theirs = Compositor.render_partial_update(self)
        assert (ours is None) == (theirs is None)
        if ours is not None:
            assert ours.spans == theirs.spans
            cells = _cells(ours)
            assert cells == _cells(theirs)
            assert len(cells) == sum(x2 - x1 for _, x1, x2 in ours.spans)  # no cell left out
            compared.append(len(cells))
        return ours

    monkeypatch.setattr(SparseCompositor, "render_partial_update", both)
    app = SwarmtopApp(MovingFeed(extra_procs=10, lines_per_step=5), interval=0.1)
    async with app.run_test(size=size) as pilot:
        assert isinstance(app.screen._compositor, SparseCompositor)
        # each step waits for updates compared, not for a stretch of wall time: a loaded
        # machine draws fewer frames per second
        await wait_until(pilot, lambda: len(compared) >= 5 and sum(compared) > 1000,
                         what="five partial updates compared")

        async def updates_after(*keys: str) -> None:
            seen = len(compared)
            await pilot.press(*keys)
            await wait_until(pilot, lambda: len(compared) >= seen + 3,
                             what=f"partial updates after {keys}")

        await updates_after("tab")
        await updates_after("slash", "e", "r")  # the filter box over the log tail
        await updates_after("escape", "2")  # and a zoomed panel
    assert rendered["sparse"] < rendered["stock"] * 0.5  # the point of it


def test_changed_rows_in_one_column_are_stacked_without_gaps():
    from textual.geometry import Region

    from swarmtop.ui.compositor import _stack
    rows = [Region(2, y, 56, 1) for y in (14, 15, 16, 18)] + [Region(60, 15, 10, 1)]
    assert _stack(rows) == [Region(2, 14, 56, 3), Region(2, 18, 56, 1), Region(60, 15, 10, 1)]
    assert _stack([Region(0, 0, 5, 3), Region(0, 1, 5, 4)]) == [Region(0, 0, 5, 5)]


def test_minus_leaves_exactly_the_uncovered_cells():
    import random

    from textual.geometry import Region

    from swarmtop.ui.compositor import _minus

    def cells(g: Region) -> set[tuple[int, int]]:
        return {(x, y) for x in range(g.x, g.right) for y in range(g.y, g.bottom)}

    rnd = random.Random(1)
    for _ in range(2000):
        r = Region(rnd.randint(0, 10), rnd.randint(0, 10), rnd.randint(1, 10), rnd.randint(1, 10))
        c = Region(rnd.randint(0, 15), rnd.randint(0, 15), rnd.randint(1, 10), rnd.randint(1, 10))
        parts = _minus(r, c)
        assert sum(len(cells(p)) for p in parts) == len(cells(r) - cells(c))  # no overlaps
        assert set().union(*map(cells, parts)) == cells(r) - cells(c)
