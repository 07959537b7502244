"""Claude Code's usage metrics, counted for a session only while it sends no ``api_request``
events — never both.

Claude Code states each call's usage twice: as an ``api_request`` event (a log record, the
call with its tokens, cost and duration) and in the counters ``claude_code.token.usage``
(attribute ``type``: input | output | cacheRead | cacheCreation) and ``claude_code.cost.usage``
(USD), each with ``session.id`` and ``model`` (code.claude.com/docs/en/monitoring-usage,
"Token counter", "Cost counter"). A user who exports only metrics (``OTEL_LOGS_EXPORTER``
unset) would see no spend at all if the counters were never read. The rule:

- a session's counters are usage while **no** ``api_request`` event of that session has
  arrived; from its first event on they are ignored (the events are the calls);
- what the counters counted before the events began is a **credit**: the events that follow
  pay it back first (their tokens and dollars count only beyond it), because they restate
  calls the counters already had (metrics every 60 s, events every 5 s: the first minute of a
  session can reach swarmtop as metrics first). Each figure counts once: the larger of the two.

The counters do not say how many requests they sum, so a session counted from them shows one
call per model: one ``LLMCall`` with a ``dedupe_key`` per (session, model), sent again with its
running totals each time they grow (the ledger adds the growth, not another call), and taken
over by that session's first event of the model (which then adds no call of its own either).

Delta sums (Claude Code's default) add their value; cumulative sums
(``OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=cumulative``) add their advance over the
series' previous point — a first point, a new start time or a smaller value counts whole (a
restart). Gauges, histograms and summaries are not usage. Points without ``session.id``
(``OTEL_METRICS_INCLUDE_SESSION_ID=false``) are the agent ``claude-code``, counted only while no
``api_request`` event of any session has arrived; their credit is paid back by any session's.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TypeVar

import msgspec

from swarmtop.events import LLMCall
from swarmtop.sources.otlp_model import Attrs, Point, as_str

TOKEN_METRIC = "claude_code.token.usage"
COST_METRIC = "claude_code.cost.usage"
USAGE_METRICS = frozenset({TOKEN_METRIC, COST_METRIC})
_TYPES = {"input": 0, "output": 1, "cacheRead": 2, "cacheCreation": 3}
NO_SESSION = "claude-code"  # the agent of records without session.id (as for the events)
MEMORY = 10_000  # series, sessions and (session, model) totals remembered


@dataclass(slots=True)
class _Usage:
    tokens: list[float]  # input, output, cache_read, cache_write
    cost: float = 0.0
    has_cost: bool = False
    ts: float = 0.0

    @classmethod
    def empty(cls) -> _Usage:
        return cls([0.0, 0.0, 0.0, 0.0])


_K = TypeVar("_K")
_V = TypeVar("_V")
# a cumulative series: (metric, session, the repr of each (key, value) attribute, sorted)
_Series = tuple[str, str, tuple[str, ...]]


def _bounded_put(d: OrderedDict[_K, _V], key: _K, value: _V, limit: int = MEMORY) -> None:
    d[key] = value
    if len(d) > limit:
        d.popitem(last=False)


def series_key(session: str, model: str) -> str:
    return f"claude_code.metrics:{session}:{model}"


class ClaudeUsage:
    """The book of one source (one mapping thread)."""

    def __init__(self) -> None:
        self._last: OrderedDict[_Series, tuple[int, float]] = OrderedDict()  # cumulative series
        self._totals: OrderedDict[tuple[str, str], _Usage] = OrderedDict()  # counted, by metrics
        self._credit: OrderedDict[tuple[str, str], _Usage] = OrderedDict()  # left to pay back
        self._taken: OrderedDict[tuple[str, str], None] = OrderedDict()  # pseudo-call taken over
        self._with_events: OrderedDict[str, None] = OrderedDict()
        self._any_events = False
        self._grown: dict[tuple[str, str], None] = {}

    # ---- metrics ----------------------------------------------------------------------------
    def point(self, p: Point, resource: Attrs, ts: float) -> None:
        """Count one data point of a usage metric (ignored unless its session has no events)."""
        if p.kind != "sum" or p.value is None:
            return
        attrs = p.attrs
        session = as_str(attrs.get("session.id")) or as_str(resource.get("session.id"))
        if session in self._with_events or (not session and self._any_events):
            return
        session = session or NO_SESSION
        value = self._advance(p, session)
        if value <= 0 or value != value:
            return
        model = as_str(attrs.get("model")) or "unknown"
        key = (session, model)
        total = self._totals.get(key)
        if total is None:
            total = _Usage.empty()
            _bounded_put(self._totals, key, total)
        if p.metric == COST_METRIC:
            total.cost += value
            total.has_cost = True
        else:
            slot = _TYPES.get(as_str(attrs.get("type")))
            if slot is None:
                return
            total.tokens[slot] += value
        total.ts = max(total.ts, ts)
        self._grown[key] = None

    def _advance(self, p: Point, session: str) -> float:
        value = float(p.value or 0.0)
        if p.delta:
            return value
        key = (p.metric, session, tuple(sorted(map(repr, p.attrs.items()))))
        last = self._last.get(key)
        self._last[key] = (p.start_ns, value)
        self._last.move_to_end(key)
        if len(self._last) > MEMORY:
            self._last.popitem(last=False)
        if last is None or last[0] != p.start_ns or value < last[1]:
            return value  # a new series, or one restarted: its whole count is new
        return value - last[1]

    def flush(self, source: str) -> list[LLMCall]:
        """The (session, model) totals that grew in this request, as their running calls."""
        out = []
        for key in self._grown:
            total = self._totals.get(key)
            if total is None or key in self._taken:
                continue
            i, o, cr, cw = (int(round(t)) for t in total.tokens)
            out.append(LLMCall(ts=total.ts, source=source, model=key[1], agent=key[0],
                               input_tokens=i, output_tokens=o, cache_read_tokens=cr,
                               cache_write_tokens=cw,
                               cost_usd=total.cost if total.has_cost else None,
                               dedupe_key=series_key(*key)))
        self._grown.clear()
        return out

    # ---- events -----------------------------------------------------------------------------
    def event(self, call: LLMCall, session: str) -> LLMCall:
        """An ``api_request`` event of ``session``: from now on its metrics are ignored, and
        the event counts only beyond what they counted already."""
        if session not in self._with_events:
            _bounded_put(self._with_events, session, None)
        self._any_events = True
        if not self._totals:
            return call
        model = call.model
        tokens = [float(call.input_tokens or 0), float(call.output_tokens or 0),
                  float(call.cache_read_tokens), float(call.cache_write_tokens)]
        cost = call.cost_usd
        own = (session, model)
        for key in (own, (NO_SESSION, model)):
            credit = self._credit_of(key)
            if credit is None:
                continue
            for n in range(4):
                paid = min(tokens[n], credit.tokens[n])
                tokens[n] -= paid
                credit.tokens[n] -= paid
            if cost is not None and credit.has_cost:
                paid_cost = min(cost, credit.cost)
                cost -= paid_cost
                credit.cost -= paid_cost
        i, o, cr, cw = (int(round(t)) for t in tokens)
        total = self._totals.get(own)
        if total is not None and own not in self._taken and call.agent == session:
            # the first event of this model takes over the metrics' call: the same key,
            # what was counted plus what this event adds (the ledger adds only that)
            _bounded_put(self._taken, own, None)
            ti, to, tcr, tcw = (int(round(t)) for t in total.tokens)
            return _with(call, ti + i, to + o, tcr + cr, tcw + cw,
                         (total.cost + cost) if total.has_cost and cost is not None else None,
                         series_key(*own))
        return _with(call, i, o, cr, cw, cost, call.dedupe_key)

    def _credit_of(self, key: tuple[str, str]) -> _Usage | None:
        credit = self._credit.get(key)
        if credit is None:
            total = self._totals.get(key)
            if total is None:
                return None
            credit = _Usage(list(total.tokens), total.cost, total.has_cost)
            _bounded_put(self._credit, key, credit)
        return credit


def _with(call: LLMCall, i: int, o: int, cr: int, cw: int, cost: float | None,
          key: str | None) -> LLMCall:
    if (i, o, cr, cw, cost, key) == (call.input_tokens, call.output_tokens,
                                      call.cache_read_tokens, call.cache_write_tokens,
                                      call.cost_usd, call.dedupe_key):
        return call
    return msgspec.structs.replace(call, input_tokens=i, output_tokens=o, cache_read_tokens=cr,
                                   cache_write_tokens=cw, cost_usd=cost, dedupe_key=key)
