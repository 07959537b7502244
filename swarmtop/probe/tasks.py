"""Tasks of a cognitive pattern (``task`` records) and the context they give what runs inside
them: the innermost task of this thread / asyncio task names the agent (and pattern) of the
records written within it."""

from __future__ import annotations

import itertools
from contextvars import ContextVar
from typing import Any

from swarmtop.probe import writer
from swarmtop.probe.scope import _Scope
from swarmtop.probe.writer import _emit, _fmt_ts, _perf, _s

_ids = itertools.count(1)  # task ids of this process (reset in a forked child)
_current: ContextVar[Task | None] = ContextVar("swarmtop_probe_task", default=None)


def current_task() -> Task | None:
    """The innermost running ``task`` in this thread / asyncio task, if any."""
    return _current.get()


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
                self.task_id = f"{writer._pid}-{next(_ids)}"
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
        if writer._fd >= 0:
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


def _agent_field(agent: str | None) -> str:
    """The ``agent`` key: as given, else the enclosing task's agent, else none."""
    if agent is None:
        cur = _current.get()
        agent = cur.agent if cur is not None else None
    return f',"agent":{_s(agent)}' if agent else ""
