"""Agents and their tool calls (``agent`` and ``tool`` records): the tree of agents in
swarmtop's Agents view, and what each is running."""

from __future__ import annotations

import os
from typing import Any

from swarmtop.probe import writer
from swarmtop.probe.scope import _Scope
from swarmtop.probe.tasks import _agent_field
from swarmtop.probe.writer import _emit, _fmt_ts, _perf, _s


def agent(agent_id: str, *, name: str = "", parent: str | None = None, status: str = "",
          pid: int | None = None) -> None:
    """Write one native ``agent`` record: ``agent_id``'s name, its parent agent (the tree in
    swarmtop's Agents view), its process (default: this one) and, when it ends, its status
    (``done`` or ``failed``)."""
    if writer._fd < 0:
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
        if writer._fd < 0:
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
