"""When the analyzers tick while a backlog is read on event time (reports, replays): the log
time between ticks, the longer step when only the trends can move (the lean tick), which
groups of readings a tick computes, and the ticks through a silent gap. The aggregator asks
this module and nothing else; why the steps are what they are: docs/decisions.md, "Backlog
ticks".
"""

from __future__ import annotations

from collections.abc import Iterable

from swarmtop.core.alerts import Rule
from swarmtop.core.signals import RuleReads

MAX_STEP_S = 15.0
# While a backlog is read on event time, ticks come at least this far apart in log time:
# a report of hours of logs ticks thousands of times (each a few µs).
BACKLOG_STEP_S = 5.0
# When a backlog tick can only move the trends (no rule reads anything but the silence, no
# task, process or --record seen), the next one comes this much later: alerts on silence
# are served by the gap ticks, the trend series (600 points) then span 5 h.
LEAN_BACKLOG_STEP_S = 30.0
# A silent gap in a backlog's log time is ticked through at most this many times (plus once
# at its end): a night without events costs a few dozen ticks, not thousands.
MAX_GAP_TICKS = 64
GAP_MARK_TICKS = 3  # ticks a step apart where a silence rule starts to hold, and fires


def gap_silence(rules: Iterable[Rule], step_s: float) -> tuple[float, list[tuple[float, float]]]:
    """What ticking through a silent gap is for: the rules on ``source.silence_s`` that a
    long silence sets off (``>``/``>=``; one comparing the other way only holds while events
    flow, which the tick after each event sees). Returns the shortest gap worth ticking
    through (their lowest threshold, at least ``step_s``; inf without such a rule) and each
    one's (threshold, for): where in a gap it starts to hold and where it fires."""
    rising = [r for r in rules if r.metric == "source.silence_s" and r.comparison in (">", ">=")]
    if not rising:
        return float("inf"), []
    return (max(step_s, min(r.threshold for r in rising)),
            sorted({(r.threshold, r.for_s) for r in rising}))


class TickSchedule:
    """The backlog tick steps and reads of one rule set (``min_for_s``: its shortest `for`)."""

    def __init__(self, rules: list[Rule], interval_s: float, min_for_s: float,
                 budget: bool, dynamic: list[str]) -> None:
        # between ticks a condition may go unseen for one step: keep that small against the
        # shortest `for`, but no finer than the snapshot interval
        self.step_s = min(MAX_STEP_S, max(interval_s, min_for_s / 5 if min_for_s else 0.0))
        self.backlog_step_s = max(self.step_s, BACKLOG_STEP_S)
        self.lean_step_s = max(self.backlog_step_s, LEAN_BACKLOG_STEP_S)
        # what a backlog tick computes: the readings some rule reads (the rest go unread)
        self.reads = RuleReads.of((r.metric for r in rules), budget)
        # no rule reads a token figure or a custom metric: with no task, no process and no
        # --record seen yet, a tick's readings are at most source.silence_s (the lean tick)
        self.lean = not self.reads.tokens and not dynamic
        # a backlog's silent gap longer than this is ticked through (gap_times): the shortest
        # silence some rule on source.silence_s can act on (inf: no such rule)
        self.gap_s, self.gap_marks = gap_silence(rules, self.backlog_step_s)

    def after(self, lean: bool) -> float:
        """The log time to the next tick after a (lean or full) one: ``lean_step_s`` after a
        lean tick (nothing but the trends can move between events then: right after an event
        silence is 0, and a silent gap is ticked through by ``gap_times``)."""
        return self.lean_step_s if lean else self.backlog_step_s

    def gap_times(self, quiet_from: float, until: float, next_tick: float) -> list[float]:
        """The ticks through a silent stretch of log time, from ``quiet_from`` (the newest
        event) to ``until`` (the event that ends it), so ``source.silence_s`` rises as it did
        live. Silence only grows in a gap, so a rule's state can change only where it starts
        to hold and where its ``for`` is served: a few ticks a step apart at each of those
        (it fires within a step of when it did live), at most MAX_GAP_TICKS spread evenly over
        the rest, and last ``until``, where the silence is the whole gap."""
        step = self.backlog_step_s
        start = max(next_tick, quiet_from + self.gap_s)
        times: set[float] = set()
        for threshold, for_s in self.gap_marks:
            for mark in (threshold, threshold + for_s):
                t = quiet_from + mark
                for k in range(GAP_MARK_TICKS):
                    if start <= t + k * step < until:
                        times.add(t + k * step)
        spacing = max(step, (until - start) / MAX_GAP_TICKS)
        t = start
        while t < until:
            times.add(t)
            t += spacing
        return [*sorted(times), until]
