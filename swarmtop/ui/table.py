"""A DataTable that is fed whole row lists each tick and repaints only what changed.

Rows arrive as (key, cells, sort values). When the keys come in the same order as last
time, only the cells whose text or style changed are updated; otherwise the table is
rebuilt, keeping the cursor on the same row key. `s` cycles the sort column.
No horizontal scrollbar: Textual repaints scrollbars cell by cell on every layout pass (the
largest share of bytes in a busy dashboard); left/right still scroll a wide table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, ColumnKey, RowKey


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


class SyncTable(DataTable):
    DEFAULT_CSS = """
    SyncTable { height: 1fr; scrollbar-size-horizontal: 0; }
    """

    def __init__(self, columns: Sequence[Column], *, natural_label: str = "",
                 id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_cursor=True)
        self.cols = list(columns)
        self.natural_label = natural_label  # name of the unsorted order, e.g. "tree"
        self.sort_index: int | None = None  # None: rows in the order given
        self._keys: list[str] = []
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._rows: list[Row] = []
        self.filter_text = ""
        self.updates = 0  # cells written since start; tests and benchmarks read it
        self.rebuilds = 0
        self._ready = False  # columns added; rows given before that wait for on_mount

    def on_mount(self) -> None:
        for col in self.cols:
            self.add_column(self._label(col), key=col.key)
        self._ready = True
        if self._rows:
            self._apply(self._rows, force=True)

    # sorting ------------------------------------------------------------------------
    def _label(self, col: Column) -> Text:
        idx = self.cols.index(col)
        return Text(col.label + ("▼" if idx == self.sort_index and col.numeric else
                                 "▲" if idx == self.sort_index else ""), end="")

    def cycle_sort(self) -> str:
        """Next sort column (after the last: back to the natural order). Returns its name."""
        if self.sort_index is None:
            self.sort_index = 0
        elif self.sort_index + 1 < len(self.cols):
            self.sort_index += 1
        else:
            self.sort_index = None
        for col in self.cols:
            self.columns[col.key].label = self._label(col)
        self._apply(self._rows, force=True)
        self.refresh()
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

    def _visible(self, rows: Sequence[Row]) -> list[Row]:
        needle = self.filter_text.lower()
        out = [r for r in rows if not needle or needle in r.filter_text.lower()]
        if self.sort_index is not None:
            i = self.sort_index
            numeric = self.cols[i].numeric
            out.sort(key=lambda r: _sortable(r.sort[i]), reverse=numeric)
            if numeric:  # keep None last when descending
                out.sort(key=lambda r: r.sort[i] is None)
        return out

    def _apply(self, rows: Sequence[Row], force: bool = False) -> None:
        if not self._ready:
            return
        visible = self._visible(rows)
        keys = [r.key for r in visible]
        if keys == self._keys and not force:
            for index, r in enumerate(visible):
                old = self._cells.get(r.key)
                if old == r.cells:
                    continue
                for col, new, prev in zip(self.cols, r.cells, old or (), strict=False):
                    if new != prev:
                        self._set_cell(index, r.key, col.key, new)
                self._cells[r.key] = r.cells
            return
        cursor_key = self._keys[self.cursor_row] if 0 <= self.cursor_row < len(self._keys) else None
        self.clear()
        self.rebuilds += 1
        for r in visible:
            self.add_row(*r.cells, key=r.key)
        self._keys = keys
        self._cells = {r.key: r.cells for r in visible}
        if cursor_key in keys:
            self.move_cursor(row=keys.index(cursor_key), animate=False, scroll=False)
        self._measure_now()

    def _measure_now(self) -> None:
        """Size the columns now. DataTable does it when its message queue goes idle, and on a
        busy loop that can come late or, after a rebuild, not before the next paint: new rows
        then keep header widths ("claud" for "claude-sonnet-4")."""
        if self._updated_cells:
            cells = self._updated_cells.copy()
            self._updated_cells.clear()
            self._update_column_widths(cells)
        if self._require_update_dimensions:
            self._require_update_dimensions = False
            new_rows = self._new_rows.copy()
            self._new_rows.clear()
            self._update_dimensions(new_rows)

    def _set_cell(self, row_index: int, row_key: str, col_key: str, value: Text) -> None:
        """Like DataTable.update_cell, but repaints only the row (update_cell repaints the whole
        table), unless the column has to grow to fit the new value."""
        rk, ck = RowKey(row_key), ColumnKey(col_key)
        self._data[rk][ck] = value
        self._update_count += 1  # invalidates the table's render caches
        self.updates += 1
        if value.cell_len > self.columns[ck].content_width:
            self._updated_cells.add(CellKey(rk, ck))
            self._require_update_dimensions = True
            self._measure_now()
            self.refresh()
        else:
            self.refresh_row(row_index)

    @property
    def selected_key(self) -> str | None:
        if 0 <= self.cursor_row < len(self._keys):
            return self._keys[self.cursor_row]
        return None
