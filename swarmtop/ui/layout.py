"""Which panels the dashboard shows, and which one is current: one pure, immutable state.

The app keeps a `LayoutState` and replaces it on each key, resize or change of which panels
have data; it then only draws what the state says. Nothing here knows Textual, so every rule
(zoom, tab, the small-terminal single view, panels that give their space away) is tested
without running the app (tests/ui/test_layout_state.py).

Panels are named by key ("agents", "health", ...), never by position."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Self


@dataclass(frozen=True)
class LayoutState:
    order: tuple[str, ...]  # every panel's key, in the order of their numbers
    current: str  # the panel with focus: the tab strip's mark, the one shown when single
    zoomed: bool = False  # one panel full screen (a number, or tab onto a panel off the grid)
    auto_zoomed: bool = False  # zoomed by tab, not by the user: undone when the grid has room
    compact: bool = False  # a small terminal: one panel at a time, with a tab strip
    wide: bool = False  # room for the wide-only panels on the grid
    navigated: bool = False  # the user moved between panels: the lead panel takes no focus
    empty: frozenset[str] = frozenset()  # panels with nothing to show: off the grid
    wide_only: frozenset[str] = frozenset()  # on the grid only when wide
    lead: str | None = None  # the main view: current once it has data, unless navigated

    # what is on screen ------------------------------------------------------------------
    @property
    def single(self) -> bool:
        """One panel on screen: zoomed, or a small terminal."""
        return self.zoomed or self.compact

    def on_grid(self, key: str) -> bool:
        """Whether the grid gives the panel a place: it has something to show, and it is not
        a wide-only panel in a terminal too narrow for it."""
        return key not in self.empty and (self.wide or key not in self.wide_only)

    def visible(self) -> tuple[str, ...]:
        return (self.current,) if self.single else tuple(k for k in self.order if self.on_grid(k))

    def off_grid(self) -> tuple[str, ...]:
        """Panels the grid has no place for (reachable by their number); none when single."""
        return () if self.single else tuple(k for k in self.order if not self.on_grid(k))

    def tab_order(self) -> tuple[str, ...]:
        """What tab visits: the panels with something to show (and the current one)."""
        keys = tuple(k for k in self.order if k not in self.empty or k == self.current)
        return keys or self.order

    def home(self) -> str:
        """Where focus goes when the current panel leaves the grid: the first panel on it,
        else the first with data."""
        for keys in ([k for k in self.order if self.on_grid(k)],
                     [k for k in self.order if k not in self.empty]):
            if keys:
                return keys[0]
        return self.order[0]

    # changes -----------------------------------------------------------------------------
    def resized(self, compact: bool, wide: bool) -> Self:
        if (compact, wide) == (self.compact, self.wide):
            return self
        s = replace(self, compact=compact, wide=wide)
        if s.auto_zoomed and not s.compact and s.on_grid(s.current):
            return replace(s, zoomed=False, auto_zoomed=False)  # the grid has room for it now
        if not s.single and not s.on_grid(s.current):
            return replace(s, current=s.home())  # the current panel left the grid
        return s

    def moved_to(self, key: str) -> Self:
        """The current panel set by tab: a panel the grid has no place for is shown alone,
        and leaving such a panel for one on the grid brings the grid back."""
        s = replace(self, current=key)
        if s.auto_zoomed and not s.compact and s.on_grid(key):
            return replace(s, zoomed=False, auto_zoomed=False)
        if not s.single and not s.on_grid(key):
            return replace(s, zoomed=True, auto_zoomed=True)
        return s

    def step(self, by: int) -> Self:
        """tab (+1) / shift+tab (-1)."""
        order = self.tab_order()
        at = order.index(self.current) if self.current in order else -1
        return replace(self, navigated=True).moved_to(order[(at + by) % len(order)])

    def zoom(self, key: str) -> Self:
        """A number key: that panel full screen; the same number again goes back."""
        s = replace(self, navigated=True, auto_zoomed=False)
        if self.zoomed and key == self.current:
            s = replace(s, zoomed=False)
            return s if s.compact or s.on_grid(key) else replace(s, current=s.home())
        return replace(s, zoomed=True, current=key)

    def back(self) -> Self:
        """esc: leave zoom."""
        if not self.zoomed:
            return self
        s = replace(self, zoomed=False, auto_zoomed=False)
        return s if s.compact or s.on_grid(s.current) else replace(s, current=s.home())

    def focused(self, key: str) -> Self:
        """Focus moved into a panel (a click): it becomes the current one."""
        return self if key == self.current else replace(self, current=key)

    def with_empty(self, empty: frozenset[str]) -> Self:
        """Which panels have nothing to show changed. The lead panel takes focus when its data
        arrives (unless the user has moved); a current panel that emptied hands focus on,
        unless the user zoomed onto it."""
        if empty == self.empty:
            return self
        s = replace(self, empty=empty)
        if (s.lead is not None and s.lead in self.empty and s.lead not in empty
                and not s.navigated):
            return replace(s, current=s.lead)
        if s.current in empty and s.current not in self.empty and not (s.zoomed
                                                                       and not s.auto_zoomed):
            return replace(s, zoomed=False, auto_zoomed=False, current=s.home())
        if s.auto_zoomed and not s.compact and s.on_grid(s.current):
            return replace(s, zoomed=False, auto_zoomed=False)
        return s
