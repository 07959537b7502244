"""Text from logs is data: markup and escape sequences show literally and never act."""

from __future__ import annotations

from rich.text import Text

from swarmtop.ui import SwarmtopApp
from swarmtop.ui.text import plain
from tests.ui.fakes import HOSTILE, FakeFeed, make_snapshot, screen_text


def test_plain_keeps_markup_literal_and_makes_escapes_visible():
    for raw in HOSTILE:
        t = plain(raw)
        assert isinstance(t, Text)
        assert "\x1b" not in t.plain and "\x07" not in t.plain
        assert not t.spans  # nothing was parsed into styles or links
    assert plain("[bold]x[/bold]").plain == "[bold]x[/bold]"
    assert plain("\x1b]0;title\x07").plain == "^[]0;title^G"


async def test_hostile_log_lines_names_and_reasons_render_literally():
    feed = FakeFeed(snapshots=[make_snapshot(0, hostile=True)])
    app = SwarmtopApp(feed, interval=3600)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        await pilot.press("6")  # the log tail, full screen
        await pilot.pause()
        text = screen_text(app)
        assert "[bold]not bold[/bold]" in text
        assert "[@click=app.quit]x" in text
        assert "^[]0;pwned title^Gafter-osc" in text
        assert "[/INST] done" in text
        assert "^[[2Jcleared?" in text
        assert "[link=http://evil.example]click[/link]" in text
        assert "\x1b" not in text and "\x07" not in text
        await pilot.press("escape", "2")  # process names
        await pilot.pause()
        assert "[@click=app.quit]x^[]0;pwned" in screen_text(app)
        await pilot.press("escape", "3")  # model and agent names, the savings reason
        await pilot.pause()
        text = screen_text(app)
        assert "[/INST]" in text and "[bold]not bold[/bold]" in text
        assert "^[]0;pwned title^Gafter-osc" in text
        # clicking on the text that says [@click=app.quit] must not quit
        await pilot.click("#tok-notes")
        await pilot.pause()
        assert app.is_running and feed.stopped == 0
