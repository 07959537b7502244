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
