"""Events whose log gave them no time (events.UNTIMED): what the snapshot says of them.
How they are counted: docs/decisions.md, "Untimed events"."""

from __future__ import annotations


def untimed_why(n: int, event_time: bool, since: bool) -> str:
    """``sources.untimed_why`` for ``n`` such events ("" when none): live they were stamped
    when read; on event time they count in totals only, and under --since are skipped."""
    if not n:
        return ""
    if not event_time:
        return f"{n} events had no time in their log: stamped when they were read"
    if since:
        return f"{n} events have no time in their log: --since cannot place them, skipped"
    return (f"{n} events have no time in their log: counted in the totals, left out of "
            "rates, burn, uptime and alert windows")
