"""A table that is fed whole row lists each tick and repaints only the rows that changed.

Rows arrive as (key, cells, sort values). Each visible row is one line (Textual's Line API):
a row's Strip is built once and kept until that row's cells change, and only those rows are
marked dirty, so a busy tick costs a few lines, not a table. A changed row is put together
from its cells' Segments, kept per cell (most cells are the same Text as the tick before).
When the keys arrive in another order (a table sorted by a moving figure) only the lines
whose row changed are painted; the cursor stays on the same row key. `s` cycles the sort
column.

Textual's DataTable did this job before: it re-rendered every cell of a changed row through
Rich's padding and cropping, re-measured its columns, and cleared and re-added every row when
the order changed (a layout pass per tick) — the largest share of the dashboard's CPU at 100
events/s (benchmarks/NOTES.md). No horizontal scrollbar (it repaints cell by cell on every
layout pass); left/right scroll a wide table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from swarmtop.ui.lines import fit, set_virtual_size, text_strip

CELL_PAD = 1  # spaces each side of a cell
MAX_CACHED_CELLS = 8192
NULL_STYLE = Style.null()
# (the cell, its cell length, unstyled text at its start, the Segments from its first span
# to its last (None: no span), unstyled text at its end)
CellParts = tuple[Text, int, str, list[Segment] | None, str]


def _cell_parts(cell: Text, console: Console) -> tuple[int, str, list[Segment] | None, str]:
    """A cell cut where Rich cuts it inside a row: the unstyled text before its first span
    boundary and after its last joins the row's unstyled text around it (Rich makes one
    Segment of unstyled text between boundaries), what lies between stays as it renders."""
    text = cell.plain
    spans = cell.spans
    if cell.style:  # appended into a row, the cell's own style is a span over all of it
        spans = [Span(0, len(text), cell.style), *spans]
    if not spans:
        return cell.cell_len, text, None, ""
    first = min(min(sp.start, sp.end) for sp in spans)
    last = max(max(sp.start, sp.end) for sp in spans)
    # (``plain`` has no control codes left for Text() to strip: Text() stripped them)
    body = list(Text(text, end="", spans=list(spans)).render(console))
    head, tail = text[:first], text[last:]
    if head:
        body = body[1:]
    if tail:
        body = body[:-1]
    return cell.cell_len, head, body, tail


@dataclass(frozen=True)
class Column:
    label: str
    key: str
    numeric: bool = True  # numeric columns sort largest first


@dataclass(frozen=True)
class Row:
    key: str
    cells: tuple[Text, ...]
    sort: tuple[Any, ...]  # one sortable value per column
    filter_text: str = ""  # what `/` matches against (plain, lower-cased on use)


def _sortable(v: Any) -> tuple[int, Any]:
    # None sorts last whatever the direction; mixed types never compare with each other
    if v is None:
        return (0, 0)
    if isinstance(v, int | float):
        return (1, v)
    return (2, str(v).lower())


class SyncTable(ScrollView, can_focus=True):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"synctable--header", "synctable--cursor"}

    DEFAULT_CSS = """
    SyncTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        scrollbar-size-horizontal: 0;
        &:focus { background-tint: $foreground 5%; }
        & > .synctable--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .synctable--header { background: ansi_bright_blue; color: ansi_default; }
        & > .synctable--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .synctable--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first", "First row", show=False),
        Binding("end,ctrl+end", "last", "Last row", show=False),
        Binding("left", "scroll_left", "Scroll left", show=False),
        Binding("right", "scroll_right", "Scroll right", show=False),
    ]

    class RowHighlighted(Message):
        """The cursor moved to another row (by key or click, or its row left the table)."""

        def __init__(self, table: SyncTable, row_key: str | None, cursor_row: int) -> None:
            super().__init__()
            self.table = table
            self.row_key = row_key
            self.cursor_row = cursor_row

        @property
        def control(self) -> SyncTable:
            return self.table

    def __init__(self, columns: Sequence[Column], *, natural_label: str = "",
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.cols = list(columns)
        self.natural_label = natural_label  # name of the unsorted order, e.g. "tree"
        self.sort_index: int | None = None  # None: rows in the order given
        self._rows: list[Row] = []  # as given
        self._visible: list[Row] = []  # filtered and sorted: what is on screen
        self._keys: list[str] = []
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._widths = [self._label(c).cell_len for c in self.cols]
        self._strips: dict[int, Strip] = {}  # visible row index -> its finished line
        self._cell_segments: dict[int, CellParts] = {}  # id(cell) -> (cell, its parts)
        self._view = (0, 0)  # (width, scroll x) the lines in _strips were finished for
        self._header: Strip | None = None
        self._styles: tuple[Style, Style, Style] | None = None  # base, header, cursor
        self.cursor_row = 0
        self.filter_text = ""
        self.updates = 0  # cells written since start; tests and benchmarks read it
        self.rebuilds = 0  # times the row keys changed

    # sorting ------------------------------------------------------------------------
    def _label(self, col: Column) -> Text:
        idx = self.cols.index(col)
        arrow = ""
        if idx == self.sort_index:
            arrow = "▼" if col.numeric else "▲"
        return Text(col.label + arrow, end="")

    def cycle_sort(self) -> str:
        """Next sort column (after the last: back to the natural order). Returns its name."""
        if self.sort_index is None:
            self.sort_index = 0
        elif self.sort_index + 1 < len(self.cols):
            self.sort_index += 1
        else:
            self.sort_index = None
        self._apply(self._rows, force=True)
        if self.sort_index is None:
            return self.natural_label or "as received"
        return self.cols[self.sort_index].label

    # rows ---------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Row]) -> None:
        self._rows = list(rows)
        self._apply(self._rows)

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._apply(self._rows, force=True)

    def _filtered(self, rows: Sequence[Row]) -> list[Row]:
        needle = self.filter_text.lower()
        out = [r for r in rows if not needle or needle in r.filter_text.lower()]
        if self.sort_index is not None:
            i = self.sort_index
            numeric = self.cols[i].numeric
            out.sort(key=lambda r: _sortable(r.sort[i]), reverse=numeric)
            if numeric:  # keep None last when descending
                out.sort(key=lambda r: r.sort[i] is None)
        return out

    def _measure(self, rows: Sequence[Row]) -> list[int]:
        widths = [len(c.label) + (i == self.sort_index) for i, c in enumerate(self.cols)]
        for r in rows:
            for i, cell in enumerate(r.cells[:len(widths)]):
                n = cell.cell_len
                if n > widths[i]:
                    widths[i] = n
        return widths

    def _apply(self, rows: Sequence[Row], force: bool = False) -> None:
        visible = self._filtered(rows)
        keys = [r.key for r in visible]
        old_keys, old_cells = self._keys, self._cells
        same_keys = keys == old_keys
        if not same_keys:
            self.rebuilds += 1
        cursor_key = self.selected_key
        self._visible = visible
        self._cells = {r.key: r.cells for r in visible}
        self._keys = keys
        if not force and len(keys) == len(old_keys):
            # the same number of rows: find the rows that changed, measure only the cells that
            # did (the same object as before is the same cell: plain() shares them); columns
            # only widen here, so figures do not jitter
            dirty: list[int] = []
            written = 0
            widths = list(self._widths)  # (they fit every row on screen before)
            for i, r in enumerate(visible):
                prev, cells = old_cells.get(r.key), r.cells
                if prev is cells:
                    changed: list[tuple[int, Text]] = []
                elif prev is None or len(prev) != len(cells):
                    changed = list(enumerate(cells))
                else:
                    changed = [(c, b) for c, (a, b) in enumerate(zip(prev, cells, strict=True))
                               if a is not b and (a != b or a.style != b.style)]
                moved = old_keys[i] != r.key
                if not (changed or moved):
                    continue
                dirty.append(i)
                written += len(cells) if moved or prev is None else len(changed)
                for c, cell in changed:
                    if c < len(widths) and cell.cell_len > widths[c]:
                        widths[c] = cell.cell_len
            if widths == self._widths:
                self.updates += written
                for i in dirty:
                    self._strips.pop(i, None)
                if not same_keys:
                    self._follow_cursor(cursor_key)
                self._refresh_rows(dirty)
                return
        else:
            widths = self._measure(visible)
        # rows came or went, a column widened, or the sort or filter changed: paint it all
        self._widths = widths
        self.updates += sum(len(r.cells) for r in visible)
        self._strips.clear()
        self._header = None
        set_virtual_size(self, Size(self._line_width(), len(keys) + 1))
        self._follow_cursor(cursor_key)
        self.refresh()

    def _follow_cursor(self, cursor_key: str | None) -> None:
        """Keep the cursor on the same row key when rows move; clamp it when rows go."""
        keys = self._keys
        if cursor_key in keys:
            row = keys.index(cursor_key)
        else:
            row = min(self.cursor_row, max(0, len(keys) - 1))
        moved = row != self.cursor_row
        self.cursor_row = row
        if self.selected_key != cursor_key:
            self.post_message(self.RowHighlighted(self, self.selected_key, row))
        if moved:
            self._scroll_to_cursor()
            self.refresh()

    # painting -----------------------------------------------------------------------
    def _line_width(self) -> int:
        return sum(w + 2 * CELL_PAD for w in self._widths)

    def _line(self, cells: Sequence[Text]) -> Text:
        line = Text(no_wrap=True, end="")
        pad = " " * CELL_PAD
        for width, cell in zip(self._widths, cells, strict=False):
            gap = width - cell.cell_len
            line.append(pad)
            if gap > 0 and cell.justify == "right":
                line.append(" " * gap)
                gap = 0
            line.append_text(cell)
            line.append(" " * (max(0, gap) + CELL_PAD))
        return line

    def _segments(self, cells: Sequence[Text], console: Console) -> list[Segment]:
        """The Segments ``Text.render`` gives for ``_line(cells)``, made from each cell's
        own Segments, kept per cell: a changed row is mostly cells seen before (``plain()``
        shares them), so it costs a few dict look-ups, not a Rich render of the row."""
        out: list[Segment] = []
        styled = False  # Rich gives unstyled text no style at all in a row without spans
        pending = ""  # unstyled text: one Segment with its unstyled neighbours, as in Rich
        pad = " " * CELL_PAD
        cache = self._cell_segments
        for width, cell in zip(self._widths, cells, strict=False):
            hit = cache.get(id(cell))
            if hit is None or hit[0] is not cell:
                if len(cache) >= MAX_CACHED_CELLS:
                    cache.clear()
                hit = cache[id(cell)] = (cell, *_cell_parts(cell, console))
            _, n, head, middle, tail = hit
            gap = width - n
            pending += pad
            if gap > 0 and cell.justify == "right":
                pending += " " * gap
                gap = 0
            pending += head
            if middle is not None:
                styled = True
                if pending:
                    out.append(Segment(pending, NULL_STYLE))
                out.extend(middle)
                pending = tail
            pending += " " * (max(0, gap) + CELL_PAD)
        if pending:
            out.append(Segment(pending, NULL_STYLE if styled else None))
        return out

    def _current_styles(self) -> tuple[Style, Style, Style]:
        styles = self._styles
        if styles is None:  # first paint, or focus, theme or CSS changed
            styles = self._styles = (
                self.rich_style, self.get_component_rich_style("synctable--header"),
                self.get_component_rich_style("synctable--cursor"))
            self._header = None
            self._strips.clear()
        return styles

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None  # rich_style walks the ancestors: read it once per style change

    def render_line(self, y: int) -> Strip:
        base, header_style, cursor_style = self._current_styles()
        width = self.size.width
        left = round(self.scroll_offset.x)
        console = self.app.console
        if y == 0:
            if self._header is None:
                label = self._line([self._label(c) for c in self.cols])
                self._header = Strip(Segment.apply_style(text_strip(label, console),
                                                         header_style))
            return fit(self._header, left, width, base)
        index = round(self.scroll_offset.y) + y - 1
        if index >= len(self._visible):
            return Strip.blank(width, base)
        if index == self.cursor_row:  # one row: built afresh, not kept
            line = self._segments(self._visible[index].cells, console)
            return fit(Strip(Segment.apply_style(line, cursor_style)), left, width, base)
        view = (width, left)
        if view != self._view:  # the finished rows are for one width and column offset
            self._view = view
            self._strips.clear()
        strip = self._strips.get(index)
        if strip is None:
            strip = fit(Strip(self._segments(self._visible[index].cells, console)), left,
                        width, base)
            self._strips[index] = strip
        return strip

    # the cursor ---------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self._visible)

    @property
    def selected_key(self) -> str | None:
        if 0 <= self.cursor_row < len(self._keys):
            return self._keys[self.cursor_row]
        return None

    def get_row_at(self, index: int) -> list[Text]:
        return list(self._visible[index].cells)

    def move_cursor(self, row: int) -> None:
        if not self._keys:
            return
        row = max(0, min(row, len(self._keys) - 1))
        if row == self.cursor_row:
            return
        old, self.cursor_row = self.cursor_row, row
        self._refresh_rows((old, row))
        self._scroll_to_cursor()
        self.post_message(self.RowHighlighted(self, self.selected_key, row))

    def _refresh_rows(self, indexes: Sequence[int]) -> None:
        """Mark the lines of these rows dirty (those on screen)."""
        top = round(self.scroll_offset.y)
        height, width = self.size.height, self.size.width
        for index in indexes:
            y = index + 1 - top
            if 1 <= y < height:
                self.refresh(Region(0, y, width, 1))

    def _scroll_to_cursor(self) -> None:
        rows_shown = max(1, self.size.height - 1)
        top = round(self.scroll_offset.y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True, force=True)
        elif self.cursor_row >= top + rows_shown:
            self.scroll_to(y=self.cursor_row - rows_shown + 1, animate=False, immediate=True,
                           force=True)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - max(1, self.size.height - 2))

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + max(1, self.size.height - 2))

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self._keys) - 1)

    def action_scroll_left(self) -> None:
        self.scroll_to(x=max(0, self.scroll_offset.x - 4), animate=False)

    def action_scroll_right(self) -> None:
        self.scroll_to(x=self.scroll_offset.x + 4, animate=False)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.move_cursor(round(self.scroll_offset.y) + event.y - 1)
