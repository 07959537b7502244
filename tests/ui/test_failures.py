"""A failure of swarmtop itself is on screen (issue 18, item 6): the Sources panel names what
failed and the log file with the traceback, the Alerts panel has ``source_failed``; failures
of the dashboard's own drawing are recorded rather than swallowed."""

from __future__ import annotations

import asyncio
import time

import msgspec

from swarmtop import errorlog
from swarmtop.core.aggregator import Aggregator
from swarmtop.errorlog import Failures
from swarmtop.events import LLMCall
from swarmtop.feed import Progress
from swarmtop.runtime import Runtime
from swarmtop.snapshot import Snapshot, SourceFailure
from swarmtop.ui import SwarmtopApp
from swarmtop.ui.lines import TextLines
from tests.ui.fakes import HOSTILE, FakeFeed, make_snapshot, screen_text

WIDE = (200, 60)
LOG = "/home/u/.local/state/swarmtop/swarmtop.log"


def failed(snap: Snapshot, *errors: SourceFailure) -> Snapshot:
    return msgspec.structs.replace(
        snap, sources=msgspec.structs.replace(snap.sources, errors=list(errors), log_file=LOG))


class Crashing:
    async def run(self, emit) -> None:
        await emit([LLMCall(ts=time.time(), source="/runs/a.jsonl", model="claude-sonnet-4",
                            input_tokens=10)])
        raise OSError(28, "No space left on device")

    async def close(self) -> None:
        pass


async def _wait_for(pilot, app, text: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    shown = ""
    while time.monotonic() < deadline:
        await pilot.pause(0.1)
        shown = screen_text(app)
        if text in shown:
            return shown
    raise AssertionError(f"{text!r} not on screen after {seconds}s:\n{shown}")


async def test_sources_panel_shows_the_failure_and_the_log_file():
    snap = failed(make_snapshot(0),
                  SourceFailure(where="Tailer (stopped)", message="OSError: disk gone",
                                since="2026-11-25T16:00:00+00:00", count=1,
                                last="2026-11-25T16:00:00+00:00"),
                  SourceFailure(where="sampler: process tree scan",
                                message="PermissionError: " + HOSTILE[0] + HOSTILE[2],
                                since="2026-11-25T16:00:01+00:00", count=12,
                                last="2026-11-25T16:00:09+00:00"))
    app = SwarmtopApp(FakeFeed(snapshots=[snap]), interval=3600)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "2 swarmtop failures: tracebacks in" in text
        assert LOG in text
        assert "Tailer (stopped) OSError: disk gone" in text
        # exception text is data: markup shown literally, escapes made visible
        assert "sampler: process tree scan ×12 PermissionError: [bold]not bold[/bold]^[]0;" \
            in text


async def test_no_failure_no_failure_lines():
    app = SwarmtopApp(FakeFeed(snapshots=[make_snapshot(0)]), interval=3600)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert "swarmtop failure" not in screen_text(app)
        assert app.query_one("#src-failed").size.height == 0


async def test_a_crashed_source_on_the_real_runtime_is_on_screen(state_home):
    runtime = Runtime(Aggregator(), [Crashing()], interval=0.2)
    app = SwarmtopApp(runtime, interval=0.2)
    log_file = str(state_home / "swarmtop" / "swarmtop.log")
    async with app.run_test(size=WIDE) as pilot:
        text = await _wait_for(pilot, app, "1 swarmtop failure: traceback in")
        assert "Crashing (stopped) OSError: [Errno 28] No space left on device" in text
        head = app.query_one("#src-failed", TextLines)
        assert log_file in "".join(row.plain for row in head._rows)  # whole, maybe wrapped
        shown = runtime.latest()
        assert shown is not None
        [alert] = [a for a in shown.alerts if a.rule == "source_failed"]
        assert log_file in alert.message
        assert "source_failed" in text  # the Alerts panel lists it
    assert "Traceback" in (state_home / "swarmtop" / "swarmtop.log").read_text()


class BrokenProgress(FakeFeed):
    def progress(self) -> Progress:
        raise RuntimeError("progress is broken")


async def test_a_failing_progress_line_is_recorded_not_swallowed():
    book = Failures()
    errorlog.use(book)
    app = SwarmtopApp(BrokenProgress(snapshots=[make_snapshot(0)]), interval=3600)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        app.tick()
        await pilot.pause()
        assert "6 Log" in screen_text(app)  # the dashboard goes on
    [entry] = book.entries()
    assert entry.where == "display (loading progress)" and entry.count >= 2
    assert entry.message == "RuntimeError: progress is broken"


async def test_a_missing_widget_is_recorded_unless_the_app_is_leaving(monkeypatch):
    from textual.css.query import NoMatches

    book = Failures()
    errorlog.use(book)
    app = SwarmtopApp(FakeFeed(snapshots=[make_snapshot(0)]), interval=3600)

    def missing() -> None:
        raise NoMatches("No nodes match '#gone'")

    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        monkeypatch.setattr(app, "_tick", missing)
        app.tick()
        assert [e.where for e in book.entries()] == ["display (a widget went missing)"]
        app.exit()
        app.tick()  # shutting down: widgets go before timers stop, nothing to record
        await asyncio.sleep(0)
    assert book.entries()[0].count == 1


async def test_sources_panel_shows_the_otlp_receiver_and_its_refusals():
    from swarmtop.snapshot import ReceiverInfo

    rx = ReceiverInfo(address="127.0.0.1:4318", requests=12,
                      accepted={"spans": 340, "log_records": 20, "data_points": 0},
                      rejections={"400 malformed body": 2, "408 slow client": 1},
                      last_rejection="400 malformed body: " + HOSTILE[0] + HOSTILE[2],
                      senders=["claude-code", "[red]svc[/red]"])
    snap = make_snapshot(0)
    snap = msgspec.structs.replace(snap, sources=msgspec.structs.replace(snap.sources,
                                                                         receivers=[rx]))
    app = SwarmtopApp(FakeFeed(snapshots=[snap]), interval=3600)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "OTLP 127.0.0.1:4318 listening" in text
        assert "12 requests: 340 spans, 20 log records" in text
        assert "refused 3 (400 malformed body ×2, 408 slow client ×1)" in text
        assert "from claude-code, [red]svc[/red]" in text  # network text shown literally
        assert "last refused: 400 malformed body: [bold]not bold[/bold]^[]0;" in text


async def test_no_receiver_no_receiver_line():
    app = SwarmtopApp(FakeFeed(snapshots=[make_snapshot(0)]), interval=3600)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert app.query_one("#src-receivers").size.height == 0
