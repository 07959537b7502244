from __future__ import annotations

from swarmtop.core.aggregator import Aggregator
from swarmtop.events import LLMCall, TaskEvent
from swarmtop.export.markdown import render_markdown
from swarmtop.export.text import render_text

HOSTILE = "evil|model\x1b]0;pwned\x07[bold]x[/]"


def snapshot():
    agg = Aggregator(clock=lambda: 100.0)
    agg.ingest([
        LLMCall(ts=99.0, source="f", model=HOSTILE, input_tokens=10, output_tokens=3),
        TaskEvent(ts=99.0, source="f", pattern="lateral", duration_ms=20_000.0),
    ])
    return agg.snapshot()


def test_markdown_tables_escape_pipes_and_controls():
    md = render_markdown(snapshot())
    assert "\x1b" not in md and "\x07" not in md
    assert "evil\\|model^[]0;pwned^G[bold]x[/]" in md
    row = next(line for line in md.splitlines() if line.startswith("| lateral"))
    assert "20.00s ⚠" in row and row.count(" | ") == 7


def test_text_summary_has_no_raw_escapes():
    txt = render_text(snapshot())
    assert "\x1b" not in txt and "^[]0;pwned^G" in txt
    assert "lateral" in txt and "calls 1" in txt


def test_text_summary_prints_one_line_per_trend():
    import msgspec

    from swarmtop.snapshot import Trend

    snap = msgspec.structs.replace(snapshot(), trends={
        "total_rss_bytes": Trend(kind="linear", rate_per_s=2 * 1024 * 1024 / 60,
                                 last=120.0 * (1 << 20), horizon_s=300.0,
                                 projection=130.0 * (1 << 20)),
        "error_rate": Trend(kind="flat", last=0.05, horizon_s=300.0, projection=0.05),
        "p99_ms": Trend(kind="unknown", points=3, why="3 points; need 10 to tell a trend"),
    })
    lines = [line for line in render_text(snap).splitlines() if line.startswith("trend ")]
    assert lines == [
        "trend total_rss_bytes  linear +2.0MiB per min, now 120.0MiB -> 130.0MiB in 5m00s",
        "trend error_rate       flat, now 5.0%",
        "trend p99_ms           unknown (3 points; need 10 to tell a trend)",
    ]


def test_failures_of_swarmtop_are_in_both_summaries():
    agg = Aggregator(clock=lambda: 100.0)
    agg.failures.record("Tailer (stopped)", RuntimeError(HOSTILE))
    agg.failures.record("Tailer (stopped)", RuntimeError(HOSTILE))
    snap = agg.snapshot()
    log_file = snap.sources.log_file
    txt = render_text(snap)
    failed = [line for line in txt.splitlines() if line.startswith("FAILED")]
    assert failed == [f"FAILED   Tailer (stopped): RuntimeError: evil|model^[]0;pwned^G[bold]x[/]"
                      f" (x2 since {snap.sources.errors[0].since})"]
    assert f"  tracebacks in {log_file}" in txt
    assert "ALERT warning  source_failed: Tailer (stopped) failed" in txt
    md = render_markdown(snap)
    assert "\x1b" not in md
    row = next(line for line in md.splitlines() if line.startswith("| Tailer (stopped)"))
    assert "evil\\|model^[]0;pwned^G" in row and "| 2 |" in row
    assert f"Tracebacks in `{log_file}`." in md
