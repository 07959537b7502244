"""Failures of swarmtop itself are visible (issue 18, item 6): a source that crashes, the
sampler's tree scan, an analyzer, a snapshot hook -- each shows in the snapshot
(``sources.errors``, ``sources.log_file``), as the ``source_failed`` alert naming it and the
log file, and its traceback lands in $XDG_STATE_HOME/swarmtop/swarmtop.log."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import pytest

from swarmtop import errorlog
from swarmtop.core.aggregator import Aggregator
from swarmtop.errorlog import Failures
from swarmtop.events import LLMCall
from swarmtop.runtime import Runtime
from swarmtop.snapshot import Snapshot, to_json
from swarmtop.sources.sampler import ProcessSampler


class Crashing:
    """A source whose run() raises after a first batch."""

    async def run(self, emit) -> None:
        await emit([LLMCall(ts=time.time(), source="a.jsonl", model="m", input_tokens=1)])
        raise RuntimeError("disk on [bold]fire[/bold]")

    async def close(self) -> None:
        pass


def log_of(home: Path) -> str:
    path = home / "swarmtop" / "swarmtop.log"
    return path.read_text() if path.exists() else ""


async def until(cond, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        await asyncio.sleep(0.02)


def test_log_path_honours_xdg_state_home(tmp_path):
    assert errorlog.log_path({"XDG_STATE_HOME": str(tmp_path)}) == (
        tmp_path / "swarmtop" / "swarmtop.log")
    default = Path.home() / ".local" / "state" / "swarmtop" / "swarmtop.log"
    assert errorlog.log_path({}) == default
    assert errorlog.log_path({"XDG_STATE_HOME": "relative/dir"}) == default  # XDG: ignored
    assert errorlog.log_path() == Path(os.environ["XDG_STATE_HOME"]) / "swarmtop" / "swarmtop.log"


async def test_a_crashed_source_shows_in_the_snapshot_as_an_alert_and_in_the_log(state_home):
    runtime = Runtime(Aggregator(), [Crashing()], interval=3600)
    await runtime.start()
    try:
        await until(lambda: len(runtime.failures) == 1)
        snap = await runtime.refresh()
    finally:
        await runtime.stop()
    log_file = str(state_home / "swarmtop" / "swarmtop.log")
    d = json.loads(to_json(snap))["sources"]
    assert d["log_file"] == log_file
    [err] = d["errors"]
    assert err["where"] == "Crashing (stopped)"
    assert err["message"] == "RuntimeError: disk on [bold]fire[/bold]"
    assert err["count"] == 1 and err["since"] and err["last"]
    [alert] = [a for a in snap.alerts if a.rule == "source_failed"]
    assert alert.severity == "warning"
    assert "Crashing (stopped) failed" in alert.message and log_file in alert.message
    assert snap.alert_metrics["monitor.failures"] == 1.0
    assert snap.sources.events == 1  # what it emitted before it fell is kept
    text = log_of(state_home)
    assert "Crashing (stopped) failed: RuntimeError" in text
    assert "Traceback (most recent call last)" in text and "in run" in text
    assert runtime.source_errors == ["Crashing stopped: disk on [bold]fire[/bold]"]


async def test_without_a_failure_there_is_no_alert_and_no_log_file(state_home):
    agg = Aggregator()
    snap = agg.snapshot()
    assert snap.sources.errors == [] and snap.sources.log_file.endswith("swarmtop.log")
    assert "monitor.failures" not in snap.alert_metrics
    assert not snap.alerts
    assert not (state_home / "swarmtop").exists()  # made only when something is written


def test_a_repeated_failure_is_counted_and_its_traceback_written_once(state_home):
    book = Failures()
    for _ in range(100):
        try:
            raise ValueError("same again")
        except ValueError as exc:
            book.record("a tick", exc)
    [entry] = book.entries()
    assert entry.count == 100 and entry.message == "ValueError: same again"
    assert log_of(state_home).count("Traceback") == 1


def test_places_are_bounded(state_home):
    book = Failures()
    for i in range(errorlog.MAX_PLACES + 10):
        book.record(f"place {i}", message="broken")
    entries = book.entries()
    assert len(entries) == errorlog.MAX_PLACES + 1
    assert entries[-1].where == errorlog.OTHER and entries[-1].count == 10


def test_an_unwritable_log_file_is_said_not_printed(tmp_path, capsys):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    book = Failures(blocker / "swarmtop" / "swarmtop.log")
    book.record("somewhere", RuntimeError("x"))
    where = [e.where for e in book.entries()]
    assert where == ["somewhere", errorlog.LOG_FILE]
    assert "cannot write" in book.entries()[1].message
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


async def test_the_samplers_tree_scan_failure_is_recorded(state_home):
    sampler = ProcessSampler([os.getpid()], interval=0.05, tree_refresh_s=0.05)

    def broken_scan():
        raise OSError(5, "Input/output error")

    sampler._scan_tree = broken_scan  # type: ignore[method-assign]
    runtime = Runtime(Aggregator(), [sampler], interval=3600)
    await runtime.start()
    try:
        await until(lambda: sampler.errors >= 2)
        snap = await runtime.refresh()
    finally:
        await runtime.stop()
    [err] = [e for e in snap.sources.errors if e.where == "sampler: process tree scan"]
    assert err.message == "OSError: [Errno 5] Input/output error" and err.count >= 2
    assert any(a.rule == "source_failed" for a in snap.alerts)
    assert snap.memory.processes  # sampling went on
    assert "OSError" in sampler.status()["last_error"]  # type: ignore[operator]
    assert "sampler: process tree scan failed" in log_of(state_home)
    assert "in broken_scan" in log_of(state_home)


def test_a_failing_analyzer_leaves_the_figures_and_raises_the_alert(state_home):
    agg = Aggregator()
    agg.ingest([LLMCall(ts=time.time(), source="a.jsonl", model="m", input_tokens=5)])
    good = agg.snapshot()
    assert not good.alerts

    def broken(_inputs):
        raise ZeroDivisionError("division by zero")

    agg.analyzer.analyse = broken  # type: ignore[method-assign]
    snap = agg.snapshot()
    assert snap.tokens.input == 5  # the figures are still there
    assert [a.rule for a in snap.alerts] == ["source_failed"]
    assert "analyzers (alerts, trends, health) failed: ZeroDivisionError" in snap.alerts[0].message
    assert snap.health == good.health  # the last good analysis
    assert "in broken" in log_of(state_home)


async def test_a_snapshot_that_cannot_be_taken_keeps_the_last_and_says_why(state_home):
    agg = Aggregator()
    runtime = Runtime(agg, [], interval=3600)
    await runtime.start()
    try:
        await runtime.refresh()

        def broken(now: float | None = None) -> Snapshot:
            raise MemoryError("out of memory")

        agg.snapshot = broken  # type: ignore[method-assign]
        snap = await runtime.refresh()
    finally:
        await runtime.stop()
    assert [e.where for e in snap.sources.errors] == ["aggregator (taking a snapshot)"]
    assert snap.alerts[0].rule == "source_failed"
    final = runtime.latest()  # the one at stop failed too: still the last figures, and why
    assert final is not None and final.sources.errors[0].count >= 2


async def test_a_failing_snapshot_hook_is_recorded(state_home):
    calls: list[Snapshot] = []

    def exporter(snap: Snapshot) -> None:
        calls.append(snap)
        raise BrokenPipeError(32, "Broken pipe")

    runtime = Runtime(Aggregator(), [], interval=3600, on_snapshot=[exporter])
    await runtime.start()
    try:
        await runtime.refresh()
        snap = await runtime.refresh()
    finally:
        await runtime.stop()
    [err] = snap.sources.errors  # (the failures of the hook on the snapshots before)
    assert err.where == "exporter (snapshot hook)" and err.count >= 1
    assert runtime.failures.entries()[0].count == len(calls) >= 3  # and of the final one


async def test_the_session_book_is_in_use_only_while_the_runtime_runs():
    runtime = Runtime(Aggregator(), [], interval=3600)
    assert errorlog.current() is None
    await runtime.start()
    assert errorlog.current() is runtime.failures
    errorlog.record("display: something", message="gone wrong")
    await runtime.stop()
    assert errorlog.current() is None
    assert [e.where for e in runtime.failures.entries()] == ["display: something"]


def test_failures_alert_in_a_report_backlog(state_home):
    """An analyzer failing while a backlog is read (event time) is recorded, and the rest of
    the batch is still counted."""
    agg = Aggregator()
    agg.clock = agg.event_clock  # as report runs it
    calls = [LLMCall(ts=1_000.0 + 10 * i, source="a.jsonl", model="m", input_tokens=1)
             for i in range(50)]

    def broken(*_args, **_kwargs):
        raise KeyError("missing")

    agg.analyzer.tick = broken  # type: ignore[method-assign]
    agg.analyzer.tick_tokens_only = broken  # type: ignore[method-assign]
    agg.ingest(calls)
    assert agg.tokens.section(agg.clock()).input == 50
    [entry] = agg.failures.entries()
    assert entry.where == "analyzers (alerts, trends, health)" and entry.count > 1


@pytest.mark.parametrize("exc", [RuntimeError("x" * 1000), RuntimeError(""), OSError()])
def test_describe_is_one_short_line(exc):
    line = errorlog.describe(exc)
    assert "\n" not in line and len(line) <= errorlog.MESSAGE_CHARS
    assert line.startswith(type(exc).__name__)
