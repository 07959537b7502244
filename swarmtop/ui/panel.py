"""The base of every dashboard panel.

Each tick the app calls `observe(snapshot)` on every panel (cheap: keep own histories, log
lines) and `show(snapshot)` only on panels that are on screen and not paused. A panel
renders its figures to text and touches a widget only when that text changed, so an idle
dashboard writes next to nothing to the terminal."""

from __future__ import annotations

from typing import ClassVar

from textual.containers import Vertical
from textual.widget import Widget

from swarmtop.snapshot import Snapshot
from swarmtop.ui.lines import TextLines
from swarmtop.ui.table import SyncTable
from swarmtop.ui.text import Palette


class Panel(Vertical):
    """A titled, focusable box. Subclasses set NUMBER/TITLE and implement `render_snapshot`."""

    NUMBER: ClassVar[int] = 0
    TITLE: ClassVar[str] = ""
    KEY: ClassVar[str] = ""  # how the app names the panel ("log"): from TITLE unless set
    SHORT: ClassVar[str] = ""  # the title in a narrow tab strip: TITLE unless set
    FILTERABLE: ClassVar[bool] = True
    HELP: ClassVar[str] = ""  # one line for the help screen

    DEFAULT_CSS = """
    Panel {
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        height: 1fr;
        padding: 0 1;
    }
    Panel:focus-within, Panel.-current {
        border: round $primary;
        border-title-color: $primary;
        border-title-style: bold;
    }
    """

    def __init_subclass__(cls, **kw: object) -> None:
        super().__init_subclass__(**kw)  # type: ignore[arg-type]  # Widget's class options, passed on as given
        if "KEY" not in cls.__dict__:
            cls.KEY = cls.TITLE.lower().replace(" ", "-")
        if "SHORT" not in cls.__dict__:
            cls.SHORT = cls.TITLE

    def __init__(self) -> None:
        super().__init__(id=f"panel-{self.KEY}")
        self.filter_text = ""
        self.shown = 0  # times show() changed something; tests read it
        self._snapshot: Snapshot | None = None

    def on_mount(self) -> None:
        self._set_title()

    def _set_title(self) -> None:
        extra = f" /{self.filter_text}" if self.filter_text else ""
        self.border_title = f"{self.NUMBER} {self.TITLE}{extra}"

    @property
    def palette(self) -> Palette:
        return getattr(self.app, "palette", Palette())

    # the app drives these -------------------------------------------------------------
    def observe(self, snap: Snapshot) -> None:
        """Called at every tick, visible or not, paused or not."""

    def show(self, snap: Snapshot) -> None:
        self._snapshot = snap
        self.render_snapshot(snap)

    def render_snapshot(self, snap: Snapshot) -> None:
        raise NotImplementedError

    def empty_reason(self, snap: Snapshot) -> str | None:
        """Why the panel has nothing to show (a few words, for the line that lists panels off
        the grid), or None when it has something. An empty panel gives its place on the grid
        to the panels with data; its number still shows it. Called at every tick (cheap)."""
        return None

    def rerender(self) -> None:
        """Re-draw from the last snapshot (theme, filter or sort changed)."""
        if self._snapshot is not None:
            self.render_snapshot(self._snapshot)

    def on_resize(self) -> None:
        # bars and graphs are sized to the panel: draw them again at the new size
        if self._snapshot is not None and self.display:
            self.rerender()

    def on_click(self) -> None:
        """A click anywhere in the panel makes it the current one (mouse is optional)."""
        if self.app.focused is None or self not in self.app.focused.ancestors_with_self:
            self.focus_main()

    # helpers ---------------------------------------------------------------------------
    def put(self, widget: TextLines, content: object) -> bool:
        """Show content in a TextLines; counts (in `shown`) only the updates that changed it."""
        changed = widget.update(content)
        self.shown += changed
        return changed

    def focus_main(self) -> None:
        target = self.main_widget()
        (target or self).focus()

    def main_widget(self) -> Widget | None:
        tables = list(self.query(SyncTable))
        return tables[0] if tables else None

    def focused_table(self) -> SyncTable | None:
        focused = self.app.focused
        if isinstance(focused, SyncTable) and focused in self.query(SyncTable):
            return focused
        main = self.main_widget()
        return main if isinstance(main, SyncTable) else None

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._set_title()
        for table in self.query(SyncTable):
            table.set_filter(text)
        self.rerender()

    def cycle_sort(self) -> str | None:
        table = self.focused_table()
        return table.cycle_sort() if table is not None else None
