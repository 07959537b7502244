"""LLM calls into the token ledger: stated usage, or an estimate from the text; a stated cost,
or one from the price table; a repeated response (dedupe key) or a restated group total adds
only what it grows by. The token figures themselves are core/tokens.py's."""

from __future__ import annotations

from swarmtop.core.prices import PriceTable
from swarmtop.core.tokenizer import Tokenizer
from swarmtop.core.tokens import TokenLedger, growth_cost
from swarmtop.events import LLMCall


class CallCounter:
    def __init__(self, tokens: TokenLedger, prices: PriceTable, tokenizer: Tokenizer) -> None:
        self.tokens = tokens
        self.prices = prices
        self.tokenizer = tokenizer
        self.llm_errors = 0  # calls that failed (snapshot.errors.llm_errors)

    def add_run(self, calls: list[LLMCall]) -> None:
        """``add`` of each call in order: runs of calls with stated usage in one pass
        (TokenLedger.add_calls), the others (estimates, repeat keys) one by one."""
        add_calls = self.tokens.add_calls
        rates_of = self.prices.rates
        k, n = 0, len(calls)
        while k < n:
            k, failed = add_calls(calls, k, rates_of)
            self.llm_errors += failed
            if k < n:
                self.add(calls[k])
                k += 1

    def add(self, call: LLMCall, timed: bool = True) -> None:
        """One call (``timed=False``: it has no time, totals only)."""
        tokens = self.tokens
        estimated = call.estimated
        if call.input_tokens is None and call.output_tokens is None:
            # text without usage: counted here unless the runtime already did it off the loop
            # (Tokenizer.fill_estimates in a worker thread, see core/tokenizer.py)
            i = self.tokenizer.count(call.model, call.prompt)
            o = self.tokenizer.count(call.model, call.completion)
            estimated = True
        else:
            i, o = call.input_tokens or 0, call.output_tokens or 0
        if estimated:
            tokens.tokenizer = self.tokenizer.status or "tiktoken"
        rates = self.prices.rates(call.model)
        cr, cw = call.cache_read_tokens, call.cache_write_tokens
        if call.restates and call.group is not None:
            grow = tokens.restate(call.group, i, o, cr, cw, call.cost_usd)
            if grow is not None:  # the totals of calls counted: only what they add
                di, do, dcr, dcw, dcost = grow
                if dcost is None and rates is not None:  # (priced at the base tier: these
                    dcost = growth_cost(rates, 0, di, do, dcr, dcw)  # are no one request)
                if di or do or dcr or dcw or dcost:
                    tokens.add_growth(call, (di, do, dcr, dcw), dcost, estimated, timed)
                return
        elif call.dedupe_key is not None:
            grow = tokens.repeat(call.dedupe_key, i, o, cr, cw, call.cost_usd)
            if grow is not None:  # another line of a response already counted
                di, do, dcr, dcw, dcost = grow
                if di or do or dcr or dcw or dcost:
                    if dcost is None and rates is not None:
                        dcost = growth_cost(rates, i + cr + cw, di, do, dcr, dcw)
                    tokens.add_growth(call, (di, do, dcr, dcw), dcost, estimated, timed)
                return
        cost = call.cost_usd  # a cost stated in the log wins
        if cost is None and rates is not None:
            cost = rates.cost(i, o, cr, cw, call.cache_write_1h_tokens)
        if not call.ok:
            self.llm_errors += 1
        tokens.add(call, i, o, estimated, cost, rates, timed)
        if call.group is not None and not call.restates:
            tokens.grouped(call.group, i, o, cr, cw, cost)
