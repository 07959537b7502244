"""LayoutState (swarmtop/ui/layout.py) on its own: which panels are on screen and which one is
current, for every key, resize and change of which panels have data — no app running."""

from __future__ import annotations

import dataclasses

import pytest

from swarmtop.ui.layout import LayoutState

ORDER = ("agents", "health", "memory", "tokens", "patterns", "alerts", "log", "sources",
         "metrics")


def state(**kw) -> LayoutState:
    base = dict(order=ORDER, current="health", empty=frozenset({"agents"}),
                wide_only=frozenset({"metrics"}), lead="agents")
    return LayoutState(**{**base, **kw})


def test_the_grid_holds_the_panels_with_data_and_room():
    s = state()
    assert s.visible() == ("health", "memory", "tokens", "patterns", "alerts", "log", "sources")
    assert s.off_grid() == ("agents", "metrics")  # empty; wide-only in a narrow terminal
    wide = s.resized(compact=False, wide=True)
    assert "metrics" in wide.visible() and wide.off_grid() == ("agents",)


def test_a_state_is_never_changed_in_place():
    s = state()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.current = "log"  # type: ignore[misc]
    z = s.zoom("log")
    assert (s.zoomed, s.current) == (False, "health") and (z.zoomed, z.current) == (True, "log")


def test_small_terminal_shows_the_current_panel_alone():
    s = state().resized(compact=True, wide=False)
    assert s.single and s.visible() == ("health",) and s.off_grid() == ()
    assert s.resized(compact=False, wide=False).visible()[0] == "health"  # the grid again


def test_zoom_the_same_number_again_and_escape_go_back():
    s = state().zoom("tokens")
    assert s.zoomed and s.visible() == ("tokens",) and s.navigated
    assert not s.zoom("tokens").zoomed  # the same number: back to the grid
    assert s.zoom("log").current == "log" and s.zoom("log").zoomed  # another: zoom it
    back = s.back()
    assert not back.zoomed and back.current == "tokens"
    assert state().back() == state()  # not zoomed: nothing to do


def test_leaving_zoom_on_a_panel_the_grid_has_no_place_for_goes_home():
    s = state().zoom("metrics")  # 8 in a narrow terminal: shown alone
    assert s.visible() == ("metrics",)
    assert s.back().current == "health" and s.zoom("metrics").current == "health"
    memory = state(empty=frozenset({"agents", "memory"})).zoom("memory")  # an empty panel
    assert memory.visible() == ("memory",) and memory.back().current == "health"


def test_tab_visits_the_panels_with_data_and_shows_an_off_grid_one_alone():
    s = state(empty=frozenset({"agents", "memory", "alerts"}))
    seen = []
    for _ in range(6):
        s = s.step(1)
        seen.append((s.current, s.zoomed))
    assert seen == [("tokens", False), ("patterns", False), ("log", False),
                    ("sources", False), ("metrics", True), ("health", False)]
    assert s.auto_zoomed is False and s.navigated
    assert s.step(-1).current == "metrics" and s.step(-1).auto_zoomed


def test_an_auto_zoomed_panel_goes_back_to_the_grid_when_it_has_room():
    s = state().step(-1)  # shift+tab from health: metrics, alone
    assert s.current == "metrics" and s.auto_zoomed
    wide = s.resized(compact=False, wide=True)
    assert not wide.zoomed and wide.current == "metrics" and "metrics" in wide.visible()
    user = state().zoom("metrics").resized(compact=False, wide=True)  # asked for by the user
    assert user.zoomed


def test_narrowing_moves_focus_off_a_panel_that_left_the_grid():
    s = state().resized(compact=False, wide=True).step(-1)
    assert s.current == "metrics" and not s.zoomed
    narrow = s.resized(compact=False, wide=False)
    assert narrow.current == "health" and not narrow.zoomed


def test_the_lead_panel_takes_focus_when_its_data_arrives_unless_the_user_moved():
    s = state().with_empty(frozenset())
    assert s.current == "agents" and s.visible()[0] == "agents"
    moved = state().step(1).with_empty(frozenset())
    assert moved.current == "memory"  # the user's choice stands
    compact = state(compact=True).with_empty(frozenset())
    assert compact.visible() == ("agents",)


def test_a_current_panel_that_empties_hands_focus_on_unless_zoomed_onto_by_the_user():
    s = state(current="log")
    assert s.with_empty(frozenset({"agents", "log"})).current == "health"
    zoomed = state().zoom("log").with_empty(frozenset({"agents", "log"}))
    assert zoomed.current == "log" and zoomed.zoomed
    everything = state(empty=frozenset(ORDER[:-1]), current="metrics")
    assert everything.home() == "metrics"  # the only panel with data (though not on the grid)


def test_panels_with_data_return_to_the_grid():
    s = state(empty=frozenset({"agents", "memory"}))
    assert "memory" not in s.visible() and "memory" in s.off_grid()
    back = s.with_empty(frozenset({"agents"}))
    assert "memory" in back.visible() and back.off_grid() == ("agents", "metrics")
    assert s.with_empty(s.empty) is s


def test_focus_by_click():
    s = state().focused("log")
    assert s.current == "log" and not s.zoomed
    assert s.focused("log") is s
