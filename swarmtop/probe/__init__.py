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

This module is the public face; each job lives in its own module (docs/decisions.md): the file
and its writes (``writer``), start/stop and fork (``lifecycle``), tasks and the context they
give (``tasks``), model requests (``llm``), metrics (``metrics``), agents and tools
(``agents``), logs (``logs``), GC pauses (``gcwatch``).
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

from swarmtop.probe import gcwatch, lifecycle, scope, tasks, writer
from swarmtop.probe.agents import Tool as Tool
from swarmtop.probe.agents import agent as agent
from swarmtop.probe.agents import tool as tool
from swarmtop.probe.lifecycle import ENV_DIR, enabled, path, start, stop
from swarmtop.probe.llm import llm_call
from swarmtop.probe.logs import LogHandler, log
from swarmtop.probe.metrics import Timer as Timer
from swarmtop.probe.metrics import counter, gauge, histogram, rate, timer
from swarmtop.probe.tasks import Task as Task
from swarmtop.probe.tasks import current_task, task

__all__ = [
    "start", "stop", "enabled", "path", "task", "current_task", "llm_call", "counter", "gauge",
    "histogram", "timer", "rate", "log", "LogHandler", "ENV_DIR",
]

# The state and helpers the single module had, still attributes of ``swarmtop.probe``: reading
# one reads the module that now holds it, and setting one sets it there (tests reset
# ``_warned`` and set ``GC_BATCH_S``), so ``probe.X = ...`` keeps meaning what it meant.
_MOVED: dict[ModuleType, tuple[str, ...]] = {
    writer: ("_time", "_perf", "_write", "_fd", "_path", "_pid", "_warned", "_fmt_ts", "_num",
             "_s", "_emit", "_disable", "_warn_once", "_file_name", "_open"),
    lifecycle: ("_dir", "_name", "_lock", "_atexit_registered", "_close_locked",
                "_after_fork_in_child"),
    gcwatch: ("GC_BATCH_S", "_gc_on", "_gc_acc", "_gc_t0", "_gc_last_flush", "_gc_reset",
              "_gc_record", "_gc_flush", "_gc_callback", "_set_gc"),
    tasks: ("_ids", "_current", "_agent_field"),
    scope: ("F", "_Scope"),
}


def _moved(home: ModuleType, name: str) -> property:
    def get(_module: ModuleType) -> Any:
        return getattr(home, name)

    def set_(_module: ModuleType, value: Any) -> None:
        setattr(home, name, value)

    return property(get, set_)


class _ProbeModule(ModuleType):
    """``swarmtop.probe`` itself, with the moved names as properties (Python's documented way
    to customise setting a module's attributes: a ModuleType subclass as its ``__class__``)."""


for _holder, _attrs in _MOVED.items():
    for _attr in _attrs:
        setattr(_ProbeModule, _attr, _moved(_holder, _attr))
del _holder, _attrs, _attr

sys.modules[__name__].__class__ = _ProbeModule
