"""Savings worth making, computed from the calls observed — never a fixed percentage.

Each suggestion carries dollars computed with the call's own prices and a ``why`` naming the
evidence:

- caching: an agent's calls to one model re-send the context of its previous call (agent
  conversations grow: call k+1 carries call k's input again). Re-sent tokens that were not
  cache reads, within the 5-minute cache lifetime of the previous call, could have been read
  from the cache: saving (input rate - cache-read rate) on each, less the cache-write premium
  on the new tokens that would have had to be written.
- batching: many small calls (< 2,000 input tokens) to one model arriving within the same
  10 seconds. Each pays at least the smallest input seen for that model (the fixed
  instructions every call repeats); one request per burst would pay it once.
- compression: calls whose input is over 4x the model's median input and 20x their own
  output (recent 2,000 calls per model). Trimming them to the median input saves the excess
  at the input price that call actually paid.

Memory is bounded (streams, models and samples are capped); the per-call work is a few dict
operations.
"""

from __future__ import annotations

from collections import deque
from statistics import median

from swarmtop.core.prices import Rates
from swarmtop.snapshot import Saving

CACHE_TTL_S = 300.0  # Anthropic's default prompt-cache lifetime
SMALL_CALL = 2_000  # input-side tokens
BURST_S = 10.0
MIN_BURST_CALLS = 10
LONG_INPUT_X_MEDIAN = 4.0
LONG_INPUT_X_OUTPUT = 20.0
MIN_LONG_INPUT = 10_000
SAMPLE = 2_000
MAX_STREAMS = 5_000
MAX_MODELS = 100
MIN_USD = 0.01


class _Stream:
    __slots__ = ("ts", "side")

    def __init__(self, ts: float, side: int) -> None:
        self.ts = ts
        self.side = side


class _Model:
    __slots__ = ("cache_usd", "cache_calls", "resent_uncached", "calls", "input_side",
                 "cache_read", "small_calls", "floor", "burst_calls", "burst_bucket",
                 "burst_rate", "sample", "name", "sampled", "last_long")

    def __init__(self, name: str) -> None:
        self.name = name
        self.cache_usd = 0.0
        self.cache_calls = self.resent_uncached = self.calls = self.input_side = 0
        self.cache_read = 0
        self.small_calls = self.burst_calls = 0
        self.floor: int | None = None
        self.burst_bucket: float | None = None
        self.burst_rate = 0.0
        # (input side, output, input, cache read, cache write, the rates paid) of recent calls
        self.sample: deque[tuple[int, int, int, int, int, Rates]] = deque(maxlen=SAMPLE)
        # calls ever put in the sample, and the ordinal of the last one long enough to be
        # trimmed whatever the median (the median-free half of the compression test): while
        # none is left in the sample a section skips the median and the scan of 2,000 calls
        self.sampled = 0
        self.last_long = -1


class SavingsTracker:
    def __init__(self) -> None:
        self._streams: dict[tuple[str, str], _Stream] = {}  # oldest evicted first
        self._models: dict[str, _Model] = {}
        self._version = 0
        self._cached: tuple[int, list[Saving]] = (-1, [])

    def observe(self, ts: float, agent: str, model: str, i: int, o: int, cr: int, cw: int,
                rates: Rates | None) -> None:
        if rates is None:
            return  # no price, no dollars: nothing honest to suggest
        m = self._models.get(model)
        if m is None:
            if len(self._models) >= MAX_MODELS:
                return
            m = self._models[model] = _Model(model)
        self._version += 1
        side = i + cr + cw
        r = rates
        for start, tier in reversed(rates.tiers):  # rates.for_request(side), inlined
            if side > start:
                r = tier
                break
        m.calls += 1
        m.input_side += side
        m.cache_read += cr
        # caching: context re-sent since the previous call of this agent and model
        key = (agent, model)
        prev = self._streams.get(key)
        if prev is not None and 0 <= ts - prev.ts <= CACHE_TTL_S:
            # (conditionals rather than min/max: this runs once per call of a backlog)
            resent = prev.side if prev.side < side else side
            uncached = resent - cr if resent > cr else 0
            if uncached:
                new = side - resent - cw
                new = new if new > 0 else 0
                premium = r.cache_write - r.input
                gain = uncached * (r.input - r.cache_read) - new * (
                    premium if premium > 0.0 else 0.0)
                if gain > 0:
                    m.cache_usd += gain
                    m.cache_calls += 1
                    m.resent_uncached += uncached
        if prev is None:
            self._streams[key] = _Stream(ts, side)
            if len(self._streams) > MAX_STREAMS:
                del self._streams[next(iter(self._streams))]
        else:
            prev.ts, prev.side = ts, side
        # batching: bursts of small calls
        if side < SMALL_CALL:
            m.small_calls += 1
            floor = m.floor
            m.floor = side if floor is None or side < floor else floor
            bucket = ts // BURST_S
            if m.burst_bucket == bucket:
                m.burst_calls += 1
                m.burst_rate = r.input
            m.burst_bucket = bucket
        # compression: keep a bounded sample for the median test (the call's blended input
        # price is figured when a section asks: most calls leave the sample unread)
        if side:
            m.sample.append((side, o, i, cr, cw, r))
            if side >= MIN_LONG_INPUT and side >= LONG_INPUT_X_OUTPUT * (o if o > 1 else 1):
                m.last_long = m.sampled
            m.sampled += 1

    def section(self) -> list[Saving]:
        if self._cached[0] == self._version:
            return self._cached[1]
        out: list[Saving] = []
        for m in self._models.values():
            out.extend(self._model_savings(m))
        out.sort(key=lambda s: -s.usd)
        self._cached = (self._version, out)
        return out

    def _model_savings(self, m: _Model) -> list[Saving]:
        out: list[Saving] = []
        if m.cache_usd >= MIN_USD:
            share = m.cache_read / m.input_side if m.input_side else 0.0
            out.append(Saving(
                strategy="caching", usd=round(m.cache_usd, 4),
                why=(f"{m.name}: {m.cache_calls} of {m.calls} calls re-sent "
                     f"{m.resent_uncached:,} tokens of their agent's previous context "
                     f"(within {CACHE_TTL_S:.0f} s) without reading them from the cache; "
                     f"cache reads are {share:.0%} of input"),
            ))
        if m.burst_calls >= MIN_BURST_CALLS and m.floor:
            usd = m.burst_calls * m.floor * m.burst_rate
            if usd >= MIN_USD:
                out.append(Saving(
                    strategy="batching", usd=round(usd, 4),
                    why=(f"{m.name}: {m.small_calls} small calls (< {SMALL_CALL:,} input "
                         f"tokens); {m.burst_calls} arrived within {BURST_S:.0f} s of another "
                         f"and each repeated at least {m.floor:,} input tokens that one "
                         "batched request would send once"),
                ))
        if len(m.sample) >= 10 and m.last_long >= m.sampled - len(m.sample):
            med = median(s[0] for s in m.sample)
            usd = 0.0
            n = 0
            excess_total = 0
            for side, o, i, cr, cw, r in m.sample:
                if (side >= MIN_LONG_INPUT and side > LONG_INPUT_X_MEDIAN * med
                        and side >= LONG_INPUT_X_OUTPUT * max(1, o)):
                    rate = (i * r.input + cr * r.cache_read + cw * r.cache_write) / side
                    excess = side - med
                    usd += excess * rate
                    excess_total += int(excess)
                    n += 1
            if n and usd >= MIN_USD:
                out.append(Saving(
                    strategy="compression", usd=round(usd, 4),
                    why=(f"{m.name}: {n} of the last {len(m.sample)} calls sent over "
                         f"{LONG_INPUT_X_MEDIAN:.0f}x the median input ({med:,.0f} tokens) "
                         f"for outputs under 1/{LONG_INPUT_X_OUTPUT:.0f} of it; trimming them "
                         f"to the median saves {excess_total:,} input tokens"),
                ))
        return out
