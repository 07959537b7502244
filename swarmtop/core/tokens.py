"""Token totals, cost and burn rate, per model and per agent."""

from __future__ import annotations

from collections import OrderedDict

from swarmtop.core.quantiles import RateWindow
from swarmtop.events import LLMCall
from swarmtop.snapshot import TokenCounts, Tokens

MAX_KEYS = 500  # distinct models / agents kept by name; the rest fold into "(other)"
DEDUPE_KEYS = 200_000  # recent Claude Code message ids remembered for de-duplication


class _Counts:
    __slots__ = ("input", "output", "cache_read", "cache_write", "calls", "cost_usd",
                 "estimated", "unpriced")

    def __init__(self) -> None:
        self.input = self.output = self.cache_read = self.cache_write = 0
        self.calls = self.estimated = self.unpriced = 0
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

    def freeze(self) -> TokenCounts:
        return TokenCounts(
            input=self.input, output=self.output, cache_read=self.cache_read,
            cache_write=self.cache_write, calls=self.calls, cost_usd=round(self.cost_usd, 6),
            estimated=self.estimated, unpriced_calls=self.unpriced,
        )


def _bucket(table: dict[str, _Counts], key: str) -> _Counts:
    c = table.get(key)
    if c is None:
        if len(table) >= MAX_KEYS:
            key = "(other)"
            c = table.get(key)
            if c is not None:
                return c
        c = table[key] = _Counts()
    return c


class TokenLedger:
    def __init__(self, window_s: float = 60.0, budget_usd: float | None = None) -> None:
        self.total = _Counts()
        self.by_model: dict[str, _Counts] = {}
        self.by_agent: dict[str, _Counts] = {}
        self.budget_usd = budget_usd
        self._tokens_rate = RateWindow(window_s)
        self._cost_rate = RateWindow(window_s)
        self._seen: OrderedDict[str, None] = OrderedDict()
        self.duplicates = 0
        self.tokenizer = ""
        self.first_ts: float | None = None

    def is_duplicate(self, key: str | None) -> bool:
        if key is None:
            return False
        if key in self._seen:
            self.duplicates += 1
            return True
        self._seen[key] = None
        if len(self._seen) > DEDUPE_KEYS:
            self._seen.popitem(last=False)
        return False

    def add(self, call: LLMCall, input_tokens: int, output_tokens: int, estimated: bool,
            cost: float | None) -> None:
        """Record one call whose token counts are known (stated or estimated)."""
        cr, cw = call.cache_read_tokens, call.cache_write_tokens
        for c in (self.total, _bucket(self.by_model, call.model),
                  _bucket(self.by_agent, call.agent or "(none)")):
            c.add(input_tokens, output_tokens, cr, cw, cost, estimated)
        if self.first_ts is None or call.ts < self.first_ts:
            self.first_ts = call.ts
        self._tokens_rate.add(call.ts, input_tokens + output_tokens + cr + cw)
        if cost:
            self._cost_rate.add(call.ts, cost)

    def section(self, now: float) -> Tokens:
        t = self.total
        burn = self._cost_rate.per_minute(now, self.first_ts)
        tpm = self._tokens_rate.per_minute(now, self.first_ts)
        exhausted_in: float | None = None
        if self.budget_usd is not None:
            left = self.budget_usd - t.cost_usd
            if left <= 0:
                exhausted_in = 0.0
            elif burn > 0:
                exhausted_in = left / burn * 60.0
        return Tokens(
            input=t.input, output=t.output, cache_read=t.cache_read, cache_write=t.cache_write,
            total=t.input + t.output + t.cache_read + t.cache_write, estimated=t.estimated,
            calls=t.calls, cost_usd=round(t.cost_usd, 6), burn_usd_per_min=round(burn, 6),
            tokens_per_min=round(tpm, 3), budget_usd=self.budget_usd,
            budget_exhausted_in_s=exhausted_in,
            by_model={k: v.freeze() for k, v in self.by_model.items()},
            by_agent={k: v.freeze() for k, v in self.by_agent.items()},
            unpriced_models=sorted(k for k, v in self.by_model.items() if v.unpriced),
            tokenizer=self.tokenizer,
        )
