"""The agent.* alert readings (core/signals.py METRICS): the worst agent of each, from a
snapshot's rows or from the book's own figures on a backlog tick."""

from __future__ import annotations

import msgspec

from swarmtop.core.agent_record import LOOP_WINDOW_S
from swarmtop.core.signals import Reading
from swarmtop.snapshot import AgentRow


class _Figures(msgspec.Struct, array_like=True):
    """What the agent.* readings read of one agent (a row, or the book on a backlog tick)."""

    name: str
    status: str
    activity: str
    loop_count: int
    loop: str
    context_pct: float | None
    burn: float


def readings(rows: list[AgentRow]) -> dict[str, Reading]:
    """The agent.* alert metrics (core/signals.py METRICS) of a snapshot's rows."""
    return _readings([_Figures(r.name, r.status, r.activity, r.loop_count, r.loop,
                               r.context_used_pct, r.burn_usd_per_min) for r in rows])


def _readings(items: list[_Figures]) -> dict[str, Reading]:
    """Worst agent as the subject of each."""
    out: dict[str, Reading] = {}
    if not items:
        return out
    looping = [r for r in items if r.loop_count]
    if looping:
        r = max(looping, key=lambda r: r.loop_count)
        what = f"{r.loop} x{r.loop_count} in {int(LOOP_WINDOW_S // 60)} min"
        out["agent.loop_repeats"] = Reading(float(r.loop_count), f"{r.name}: {what}")
    stalled = [r for r in items if r.status == "stalled"]
    out["agent.stalled"] = Reading(1.0 if stalled else 0.0,
                                   f"{stalled[0].name} ({stalled[0].activity})" if stalled else "")
    ctx = [r for r in items if r.context_pct is not None and r.status not in ("done", "failed")]
    if ctx:
        r = max(ctx, key=lambda r: r.context_pct or 0.0)
        out["agent.context_used"] = Reading((r.context_pct or 0.0) / 100.0, r.name)
    spending = sorted(r.burn for r in items if r.burn > 0)
    if len(spending) >= 3:
        median = spending[len(spending) // 2] if len(spending) % 2 else (
            spending[len(spending) // 2 - 1] + spending[len(spending) // 2]) / 2
        top = max(items, key=lambda r: r.burn)
        if median > 0:
            out["agent.spend_vs_median"] = Reading(top.burn / median, top.name)
    return out
