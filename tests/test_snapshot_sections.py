"""The typed sections (errors, metrics, runtime, baseline, patterns.*.histogram): `{}` in the
JSON when absent, loaded back from `{}` and from older partial files, and the sampler's status
dict the same keys, in the same order, as the SamplerStatus the snapshot carries."""

from __future__ import annotations

import json
import os

import msgspec

from swarmtop.core.aggregator import Aggregator
from swarmtop.events import TaskEvent
from swarmtop.snapshot import (
    MonitorStatus,
    PatternStats,
    RecordStatus,
    SamplerStatus,
    Snapshot,
    from_dict,
    to_json,
)
from swarmtop.sources.sampler import ProcessSampler

SECTIONS = ("errors", "metrics", "runtime", "baseline")


def test_absent_sections_are_empty_objects_and_load_back() -> None:
    d = json.loads(to_json(Snapshot()))
    assert all(d[k] == {} for k in SECTIONS)
    assert json.loads(to_json(PatternStats()))["histogram"] == {}
    again = from_dict(d)
    assert again == Snapshot() and json.loads(to_json(again)) == d


def test_made_sections_have_every_key() -> None:
    agg = Aggregator(clock=lambda: 100.0)
    agg.ingest([TaskEvent(ts=99.0, source="f", pattern="lateral", duration_ms=5.0)])
    d = json.loads(to_json(agg.snapshot()))
    assert list(d["errors"]) == ["tasks", "failed_tasks", "error_lines", "llm_errors",
                                 "bad_lines"]
    assert list(d["metrics"]) == ["window_s", "dropped", "custom", "gc"]
    assert d["runtime"] == {} and d["baseline"] == {}
    assert list(d["patterns"]["lateral"]["histogram"]) == ["buckets", "sum_ms"]


def test_older_partial_sections_still_load() -> None:
    """A baseline saved by an older version: a figure without `unit`, a metric without
    `agent` and a non-finite value written as null."""
    d = json.loads(to_json(Snapshot()))
    d["baseline"] = {"source": "old.json", "figures": [
        {"figure": "tokens.total", "base": 1.0, "new": 2.0, "change": 1.0, "change_pct": 100.0,
         "verdict": "worse", "rule": "tolerance"}]}
    d["metrics"] = {"window_s": 60.0, "dropped": 0, "custom": {"m": {
        "kind": "counter", "latest": 1.0, "count": 1, "total": None}}, "gc": {}}
    snap = from_dict(d)
    assert snap.baseline.figures and snap.baseline.figures[0].unit == ""
    assert snap.baseline.regressions is msgspec.UNSET  # (absent in that file: still absent)
    assert snap.metrics.custom and snap.metrics.custom["m"].total is None


def test_runtime_names_only_the_parts_that_run() -> None:
    only_record = MonitorStatus(record=RecordStatus(path="r.jsonl"))
    assert json.loads(msgspec.json.encode(only_record)) == {
        "record": {"path": "r.jsonl", "bytes": 0, "events": 0, "error": None}}


def test_the_sampler_status_is_the_snapshot_s_schema() -> None:
    """The sampler gives a dict (commands/live.py converts it): a key it adds or renames
    would otherwise vanish from the snapshot without a word."""
    status = ProcessSampler([os.getpid()]).status()
    assert list(status) == list(SamplerStatus.__struct_fields__)
    assert msgspec.to_builtins(msgspec.convert(status, SamplerStatus)) == status
