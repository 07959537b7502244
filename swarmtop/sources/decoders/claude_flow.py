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
- any other document (``performance.json``, ``agent-metrics.json``, v3's ``swarm-activity.json``,
  ``learning.json``, ``v3-progress.json``; ruv-swarm's ``benchmark-*.json``; the Python
  benchmark tools' ``real_benchmark_results.json``, ``benchmark_summary.json``,
  ``hive_mind_benchmark_results_*.json``, ``optimization_comparison_*.json``): walked (depth
  ``MAX_DEPTH``). A *test row* — an object stating an outcome (``success``, ``status``) with a
  duration, or a ``duration_ms`` — is a TaskEvent (pattern = the key of the list or object
  holding it, failures from ``success: false``); every other number is a gauge named by its
  path (``claude_flow.swarm.agent_count``), emitted when it changes. Rows of comparison tables
  (``standard_time``/``optimized_time``, no outcome) are gauges, never tasks.
- Units: ``duration_ms``/``durationMs``/``time`` and task-metrics' ``duration`` are ms; the
  Python tools' ``duration``/``execution_time`` are seconds (``time.time()`` differences) — and
  a row with a start and an end says which its ``duration`` is.
- Times: a field named like a time (``timestamp``, ``startTime``, ``lastActivity``,
  ``scannedAt``, ``*_at``, ``*_time``) holding an epoch (s or ms) or an ISO string is a time,
  never a gauge; the newest is the document's time, given to its gauges and to rows with no
  time of their own. A document with no time at all gives ``UNTIMED`` events (counted in
  totals, kept out of rates; live they are stamped on arrival).

A file caught mid-rewrite (invalid JSON) yields nothing; ``last_error`` says why, and the next
read picks up the finished file.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

import msgspec

from swarmtop.events import UNTIMED, Event, MetricEvent, TaskEvent
from swarmtop.sources.decoders.common import MAX_FIGURE, TOO_DEEP, event_time, valid_utf8

MAX_IDS = 100_000  # per file: entry ids already emitted
MAX_VALUES = 500  # per file: last value of each numeric field
MAX_FILES = 1_000
MAX_DEPTH = 4  # how deep a document is walked for test rows and gauges

_STATUS = {
    "success": "ok", "completed": "ok", "ok": "ok", "failure": "error", "failed": "error",
    "error": "error", "timeout": "timeout", "cancelled": "cancelled", "partial": "partial",
    "pass": "ok", "passed": "ok", "fail": "error",
}
# a key naming a time (its value a time when it holds an epoch or an ISO string); durations
# such as execution_time or agent_spawn_time hold small numbers and stay figures
_TIME_KEY = re.compile(r"(time|timestamp|at|activity|updated|initialized|date)$", re.IGNORECASE)
_OUTCOME = ("success", "status", "passed")
_MS_KEYS = ("duration_ms", "durationMs", "time_ms", "time", "average")  # ruv-swarm's JS: Date.now() spans
_S_KEYS = ("execution_time", "duration_s", "duration")  # the Python tools: time.time() spans
_LABEL_KEYS = ("name", "id", "description", "scenario", "test", "task_id")
_COMPACT_STAMP = re.compile(r"^\d{8}_\d{6}$")  # optimization_comparison's "20250614_200237"


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
    ts = _time_of(v)
    return ts if ts is not None else default


def _time_of(v: Any) -> float | None:
    """A time from an ISO string, an epoch (s or ms) or ``YYYYmmdd_HHMMSS``; else None."""
    if isinstance(v, bool) or not isinstance(v, str | int | float):
        return None
    if isinstance(v, str) and _COMPACT_STAMP.match(v):
        try:
            return datetime.strptime(v, "%Y%m%d_%H%M%S").replace(tzinfo=UTC).timestamp()
        except ValueError:
            return None
    if isinstance(v, int | float) and not 1e9 <= v <= 1e14:  # epoch s (2001-) or ms only
        return None
    return event_time(v)


def _is_time(key: str, v: Any) -> float | None:
    """The time a field holds when its name says it is one (None: it is no time)."""
    return _time_of(v) if _TIME_KEY.search(key) else None


def _table(d: dict[str, Any], key: str) -> dict[str, Any]:
    """``d[key]`` when it is an object, else an empty one."""
    v = d.get(key)
    return v if isinstance(v, dict) else {}


def _is_row(d: dict[str, Any]) -> bool:
    """A test row: an outcome with a duration, or a duration in ms (a timed test)."""
    has_outcome = any(k in d for k in _OUTCOME)
    has_duration = any(_num(d.get(k)) is not None for k in (*_MS_KEYS, *_S_KEYS))
    return (has_outcome and has_duration) or _num(d.get("duration_ms")) is not None


def _row_ms(d: dict[str, Any]) -> float | None:
    """A test row's duration in ms, in the unit its writer used."""
    for k in _MS_KEYS:
        v = _num(d.get(k))
        if v is not None:
            return v
    v = _num(d.get("execution_time"))
    if v is not None:
        return v * 1000.0
    v = _num(d.get("duration_s"))
    if v is not None:
        return v * 1000.0
    v = _num(d.get("duration"))
    if v is None:
        return None
    start = _time_of(d.get("start_time") or d.get("started_at") or d.get("startTime"))
    end = _time_of(d.get("end_time") or d.get("completed_at") or d.get("endTime"))
    if start is not None and end is not None and abs((end - start) * 1000.0 - v) < abs(
            end - start - v):
        return v  # the span says ms
    return v * 1000.0  # the Python tools' seconds


def _label(d: dict[str, Any], default: str) -> str:
    for k in _LABEL_KEYS:
        v = d.get(k)
        if isinstance(v, str | int) and not isinstance(v, bool) and str(v):
            return str(v)
    cfg = d.get("config")
    name = cfg.get("name") if isinstance(cfg, dict) else None
    if isinstance(name, str):
        return name
    words = [v for v in d.values() if isinstance(v, str) and 0 < len(v) <= 40][:2]
    return "/".join(words) if words else default


def _newest_time(node: Any, depth: int = 0) -> float | None:
    """The newest time anywhere in the document (its fields named like times)."""
    best: float | None = None
    if depth > MAX_DEPTH:
        return None
    items = node.items() if isinstance(node, dict) else (
        enumerate(node) if isinstance(node, list) else ())
    for k, v in items:
        t = _is_time(str(k), v) if isinstance(k, str) else None
        if t is None and isinstance(v, dict | list):
            t = _newest_time(v, depth + 1)
        if t is not None and (best is None or t > best):
            best = t
    return best


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
            if any("id" in r and "type" in r and ("duration" in r or "success" in r)
                   for r in rows):
                return self._task_metrics(rows, st, source)  # hooks' task-metrics.json
            if any(_is_row(r) for r in rows):
                return self._document(doc, st, source)  # e.g. hive-mind results
            return self._timed_metrics(rows, st, source)
        if isinstance(doc, dict):
            results = doc.get("results")
            if isinstance(results, list) and any(
                    isinstance(r, dict) and ("task_id" in r or "performance_metrics" in r)
                    for r in results):
                return self._benchmark(doc, st, source)  # swarm-benchmark's results
            return self._document(doc, st, source)
        self.last_error = "JSON is neither an object nor an array"
        return []

    def _task_metrics(self, rows: list[dict[str, Any]], st: _FileState, source: str) -> list[Event]:
        out: list[Event] = []
        for i, r in enumerate(rows):
            key = str(r.get("id", f"#{i}:{r.get('timestamp')}"))
            if not st.new_id(key):
                continue
            meta = _table(r, "metadata")
            agent = meta.get("agentId") or meta.get("agent") or meta.get("agentType") or ""
            dur = _num(r.get("duration"))
            success = r.get("success")
            out.append(TaskEvent(
                ts=_iso_or(r.get("timestamp"), UNTIMED), source=source, task_id=key,
                agent=str(agent), pattern=str(r.get("type") or "unknown"), phase="end",
                duration_ms=max(0.0, dur) if dur is not None else None,
                status=_status(success if success is not None else r.get("status")),
            ))
        return out

    def _timed_metrics(self, rows: list[dict[str, Any]], st: _FileState, source: str) -> list[Event]:
        out: list[Event] = []
        newest = st.last_ts
        for r in rows:
            ts = _iso_or(r.get("timestamp"), UNTIMED)
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

    def _gauges(self, doc: dict[str, Any], st: _FileState, source: str, ts: float,
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
            out.append(MetricEvent(ts=ts, source=source, name=name, value=n))
        return out

    def _document(self, doc: Any, st: _FileState, source: str) -> list[Event]:
        """Any other document: its test rows as tasks, its other numbers as gauges, all at
        the document's own time (UNTIMED when it states none)."""
        when = _newest_time(doc)
        ts = when if when is not None else UNTIMED
        out: list[Event] = []
        self._walk(doc, "", "document", 0, st, source, ts, out)
        return out

    def _walk(self, node: Any, path: str, here: str, depth: int, st: _FileState,
              source: str, ts: float, out: list[Event]) -> None:
        """``node`` (whose key is ``here``, at ``path``): test rows in it are tasks of the
        pattern ``here``; its other numbers gauges named by their path."""
        if depth > MAX_DEPTH:
            return
        if isinstance(node, list):
            children = [(_label(item, str(i)), item) for i, item in enumerate(node)
                        if isinstance(item, dict)]
        elif isinstance(node, dict):
            children = [(str(k), v) for k, v in node.items()]
        else:
            return
        for key, v in children:
            name = f"{path}.{key}" if path else key
            if isinstance(v, dict) and _is_row(v):
                self._row(v, name, here, st, source, ts, out)
            elif isinstance(v, dict | list):
                self._walk(v, name, here if isinstance(node, list) else key, depth + 1, st,
                           source, ts, out)
            elif isinstance(node, dict) and _is_time(key, v) is None:
                self._gauge("claude_flow." + name, v, st, source, ts, out)

    def _row(self, row: dict[str, Any], path: str, parent: str, st: _FileState, source: str,
             ts: float, out: list[Event]) -> None:
        if not st.new_id(path):
            return
        outcome = next((row[k] for k in _OUTCOME if k in row), None)
        ms = _row_ms(row)
        end = _time_of(row.get("end_time") or row.get("completed_at") or row.get("timestamp"))
        cfg = _table(row, "config")
        out.append(TaskEvent(
            ts=end if end is not None else ts, source=source, task_id=path,
            agent=str(row.get("agent_id") or row.get("agent") or ""),
            pattern=str(row.get("strategy") or cfg.get("topology") or parent),
            phase="end", duration_ms=max(0.0, ms) if ms is not None and ms <= MAX_FIGURE
            else None, status=_status(outcome)))

    def _gauge(self, name: str, v: Any, st: _FileState, source: str, ts: float,
               out: list[Event]) -> None:
        n = 1.0 if v is True else 0.0 if v is False else _num(v)
        if n is None or st.values.get(name) == n:
            return
        if name not in st.values and len(st.values) >= MAX_VALUES:
            return
        st.values[name] = n
        out.append(MetricEvent(ts=ts, source=source, name=name, value=n))

    def _benchmark(self, doc: dict[str, Any], st: _FileState, source: str) -> list[Event]:
        when = _newest_time(doc)
        now = when if when is not None else UNTIMED  # (the document's time, else none)
        strategies: dict[str, str] = {}
        tasks = doc.get("tasks")
        for t in tasks if isinstance(tasks, list) else ():  # ("tasks": 1e308 raised TypeError)
            if isinstance(t, dict) and t.get("id") is not None:
                strategies[str(t["id"])] = str(t.get("strategy") or "").rsplit(".", 1)[-1].lower()
        config = _table(doc, "config")
        default_pattern = str(config.get("strategy") or "benchmark").rsplit(".", 1)[-1].lower()
        out: list[Event] = []
        for i, r in enumerate(doc.get("results") or []):
            if not isinstance(r, dict):
                continue
            key = str(r.get("id") or f"#{i}:{r.get('task_id')}")
            if not st.new_id(key):
                continue
            ts = _iso_or(r.get("completed_at"), now)
            perf = _table(r, "performance_metrics")
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
            usage = _table(r, "resource_usage")
            for k, v in usage.items():
                n = _num(v)
                if n is not None:
                    out.append(MetricEvent(ts=ts, source=source, name=f"benchmark.{k}",
                                           value=n, agent=agent))
        summary = doc.get("performance_metrics") or doc.get("metrics")
        if isinstance(summary, dict):
            out.extend(self._gauges(summary, st, source, now, prefix="benchmark."))
        return out

