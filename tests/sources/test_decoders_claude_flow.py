"""claude-flow metrics files are rewritten whole: each read yields only the new entries."""

from __future__ import annotations

import json

from swarmtop.events import MetricEvent, TaskEvent
from swarmtop.sources.decoders import is_whole_file, make_decoder
from swarmtop.sources.reader import read_file


def _tasks(n: int) -> bytes:
    rows = [{"id": f"cmd-hooks-{i}", "type": "hooks", "success": i % 3 != 2,
             "duration": 10.5 + i, "timestamp": 1_755_056_719_000 + i * 1000, "metadata": {}}
            for i in range(n)]
    return json.dumps(rows, indent=2).encode()


def test_task_metrics_delta_between_rewrites():
    d = make_decoder("claude-flow")
    assert is_whole_file(d)
    first = d.decode_file(_tasks(2), "m/task-metrics.json", 0.0)
    assert [e.task_id for e in first] == ["cmd-hooks-0", "cmd-hooks-1"]
    assert first[0].duration_ms == 10.5 and first[0].pattern == "hooks"
    assert first[0].ts == 1_755_056_719.0
    again = d.decode_file(_tasks(4), "m/task-metrics.json", 0.0)  # rewritten with 2 more
    assert [e.task_id for e in again] == ["cmd-hooks-2", "cmd-hooks-3"]
    assert again[0].status == "error"
    assert d.decode_file(_tasks(4), "m/task-metrics.json", 0.0) == []


def test_mid_rewrite_file_yields_nothing_and_says_why():
    d = make_decoder("claude-flow")
    assert d.decode_file(_tasks(3)[:40], "m/task-metrics.json", 0.0) == []
    assert "not valid JSON" in d.last_error
    assert len(d.decode_file(_tasks(3), "m/task-metrics.json", 0.0)) == 3


def test_benchmark_results_and_resource_usage():
    doc = {"id": "b1", "name": "bench", "config": {"strategy": "research"},
           "tasks": [{"id": "t1", "objective": "x", "strategy": "development"}],
           "results": [{"id": "r1", "task_id": "t1", "agent_id": "a1", "status": "success",
                        "performance_metrics": {"execution_time": 1.5},
                        "resource_usage": {"cpu_percent": 12.0, "peak_memory_mb": 300.0},
                        "completed_at": "2026-11-25T10:00:00"},
                       {"id": "r2", "task_id": "t9", "agent_id": "a2",
                        "status": "ResultStatus.TIMEOUT",
                        "performance_metrics": {"execution_time": 30}}],
           "performance_metrics": {"throughput": 2.0, "success_rate": 0.5}}
    d = make_decoder("claude-flow")
    events = d.decode_file(json.dumps(doc).encode(), "r.json", 0.0)
    tasks = [e for e in events if isinstance(e, TaskEvent)]
    assert [(t.task_id, t.pattern, t.duration_ms, t.status) for t in tasks] == [
        ("t1", "development", 1500.0, "ok"), ("t9", "research", 30000.0, "timeout")]
    metrics = {e.name: e.value for e in events if isinstance(e, MetricEvent)}
    assert metrics["benchmark.peak_memory_mb"] == 300.0
    assert metrics["benchmark.success_rate"] == 0.5
    assert not [e for e in d.decode_file(json.dumps(doc).encode(), "r.json", 0.0)
                if isinstance(e, TaskEvent)]


def test_reader_detects_and_reads_whole_file(tmp_path):
    p = tmp_path / ".claude-flow" / "metrics" / "task-metrics.json"
    p.parent.mkdir(parents=True)
    p.write_bytes(_tasks(3))
    events = [e for b in read_file(p) for e in b]
    assert sum(isinstance(e, TaskEvent) for e in events) == 3
    status = events[-1]
    assert status.format == "claude-flow" and status.state == "done"
    perf = tmp_path / "performance.json"
    perf.write_text(json.dumps({"startTime": 1, "totalTasks": 5, "successfulTasks": 4}, indent=2))
    events = [e for b in read_file(perf) for e in b]
    assert events[-1].format == "claude-flow"
    assert {e.name for e in events if isinstance(e, MetricEvent)} >= {"claude_flow.totalTasks"}
