"""The snapshot sections beyond the first seven panels: custom metrics and GC (panel 8),
trends and resolved alerts, and baseline deltas in the Tokens and Patterns panels."""

from __future__ import annotations

import re

import msgspec
import pytest
from rich.text import Text

from swarmtop.snapshot import BaselineFigure, Snapshot
from swarmtop.ui import SwarmtopApp
from swarmtop.ui.delta import delta_mark
from swarmtop.ui.health import HealthPanel
from swarmtop.ui.metrics import MetricsPanel
from swarmtop.ui.patterns import PatternsPanel
from swarmtop.ui.table import SyncTable
from swarmtop.ui.text import Palette, flow
from swarmtop.ui.tokens import TokensPanel
from tests.ui.fakes import FakeFeed, make_snapshot, screen_text
from tests.ui.waiting import wait_until

WIDE, MEDIUM, SMALL = (200, 60), (120, 40), (80, 24)


def make_app(snap: Snapshot | None = None) -> SwarmtopApp:
    return SwarmtopApp(FakeFeed(snapshots=[snap or make_snapshot(0)]), interval=3600)


def styles(cell: Text) -> set[str]:
    return {str(span.style) for span in cell.spans}


def cell(app: SwarmtopApp, table_id: str, row: str, col: int) -> Text:
    return app.query_one(table_id, SyncTable)._cells[row][col]


async def test_metrics_panel_on_the_grid_when_wide():
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        metrics = app.panel(MetricsPanel)
        assert isinstance(metrics, MetricsPanel) and metrics.display
        text = screen_text(app)
        for figure in ("8 Metrics", "retrieval.latency", "cache.hits", "counter", "timer",
                       "100 swarm-main", "8.3%", "most GC: 100 swarm-main"):
            assert figure in text, figure
        # the timer's percentiles: p50 42, p90 105, p99 210, window p99 189
        row = [c.plain for c in app.query_one("#met-table", SyncTable)
               ._cells["m:retrieval.latency"]]
        assert row[:8] == ["retrieval.latency", "timer", "46.2", "0.5", "42", "105", "210", "189"]
        # GC over 5 % of wall time is red and sorted first; the quiet one is plain
        gc = app.query_one("#met-gc", SyncTable)
        assert gc._keys[0] == "g:/runs/probe/swarm-main-100.jsonl"
        assert any(app.palette.bad in s for s in styles(gc._cells[gc._keys[0]][1]))
        assert styles(gc._cells["g:/runs/probe/agent-worker-1-101.jsonl"][1]) == set()


async def test_zoom_8_and_tab_reach_metrics_when_the_grid_has_no_room():
    app = make_app()
    async with app.run_test(size=MEDIUM) as pilot:
        await pilot.pause()
        metrics, health = app.panel(MetricsPanel), app.panel(HealthPanel)
        assert not app.compact and not metrics.display  # 120 columns: not on the grid
        assert "8 Metrics" in screen_text(app)  # ... but named under it, one key away
        await pilot.press("8")
        await pilot.pause()
        assert app.zoomed and app.current_panel is metrics
        assert [k for k, p in app.panels.items() if p.display] == ["metrics"]
        assert "retrieval.latency" in screen_text(app) and "zoom (esc)" in screen_text(app)
        await pilot.press("8")  # again: back to the grid, on a panel that is there
        await pilot.pause()
        assert not app.zoomed and app.current_panel is health and not metrics.display
        for _ in range(7):
            await pilot.press("tab")
        await pilot.pause()
        assert app.current_panel is metrics and app.zoomed and metrics.display  # shown alone
        await pilot.press("tab")
        await pilot.pause()
        assert app.current_panel is health and not app.zoomed  # the next tab: the grid again
        assert all(p.display for k, p in app.panels.items() if k not in ("agents", "metrics"))


@pytest.mark.parametrize("size", [SMALL, WIDE])
async def test_zoom_8_at_each_size(size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("8")
        await pilot.pause()
        assert app.current_panel is app.panel(MetricsPanel)
        assert sum(p.display for p in app.panels.values()) == 1
        text = screen_text(app)
        assert "8 Metrics" in text and "cache.hits" in text and "GC pauses" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not app.zoomed


async def test_metrics_panel_without_metrics_says_how_to_get_them():
    app = make_app(make_snapshot(0, metrics=False))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        # nothing to show: off the grid (its room goes to Memory and Log), named under it
        assert not app.panel(MetricsPanel).display
        assert "8 Metrics (no metrics)" in screen_text(app)
        await pilot.press("8")  # its number still shows it
        await pilot.pause()
        assert "no custom metrics or GC records yet" in screen_text(app)
        assert not app.query_one("#met-gc", SyncTable).display


async def test_hostile_metric_names_are_shown_literally():
    app = make_app(make_snapshot(0, hostile=True, baseline=True))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        await pilot.press("8")
        await pilot.pause()
        text = screen_text(app)
        assert "\x1b" not in text and "\x07" not in text
        for shown in ("[bold]not bold[/bold]", "[@click=app.quit]x", "[/INST] done",
                      "^[]0;pwned title^Gafter-osc", "^[]0;pwned title^Gafter-osc.jsonl"):
            assert shown in text, shown
        assert app.return_code is None  # [@click=app.quit] did not quit
        await pilot.press("5")  # resolved alerts with hostile rule and message
        await pilot.pause()
        text = screen_text(app)
        assert "[bold]not bold[/bold] ^[]0;pwned title^Gafter-osc" in text


async def test_baseline_deltas_follow_the_verdict():
    app = make_app(make_snapshot(0, baseline=True))
    pal = app.palette
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "total ~630.0k ▲25%" in text  # worse
        assert "$1.48 ▼10%" in text  # cost 10 % lower: better
        assert "52 calls =" in text  # the same
        assert "vs base-run.json: 3 worse 3 better 3 same" in text
        assert "▲▼ vs baseline: all-time figures" in text
        # per model: gpt-4o cost worse (red), claude the same (dim =)
        gpt = cell(app, "#tok-models", "gpt-4o", 6)
        assert gpt.plain == "$0.2500 ▲25%" and pal.bad in styles(gpt)
        claude = cell(app, "#tok-models", "claude-sonnet-4", 6)
        assert claude.plain == "$1.23 =" and pal.muted in styles(claude)
        # patterns: lateral p99 all-time 30 % slower (red ▲), divergent p50 20 % faster
        # (green ▼), convergent the same; the rolling-window columns carry no delta
        lat = cell(app, "#pat-table", "lateral", 10)
        assert lat.plain == "9.00s ▲30%" and pal.bad in styles(lat)
        div = cell(app, "#pat-table", "divergent", 8)
        assert div.plain == "2.00s ▼20%" and pal.good in styles(div)
        assert cell(app, "#pat-table", "convergent", 8).plain == "1.00s ="
        assert "▲" not in cell(app, "#pat-table", "lateral", 5).plain


async def test_no_baseline_no_marks():
    app = make_app(make_snapshot(0))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        for panel in (app.panel(TokensPanel), app.panel(PatternsPanel)):
            for table in panel.query(SyncTable):
                assert not any("▲" in c.plain or "▼" in c.plain or c.plain.endswith(" =")
                               for cells in table._cells.values() for c in cells)
        assert "vs base" not in screen_text(app)


def test_delta_mark():
    pal = Palette()
    row = BaselineFigure(change=3.0, change_pct=12.34, verdict="worse")
    assert delta_mark(row, pal).plain == " ▲12%" and styles(delta_mark(row, pal)) == {"red"}
    row = BaselineFigure(change=-0.1, change_pct=-3.14, verdict="better")
    assert delta_mark(row, pal).plain == " ▼3.1%" and styles(delta_mark(row, pal)) == {"green"}
    row = BaselineFigure(change=5.0, change_pct=None, verdict="worse")  # from zero: no percentage
    assert delta_mark(row, pal).plain == " ▲new"
    assert delta_mark(BaselineFigure(change=0.0, change_pct=0.0, verdict="same"), pal).plain == " ="
    assert delta_mark(None, pal).plain == ""


async def test_health_why_shows_trends_and_alerts_show_resolved():
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        text = screen_text(app)
        assert "trends:" in text
        assert "tokens_per_min linear +90/min per min, now 12.3k/min -> 12.8k/min in 5m00s" in text
        assert "total_rss_bytes exponential, doubles every 1m09s" in text
        assert "p99_ms seasonal, repeats every 30s" in text and "error_rate flat" in text
        await pilot.press("5")
        await pilot.pause()
        text = screen_text(app)
        assert "recent (2 resolved)" in text
        assert "15:55:00-15:58:00 CRIT pattern.p99" in text  # newest first
        assert text.index("pattern.p99") < text.index("error_rate")


@pytest.mark.parametrize("size", [SMALL, MEDIUM, WIDE])
async def test_every_panel_with_every_section_draws_at_each_size(size):
    snaps = [make_snapshot(i, hostile=True, baseline=True, extra_procs=3) for i in range(3)]
    feed = FakeFeed(snapshots=snaps)
    app = SwarmtopApp(feed, interval=3600)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for _ in range(len(app.panels)):
            feed.advance()
            app.tick()
            await pilot.press("tab")
            await pilot.pause()
            assert "\x1b" not in screen_text(app)
        assert app.return_code is None


async def test_unchanged_metrics_repaint_nothing():
    snap = make_snapshot(3, baseline=True)
    feed = FakeFeed(snapshots=[snap, msgspec.structs.replace(snap)])
    app = SwarmtopApp(feed, interval=3600)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("8")
        await pilot.pause()
        panel = app.panel(MetricsPanel)
        before = panel.shown, [(t.updates, t.rebuilds) for t in panel.query(SyncTable)]
        feed.advance()
        app.tick()
        await pilot.pause()
        assert (panel.shown, [(t.updates, t.rebuilds) for t in panel.query(SyncTable)]) == before
        feed.snapshots.append(make_snapshot(4, baseline=True))  # the counter moves: one row
        feed.advance()
        app.tick()
        await pilot.pause()
        table = panel.query_one("#met-table", SyncTable)
        assert table.rebuilds == before[1][0][1] and table.updates > before[1][0][0]


async def test_token_tables_keep_room_on_the_grid_and_notes_are_whole_when_zoomed():
    from swarmtop.snapshot import Saving
    from swarmtop.ui.tokens import GRID_NOTES

    why = "calls re-sent thousands of tokens of their agent's previous context without the cache"
    snap = make_snapshot(0)
    tokens = msgspec.structs.replace(
        snap.tokens, savings=[Saving(strategy=f"s{i}", usd=1.0 - i / 10, why=why)
                              for i in range(4)])
    app = make_app(msgspec.structs.replace(snap, tokens=tokens))
    async with app.run_test(size=MEDIUM) as pilot:
        await pilot.pause()
        notes = app.query_one("#tok-notes")
        assert notes.size.height <= GRID_NOTES  # one line a note, at most three
        assert app.query_one("#tok-models").size.height >= 2  # header and a row at least
        assert "…" in screen_text(app)
        await pilot.press("3")  # zoomed: every note, whole
        await pilot.pause()
        await pilot.pause()
        assert app.query_one("#tok-notes").size.height > GRID_NOTES
        assert screen_text(app).count("without the cache") == 3


async def test_a_quiet_swarm_needs_no_layout_pass(monkeypatch):
    """Same figures tick after tick (no baseline, so the hidden baseline line is updated
    with the same empty text): no widget may ask for a layout pass."""
    from textual.widget import Widget

    from tests.ui.fakes import MovingFeed

    layouts: list[str] = []
    refresh = Widget.refresh

    def spy(self, *regions, **kw):
        if kw.get("layout"):
            layouts.append(self.id or type(self).__name__)
        return refresh(self, *regions, **kw)

    app = SwarmtopApp(MovingFeed(extra_procs=10, frozen=True), interval=0.1)
    async with app.run_test(size=MEDIUM) as pilot:
        # start-up may lay out; ten ticks in (a second at 0.1 s, longer on a loaded machine)
        # the figures are settled
        await wait_until(pilot, lambda: app.shown is not None and app.ticks >= 10,
                         what="ten ticks")
        await pilot.pause()
        monkeypatch.setattr(Widget, "refresh", spy)
        ticks = app.ticks
        await wait_until(pilot, lambda: app.ticks >= ticks + 5, what="five more ticks")
        await pilot.pause()
    assert layouts == []


def test_flow_breaks_between_items_only():
    items = [Text("memory 40"), Text("errors 82"), Text("liveness 100"), Text("(e: why)")]
    assert flow(items, 24).plain == "memory 40  errors 82\nliveness 100  (e: why)"
    assert flow(items, 0).plain == "memory 40  errors 82  liveness 100  (e: why)"
    assert flow([Text("a-very-long-item"), Text("b")], 5).plain == "a-very-long-item\nb"
    assert flow([], 10).plain == ""


async def test_a_label_keeps_its_figure_when_the_line_wraps():
    """At 120x40 the Health panel's scores and the Sources summary wrap; never between a
    name and its figure (was: "liveness" at a line's end, "100" on the next)."""
    app = make_app()
    async with app.run_test(size=MEDIUM) as pilot:
        await pilot.pause()
        lines = screen_text(app).splitlines()
        for name in ("errors", "memory", "spend", "total"):
            assert any(re.search(rf"\b{name} ~?\d+", line) for line in lines), name
            assert not any(re.search(rf"\b{name} *│", line) for line in lines), name
        assert any(re.search(r"\d+ bad", line) for line in lines)
        assert not any(re.search(r"│ (bad|calls|liveness)\b", line) for line in lines)


async def test_without_processes_no_rss_is_claimed():
    """Logs only (e.g. a Claude Code directory): the header shows no "RSS 0B" and the Memory
    panel says how to watch processes."""
    snap = make_snapshot(0)
    snap = msgspec.structs.replace(
        snap, memory=msgspec.structs.replace(snap.memory, processes=[], total_rss_bytes=0))
    app = make_app(snap)
    async with app.run_test(size=MEDIUM) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "RSS" not in text.splitlines()[0] and "total RSS" not in text
        assert "2 Memory (no processes)" in text  # off the grid, named under it
        await pilot.press("2")
        await pilot.pause()
        assert "no processes watched (--pid PID)" in screen_text(app)


async def test_zoomed_tokens_lay_out_again_at_the_new_width():
    """Zooming the Tokens panel: the totals are laid out again at the wider width (no row
    left blank from the narrower one) and the stacked model table takes only its rows."""
    app = make_app()
    async with app.run_test(size=MEDIUM) as pilot:
        await pilot.pause()
        totals = app.query_one("#tok-totals")
        assert totals.size.height == 2  # wrapped on the grid
        await pilot.press("3")
        await pilot.pause()
        app.tick()
        await pilot.pause()
        assert totals.size.height == 1
        lines = screen_text(app).splitlines()
        row = next(i for i, line in enumerate(lines) if "total " in line)
        assert "calls" in lines[row] and "$" in lines[row + 1]  # the rates right below
        models = app.query_one("#tok-models", SyncTable)
        assert models.size.height == models.row_count + 1  # header and its rows, no gap


async def test_tokens_panel_shows_codex_limits():
    """snapshot.limits on the Tokens panel: "codex 5 h window 62 %, resets 14:10"; a window
    90 % used is drawn as bad."""
    import os
    import time

    from swarmtop.snapshot import Limit

    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        snap = msgspec.structs.replace(make_snapshot(0), limits=[
            Limit(source="codex", window="primary", used_percent=62.0, window_minutes=300,
                  resets_at="2026-11-20T14:10:00.000Z", observed_at="2026-11-20T13:01:52.000Z"),
            Limit(source="codex", window="secondary", used_percent=93.0, window_minutes=10080,
                  resets_at="2026-11-25T14:10:00.000Z",
                  observed_at="2026-11-20T13:01:52.000Z")])
        app = make_app(snap)
        async with app.run_test(size=WIDE) as pilot:
            await pilot.pause()
            text = screen_text(app)
            assert "codex 5 h window 62 %, resets 14:10" in text
            assert "7 d window 93 %, resets Nov 25 14:10" in text
            [line] = app.query_one("#tok-limits")._logical
            weekly = line.plain.index("7 d window")
            assert any(app.palette.bad in str(sp.style) and sp.start == weekly
                       for sp in line.spans)
    finally:
        os.environ.pop("TZ", None)
        time.tzset()
