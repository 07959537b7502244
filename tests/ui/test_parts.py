"""The pure pieces of the UI: graphs, histories, log-tail diffing, process tree, palette."""

from __future__ import annotations

import msgspec

from swarmtop.snapshot import LogEntry, ProcessInfo
from swarmtop.ui.graph import bar_graph, sparkline
from swarmtop.ui.history import History
from swarmtop.ui.logtail import new_entries
from swarmtop.ui.memory import clock, rate_text, tree_order
from swarmtop.ui.text import Palette, bar, fmt_duration, fmt_rate_usd


def test_sparkline_scales_and_keeps_the_newest():
    assert sparkline([0, 50, 100], 3, lo=0, hi=100) == "▁▅█"
    assert sparkline(list(range(100)), 5) == sparkline(list(range(95, 100)), 5)
    assert sparkline([3, 3, 3], 10) == "▄▄▄"
    assert sparkline([], 10) == ""


def test_bar_graph_rows():
    assert bar_graph([0, 4, 8], 3, 2) == ["  █", " ██"]
    assert bar_graph([0, 2, 8], 3, 1) == [" ▂█"]
    assert bar_graph([0, 0], 2, 2) == ["  ", "▁▁"]


def test_history_one_point_per_step_and_bounded():
    h = History(maxlen=3, step_s=2.0)
    assert h.add(0.0, 1) and not h.add(1.0, 2) and h.add(2.0, 3)
    for t in range(3, 20, 2):
        h.add(float(t), t)
    assert list(h.values) == [15, 17, 19]


def _e(i: int, text: str = "x") -> LogEntry:
    return LogEntry(ts=float(i), source="s", level="info", text=f"{text}{i}")


def test_new_entries_finds_where_the_last_window_ended():
    first = [_e(i) for i in range(5)]
    second = [_e(i) for i in range(3, 9)]
    assert new_entries([], first) == first
    assert new_entries(first[-3:], second) == [_e(i) for i in range(5, 9)]
    assert new_entries(second[-3:], second) == []
    assert new_entries(first[-3:], [_e(i) for i in range(4, 7)]) == [_e(5), _e(6)]
    assert new_entries(first[-3:], [_e(i) for i in range(50, 55)]) == [
        _e(i) for i in range(50, 55)]  # rolled past everything: all new


def test_new_entries_with_repeated_lines():
    same = LogEntry(ts=1.0, source="s", level="info", text="same")
    prev = [same, same, same]
    cur = [same, same, same, same, same]
    assert new_entries(prev, cur) == []  # identical lines with one timestamp: ambiguous, no dup


def test_tree_order_nests_children_and_survives_cycles():
    procs = [ProcessInfo(pid=3, parent=1), ProcessInfo(pid=1), ProcessInfo(pid=2, parent=1),
             ProcessInfo(pid=4, parent=3), ProcessInfo(pid=9, parent=10),
             ProcessInfo(pid=10, parent=9)]
    order = [(d, p.pid) for d, p in tree_order(procs)]
    assert order[:4] == [(0, 1), (1, 2), (1, 3), (2, 4)]
    assert {pid for _, pid in order} == {1, 2, 3, 4, 9, 10}


def test_small_formatters():
    assert clock("2026-11-25T16:01:02+00:00") == "16:01:02"
    assert rate_text(ProcessInfo(pid=1, samples=5, growth="linear",
                                 growth_bytes_per_s=2 * 1024 * 1024)) == "+2.00MiB/s"
    assert rate_text(ProcessInfo(pid=1, samples=5, growth="stable", growth_bytes_per_s=12)) == "-"
    assert bar(0.5, 10) == "█████░░░░░" and bar(7, 4) == "████"
    assert fmt_duration(42) == "42s" and fmt_duration(3900) == "1h05m"
    assert fmt_duration(None) == "-" and fmt_duration(90000) == "1d1h"
    assert fmt_rate_usd(0.4123) == "$0.41" and fmt_rate_usd(0.0123) == "$0.012"


def test_palette_from_theme_variables():
    p = Palette.from_variables({"error": "ansi_red", "warning": "ansi_bright_yellow",
                                "success": "#00ff00", "accent": "auto 60%"})
    assert (p.bad, p.warn, p.good, p.accent) == ("red", "bright_yellow", "#00ff00", "cyan")
    assert p.band(90) == p.good and p.band(60) == p.warn and p.band(10) == p.bad


def test_three_significant_digits():
    from swarmtop.ui.text import fmt_latency, fmt_mem

    assert fmt_mem(109 * 2**20 + 12345) == "109MiB" and fmt_mem(50 * 2**20) == "50.0MiB"
    assert fmt_mem(1.234 * 2**30) == "1.23GiB" and fmt_mem(512) == "512B" and fmt_mem(None) == "-"
    assert fmt_latency(850.4) == "850ms" and fmt_latency(2504) == "2.50s"
    assert fmt_latency(12_640) == "12.6s" and fmt_latency(None) == "-"


def test_count_rows_reuses_the_rows_of_unchanged_names():
    from swarmtop.snapshot import TokenCounts
    from swarmtop.ui.text import Palette
    from swarmtop.ui.tokens import count_rows

    cache: dict = {}
    a, b = TokenCounts(calls=3, input=100, cost_usd=0.5), TokenCounts(calls=1, input=5)
    first = {r.key: r for r in count_rows({"a": a, "b": b}, "by_agent", None, Palette(), cache)}
    moved = TokenCounts(calls=4, input=180, cost_usd=0.7)
    again = {r.key: r for r in count_rows({"a": moved, "b": b}, "by_agent", None, Palette(),
                                          cache)}
    assert again["b"] is first["b"]  # unchanged: the same row, its cells not rebuilt
    assert again["a"] is not first["a"] and again["a"].sort[1] == 4
    other = Palette(good="red")  # a theme change rebuilds every row
    assert all(r is not again[r.key] for r in count_rows({"a": moved, "b": b}, "by_agent",
                                                          None, other, cache))
    fresh = count_rows({"a": moved, "b": b}, "by_agent", None, Palette())  # no cache: as before
    assert [r.cells for r in fresh] == [again["a"].cells, again["b"].cells]


async def test_previewed_log_lines_give_way_to_what_the_snapshot_says():
    """A line read between snapshots shows at once unless lines were written PREVIEW_GAP ago
    or less; then it, and what comes after it, waits for the snapshot (never out of order).
    A preview the snapshot does not confirm (its window passed lines by) is replaced by what
    the snapshot says."""
    from swarmtop.ui import SwarmtopApp
    from swarmtop.ui.lines import LogLines
    from swarmtop.ui.logtail import LogTailPanel
    from tests.ui.fakes import FakeFeed, make_snapshot

    app = SwarmtopApp(FakeFeed(), interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        panel = app.query_one(LogTailPanel)
        base = make_snapshot(0)
        panel.show(base)
        log = app.query_one(LogLines)

        def texts() -> list[str]:
            return [t.plain for t in log._lines]

        before = texts()
        panel._last_write = 0.0
        panel.preview([_e(1, "guess")])
        assert texts()[-1].endswith("guess1")  # at once: nothing was written just before
        panel.preview([_e(2, "held")])  # right after that write: held for the snapshot
        panel._last_write = 0.0
        panel.preview([_e(3, "after")])  # and what comes after it, however late
        assert texts()[-1].endswith("guess1")
        confirmed = [*base.log_tail, _e(4, "real")]
        panel.observe(msgspec.structs.replace(base, log_tail=confirmed))
        panel.show(msgspec.structs.replace(base, log_tail=confirmed))
        after = texts()
        assert after[:len(before)] == before and len(after) == len(before) + 1
        assert after[-1].endswith("real4")  # the guess gave way to the snapshot's line
        panel._last_write = 0.0
        panel.preview([_e(5, "next")])  # the snapshot ended the hold
        assert texts()[-1].endswith("next5")
