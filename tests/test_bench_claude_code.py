"""Smoke test: the Claude Code ingest benchmark runs at a tiny size and its totals match."""

from __future__ import annotations

from benchmarks.bench_claude_code import main


def test_benchmark_smoke(capsys):
    result = main(["--mb", "0.3", "--repeat", "1"])
    assert result["totals_match"] is True
    assert result["calls"] > 0 and result["peak_rss_mb"] > 0
    assert '"ratio"' in capsys.readouterr().out
