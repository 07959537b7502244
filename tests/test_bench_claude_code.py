"""Smoke test: the Claude Code ingest benchmark runs at a tiny size and its totals match."""

from __future__ import annotations

from benchmarks.bench_claude_code import main


def test_benchmark_smoke(capsys):
    result = main(["--smoke"])
    assert result["totals_match"] is True
    assert result["calls"] > 0 and result["peak_rss_mb"] > 0
    assert capsys.readouterr().out.startswith("## Backlog ingest, Claude Code")
