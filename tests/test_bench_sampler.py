"""Smoke test: the sampler benchmark runs end to end with tiny sizes."""

from __future__ import annotations

from benchmarks import bench_sampler


def test_bench_sampler_smoke(capsys):
    out = bench_sampler.main(["--tree", "4", "--tree-ticks", "2", "--jitter-pids", "2",
                              "--jitter-ticks", "3", "--interval", "0.1"])
    (tree,) = out["tree"]
    assert tree["processes"] == 4 and tree["samples"] >= 8
    assert out["jitter"]["ticks"] >= 1
    assert "jitter 2 pids" in capsys.readouterr().out
