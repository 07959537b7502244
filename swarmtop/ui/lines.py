"""Text widgets that paint line by line (Textual's Line API) and repaint only changed lines.

Textual's Static re-renders every line of its content through Rich's console pipeline
(wrap, pad, crop, style) whenever anything in it changes. At 100 events/s most panels change
a figure every tick, and that pipeline was the largest share of the dashboard's CPU
(benchmarks/NOTES.md). TextLines keeps one Strip per line, rebuilt only when that line's Text
changes, and marks only those lines dirty; a layout pass happens only when the number of lines
changes."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from swarmtop.ui.text import Flow, flow


def as_lines(content: object) -> list[Text]:
    """Split content (a Text or a plain string; never parsed as markup) into lines. A Flow
    is one logical line here (its items joined): TextLines lays it out at its width."""
    if isinstance(content, Flow):
        return [flow(content.items, 0, content.sep)]
    if isinstance(content, Text):
        text = content
    else:
        text = Text(str(content), end="")
    if "\n" not in text.plain:
        return [text]
    return list(text.split("\n", allow_blank=True))


def same_lines(a: Sequence[Text], b: Sequence[Text]) -> bool:
    """Equal text, spans and base style, line for line (Text == ignores the base style)."""
    return len(a) == len(b) and all(x is y or (x == y and x.style == y.style)
                                    for x, y in zip(a, b, strict=True))


def same_content(a: object, b: object) -> bool:
    """Content that makes the same lines (a cheap test before splitting it into lines)."""
    if isinstance(a, Text) and isinstance(b, Text):
        return same_lines((a,), (b,))
    if isinstance(a, Flow) and isinstance(b, Flow):
        return a.sep == b.sep and same_lines(a.items, b.items)
    return isinstance(a, str) and isinstance(b, str) and a == b


def text_strip(text: Text, console: Console, width: int | None = None) -> Strip:
    """One line of Text as a Strip; an ellipsis where the Text asks for one and is too wide."""
    if width is not None and text.overflow == "ellipsis" and text.cell_len > width:
        text = text.copy()
        text.truncate(width, overflow="ellipsis")
    return Strip(list(text.render(console, end="")))


def fit(strip: Strip, start: int, width: int, base: Style) -> Strip:
    """Crop a line to the visible columns and put the widget's own style under it. One new
    Strip (each costs a handful of caches) in the common case: nothing to crop on the left."""
    length = strip.cell_length
    if start == 0 and length <= width:
        segments = list(Segment.apply_style(strip, base))
        if length < width:
            segments.append(Segment(" " * (width - length), base))
        return Strip(segments, width)
    return Strip(Segment.apply_style(strip.crop_extend(start, start + width, None), base), width)


class TextLines(Widget):
    """A drop-in for the Statics of the panels: `update(Text)`; no markup, ever."""

    DEFAULT_CSS = """
    TextLines { height: auto; }
    """

    def __init__(self, content: object = "", *, id: str | None = None,
                 classes: str | None = None, hold_height: bool = False) -> None:
        super().__init__(id=id, classes=classes)
        # hold_height: at one width, never give rows back (a line of figures that wraps as
        # their digits come and go would otherwise move everything below it, a layout pass
        # each time); a resize starts over
        self._hold = hold_height
        self._logical: list[Text] = as_lines(content)
        self._content = content  # as given: a tick usually gives the same again
        self._flow = content if isinstance(content, Flow) else None
        self._width = 0  # the width the display rows were made for
        self._rows: list[Text] = []  # logical lines wrapped to _width
        self._strips: dict[int, Strip] = {}
        self._base: Style | None = None

    def _wrap(self, width: int) -> list[Text]:
        if width <= 0:
            return list(self._logical)
        rows: list[Text] = []
        console = self.app.console
        lines = self._logical
        if self._flow is not None:  # broken between items only, at this width
            lines = as_lines(flow(self._flow.items, width, self._flow.sep))
        for line in lines:
            if line.no_wrap or line.overflow == "ellipsis" or line.cell_len <= width:
                rows.append(line)
            else:
                rows.extend(line.wrap(console, width, no_wrap=False))
        return rows

    def update(self, content: object = "") -> bool:
        """Show new content; only the lines that differ are painted again, and a layout pass
        runs only when the number of lines changes. Returns whether anything changed."""
        if same_content(content, self._content) and (self._rows or self._width <= 0):
            return False  # (as below, without splitting it into lines first)
        self._content = content
        logical = as_lines(content)
        if (same_lines(logical, self._logical) and (self._rows or self._width <= 0)
                and isinstance(content, Flow) == (self._flow is not None)):
            return False  # unchanged (hidden or not yet laid out: nothing to measure again)
        self._logical = logical
        self._flow = content if isinstance(content, Flow) else None
        if not self.is_mounted or self._width <= 0:
            self._rows = []
            self.refresh(layout=True)
            return True
        rows = self._wrap(self._width)
        old = self._rows
        if self._hold and len(rows) < len(old):
            rows += [Text()] * (len(old) - len(rows))
        self._rows = rows
        if len(rows) != len(old):
            self._strips.clear()
            self.refresh(layout=True)
            return True
        for y, (new, prev) in enumerate(zip(rows, old, strict=True)):
            if not same_lines((new,), (prev,)):
                self._strips.pop(y, None)
                self.refresh(Region(0, y, self._width, 1))
        return True

    # Textual's layout and Line API ----------------------------------------------------
    def _ensure(self, width: int) -> None:
        if width != self._width or (not self._rows and self._logical):
            self._width = width
            self._rows = self._wrap(width)
            self._strips.clear()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._ensure(width)
        return len(self._rows)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max((line.cell_len for line in self._logical), default=0)

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        self._ensure(width)
        base = self._base
        if base is None:  # first paint, or theme, focus or CSS changed the widget's style
            base = self._base = self.rich_style
            self._strips.clear()
        strip = self._strips.get(y)
        if strip is None:
            if y < len(self._rows):
                strip = fit(text_strip(self._rows[y], self.app.console, width), 0, width, base)
            else:
                strip = Strip.blank(width, base)
            self._strips[y] = strip
        return strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None  # rich_style walks the ancestors: read it once per style change


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Give a scroll view a new virtual size, with a layout pass only when its vertical
    scrollbar appears or goes (a layout pass also repaints every scrollbar on screen)."""
    old = view.virtual_size
    if size == old:
        return
    viewport = view.container_size.height
    same_bar = (old.height > viewport) == (size.height > viewport)
    if view.is_mounted and viewport and same_bar and size.width == old.width:
        # what Textual itself does for a size change that needs no layout (_size_updated)
        view.set_reactive(Widget.virtual_size, size)
        view._scroll_update(size)
        view.refresh()
    else:
        view.virtual_size = size


class LogLines(ScrollView):
    """A scrolling log of at most `max_lines` lines, each turned into a Strip once. While the
    view is at the bottom it follows new lines; scrolled up, it stays where it is."""

    DEFAULT_CSS = """
    LogLines { height: 1fr; scrollbar-size-horizontal: 0; }
    """

    def __init__(self, max_lines: int = 1000, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_lines = max_lines
        self._lines: deque[Text] = deque(maxlen=max_lines)
        self._first = 0  # absolute number of the oldest kept line
        self._strips: dict[int, Strip] = {}  # absolute line number -> its finished Strip
        self._view = (0, 0)  # (width, scroll x) the Strips in _strips were finished for
        self._widest = 0
        self._base: Style | None = None

    @property
    def at_end(self) -> bool:
        return self.scroll_offset.y >= self.max_scroll_y

    def write_lines(self, lines: Sequence[Text]) -> None:
        if not lines:
            return
        follow = self.at_end
        dropped = max(0, len(self._lines) + len(lines) - self.max_lines)
        self._lines.extend(lines)
        self._first += dropped
        if len(self._strips) > 4 * max(self.size.height, 25):
            self._strips = {n: s for n, s in self._strips.items() if n >= self._first}
        self._widest = max(self._widest, max(t.cell_len for t in lines))
        set_virtual_size(self, Size(self._widest, len(self._lines)))
        if follow:  # forced: on the first overflow the scrollbar (which gates scrolling)
            # only appears at the next layout pass, and the tail would stay at the top
            self.scroll_to(y=max(0, len(self._lines) - self.scrollable_content_region.height),
                           animate=False, immediate=True, force=True)
        self.refresh()

    def drop_last(self, count: int) -> None:
        """Take back the newest ``count`` lines (a preview the next write replaces); their
        numbers are given to the lines written next, so their finished Strips go too."""
        count = min(count, len(self._lines))
        if count <= 0:
            return
        for _ in range(count):
            self._lines.pop()
        end = self._first + len(self._lines)
        self._strips = {n: s for n, s in self._strips.items() if n < end}
        set_virtual_size(self, Size(self._widest, len(self._lines)))
        self.refresh()

    def clear(self) -> None:
        self._first += len(self._lines)
        self._lines.clear()
        self._strips.clear()
        self._widest = 0
        self.virtual_size = Size(0, 0)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        base = self._base
        if base is None:
            base = self._base = self.rich_style
        offset = self.scroll_offset
        width = self.scrollable_content_region.width
        index = round(offset.y) + y
        if index >= len(self._lines):
            return Strip.blank(width, base)
        view = (width, round(offset.x))
        if view != self._view:  # the finished lines are for one width and column offset
            self._view = view
            self._strips.clear()
        number = self._first + index
        strip = self._strips.get(number)
        if strip is None:  # a line scrolling up the view is the same Strip at every row
            strip = fit(text_strip(self._lines[index], self.app.console), view[1], width, base)
            self._strips[number] = strip
        return strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None
        self._strips.clear()
