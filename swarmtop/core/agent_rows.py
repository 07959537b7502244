"""How an agent's figures read in a snapshot: the tree order of the rows, the activity
stream's entries and rounded figures."""

from __future__ import annotations

import msgspec

from swarmtop.core.agent_status import secs
from swarmtop.events import ToolCall
from swarmtop.snapshot import AgentRow


def tree_order(rows: dict[str, AgentRow], order: dict[str, tuple[float, str]]) -> list[AgentRow]:
    """Depth-first: each agent followed by its children, siblings in ``order``."""
    children: dict[str | None, list[str]] = {}
    for rid, r in rows.items():
        parent = r.parent if r.parent in rows and r.parent != rid else None
        children.setdefault(parent, []).append(rid)
    out: list[AgentRow] = []
    seen: set[str] = set()

    def visit(rid: str, depth: int) -> None:
        if rid in seen:
            return
        seen.add(rid)
        r = rows[rid]
        out.append(r if depth == 0 else _with_depth(r, depth))
        for child in sorted(children.get(rid, ()), key=order.__getitem__):
            visit(child, depth + 1)

    for rid in sorted(children.get(None, ()), key=order.__getitem__):
        visit(rid, 0)
    for rid in rows:  # a cycle of parents: shown at the top rather than lost
        visit(rid, 0)
    return out


def _with_depth(r: AgentRow, depth: int) -> AgentRow:
    return msgspec.structs.replace(r, depth=depth)


def stream_entry(ev: ToolCall) -> tuple[float, str]:
    """(time, what a person reads) of a tool's end in the activity stream."""
    took = f" {secs(ev.duration_ms / 1000)}" if ev.duration_ms is not None else ""
    what = f"{ev.tool}: {ev.summary}" if ev.summary else ev.tool
    return (ev.ts, f"{what}{took}") if ev.ok else (ev.ts, f"{what}{took} failed: {ev.error}")


def rounded(v: float | None) -> float | None:
    return None if v is None else round(v, 3)

