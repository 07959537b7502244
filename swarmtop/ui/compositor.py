"""A compositor that, on a partial update, re-renders only the widgets under changed cells.

Textual's compositor renders every widget that overlaps the *bounding box* of a frame's
changed regions. The dashboard changes a few lines in widgets all over the screen each tick
(the status line at the top, the tables, the log tail near the bottom), so that box is
nearly the whole screen and every widget (≈ 40, containers included) was rendered each
frame, although only ≈ 10 had changed lines. The terminal is only written where a region
changed, and each written cell shows the frontmost widget over it, so rendering, front to
back, only the widgets over a changed cell that no widget in front of them covers writes the
same cells: usually just the widgets whose lines changed, not the containers around them.

Only Textual's partial-update path is narrowed; full repaints and anything this class does
not recognise (a Textual whose compositor lacks the attributes used here) take the stock path.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.screen import UPDATE_PERIOD, Screen
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from swarmtop.ui import frames
from swarmtop.ui.cells import DiffUpdate, FrontBuffer
from swarmtop.ui.cells import supported as cells_supported

# Past this many changed regions (after stacking) the per-widget test costs more than it saves.
_MAX_REGIONS = 64


class SparseCompositor(Compositor):
    """``Compositor`` whose partial updates render only the widgets that show a changed cell."""

    def __init__(self) -> None:
        super().__init__()
        self._changed: list[Region] | None = None
        self.front = FrontBuffer()  # what the terminal shows, cell by cell (ui/cells.py)

    def update_widgets(self, widgets: set[Widget]) -> None:
        # Textual marks its full map stale when a dirty widget is not on screen, taking it for
        # a new one; the next ``widget.region`` then lays out the whole screen again. A
        # widget already in the full map (clipped out of a small panel, e.g. a line whose
        # text moves each tick) is not new: leave it out, it paints nothing anyway.
        if not self._full_map_invalidated:
            visible, mapped = self.visible_widgets, self._full_map
            widgets = {w for w in widgets if w in visible or w not in mapped}
        super().update_widgets(widgets)

    def render_partial_update(self) -> Any:
        changed = _stack(self._dirty_regions)
        self._changed = changed if len(changed) <= _MAX_REGIONS else None
        try:
            update = super().render_partial_update()
        finally:
            self._changed = None
        if isinstance(update, ChopsUpdate) and cells_supported(update):
            return DiffUpdate(update, self.front, self.size.width)
        self.front.invalidate()
        return update

    def render_full_update(self, simplify: bool = False) -> Any:
        self.front.invalidate()  # written whole: the next partial update writes its cells
        return super().render_full_update(simplify=simplify)

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        changed = self._changed
        if crop is None or not changed:
            yield from super()._get_renders(crop)
            return
        # Front to back (Textual's order), each changed cell shows the first widget over it:
        # render a widget only if it is over a changed cell no widget in front of it covers.
        # A container whose children cover all the changes (the usual case) is not rendered.
        uncovered = changed
        for widget, (region, clip) in self.visible_widgets.items():
            # ``clip`` is the container's clip; the widget shows only where it meets it.
            shown = region.intersection(clip)
            x, y, width, height = shown
            if not (width and height):
                continue
            x2, y2 = x + width, y + height
            for cx, cy, cw, ch in uncovered:
                if cx < x2 and x < cx + cw and cy < y2 and y < cy + ch:
                    break
            else:
                continue  # no uncovered changed cell under this widget
            yield (
                region,
                clip,
                widget.render_lines(Region(x - region.x, y - region.y, width, height)),
            )
            uncovered = [piece for r in uncovered for piece in _minus(r, shown)]
            if not uncovered:
                return


def _minus(r: Region, cover: Region) -> list[Region]:
    """The parts of ``r`` outside ``cover`` (at most four rectangles)."""
    rx, ry, rw, rh = r
    cx, cy, cw, ch = cover
    rx2, ry2, cx2, cy2 = rx + rw, ry + rh, cx + cw, cy + ch
    if cx >= rx2 or cx2 <= rx or cy >= ry2 or cy2 <= ry:
        return [r]
    out = []
    if cy > ry:
        out.append(Region(rx, ry, rw, cy - ry))
    if cy2 < ry2:
        out.append(Region(rx, cy2, rw, ry2 - cy2))
    top, bottom = max(ry, cy), min(ry2, cy2)
    if cx > rx:
        out.append(Region(rx, top, cx - rx, bottom - top))
    if cx2 < rx2:
        out.append(Region(cx2, top, rx2 - cx2, bottom - top))
    return out


def _stack(regions: Iterable[Region]) -> list[Region]:
    """The changed regions with runs of same-column regions one above the next (a table's
    changed rows, a log's new lines) joined into one: the same cells, fewer to test."""
    out: list[Region] = []
    for r in sorted(regions, key=lambda r: (r.x, r.width, r.y)):
        if out:
            px, py, pw, ph = out[-1]
            if px == r.x and pw == r.width and py + ph >= r.y:
                out[-1] = Region(px, py, pw, max(py + ph, r.y + r.height) - py)
                continue
        out.append(r)
    return out


def supported() -> bool:
    """Whether this Textual's compositor has what ``SparseCompositor`` relies on."""
    return all(
        hasattr(Compositor, name)
        for name in ("render_partial_update", "_get_renders", "visible_widgets", "update_widgets")
    ) and {"_dirty_regions", "_full_map", "_full_map_invalidated"} <= vars(Compositor()).keys()


class SparseScreen(Screen[Any]):
    """The dashboard's default screen, with ``SparseCompositor`` where Textual allows it, and
    a screen-update timer that does not wake after each frame (ui/frames.py)."""

    _prompt_timer: Timer | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if supported() and type(self._compositor) is Compositor:
            self._compositor = SparseCompositor()

    @property
    def _update_timer(self) -> Timer:
        if not frames.supported():
            return super()._update_timer
        timer = self._prompt_timer
        if timer is None:  # made as Screen._update_timer makes its own (set_interval)
            timer = self._prompt_timer = frames.PromptTimer(
                self, UPDATE_PERIOD, name="screen_update", callback=self._on_timer_update,
                pause=True)
            timer._start()
            self._timers.add(timer)
        return timer

    def _forget_terminal(self) -> None:
        """Another screen has drawn over ours: what our cells were is no longer known."""
        if isinstance(self._compositor, SparseCompositor):
            self._compositor.front.invalidate()

    def on_screen_suspend(self) -> None:
        self._forget_terminal()

    def on_screen_resume(self) -> None:
        self._forget_terminal()

    def on_resize(self) -> None:
        self._forget_terminal()
