"""Token totals, cost and burn rate, per model and per agent; savings from what was seen."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from swarmtop.core.prices import Rates
from swarmtop.core.rates import PairRateWindow
from swarmtop.core.savings import SavingsTracker
from swarmtop.core.signals import TickTokens
from swarmtop.events import LLMCall
from swarmtop.snapshot import TokenCounts, Tokens

MAX_KEYS = 500  # distinct models / agents kept by name; the rest fold into "(other)"
DEDUPE_KEYS = 200_000  # recent response keys (message.id:requestId) remembered, by hash
GROUPS = 10_000  # open groups of calls a later record may restate (stream-json runs x models)


class _Counts:
    __slots__ = ("input", "output", "cache_read", "cache_write", "calls", "cost_usd",
                 "estimated", "unpriced", "errors")

    def __init__(self) -> None:
        self.input = self.output = self.cache_read = self.cache_write = 0
        self.calls = self.estimated = self.unpriced = self.errors = 0
        self.cost_usd = 0.0

    def add(self, i: int, o: int, cr: int, cw: int, cost: float | None, est: bool) -> None:
        self.input += i
        self.output += o
        self.cache_read += cr
        self.cache_write += cw
        self.calls += 1
        if est:
            self.estimated += i + o
        if cost is None:
            self.unpriced += 1
        else:
            self.cost_usd += cost

    def grow(self, i: int, o: int, cr: int, cw: int, cost: float | None, est: bool) -> None:
        """Tokens added to a call already counted (not a new call)."""
        self.input += i
        self.output += o
        self.cache_read += cr
        self.cache_write += cw
        if est:
            self.estimated += i + o
        if cost is not None:
            self.cost_usd += cost

    def merge(self, other: _Counts) -> None:
        for name in _Counts.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def freeze(self) -> TokenCounts:
        return TokenCounts(
            input=self.input, output=self.output, cache_read=self.cache_read,
            cache_write=self.cache_write, calls=self.calls, cost_usd=round(self.cost_usd, 6),
            estimated=self.estimated, unpriced_calls=self.unpriced, errors=self.errors,
        )


class _AgentCounts(_Counts):
    """An agent's counts, with its own rolling tokens and dollars (its $/min and tok/min)."""

    __slots__ = ("rate",)

    def __init__(self, window_s: float = 60.0) -> None:
        super().__init__()
        self.rate = PairRateWindow(window_s)


C = TypeVar("C", bound=_Counts)


def _bucket(table: dict[str, C], key: str, make: Callable[[], C]) -> C:
    c = table.get(key)
    if c is None:
        if len(table) >= MAX_KEYS:
            key = "(other)"
            c = table.get(key)
            if c is not None:
                return c
        c = table[key] = make()
    return c


_Seen = tuple[int, int, int, int, float | None]


def shown_per_min(tokens_per_min: float) -> float:
    """tokens_per_min as every path gives it: to 3 decimals. round(x, 3) is a decimal
    conversion (~0.2 us a backlog tick); a whole number (the window's token sum once the run
    is a window long) is its own rounding."""
    return tokens_per_min if tokens_per_min.is_integer() else round(tokens_per_min, 3)


def exhausted_in_s(budget_usd: float | None, spent_usd: float,
                   burn_usd_per_min: float) -> float | None:
    """Seconds until the budget is spent at the current burn: 0 once spent, None with no
    budget or no spending (the one place ``budget_exhausted_in_s`` is computed)."""
    if budget_usd is None:
        return None
    left = budget_usd - spent_usd
    if left <= 0:
        return 0.0
    return left / burn_usd_per_min * 60.0 if burn_usd_per_min > 0 else None


def growth_cost(rates: Rates, request_input: int, i: int, o: int, cr: int, cw: int) -> float:
    """The dollars of tokens a repeated response line adds, priced at the tier of the whole
    request (``request_input``: its input, cache read and cache write tokens)."""
    r = rates.for_request(request_input)
    return i * r.input + o * r.output + cr * r.cache_read + cw * r.cache_write


class TokenLedger:
    def __init__(self, window_s: float = 60.0, budget_usd: float | None = None) -> None:
        self.by_model: dict[str, _Counts] = {}
        self.by_agent: dict[str, _AgentCounts] = {}
        self.budget_usd = budget_usd
        self.window_s = window_s
        self._rate = PairRateWindow(window_s)  # tokens and dollars, one-second buckets
        self._seen: dict[int, _Seen] = {}  # insertion-ordered: the oldest is evicted first
        self.duplicates = 0
        self.tokenizer = ""
        self.first_ts: float | None = None
        self.savings = SavingsTracker()
        # group -> [input, output, cache read, cache write, cost, calls] counted under it
        self._groups: dict[str, list[float]] = {}
        self.restated_usd = 0.0  # what stated costs moved the computed ones by, in all

    @property
    def total(self) -> _Counts:
        """Totals are the sum over models (every call has exactly one model bucket), summed
        when a snapshot asks rather than updated a third time per call."""
        t = _Counts()
        for c in self.by_model.values():
            t.merge(c)
        return t

    def repeat(self, key: str | None, i: int, o: int, cr: int, cw: int,
               cost: float | None) -> tuple[int, int, int, int, float | None] | None:
        """Claude Code writes one line per content block of a response, all with the same
        ``message.id:requestId``, and ``output_tokens`` can grow from line to line as the
        response streams (the first line may say 1). So a key counts once, at its largest
        figures: the first time it is seen this returns ``None`` (count the call in full);
        after that it returns only the growth over what was counted — all zeros for a plain
        duplicate — which adds tokens but not a call. Keys are kept by hash, the last
        DEDUPE_KEYS of them."""
        if key is None:
            return None
        h = hash(key)
        seen = self._seen.get(h)
        if seen is None:
            self._seen[h] = (i, o, cr, cw, cost)
            if len(self._seen) > DEDUPE_KEYS:
                del self._seen[next(iter(self._seen))]
            return None
        return self._growth(h, seen, i, o, cr, cw, cost)

    def _growth(self, h: int, seen: _Seen, i: int, o: int, cr: int, cw: int,
                cost: float | None) -> tuple[int, int, int, int, float | None]:
        """A repeat of the key hashed ``h``: what it adds over ``seen`` (what was counted),
        which is raised to match."""
        self.duplicates += 1
        si, so, scr, scw, sc = seen
        # max(0, x) written out: a backlog repeats most responses several times
        di = i - si if i > si else 0
        do = o - so if o > so else 0
        dcr = cr - scr if cr > scr else 0
        dcw = cw - scw if cw > scw else 0
        dcost = None if cost is None else max(0.0, cost - (sc or 0.0))
        if di or do or dcr or dcw or dcost:
            best = sc if cost is None else (cost if sc is None else max(cost, sc))
            self._seen[h] = (si + di, so + do, scr + dcr, scw + dcw, best)
        return di, do, dcr, dcw, dcost

    def grouped(self, group: str, i: int, o: int, cr: int, cw: int, cost: float | None) -> None:
        """A call counted under ``group``, whose totals a later record may restate."""
        g = self._groups.get(group)
        if g is None:
            g = self._groups[group] = [0, 0, 0, 0, 0.0, 0]
            if len(self._groups) > GROUPS:
                del self._groups[next(iter(self._groups))]
        g[0] += i
        g[1] += o
        g[2] += cr
        g[3] += cw
        g[4] += cost or 0.0
        g[5] += 1

    def restate(self, group: str, i: int, o: int, cr: int, cw: int, cost: float | None
                ) -> tuple[int, int, int, int, float | None] | None:
        """A record stating ``group``'s totals (stream-json's result line, per model): None
        when no call was counted under it (the record is the call), else what it adds — the
        tokens beyond what was counted and, when it states a cost, that cost less the cost
        counted (negative when the price table said more: a stated cost wins). The group is
        closed: a later call starts a new one."""
        g = self._groups.pop(group, None)
        if g is None or not g[5]:
            return None
        di, do, dcr, dcw = (max(0, int(v - c)) for v, c in zip((i, o, cr, cw), g[:4],
                                                                strict=True))
        dcost = None if cost is None else cost - g[4]
        if dcost is not None:
            self.restated_usd += dcost
        return di, do, dcr, dcw, dcost

    def add(self, call: LLMCall, input_tokens: int, output_tokens: int, estimated: bool,
            cost: float | None, rates: Rates | None = None, timed: bool = True) -> None:
        """Record one call whose token counts are known (stated or estimated). An untimed call
        (``timed=False``: its log gave it no time) counts in the totals only: no rate window,
        no run start, no savings (which read the time between calls)."""
        cr, cw = call.cache_read_tokens, call.cache_write_tokens
        model, ts = call.model, call.ts
        by_model = self.by_model.get(model) or _bucket(self.by_model, model, _Counts)
        agent = call.agent or "(none)"
        by_agent = self.by_agent.get(agent) or self._agent_bucket(agent)
        # _Counts.add for both tables, written out (once per call of a backlog)
        for c in (by_model, by_agent):
            if not call.ok:
                c.errors += 1
            c.input += input_tokens
            c.output += output_tokens
            c.cache_read += cr
            c.cache_write += cw
            c.calls += 1
            if estimated:
                c.estimated += input_tokens + output_tokens
            if cost is None:
                c.unpriced += 1
            else:
                c.cost_usd += cost
        if not timed:
            return
        first = self.first_ts
        if first is None or ts < first:
            self.first_ts = ts
        self._rate.add(ts, input_tokens + output_tokens + cr + cw, cost or 0.0)
        by_agent.rate.add(ts, input_tokens + output_tokens + cr + cw, cost or 0.0)
        self.savings.observe(ts, call.agent, model, input_tokens, output_tokens, cr, cw, rates)

    def _agent_bucket(self, agent: str) -> _AgentCounts:
        return _bucket(self.by_agent, agent, lambda: _AgentCounts(self.window_s))

    def add_calls(self, calls: list[LLMCall], start: int,
                  rates_of: Callable[[str], Rates | None]) -> tuple[int, int]:
        """The backlog path: the calls from ``calls[start]`` on whose usage is stated
        (not estimated, and a response key, if any, not seen before), recorded in order in
        one pass; the cost is the stated one, else priced with ``rates_of(model)``. Stops at
        the first call that needs the careful path (``CallCounter.add`` in core/calls.py: an
        estimate, a repeated key). Returns (where it stopped, how many of the calls it took
        failed). The same state as ``repeat`` and ``add`` call by call: the same sums in the
        same order; calls within one second go to the rate window's bucket directly."""
        by_model, by_agent = self.by_model, self.by_agent
        seen = self._seen
        models: dict[str, tuple[_Counts, Rates | None]] = {}  # model -> its bucket and rates
        rate_add = self._rate.add
        observe = self.savings.observe
        first = self.first_ts
        # the rate window's newest bucket, while the calls stay in its second [lo, hi)
        bucket: list[float] | None = None
        lo = hi = 0.0
        failed = 0
        k = start
        try:
            for k in range(start, len(calls)):
                call = calls[k]
                i, o = call.input_tokens, call.output_tokens
                if call.estimated or (i is None and o is None) or call.group is not None:
                    return k, failed
                if i is None:
                    i = 0
                if o is None:
                    o = 0
                cr, cw = call.cache_read_tokens, call.cache_write_tokens
                model = call.model
                entry = models.get(model)
                if entry is None:
                    entry = models[model] = (
                        by_model.get(model) or _bucket(by_model, model, _Counts), rates_of(model))
                mc, rates = entry
                agent = call.agent or "(none)"
                ac = by_agent.get(agent) or self._agent_bucket(agent)
                key = call.dedupe_key
                if key is not None:
                    h = hash(key)
                    prior = seen.get(h)
                    if prior is None:  # ``repeat``'s first sight of a key, written out
                        seen[h] = (i, o, cr, cw, call.cost_usd)
                        if len(seen) > DEDUPE_KEYS:
                            del seen[next(iter(seen))]
                    else:  # another line of a response counted before: only its growth
                        self._grow_seen(h, prior, call, i, o, cr, cw, rates)
                        lo = hi = 0.0  # the rate window may have a new newest bucket
                        continue
                cost = call.cost_usd  # a cost stated in the log wins
                if cost is None and rates is not None:
                    cost = rates.cost(i, o, cr, cw, call.cache_write_1h_tokens)
                if not call.ok:
                    failed += 1
                    mc.errors += 1
                    ac.errors += 1
                # _Counts.add for both tables, written out
                mc.input += i
                mc.output += o
                mc.cache_read += cr
                mc.cache_write += cw
                mc.calls += 1
                ac.input += i
                ac.output += o
                ac.cache_read += cr
                ac.cache_write += cw
                ac.calls += 1
                if cost is None:
                    mc.unpriced += 1
                    ac.unpriced += 1
                    dollars = 0.0
                else:
                    mc.cost_usd += cost
                    ac.cost_usd += cost
                    dollars = cost or 0.0
                ts = call.ts
                if first is None or ts < first:
                    first = ts
                # float(int(ts)) == bucket[0], the window's own test (lo == hi: no bucket)
                if bucket is not None and lo <= ts < hi:
                    bucket[1] += i + o + cr + cw
                    bucket[2] += dollars
                else:
                    bucket = rate_add(ts, i + o + cr + cw, dollars)
                    # (a negative second is left to rate_add: int() truncates toward zero)
                    lo, hi = (bucket[0], bucket[0] + 1.0) if bucket and bucket[0] >= 0 else (
                        0.0, 0.0)
                ac.rate.add(ts, i + o + cr + cw, dollars)
                if rates is not None:
                    observe(ts, call.agent, model, i, o, cr, cw, rates)
            k = len(calls)
        finally:
            self.first_ts = first
        return k, failed

    def _grow_seen(self, h: int, prior: _Seen, call: LLMCall, i: int, o: int, cr: int,
                   cw: int, rates: Rates | None) -> None:
        """A repeated response line on the bulk path: ``repeat`` with the key's hash and
        what it holds, then what ``CallCounter.add`` in core/calls.py does with the growth. Not a
        new call, not a failure."""
        di, do, dcr, dcw, dcost = self._growth(h, prior, i, o, cr, cw, call.cost_usd)
        if di or do or dcr or dcw or dcost:
            if dcost is None and rates is not None:
                dcost = growth_cost(rates, i + cr + cw, di, do, dcr, dcw)
            self.add_growth(call, (di, do, dcr, dcw), dcost, False)

    def add_growth(self, call: LLMCall, grow: tuple[int, int, int, int], cost: float | None,
                   estimated: bool, timed: bool = True) -> None:
        """Tokens a repeated response line adds over its first line (not a new call)."""
        i, o, cr, cw = grow
        ac = self._agent_bucket(call.agent or "(none)")
        for c in (_bucket(self.by_model, call.model, _Counts), ac):
            c.grow(i, o, cr, cw, cost, estimated)
        if not timed:
            return
        self._rate.add(call.ts, i + o + cr + cw, cost or 0.0)
        ac.rate.add(call.ts, i + o + cr + cw, cost or 0.0)

    def agent_rates(self, agent: str, now: float) -> tuple[float, float]:
        """(tokens per minute, dollars per minute) of one agent over the rolling window."""
        c = self.by_agent.get(agent)
        if c is None:
            return 0.0, 0.0
        return c.rate.per_minute(now, self.first_ts)

    def tick_tokens(self, now: float, money: bool = True) -> TickTokens:
        """``section``'s figures that a backlog tick reads, as a small Struct (built per
        tick). ``money=False`` (no alert rule reads a tokens.* metric): only ``calls`` and
        ``tokens_per_min`` are figured (the trend's), the dollar fields are left at zero."""
        calls = 0
        if not money:
            for c in self.by_model.values():
                calls += c.calls
            tpm = self._rate.per_minute_a(now, self.first_ts) if calls else 0.0
            return TickTokens(calls, 0.0, 0.0, shown_per_min(tpm), None, None)
        cost = 0.0
        for c in self.by_model.values():  # the same order and sums as ``total``
            calls += c.calls
            cost += c.cost_usd
        tpm, burn = self._rate.per_minute(now, self.first_ts)
        budget = self.budget_usd
        return TickTokens(calls, round(cost, 6), round(burn, 6), shown_per_min(tpm), budget,
                          exhausted_in_s(budget, cost, burn))

    def tick_tokens_per_min(self, now: float) -> float | None:
        """``tick_tokens(now, money=False).tokens_per_min``, None before the first call."""
        for c in self.by_model.values():
            if c.calls:
                return shown_per_min(self._rate.per_minute_a(now, self.first_ts))
        return None

    def section(self, now: float, savings: bool = True) -> Tokens:
        """``savings=False``: leave the savings list empty (the analyzers' backlog ticks do not
        read it, and it re-sorts every model's sample whenever a call arrived)."""
        t = self.total
        tpm, burn = self._rate.per_minute(now, self.first_ts)
        exhausted_in = exhausted_in_s(self.budget_usd, t.cost_usd, burn)
        return Tokens(
            input=t.input, output=t.output, cache_read=t.cache_read, cache_write=t.cache_write,
            total=t.input + t.output + t.cache_read + t.cache_write, estimated=t.estimated,
            calls=t.calls, cost_usd=round(t.cost_usd, 6), burn_usd_per_min=round(burn, 6),
            tokens_per_min=shown_per_min(tpm), budget_usd=self.budget_usd,
            budget_exhausted_in_s=exhausted_in,
            by_model={k: v.freeze() for k, v in self.by_model.items()},
            by_agent={k: v.freeze() for k, v in self.by_agent.items()},
            savings=self.savings.section() if savings else [],
            unpriced_models=sorted(k for k, v in self.by_model.items() if v.unpriced),
            tokenizer=self.tokenizer,
        )
