"""The snapshot JSON is a public contract: every key of schema v1 must be present."""

from __future__ import annotations

import json

from swarmtop.core.aggregator import Aggregator
from swarmtop.events import LLMCall, ProcessSample, TaskEvent
from swarmtop.snapshot import to_json

TOP = {"schema", "generated_at", "uptime_s", "health", "tokens", "memory", "patterns", "alerts",
       "bottlenecks", "sources"}
TOKENS = {"input", "output", "cache_read", "cache_write", "total", "estimated", "calls",
          "cost_usd", "burn_usd_per_min", "tokens_per_min", "budget_usd",
          "budget_exhausted_in_s", "by_model", "by_agent", "savings"}
COUNTS = {"input", "output", "cache_read", "cache_write", "calls", "cost_usd"}
PROC = {"pid", "name", "alive", "rss_bytes", "peak_rss_bytes", "cpu_percent", "threads",
        "samples", "growth", "growth_bytes_per_s", "leak_suspected"}
PATTERN = {"count", "errors", "p50_ms", "p90_ms", "p99_ms", "max_ms", "target_ms"}
SOURCES = {"lines", "events", "bad_lines", "files", "pids"}
FILE = {"path", "format", "lines", "events", "bad_lines", "offset", "state", "why"}


def _snapshot_json(events) -> dict:
    agg = Aggregator(clock=lambda: 100.0)
    agg.ingest(events)
    return json.loads(to_json(agg.snapshot()))


def test_empty_snapshot_has_every_key():
    d = _snapshot_json([])
    assert TOP <= set(d) and d["schema"] == 1
    assert TOKENS <= set(d["tokens"])
    assert d["tokens"]["budget_usd"] is None and d["tokens"]["budget_exhausted_in_s"] is None
    assert {"score", "components"} <= set(d["health"])
    assert {"interval_s", "total_rss_bytes", "processes"} <= set(d["memory"])
    assert SOURCES <= set(d["sources"])
    assert isinstance(d["alerts"], list) and isinstance(d["bottlenecks"], list)


def test_filled_snapshot_nested_keys():
    d = _snapshot_json([
        LLMCall(ts=99.0, source="f.jsonl", model="m", agent="a", input_tokens=1, output_tokens=2),
        TaskEvent(ts=99.0, source="f.jsonl", pattern="lateral", duration_ms=5.0),
        ProcessSample(ts=99.0, source="pid:1", pid=1, create_time=1.0, name="p", rss=10),
    ])
    assert COUNTS <= set(d["tokens"]["by_model"]["m"])
    assert COUNTS <= set(d["tokens"]["by_agent"]["a"])
    assert PATTERN <= set(d["patterns"]["lateral"])
    assert PROC <= set(d["memory"]["processes"][0])
    assert FILE <= set(d["sources"]["files"][0])
    for comp in d["health"]["components"].values():
        assert {"score", "weight", "why"} <= set(comp)


def test_failures_of_swarmtop_keys():
    """sources.errors and sources.log_file (added: schema stays 1, docs/snapshot-schema.md)."""
    agg = Aggregator(clock=lambda: 100.0)
    assert json.loads(to_json(agg.snapshot()))["sources"]["errors"] == []
    agg.failures.record("sampler: process tree scan", OSError(5, "Input/output error"))
    d = json.loads(to_json(agg.snapshot()))
    [err] = d["sources"]["errors"]
    assert set(err) == {"where", "message", "since", "count", "last"}
    assert err["where"] == "sampler: process tree scan" and err["count"] == 1
    assert d["sources"]["log_file"].endswith("/swarmtop/swarmtop.log")
    assert d["alert_metrics"]["monitor.failures"] == 1.0
    assert [a["rule"] for a in d["alerts"]] == ["source_failed"]


def test_limits_keys():
    """snapshot.limits (added: schema stays 1): a plan's rate-limit windows as a log last
    stated them, the newest reading of each window winning whatever order files come in."""
    from swarmtop.events import RateLimit

    assert _snapshot_json([])["limits"] == []
    d = _snapshot_json([
        RateLimit(ts=90.0, source="r.jsonl", tool="codex", limit="codex", window="primary",
                  agent="t1", used_percent=62.0, window_minutes=300, resets_at=3600.0),
        RateLimit(ts=80.0, source="r2.jsonl", tool="codex", limit="codex", window="primary",
                  agent="t2", used_percent=40.0, window_minutes=300, resets_at=3600.0),
        RateLimit(ts=90.0, source="r.jsonl", tool="codex", limit="codex", window="secondary",
                  agent="t1", used_percent=20.5, window_minutes=10080, resets_at=None,
                  plan="plus"),
    ])
    primary, secondary = d["limits"]
    assert set(primary) == {"source", "agent", "limit", "window", "window_minutes",
                            "used_percent", "resets_at", "observed_at", "plan"}
    assert (primary["window"], primary["used_percent"], primary["agent"]) == ("primary", 62.0,
                                                                             "t1")
    assert primary["resets_at"] == "1970-01-01T01:00:00.000Z"
    assert primary["observed_at"] == "1970-01-01T00:01:30.000Z"
    assert (secondary["window"], secondary["resets_at"], secondary["plan"]) == (
        "secondary", None, "plus")
