"""swarmtop.probe: let a swarm emit swarmtop's native JSONL in three lines (docs/probe.md).

    from swarmtop import probe
    probe.start("runs/today/")                   # one JSONL file per process
    with probe.task("lateral", agent="coder"):   # times a task of a cognitive pattern
        probe.llm_call(model="claude-sonnet-4-5", input_tokens=812, output_tokens=95)

Standard library only: a swarm can import this without swarmtop's dependencies installed.
Rules the code keeps:
- every record is one complete line, written with a single ``os.write`` on an ``O_APPEND``
  descriptor: nothing is buffered in the process (a crash loses nothing), threads never
  interleave within a line, and no lock sits on the hot path (so a fork can't inherit a held one);
- each process writes its own file, named with its pid and start time; a forked child opens
  a new one (``os.register_at_fork``);
- nothing here raises into the caller: before ``start()``, after ``stop()`` or once disabled
  (unwritable directory, disk full) every call is a cheap no-op; the problem is reported once
  with ``warnings.warn``;
- records are formatted by hand (no dict, no ``json.dumps``) to stay under ~5 µs per event.
"""

from __future__ import annotations

import atexit
import functools
import gc as _gc
import inspect
import itertools
import logging
import math
import os
import threading
import time
import warnings
from collections.abc import Callable
from contextvars import ContextVar
from json.encoder import encode_basestring_ascii as _json_str  # C-accelerated JSON string quoting
from typing import Any, TypeVar, cast, overload

__all__ = [
    "start", "stop", "enabled", "path", "task", "current_task", "llm_call", "counter", "gauge",
    "histogram", "timer", "rate", "log", "LogHandler", "ENV_DIR",
]

# start() with no directory reads it; start(dir) sets it so child processes write beside us
ENV_DIR = "SWARMTOP_PROBE_DIR"
GC_BATCH_S = 1.0  # young-generation collections are summed over this long into one record

F = TypeVar("F", bound=Callable[..., Any])

_time = time.time
_perf = time.perf_counter
_write = os.write

# ---- process-wide state (reset in a forked child) --------------------------------------------
_fd = -1  # -1: not started or disabled; every emit checks only this
_path: str | None = None
_dir: str | None = None
_name = "probe"
_pid = 0
_warned = False
_lock = threading.Lock()  # start/stop only; never taken on the hot path
_ids = itertools.count(1)
_gc_on = False
_atexit_registered = False


def _fmt_ts() -> str:
    return f"{_time():.6f}"


def _num(value: Any) -> str | None:
    """A number as JSON text; ``None`` for anything that is not a finite number."""
    t = type(value)
    if t is int:
        return str(value)
    if t is float:
        return repr(value) if math.isfinite(value) else None
    if t is bool or value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return repr(f) if math.isfinite(f) else None


def _s(value: Any) -> str:
    """A JSON string literal for any value (non-strings are str()-ed)."""
    return _json_str(value if type(value) is str else str(value))


def _emit(line: str) -> None:
    fd = _fd
    if fd < 0:
        return
    try:
        data = line.encode()
        n = _write(fd, data)
        while n < len(data):  # a short write on a regular file: disk full, quota...
            data = data[n:]
            n = _write(fd, data)
    except OSError as exc:
        _disable(f"cannot write to {_path}: {exc}")


def _disable(why: str) -> None:
    global _fd, _warned
    fd, _fd = _fd, -1
    if fd < 0:
        return  # stopped meanwhile: nothing to report
    try:
        os.close(fd)
    except OSError:
        pass
    if not _warned:
        _warned = True
        warnings.warn(f"swarmtop.probe disabled: {why}", RuntimeWarning, stacklevel=3)


# ---- start / stop ------------------------------------------------------------------------------
def _file_name(name: str, pid: int) -> str:
    now = _time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f"{int(now % 1 * 1000):03d}Z"
    return f"{name}-{pid}-{stamp}.jsonl"


def _open(directory: str, name: str) -> bool:
    """Open this process's file; on failure disable with one warning. Caller holds _lock."""
    global _fd, _path, _pid, _warned
    _pid = os.getpid()
    path = os.path.join(directory, _file_name(name, _pid))
    try:
        os.makedirs(directory, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        _fd, _path = -1, None
        if not _warned:
            _warned = True
            warnings.warn(
                f"swarmtop.probe disabled: cannot write to {directory}: {exc}",
                RuntimeWarning, stacklevel=4,
            )
        return False
    _fd, _path = fd, path
    return True


def start(
    directory: str | os.PathLike[str] | None = None,
    *,
    gc: bool = False,
    name: str = "probe",
    propagate: bool = True,
) -> str | None:
    """Start writing native swarmtop records to a new file in ``directory``.

    Returns the file's path, or ``None`` when the probe could not start (one warning says why).
    With no ``directory`` the ``SWARMTOP_PROBE_DIR`` environment variable is used; with
    ``propagate`` (default) ``start`` sets it, so child processes that call ``start()`` write
    beside their parent. ``gc=True`` records garbage-collector pauses (``gc`` records).
    Calling ``start`` again switches to a new file (and gc setting).
    """
    global _dir, _name, _atexit_registered
    try:
        if directory is None:
            directory = os.environ.get(ENV_DIR)
            if not directory:
                _warn_once("swarmtop.probe not started: no directory given and "
                           f"${ENV_DIR} is not set")
                return None
        directory = os.fspath(directory)
        with _lock:
            _close_locked()
            _dir, _name = directory, name
            if not _open(directory, name):
                return None
            if propagate:
                os.environ[ENV_DIR] = os.path.abspath(directory)
            _set_gc(gc)
            if not _atexit_registered:
                atexit.register(stop)
                _atexit_registered = True
            return _path
    except Exception as exc:  # noqa: BLE001 - never raise into the swarm
        _warn_once(f"swarmtop.probe not started: {exc!r}")
        return None


def stop() -> None:
    """Flush pending GC figures and close the file. Later calls are no-ops until ``start``."""
    try:
        with _lock:
            _close_locked()
    except Exception:  # noqa: BLE001 - the probe never raises into the swarm
        pass


def _close_locked() -> None:
    global _fd, _path
    _set_gc(False)  # flushes pending gc batches first
    fd, _fd = _fd, -1
    _path = None
    if fd >= 0:
        try:
            os.close(fd)
        except OSError:
            pass


def enabled() -> bool:
    """True while records are being written."""
    return _fd >= 0


def path() -> str | None:
    """The file this process writes to (``None`` when not writing)."""
    return _path if _fd >= 0 else None


def _warn_once(msg: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(msg, RuntimeWarning, stacklevel=3)


def _after_fork_in_child() -> None:
    """A forked child must not append to its parent's file: open its own."""
    global _lock, _fd, _ids
    _lock = threading.Lock()  # the parent's may have been held by another thread at fork
    _ids = itertools.count(1)
    _gc_reset()
    fd, _fd = _fd, -1
    if fd < 0 or _dir is None:
        return
    try:
        os.close(fd)  # the child's copy only; the parent keeps writing through its own
    except OSError:
        pass
    try:
        _open(_dir, _name)
    except Exception:  # noqa: BLE001 - the probe never raises into the swarm
        pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


# ---- tasks -------------------------------------------------------------------------------------
_current: ContextVar[Task | None] = ContextVar("swarmtop_probe_task", default=None)


def current_task() -> Task | None:
    """The innermost running ``task`` in this thread / asyncio task, if any."""
    return _current.get()


class _Scope:
    """A context manager (``with`` and ``async with``) that is also a decorator of sync and
    async functions, timing each call with a fresh instance from ``_fresh()``."""

    def __enter__(self) -> Any:
        raise NotImplementedError

    def __exit__(self, *exc: Any) -> None:
        raise NotImplementedError

    def _fresh(self) -> _Scope:
        raise NotImplementedError

    async def __aenter__(self) -> Any:
        return self.__enter__()

    async def __aexit__(self, *exc: Any) -> None:
        self.__exit__(*exc)

    def __call__(self, fn: F) -> F:
        fresh = self._fresh
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def awrapper(*args: Any, **kwargs: Any) -> Any:
                with fresh():
                    return await fn(*args, **kwargs)

            return cast(F, awrapper)  # (functools.wraps keeps fn's signature)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with fresh():
                return fn(*args, **kwargs)

        return cast(F, wrapper)


class Task(_Scope):
    """One timed task of a cognitive pattern; see :func:`task`.

    As a context manager (``with`` or ``async with``) it times its block; as a decorator it
    times each call of a sync or async function. On exit it writes a ``task`` record whose
    status is ``ok``, ``timeout`` (a ``TimeoutError`` escaped) or ``error`` (any other
    exception) or ``cancelled`` (``asyncio.CancelledError``, ``KeyboardInterrupt``,
    ``SystemExit``), unless the block set ``status`` itself.
    """

    __slots__ = ("pattern", "agent", "task_id", "status", "_t0", "_token", "duration_ms")

    def __init__(self, pattern: str, agent: str = "", task_id: str | None = None) -> None:
        self.pattern = pattern
        self.agent = agent
        self.task_id = task_id
        self.status: str | None = None
        self.duration_ms: float | None = None
        self._t0 = 0.0
        self._token: Any = None

    # context manager -------------------------------------------------------------------
    def __enter__(self) -> Task:
        try:
            if self.task_id is None:
                self.task_id = f"{_pid}-{next(_ids)}"
            self._token = _current.set(self)
        except Exception:  # noqa: BLE001 - the probe never raises into the swarm
            pass
        self._t0 = _perf()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        dur = (_perf() - self._t0) * 1000.0
        try:
            if self._token is not None:
                _current.reset(self._token)
                self._token = None
        except Exception:  # noqa: BLE001 - reset from another context (a generator moved threads...)
            pass
        self.duration_ms = dur
        status = self.status
        if status is None:
            if exc_type is None:
                status = "ok"
            elif issubclass(exc_type, TimeoutError):
                status = "timeout"
            elif issubclass(exc_type, Exception):
                status = "error"
            else:  # asyncio.CancelledError, KeyboardInterrupt, SystemExit: stopped, not failed
                status = "cancelled"
        if _fd >= 0:
            try:
                line = (
                    f'{{"ts":{_fmt_ts()},"type":"task","pattern":{_s(self.pattern)},'
                    f'"task_id":{_s(self.task_id)},"status":{_s(status)},"duration_ms":{dur:.3f}'
                )
                if self.agent:
                    line += f',"agent":{_s(self.agent)}'
                _emit(line + "}\n")
            except Exception:  # noqa: BLE001 - the probe never raises into the swarm
                pass

    def _fresh(self) -> Task:
        return Task(self.pattern, self.agent)


def task(pattern: str, agent: str = "", task_id: str | None = None) -> Task:
    """Time a task of ``pattern`` (convergent, divergent, lateral, systems, critical, abstract,
    adaptive or any name): ``with probe.task("lateral", agent="coder"): ...`` or
    ``@probe.task("critical", agent="reviewer")`` on a sync or async function.
    ``llm_call``, metrics and log records inside the block inherit ``agent`` (and ``llm_call``
    the pattern) unless given their own."""
    return Task(pattern, agent, None if task_id is None else str(task_id))


# ---- llm calls ---------------------------------------------------------------------------------
def _usage_field(usage: Any, *names: str) -> Any:
    for n in names:
        v = usage.get(n) if isinstance(usage, dict) else getattr(usage, n, None)
        if v is not None:
            return v
    return None


def _from_usage(usage: Any) -> tuple[Any, Any, Any, Any]:
    """(input, output, cache_read, cache_write) from an Anthropic or OpenAI usage object/dict.
    Anthropic's input_tokens already excludes cache; OpenAI's prompt_tokens includes cached."""
    i = _usage_field(usage, "input_tokens")
    o = _usage_field(usage, "output_tokens")
    cr = _usage_field(usage, "cache_read_input_tokens", "cache_read_tokens")
    cw = _usage_field(usage, "cache_creation_input_tokens", "cache_write_tokens")
    if i is None and o is None:  # OpenAI chat completions shape
        i = _usage_field(usage, "prompt_tokens")
        o = _usage_field(usage, "completion_tokens")
        details = _usage_field(usage, "prompt_tokens_details")
        cached = _usage_field(details, "cached_tokens") if details is not None else None
        if cached and type(i) is int:
            i, cr = i - cached, cached
    return i, o, cr, cw


def llm_call(
    model: str,
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    *,
    cache_read_tokens: int | None = None,
    cache_write_tokens: int | None = None,
    latency_ms: float | None = None,
    ok: bool = True,
    cost_usd: float | None = None,
    usage: Any = None,
    prompt: str | None = None,
    completion: str | None = None,
    agent: str | None = None,
    pattern: str | None = None,
) -> None:
    """Record one model request.

    Give token counts directly, or ``usage=`` (an Anthropic or OpenAI usage object or dict),
    or only ``prompt=``/``completion=`` text: swarmtop then counts it with tiktoken and marks the
    figures estimated. ``agent``/``pattern`` default to those of the enclosing ``task``.
    """
    if _fd < 0:
        return
    try:
        if usage is not None:
            ui, uo, ucr, ucw = _from_usage(usage)
            input_tokens = input_tokens if input_tokens is not None else ui
            output_tokens = output_tokens if output_tokens is not None else uo
            cache_read_tokens = cache_read_tokens if cache_read_tokens is not None else ucr
            cache_write_tokens = cache_write_tokens if cache_write_tokens is not None else ucw
        if agent is None or pattern is None:
            cur = _current.get()
            if cur is not None:
                if agent is None:
                    agent = cur.agent
                if pattern is None:
                    pattern = cur.pattern
        parts = [f'{{"ts":{_fmt_ts()},"type":"llm_call","model":{_s(model)}']
        if agent:
            parts.append(f',"agent":{_s(agent)}')
        if pattern:
            parts.append(f',"pattern":{_s(pattern)}')
        for key, value in (
            ("input_tokens", input_tokens), ("output_tokens", output_tokens),
            ("cache_read_tokens", cache_read_tokens), ("cache_write_tokens", cache_write_tokens),
            ("latency_ms", latency_ms), ("cost_usd", cost_usd),
        ):
            if value is not None:
                v = _num(value)
                if v is not None:
                    parts.append(f',"{key}":{v}')
        if not ok:
            parts.append(',"ok":false')
        has_usage = input_tokens is not None or output_tokens is not None
        if not has_usage:  # text is only worth its bytes when there is nothing to count
            if prompt is not None:
                parts.append(f',"prompt":{_s(prompt)}')
            if completion is not None:
                parts.append(f',"completion":{_s(completion)}')
        parts.append("}\n")
        _emit("".join(parts))
    except Exception:  # noqa: BLE001 - the probe never raises into the swarm
        pass


# ---- metrics -----------------------------------------------------------------------------------
def _metric(kind: str, name: str, value: Any, unit: str, agent: str | None) -> None:
    if _fd < 0:
        return
    try:
        v = _num(value)
        if v is None:
            return  # NaN, inf or not a number: nothing a reader could use
        line = (f'{{"ts":{_fmt_ts()},"type":"metric","metric_kind":"{kind}",'
                f'"name":{_s(name)},"value":{v}')
        if unit:
            line += f',"unit":{_s(unit)}'
        _emit(line + _agent_field(agent) + "}\n")
    except Exception:  # noqa: BLE001 - the probe never raises into the swarm
        pass


def counter(name: str, value: float = 1, *, unit: str = "", agent: str | None = None) -> None:
    """Add ``value`` to a counter (the record carries the increment; swarmtop sums them)."""
    _metric("counter", name, value, unit, agent)


def gauge(name: str, value: float, *, unit: str = "", agent: str | None = None) -> None:
    """Set a gauge to ``value`` (swarmtop shows the latest)."""
    _metric("gauge", name, value, unit, agent)


def histogram(name: str, value: float, *, unit: str = "", agent: str | None = None) -> None:
    """Observe one value of a distribution (swarmtop shows p50/p99)."""
    _metric("histogram", name, value, unit, agent)


def rate(name: str, amount: float = 1, *, unit: str = "", agent: str | None = None) -> None:
    """Mark ``amount`` happenings now (swarmtop shows them per second)."""
    _metric("rate", name, amount, unit, agent)


class Timer(_Scope):
    """Times a block or each call of a function into a ``timer`` metric (milliseconds)."""

    __slots__ = ("name", "agent", "_t0", "elapsed_ms")

    def __init__(self, name: str, agent: str | None = None) -> None:
        self.name = name
        self.agent = agent
        self._t0 = 0.0
        self.elapsed_ms: float | None = None

    def __enter__(self) -> Timer:
        self._t0 = _perf()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.elapsed_ms = round((_perf() - self._t0) * 1000.0, 4)
        _metric("timer", self.name, self.elapsed_ms, "ms", self.agent)

    def _fresh(self) -> Timer:
        return Timer(self.name, self.agent)


@overload
def timer(name: str, ms: None = None, *, agent: str | None = None) -> Timer: ...
@overload
def timer(name: str, ms: float, *, agent: str | None = None) -> None: ...
def timer(name: str, ms: float | None = None, *, agent: str | None = None) -> Timer | None:
    """``timer(name, ms)`` records a duration you measured; ``timer(name)`` returns a context
    manager / decorator that measures one (unit ``ms``; swarmtop shows p50/p99)."""
    if ms is None:
        return Timer(name, agent)
    _metric("timer", name, ms, "ms", agent)
    return None


# ---- agents and tools --------------------------------------------------------------------------
def agent(agent_id: str, *, name: str = "", parent: str | None = None, status: str = "",
          pid: int | None = None) -> None:
    """Write one native ``agent`` record: ``agent_id``'s name, its parent agent (the tree in
    swarmtop's Agents view), its process (default: this one) and, when it ends, its status
    (``done`` or ``failed``)."""
    if _fd < 0:
        return
    try:
        line = f'{{"ts":{_fmt_ts()},"type":"agent","agent":{_s(agent_id)}'
        if name:
            line += f',"name":{_s(name)}'
        if parent:
            line += f',"parent_agent":{_s(parent)}'
        if status:
            line += f',"status":{_s(status)}'
        line += f',"pid":{pid if pid is not None else os.getpid()}'
        _emit(line + "}\n")
    except Exception:  # noqa: BLE001 - the probe never raises into the swarm
        pass


class Tool(_Scope):
    """A tool call of an agent: a ``tool`` record when it ends, with its duration, whether it
    failed (an exception escaping the block) and a short summary of its input."""

    __slots__ = ("tool", "agent", "summary", "_t0", "_id")

    def __init__(self, tool: str, summary: str = "", agent: str | None = None) -> None:
        self.tool = tool
        self.summary = summary
        self.agent = agent
        self._t0 = 0.0
        self._id = ""

    def __enter__(self) -> Tool:
        self._t0 = _perf()
        self._id = f"{os.getpid()}-{id(self):x}-{self._t0:.6f}"
        self._write("start", None, True, "")
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        ms = round((_perf() - self._t0) * 1000.0, 4)
        self._write("end", ms, exc_type is None, "" if exc is None else repr(exc)[:200])

    def _write(self, phase: str, ms: float | None, ok: bool, error: str) -> None:
        if _fd < 0:
            return
        try:
            line = (f'{{"ts":{_fmt_ts()},"type":"tool","tool":{_s(self.tool)},'
                    f'"phase":"{phase}","call_id":{_s(self._id)}')
            if self.summary:
                line += f',"input":{_s(self.summary[:200])}'
            if ms is not None:
                line += f',"duration_ms":{ms},"ok":{"true" if ok else "false"}'
            if error:
                line += f',"error":{_s(error)}'
            _emit(line + _agent_field(self.agent) + "}\n")
        except Exception:  # noqa: BLE001 - the probe never raises into the swarm
            pass

    def _fresh(self) -> Tool:
        return Tool(self.tool, self.summary, self.agent)


def tool(name: str, summary: str = "", *, agent: str | None = None) -> Tool:
    """``with probe.tool("bash", "pytest -x"):`` (or as a decorator) records one tool call:
    in flight while the block runs, then its duration and outcome."""
    return Tool(name, summary, agent)


# ---- logs --------------------------------------------------------------------------------------
def log(level: str, message: str, *, agent: str | None = None) -> None:
    """Write one native ``log`` record (level: debug|info|warning|error|critical)."""
    if _fd < 0:
        return
    try:
        line = f'{{"ts":{_fmt_ts()},"type":"log","level":{_s(level)},"message":{_s(message)}'
        _emit(line + _agent_field(agent) + "}\n")
    except Exception:  # noqa: BLE001 - the probe never raises into the swarm
        pass


def _agent_field(agent: str | None) -> str:
    """The ``agent`` key: as given, else the enclosing task's agent, else none."""
    if agent is None:
        cur = _current.get()
        agent = cur.agent if cur is not None else None
    return f',"agent":{_s(agent)}' if agent else ""


class LogHandler(logging.Handler):
    """A ``logging`` handler writing each record as a native ``log`` record.

    The agent is taken from ``extra={"agent": ...}``, else from the enclosing ``task``.
    Exceptions (``logger.exception``) are appended to the message by the handler's formatter.
    """

    _LEVELS = {"WARN": "warning", "FATAL": "critical"}

    def emit(self, record: logging.LogRecord) -> None:
        if _fd < 0:
            return
        try:
            msg = self.format(record)
            level = self._LEVELS.get(record.levelname) or record.levelname.lower()
            agent = getattr(record, "agent", None)
            if agent is None:
                cur = _current.get()
                agent = cur.agent if cur is not None else None
            line = (f'{{"ts":{record.created:.6f},"type":"log","level":{_s(level)},'
                    f'"message":{_s(msg)},"logger":{_s(record.name)}')
            if agent:
                line += f',"agent":{_s(agent)}'
            _emit(line + "}\n")
        except Exception:  # noqa: BLE001 - the probe never raises into the swarm
            self.handleError(record)


# ---- garbage collector -------------------------------------------------------------------------
# [collections, total_s, max_s, collected, uncollectable] per generation, flushed as records.
_gc_acc: list[list[float]] = [[0, 0.0, 0.0, 0, 0] for _ in range(3)]
_gc_t0 = 0.0
_gc_last_flush = 0.0


def _gc_reset() -> None:
    global _gc_acc, _gc_t0, _gc_last_flush
    _gc_acc = [[0, 0.0, 0.0, 0, 0] for _ in range(3)]
    _gc_t0 = 0.0
    _gc_last_flush = _perf()


def _gc_record(gen: int, acc: list[float]) -> str:
    return (f'{{"ts":{_fmt_ts()},"type":"gc","pid":{_pid},"generation":{gen},'
            f'"collections":{int(acc[0])},"duration_ms":{acc[1] * 1000.0:.4f},'
            f'"max_ms":{acc[2] * 1000.0:.4f},"collected":{int(acc[3])},'
            f'"uncollectable":{int(acc[4])}}}\n')


def _gc_flush() -> None:
    global _gc_last_flush
    _gc_last_flush = _perf()
    for gen, acc in enumerate(_gc_acc):
        if acc[0]:
            _emit(_gc_record(gen, acc))
            acc[0], acc[1], acc[2], acc[3], acc[4] = 0, 0.0, 0.0, 0, 0


def _gc_callback(phase: str, info: dict[str, int]) -> None:
    """Full (generation 2) collections are written as they happen; the frequent young ones are
    summed per generation and written about once a second, so a busy allocator costs one
    record a second rather than thousands."""
    global _gc_t0
    try:
        if phase == "start":
            _gc_t0 = _perf()
            return
        now = _perf()
        dur = now - _gc_t0 if _gc_t0 else 0.0
        gen = info.get("generation", 0)
        acc = _gc_acc[gen if 0 <= gen <= 2 else 2]
        acc[0] += 1
        acc[1] += dur
        if dur > acc[2]:
            acc[2] = dur
        acc[3] += info.get("collected", 0)
        acc[4] += info.get("uncollectable", 0)
        if _fd < 0:
            return
        if gen >= 2:
            _emit(_gc_record(2, acc))
            acc[0], acc[1], acc[2], acc[3], acc[4] = 0, 0.0, 0.0, 0, 0
        elif now - _gc_last_flush >= GC_BATCH_S:
            _gc_flush()
    except Exception:  # noqa: BLE001 - the probe never raises into the swarm
        pass


def _set_gc(on: bool) -> None:
    global _gc_on
    if on and not _gc_on:
        _gc_reset()
        _gc.callbacks.append(_gc_callback)
        _gc_on = True
        # an empty record marks when watching began, so pause time is shared over the
        # whole wall time watched, not from the first collection on
        _emit(_gc_record(0, [0, 0.0, 0.0, 0, 0]))
    elif not on and _gc_on:
        try:
            _gc.callbacks.remove(_gc_callback)
        except ValueError:
            pass
        _gc_on = False
        _gc_flush()
