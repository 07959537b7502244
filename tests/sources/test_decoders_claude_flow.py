"""claude-flow metrics files are rewritten whole: each read yields only the new entries."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from swarmtop.commands.report import build_report
from swarmtop.core.config import Config
from swarmtop.events import MetricEvent, TaskEvent
from swarmtop.snapshot import CustomMetric, Snapshot
from swarmtop.sources.decoders import detect_format, is_whole_file, make_decoder
from swarmtop.sources.reader import head_lines, read_file


def _custom(snap: Snapshot) -> dict[str, CustomMetric]:
    return snap.metrics.custom or {}


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


# ---- real shapes (issue 21 items 7, 8) ------------------------------------------------------
# Each document below has the shape of a file committed in ruvnet/claude-flow (v2.0.0-alpha.43,
# commit 8e3a0bf), written by its Python benchmark tools and ruv-swarm, or of the v3 metrics
# files `ruflo init` writes (writeInitialMetrics); the values are ours, trimmed.


def _report(*paths: Path):  # a Snapshot
    args = argparse.Namespace(sources=[str(p) for p in paths], format="auto", since=None,
                              pid=[], baseline=None)
    return build_report(args, Config())


def _write(path: Path, doc: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2))  # they are all written with indent=2
    return path


def test_failed_tests_are_errors_with_their_durations_in_seconds(tmp_path):
    """benchmark/real_benchmark_results.json: 9 tests, 7 with success false, each with a
    duration in seconds (time.time() differences). It gave 9 tasks, 0 errors and no
    durations (only a status key was read)."""
    results = [{"description": f"Test {k}", "command": f"claude-flow cmd{k}",
                "duration": 0.5 * (k + 1), "success": k < 2, "stdout": "",
                "stderr": "" if k < 2 else "Error: Cannot find module", "return_code": 0 if k < 2
                else 1} for k in range(9)]
    p = _write(tmp_path / "benchmark" / "real_benchmark_results.json", {
        "timestamp": 1750179932.8374412,
        "summary": {"total_tests": 9, "successful_tests": 2, "failed_tests": 7,
                    "average_duration": 2.5},
        "results": results})
    snap = _report(p)
    [f] = snap.sources.files
    assert f.format == "claude-flow" and f.bad_lines == 0
    pat = snap.patterns["results"]
    assert (pat.count, pat.errors) == (9, 7)
    assert pat.max_ms == 4500.0  # 4.5 s, not 4.5 ms
    assert snap.errors.error_lines == 0 and not snap.log_tail
    assert snap.as_of.startswith("2025-06-17T")  # the document's own timestamp
    assert _custom(snap)["claude_flow.summary.failed_tests"].latest == 7


def test_comparison_rows_are_figures_not_tasks(tmp_path):
    """benchmark/optimization_results/optimization_comparison_*.json: a table of standard vs
    optimized times per strategy; its rows were counted as tasks."""
    rows = [{"strategy": s, "mode": m, "standard_time": 0.1 + k / 10,
             "optimized_time": 0.1 + k / 11, "improvement": 1.4 - k, "speed_multiplier": 1.01}
            for k, (s, m) in enumerate([("research", "distributed"), ("testing", "mesh")])]
    p = _write(tmp_path / "optimization_comparison_20250614_200237.json", {
        "timestamp": "20250614_200237", "results": rows,
        "summary": {"average_improvement": 0.89, "overall_speedup": 1.006}})
    snap = _report(p)
    assert snap.errors.tasks == 0 and not any(p.count for p in snap.patterns.values())
    assert _custom(snap)["claude_flow.results.research/distributed.standard_time"].latest == 0.1
    assert _custom(snap)["claude_flow.summary.overall_speedup"].latest == 1.006
    assert snap.as_of.startswith("2025-06-14T20:02:37")


def test_pretty_printed_documents_are_read_whole_not_as_text(tmp_path):
    """.ruv-swarm/benchmarks/benchmark-*.json, benchmark_summary.json and
    hive_mind_benchmark_results_*.json were read line by line: hundreds of false log lines,
    and false error lines from keys such as "error_count"."""
    ruv = _write(tmp_path / ".ruv-swarm" / "benchmarks" / "benchmark-1751666624072.json", {
        "metadata": {"timestamp": "2025-07-04T22:03:43.877Z", "version": "0.2.0",
                     "testType": "comprehensive", "iterations": 5,
                     "system": {"platform": "linux", "arch": "x64"}},
        "benchmarks": {
            "wasmLoading": {"time": 51, "target": 100, "status": "PASS"},
            "swarmInit": {"times": [5, 5, 5, 6, 5], "average": 5.2, "min": 5, "max": 6,
                          "target": 10, "status": "PASS"},
            "agentSpawn": {"times": [3, 4], "average": 3.5, "target": 5, "status": "FAIL"},
            "memory": {"heapUsed": 8611456, "rss": 62980096, "efficiency": "71.1"}},
        "overallScore": 80})
    summary = _write(tmp_path / "demo_reports" / "benchmark_summary.json", {
        "demonstration_results": [
            {"scenario": f"{s.title()} Strategy - Mesh", "strategy": s, "mode": "mesh",
             "agents": 3, "duration": 0.201564, "execution_time": 0.200354, "cpu_usage": 25.0,
             "memory_usage": 256, "status": "success"} for s in ("auto", "research")],
        "summary_statistics": {"total_tests": 2, "successful_tests": 2, "failed_tests": 0}})
    hive = _write(tmp_path / "hive-benchmarks" / "hive_mind_benchmark_results_20250706.json", [
        {"config": {"name": f"quick_{t}", "topology": t, "coordination": "queen",
                    "agent_count": 5}, "start_time": "2025-07-06T14:12:38.827907",
         "end_time": "2025-07-06T14:12:38.850997", "duration": 0.023091554641723633,
         "initialization_time": 0.0, "memory_usage_mb": 0.0, "token_consumption": 0,
         "error_count": 1, "success": False,
         "error_message": "Initialization failed: Error: Cannot find module"}
        for t in ("hierarchical", "mesh", "star")])
    for p in (ruv, summary, hive):
        snap = _report(p)
        [f] = snap.sources.files
        assert f.format == "claude-flow", p
        assert not snap.log_tail and snap.errors.error_lines == 0, p
    snap = _report(ruv, summary, hive)
    bench = snap.patterns["benchmarks"]  # ruv-swarm: time/average in ms, PASS/FAIL
    assert (bench.count, bench.errors, bench.max_ms) == (3, 1, 51.0)
    assert _custom(snap)["claude_flow.benchmarks.memory.rss"].latest == 62980096
    assert snap.patterns["research"].max_ms == pytest.approx(200.354)  # execution_time in s
    h = snap.patterns["hierarchical"]  # hive-mind: duration in s (its start/end say so)
    assert (h.count, h.errors) == (1, 1) and h.max_ms == pytest.approx(23.09, abs=0.01)


def test_epoch_ms_fields_are_times_not_gauges(tmp_path):
    """performance.json's startTime / lastActivity and a scan's scannedAt are epoch-ms times:
    the document's time, never figures."""
    p = _write(tmp_path / ".claude-flow" / "metrics" / "performance.json", {
        "startTime": 1755056719000, "lastActivity": 1755056779000, "totalTasks": 5,
        "successfulTasks": 4, "avgTaskDuration": 10.5,
        "memoryMode": {"reasoningbankOperations": 2, "scannedAt": 1755056700000}})
    events = [e for b in read_file(p) for e in b if isinstance(e, MetricEvent)]
    names = {e.name for e in events}
    assert {"claude_flow.totalTasks", "claude_flow.memoryMode.reasoningbankOperations"} <= names
    assert not names & {"claude_flow.startTime", "claude_flow.lastActivity",
                        "claude_flow.memoryMode.scannedAt"}
    assert {e.ts for e in events} == {1755056779.0}  # the newest time in the document


def test_v3_metrics_layout(tmp_path):
    """claude-flow v3 (ruflo) writes nested documents under .claude-flow/metrics/:
    swarm-activity.json, learning.json, v3-progress.json (shapes of its init's
    writeInitialMetrics). Their nested numbers are gauges; their ISO times are times."""
    m = tmp_path / ".claude-flow" / "metrics"
    activity = _write(m / "swarm-activity.json", {
        "timestamp": "2026-03-01T12:00:00.000Z",
        "processes": {"agentic_flow": 1, "mcp_server": 1, "estimated_agents": 4},
        "swarm": {"active": True, "agent_count": 4, "coordination_active": True},
        "integration": {"agentic_flow_active": True, "mcp_active": True}})
    learning = _write(m / "learning.json", {
        "initialized": "2026-03-01T11:00:00.000Z", "routing": {"accuracy": 0.82, "decisions": 40},
        "patterns": {"shortTerm": 12, "longTerm": 3, "quality": 0.7},
        "sessions": {"total": 2, "current": None}, "_note": "Intelligence grows"})
    progress = _write(m / "v3-progress.json", {
        "version": "3.0.0", "initialized": "2026-03-01T10:00:00.000Z",
        "domains": {"completed": 2, "total": 5, "status": "IN_PROGRESS"},
        "swarm": {"activeAgents": 4, "maxAgents": 15, "topology": "hierarchical-mesh"}})
    snap = _report(activity, learning, progress)
    assert {f.format for f in snap.sources.files} == {"claude-flow"}
    gauges = _custom(snap)
    assert gauges["claude_flow.swarm.agent_count"].latest == 4
    assert gauges["claude_flow.swarm.active"].latest == 1.0
    assert gauges["claude_flow.routing.accuracy"].latest == 0.82
    assert gauges["claude_flow.domains.total"].latest == 5
    assert snap.as_of.startswith("2026-03-01T12:00:00")
    assert snap.sources.untimed_events == 0


def test_a_document_is_told_from_json_lines_by_its_content(tmp_path):
    """Whole-document detection reads the content: JSON lines in a .json file (one record a
    line, or a single record) stay line formats; a compact one-line array is a document."""
    lines = b'{"type":"log","level":"error","message":"x"}\n' * 2
    assert detect_format(head_lines(lines), str(tmp_path / "a.json"), lines) == "native"
    one = b'{"type":"log","level":"info","message":"x"}\n'
    assert detect_format(head_lines(one), str(tmp_path / "b.json"), one) == "native"
    arr = json.dumps([{"timestamp": 1755056719000, "cpuLoad": 0.5}]).encode()
    assert detect_format(head_lines(arr), str(tmp_path / "c.json"), arr) == "claude-flow"
    doc = json.dumps({"metadata": {"timestamp": "2025-07-04T22:03:43Z"}}, indent=2).encode()
    assert detect_format(head_lines(doc), str(tmp_path / "d.json"), doc) == "claude-flow"
