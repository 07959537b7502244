"""The tailing benchmark still runs (tiny sizes; the figures themselves live in docs/)."""

from __future__ import annotations

from benchmarks import bench_tail_latency


def test_bench_tail_latency_smoke(capsys):
    rc = bench_tail_latency.main(["--seconds", "0.3", "--rate", "200", "--files", "5",
                                  "--idle-seconds", "0.2"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "p99" in out and "idle: 5 files followed" in out
