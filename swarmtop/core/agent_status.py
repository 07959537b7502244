"""What an agent is doing now, from the evidence in its record: its status and activity,
its usual gap between events, the loop signal, and how long an answer holds (docs/agents.md).
``AgentBook`` (core/agents.py) asks these of each agent it keeps."""

from __future__ import annotations

import math
from collections import Counter, deque
from operator import itemgetter

from swarmtop.core.agent_record import (
    ASK_TOOLS,
    GONE_AFTER_S,
    IDLE_AFTER_S,
    LOOP_WINDOW_S,
    STALL_GAPS,
    STALL_MIN_S,
    WORKING_FOR_S,
    _Agent,
)
from swarmtop.snapshot import ProcessInfo


def status(a: _Agent, now: float, proc: ProcessInfo | None) -> tuple[str, str]:
    """(status, activity) of ``a`` at ``now`` from the evidence (docs/agents.md)."""
    if a.last_ts == -math.inf and not a.turn:
        return "idle", ""  # named, nothing done yet
    silent = now - a.last_ts if a.last_ts > -math.inf else math.inf
    if a.turn == "failed":
        return "failed", "failed"
    if a.turn == "done":
        return "done", "done"
    if proc is not None and not proc.alive:
        code = proc.exit_code
        if code not in (None, 0):
            return "failed", f"process exited with code {code}"
        return "done", "process exited"
    stall_after = max(STALL_MIN_S, STALL_GAPS * usual_gap(a))
    gone = silent > GONE_AFTER_S and (proc is None or not proc.alive)
    if a.in_flight:
        tool, start, summary = next(reversed(a.in_flight.values()))  # the newest started
        what = f"{tool}: {summary}" if summary else tool
        if tool in ASK_TOOLS:
            return "waiting", f"asks the user ({secs(now - start)})"
        if gone:
            return "idle", f"quiet for {secs(silent)} with {tool} unfinished"
        if silent > stall_after:
            return "stalled", f"{what} ({secs(now - start)}, no event for {secs(silent)})"
        return "working", f"{what} ({secs(now - start)})"
    if a.turn == "model":
        model = a.model or "the model"
        if gone:
            return "idle", f"quiet for {secs(silent)}, no reply from {model}"
        if silent > stall_after:
            return "stalled", f"waiting on {model} ({secs(silent)}, no reply)"
        return "working", f"waiting on {model} ({secs(now - a.turn_ts)})"
    if a.turn == "user":
        if silent > IDLE_AFTER_S:
            return "idle", f"idle ({secs(silent)})"
        return "waiting", f"waiting for input ({secs(now - a.turn_ts)})"
    if silent <= max(WORKING_FOR_S, 3 * usual_gap(a)):
        return "working", ""
    if proc is not None and proc.alive and silent > stall_after:
        return "stalled", f"no event for {secs(silent)} (process alive)"
    return "idle", f"idle ({secs(silent)})"


def usual_gap(a: _Agent) -> float:
    """Its median busy gap, kept until its next event."""
    if a._gap[0] != a.version:
        a._gap = (a.version, _median(a.gaps))
    return a._gap[1]


def loop(a: _Agent, now: float) -> tuple[int, str]:
    """The most repeated tool input or error within the loop window: (times, what).
    Kept until the next entry of ``recent`` or until the oldest one counted leaves the
    window (a backlog asks at every tick)."""
    version, until, n, what = a._loop
    if version == a.repeats and now < until:
        return n, what
    window = [e for e in a.recent if now - e[0] <= LOOP_WINDOW_S]
    if window:
        # the first most repeated, in order of first appearance (Counter keeps it), and
        # the earliest of each entry's first time (the window's entries may be out of
        # order): a dict built from the end keeps each entry's first time
        what, n = max(Counter([item for _ts, item in window]).items(), key=_second)
        until = min({item: ts for ts, item in reversed(window)}.values()) + LOOP_WINDOW_S
    else:
        what, n, until = "", 0, math.inf
    a._loop = (a.repeats, until, n, what)
    return n, what


def steady(a: _Agent, now: float, status: str) -> float:
    """(no process known) The silence up to which ``status`` keeps this answer for ``a``
    as it is: the next mark its rules compare the silence with, at ``now`` or later. A
    stalled agent's activity (which ``agent.stalled`` names) moves with the clock: never
    kept. Of the others only the status is read (``_readings``)."""
    if status == "stalled":
        return -math.inf
    if a.last_ts == -math.inf or a.turn in ("failed", "done"):
        return math.inf  # the silence is infinite, or not read
    silent = now - a.last_ts
    if a.in_flight:
        if next(reversed(a.in_flight.values()))[0] in ASK_TOOLS:
            return math.inf  # waiting on the user, however long
        marks: tuple[float, ...] = (GONE_AFTER_S,
                                    max(STALL_MIN_S, STALL_GAPS * usual_gap(a)))
    elif a.turn == "model":
        marks = (GONE_AFTER_S, max(STALL_MIN_S, STALL_GAPS * usual_gap(a)))
    elif a.turn == "user":
        marks = (IDLE_AFTER_S,)
    else:
        marks = (max(WORKING_FOR_S, 3 * usual_gap(a)),)
    return min((m for m in marks if m >= silent), default=math.inf)


_second = itemgetter(1)


def _median(values: deque[float]) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[(len(s) - 1) // 2]  # the lower median: one long wait does not set the bar


def secs(s: float) -> str:
    """A duration as a person reads it: 42 s, 3 m, 2 h."""
    if not math.isfinite(s):
        return "?"
    s = max(0.0, s)
    if s < 60:
        return f"{s:.0f} s"
    if s < 3600:
        return f"{s / 60:.0f} m"
    return f"{s / 3600:.1f} h"

