"""claude-flow metrics and benchmark results: JSON files rewritten whole, not appended.

WHOLE-FILE decoder contract (the reader and the live tailer both keep it): the class has
``whole_file = True`` and ``decode_file(data, source, now)`` returns only the events that are
new since its previous call for that ``source`` (the delta), so re-reading a rewritten file
never counts an entry twice. Memory per file is bounded (ids, last timestamps, last values).

Shapes understood (learned from claude-flow's ``.claude-flow/metrics/`` and its Python
``swarm-benchmark`` tool):

- ``task-metrics.json``: ``[{"id", "type", "success", "duration" (ms), "timestamp" (epoch ms),
  "metadata"}]`` → one TaskEvent per new id (pattern = ``type``).
- ``system-metrics.json``: ``[{"timestamp", "memoryUsagePercent", "cpuLoad", ...}]`` →
  MetricEvents for entries newer than the last one seen.
- benchmark results: ``{"tasks": [..], "results": [{"id", "task_id", "agent_id", "status",
  "performance_metrics": {"execution_time" (s)}, "resource_usage": {..}}], ...}`` → a TaskEvent
  per new result (pattern = the task's strategy) and MetricEvents from ``resource_usage``.
- any other object (``performance.json``, ``agent-metrics.json``): its numeric top-level
  fields as gauges, emitted when they change.

A file caught mid-rewrite (invalid JSON) yields nothing; ``last_error`` says why, and the next
read picks up the finished file.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import msgspec

from swarmtop.events import Event, MetricEvent, TaskEvent
from swarmtop.sources.decoders.common import MAX_FIGURE, TOO_DEEP, event_time, valid_utf8

MAX_IDS = 100_000  # per file: entry ids already emitted
MAX_VALUES = 500  # per file: last value of each numeric field
MAX_FILES = 1_000

_STATUS = {
    "success": "ok", "completed": "ok", "ok": "ok", "failure": "error", "failed": "error",
    "error": "error", "timeout": "timeout", "cancelled": "cancelled", "partial": "partial",
}


class _FileState:
    __slots__ = ("ids", "last_ts", "values")

    def __init__(self) -> None:
        self.ids: OrderedDict[str, None] = OrderedDict()
        self.last_ts: float | None = None
        self.values: dict[str, float] = {}

    def new_id(self, key: str) -> bool:
        if key in self.ids:
            return False
        self.ids[key] = None
        if len(self.ids) > MAX_IDS:
            self.ids.popitem(last=False)
        return True


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    # (a figure beyond common.MAX_FIGURE, or an integer of 400 digits no float holds: none)
    return float(v) if -MAX_FIGURE <= v <= MAX_FIGURE else None


def _status(v: Any) -> str:
    if isinstance(v, bool):
        return "ok" if v else "error"
    if not isinstance(v, str) or not v:
        return "ok"
    low = v.rsplit(".", 1)[-1].lower()  # "ResultStatus.SUCCESS" or "success"
    return _STATUS.get(low, low)


def _iso_or(v: Any, default: float) -> float:
    ts = event_time(v) if isinstance(v, str | int | float) and not isinstance(v, bool) else None
    return ts if ts is not None else default


class ClaudeFlowDecoder:
    name = "claude-flow"
    whole_file = True

    def __init__(self) -> None:
        self._files: OrderedDict[str, _FileState] = OrderedDict()
        self.last_error = ""

    def _state(self, source: str) -> _FileState:
        st = self._files.get(source)
        if st is None:
            st = self._files[source] = _FileState()
            if len(self._files) > MAX_FILES:
                self._files.popitem(last=False)
        return st

    def decode_file(self, data: bytes, source: str, now: float) -> list[Event]:
        self.last_error = ""
        if not data.strip():
            return []
        try:
            doc = msgspec.json.decode(valid_utf8(data))
        except msgspec.DecodeError as exc:
            self.last_error = f"not valid JSON (being rewritten?): {exc}"
            return []
        except RecursionError:
            self.last_error = TOO_DEEP
            return []
        st = self._state(source)
        if isinstance(doc, list):
            rows = [r for r in doc if isinstance(r, dict)]
            if any("duration" in r or "success" in r for r in rows):
                return self._task_metrics(rows, st, source, now)
            return self._timed_metrics(rows, st, source, now)
        if isinstance(doc, dict):
            if isinstance(doc.get("results"), list):
                return self._benchmark(doc, st, source, now)
            return self._gauges(doc, st, source, now)
        self.last_error = "JSON is neither an object nor an array"
        return []

    def _task_metrics(self, rows: list[dict], st: _FileState, source: str,
                      now: float) -> list[Event]:
        out: list[Event] = []
        for i, r in enumerate(rows):
            key = str(r.get("id", f"#{i}:{r.get('timestamp')}"))
            if not st.new_id(key):
                continue
            meta = r.get("metadata") if isinstance(r.get("metadata"), dict) else {}
            agent = meta.get("agentId") or meta.get("agent") or meta.get("agentType") or ""
            dur = _num(r.get("duration"))
            success = r.get("success")
            out.append(TaskEvent(
                ts=_iso_or(r.get("timestamp"), now), source=source, task_id=key,
                agent=str(agent), pattern=str(r.get("type") or "unknown"), phase="end",
                duration_ms=max(0.0, dur) if dur is not None else None,
                status=_status(success if success is not None else r.get("status")),
            ))
        return out

    def _timed_metrics(self, rows: list[dict], st: _FileState, source: str,
                       now: float) -> list[Event]:
        out: list[Event] = []
        newest = st.last_ts
        for r in rows:
            ts = _iso_or(r.get("timestamp"), now)
            if st.last_ts is not None and ts <= st.last_ts:
                continue
            for k, v in r.items():
                n = _num(v)
                if n is not None and k != "timestamp":
                    out.append(MetricEvent(ts=ts, source=source, name=f"claude_flow.{k}",
                                           value=n))
            if newest is None or ts > newest:
                newest = ts
        st.last_ts = newest
        return out

    def _gauges(self, doc: dict, st: _FileState, source: str, now: float,
                prefix: str = "claude_flow.") -> list[Event]:
        out: list[Event] = []
        for k, v in doc.items():
            n = _num(v)
            if n is None:
                continue
            name = prefix + str(k)
            if st.values.get(name) == n:
                continue
            if name not in st.values and len(st.values) >= MAX_VALUES:
                continue
            st.values[name] = n
            out.append(MetricEvent(ts=now, source=source, name=name, value=n))
        return out

    def _benchmark(self, doc: dict, st: _FileState, source: str, now: float) -> list[Event]:
        strategies: dict[str, str] = {}
        tasks = doc.get("tasks")
        for t in tasks if isinstance(tasks, list) else ():  # ("tasks": 1e308 raised TypeError)
            if isinstance(t, dict) and t.get("id") is not None:
                strategies[str(t["id"])] = str(t.get("strategy") or "").rsplit(".", 1)[-1].lower()
        config = doc.get("config") if isinstance(doc.get("config"), dict) else {}
        default_pattern = str(config.get("strategy") or "benchmark").rsplit(".", 1)[-1].lower()
        out: list[Event] = []
        for i, r in enumerate(doc.get("results") or []):
            if not isinstance(r, dict):
                continue
            key = str(r.get("id") or f"#{i}:{r.get('task_id')}")
            if not st.new_id(key):
                continue
            ts = _iso_or(r.get("completed_at"), now)
            perf = r.get("performance_metrics") if isinstance(r.get("performance_metrics"),
                                                              dict) else {}
            secs = _num(perf.get("execution_time"))
            if secs is None:
                start, end = event_time(r.get("started_at")), event_time(r.get("completed_at"))
                secs = end - start if start is not None and end is not None else None
            ms = secs * 1000.0 if secs is not None else None
            task_id = str(r.get("task_id") or key)
            agent = str(r.get("agent_id") or "")
            out.append(TaskEvent(
                ts=ts, source=source, task_id=task_id, agent=agent,
                pattern=strategies.get(task_id) or default_pattern, phase="end",
                duration_ms=max(0.0, ms) if ms is not None and ms <= MAX_FIGURE else None,
                status=_status(r.get("status")),
            ))
            usage = r.get("resource_usage") if isinstance(r.get("resource_usage"), dict) else {}
            for k, v in usage.items():
                n = _num(v)
                if n is not None:
                    out.append(MetricEvent(ts=ts, source=source, name=f"benchmark.{k}",
                                           value=n, agent=agent))
        summary = doc.get("performance_metrics") or doc.get("metrics")
        if isinstance(summary, dict):
            out.extend(self._gauges(summary, st, source, now, prefix="benchmark."))
        return out

