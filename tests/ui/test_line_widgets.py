"""LogLines and SyncTable keep finished lines while they scroll: the cached lines must follow
a horizontal scroll, a resize and a theme change, and the cursor row must not leak its style."""

from __future__ import annotations

from rich.text import Span, Text
from textual.app import App, ComposeResult

from swarmtop.ui.lines import LogLines, TextLines
from swarmtop.ui.table import Column, Row, SyncTable
from swarmtop.ui.text import plain


def _text(strip) -> str:
    return "".join(seg.text for seg in strip)


class LogApp(App):
    def compose(self) -> ComposeResult:
        yield LogLines(max_lines=50, id="log")


async def test_log_lines_follow_scrolls_and_resizes():
    app = LogApp()
    async with app.run_test(size=(20, 5)) as pilot:
        log = app.query_one(LogLines)
        log.write_lines([Text(f"{i:02d} " + "abcdefghijklmnopqrstuvwxyz") for i in range(30)])
        await pilot.pause()
        first = log.render_line(0)
        assert _text(first).startswith("25 abc")  # following the end: the last 5 lines
        log.write_lines([Text("30 new")])
        await pilot.pause()
        assert _text(log.render_line(0)).startswith("26 abc")  # scrolled by one line
        assert _text(log.render_line(4)).startswith("30 new")
        log.scroll_to(x=3, animate=False, immediate=True)
        await pilot.pause()
        assert _text(log.render_line(0)).startswith("abcdef")  # cropped at the new column
        log.scroll_to(x=0, animate=False, immediate=True)
        await pilot.resize_terminal(12, 5)
        await pilot.pause()
        assert len(_text(log.render_line(0))) <= 12


class TableApp(App):
    def compose(self) -> ComposeResult:
        yield SyncTable([Column("Name", "name", numeric=False), Column("N", "n")], id="t")


def _rows(n: int) -> list[Row]:
    return [Row(key=f"k{i}", cells=(plain(f"row{i}"), plain(str(i * n))), sort=(f"row{i}", i))
            for i in range(4)]


async def test_table_rows_are_repainted_when_they_change_and_the_cursor_moves():
    app = TableApp()
    async with app.run_test(size=(30, 8)) as pilot:
        table = app.query_one(SyncTable)
        table.set_rows(_rows(1))
        await pilot.pause()
        row2 = table.render_line(3)
        assert "row2" in _text(row2) and "2" in _text(row2)
        table.set_rows(_rows(5))
        await pilot.pause()
        assert "10" in _text(table.render_line(3))  # the changed cell, not the cached line
        plain_row1 = table.render_line(2)
        table.move_cursor(1)
        await pilot.pause()
        cursor_row1 = table.render_line(2)
        assert _text(cursor_row1) == _text(plain_row1)
        assert [s.style for s in cursor_row1] != [s.style for s in plain_row1]
        table.move_cursor(2)
        await pilot.pause()
        assert [s.style for s in table.render_line(2)] == [s.style for s in plain_row1]
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.pause()
        assert [s.style for s in table.render_line(2)] != [s.style for s in plain_row1]


async def test_log_lines_keep_following_after_the_first_overflow():
    # lines arriving a few at a time: the write that first overflows the view must scroll,
    # though the scrollbar (which gates scrolling) only appears at the next layout pass
    app = LogApp()
    async with app.run_test(size=(20, 5)) as pilot:
        log = app.query_one(LogLines)
        await pilot.pause()
        for k in range(4):
            log.write_lines([Text(f"{k}.{i} x") for i in range(3)])
            await pilot.pause()
        assert log.scroll_offset.y == log.max_scroll_y == 12 - 5
        assert _text(log.render_line(4)).startswith("3.2 x")


class HeldApp(App):
    def compose(self) -> ComposeResult:
        yield TextLines("", id="held", hold_height=True)
        yield TextLines("", id="free")


async def test_held_lines_keep_their_height_until_a_resize():
    app = HeldApp()
    async with app.run_test(size=(12, 10)) as pilot:
        long, short = "aaaa bbbb cccc", "aaaa"  # two rows at width 12, then one
        for wid in ("#held", "#free"):
            app.query_one(wid, TextLines).update(long)
        await pilot.pause()
        assert [app.query_one(w).size.height for w in ("#held", "#free")] == [2, 2]
        for wid in ("#held", "#free"):
            app.query_one(wid, TextLines).update(short)
        await pilot.pause()
        held = app.query_one("#held", TextLines)
        assert [app.query_one(w).size.height for w in ("#held", "#free")] == [2, 1]
        assert _text(held.render_line(0)).rstrip() == "aaaa"
        assert _text(held.render_line(1)).strip() == ""  # the held row is blank
        await pilot.resize_terminal(20, 10)
        await pilot.pause()
        assert held.size.height == 1  # a new width starts over


def test_table_row_segments_are_richs_own():
    """A row is made from each cell's kept Segments: the same Segments, cut at the same
    places, as Rich's render of the whole row (the SVG snapshots see the cuts)."""
    from rich.console import Console

    from swarmtop.ui.delta import with_delta
    from swarmtop.ui.text import Palette

    console = Console()
    pal = Palette()
    marked = plain("12", "dim")
    marked.append_text(plain("▲", "red"))
    inner = Text("a", end="")
    inner.append("b", style="bold")
    inner.append("c")
    empty_span = Text("xy", end="")
    empty_span.spans.append(Span(1, 1, "bold"))
    cells = [plain("plain"), plain("dim", "dim"), plain(""), plain("[bold]x[/]", "red"),
             Text("based", style="italic", end=""), Text("right", justify="right", end=""),
             marked, inner, empty_span, plain("宽字", "green"), plain("\x1b[31mhostile"),
             with_delta(plain("3"), None, pal)]
    table = SyncTable([Column(f"c{i}", f"c{i}") for i in range(4)])
    for start in range(len(cells)):
        for picked in (cells[start:start + 4], [cells[start]] * 4, cells[::-1][start:start + 4],
                       [plain("a"), cells[start], plain("b"), plain("c")]):
            table._widths = [c.cell_len + 3 for c in picked] + [1] * (4 - len(picked))
            want = list(table._line(picked).render(console, end=""))
            assert table._segments(picked, console) == want
            assert table._segments(picked, console) == want  # (from the kept cells)
