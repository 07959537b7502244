"""Cost of one call: per-token rates from a maintained price source, applied per request.

Source: ``genai-prices`` (pydantic, MIT, data bundled in the package: works offline); a
``--prices FILE`` in LiteLLM's ``model_prices_and_context_window.json`` format overrides it
model by model. Why this choice: docs/decisions.md.

Every call is priced on its own usage, never on totals: tiered prices (e.g. Sonnet 4.5 above
200k input tokens) switch on the request's total input (uncached + cache read + cache write),
and then apply to all of that request's tokens — the "cliff" rule both sources use. Cache
reads and cache writes have their own rates. A model neither source knows has no price:
``cost`` returns ``None`` and the snapshot lists it under ``unpriced_models`` — a cost is never
invented.

Rates are looked up once per model name and cached; the per-call arithmetic is four
multiplications, so pricing keeps up with backlog ingest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from swarmtop.core.config import Config, ConfigError

_FIELDS = ("input", "output", "cache_read", "cache_write")
MAX_MODELS = 2_000  # distinct model names whose rates are cached
ONE_HOUR_WRITE = 2.0  # a 1-hour cache write costs this many times the input rate (Anthropic)


@dataclass(frozen=True)
class Rates:
    """USD per token. ``tiers``: (threshold on the request's total input tokens, rates above
    it); the highest threshold exceeded wins."""

    input: float
    output: float
    cache_read: float
    cache_write: float
    tiers: tuple[tuple[int, Rates], ...] = ()
    origin: str = ""  # "genai-prices:anthropic/claude-sonnet-4-5", "file:/path", ...

    def for_request(self, total_input: int) -> Rates:
        for start, rates in reversed(self.tiers):
            if total_input > start:
                return rates
        return self

    def cost(self, i: int, o: int, cr: int, cw: int, cw_1h: int = 0) -> float:
        """``cw_1h``: how many of the ``cw`` cache writes are 1-hour ones (Anthropic's
        ``cache_creation.ephemeral_1h_input_tokens``), which cost 2x the input rate where a
        5-minute write costs the cache-write rate (1.25x) — neither price source has a 1-hour
        rate of its own."""
        r = self.for_request(i + cr + cw) if self.tiers else self
        cost = i * r.input + o * r.output + cr * r.cache_read + cw * r.cache_write
        if cw_1h:
            cost += min(cw_1h, cw) * (ONE_HOUR_WRITE * r.input - r.cache_write)
        return cost


def _rates(per_field: Mapping[str, float], tiers: tuple[tuple[int, Rates], ...] = (),
           origin: str = "") -> Rates:
    """Rates from a {field: USD per token} mapping over the four ``_FIELDS``."""
    return Rates(per_field["input"], per_field["output"], per_field["cache_read"],
                 per_field["cache_write"], tiers=tiers, origin=origin)


@dataclass
class PriceTable:
    """Model name -> Rates. ``overrides`` (from ``--prices``) win over ``genai-prices``."""

    overrides: dict[str, Rates] = field(default_factory=dict)
    use_genai_prices: bool = True
    source: str = "genai-prices"
    _cache: dict[str, Rates | None] = field(default_factory=dict, repr=False)
    _windows: dict[str, int | None] = field(default_factory=dict, repr=False)

    def rates(self, model: str) -> Rates | None:
        try:
            return self._cache[model]
        except KeyError:
            pass
        r = self._lookup(model)
        if len(self._cache) < MAX_MODELS:
            self._cache[model] = r
        return r

    def context_window(self, model: str) -> int | None:
        """The model's context window in tokens, from genai-prices' model data (None: not
        known). Cached like the rates."""
        try:
            return self._windows[model]
        except KeyError:
            pass
        w = genai_context_window(model) if self.use_genai_prices else None
        if len(self._windows) < MAX_MODELS:
            self._windows[model] = w
        return w

    def cost(self, model: str, input_tokens: int, output_tokens: int, cache_read: int,
             cache_write: int) -> float | None:
        r = self.rates(model)
        if r is None:
            return None
        return r.cost(input_tokens, output_tokens, cache_read, cache_write)

    def _lookup(self, model: str) -> Rates | None:
        if self.overrides:
            r = _match_override(self.overrides, model)
            if r is not None:
                return r
        if self.use_genai_prices:
            return genai_rates(model)
        return None


def _match_override(table: Mapping[str, Rates], model: str) -> Rates | None:
    """Exact name, then case-insensitive, then with a ``provider/`` prefix dropped on either
    side (LiteLLM keys such as ``anthropic/claude-...``)."""
    if model in table:
        return table[model]
    low = model.lower()
    bare = low.rsplit("/", 1)[-1]
    for key, rates in table.items():
        k = key.lower()
        if k == low or k.rsplit("/", 1)[-1] == bare:
            return rates
    return None


# ---- genai-prices ----------------------------------------------------------------------
def _per_token(value: Any) -> tuple[float, tuple[tuple[int, float], ...]]:
    """genai-prices stores USD per million tokens, plain or tiered."""
    if value is None:
        return 0.0, ()
    base = getattr(value, "base", None)
    if base is None:
        return float(value) / 1e6, ()
    return float(base) / 1e6, tuple((int(t.start), float(t.price) / 1e6) for t in value.tiers)


def genai_rates(model: str, when: datetime | None = None) -> Rates | None:
    """Rates for ``model`` from genai-prices' bundled data (no network), or ``None``."""
    try:
        from genai_prices import data_snapshot
    except ImportError:
        return None
    try:
        provider, info = data_snapshot.get_snapshot().find_provider_model(model, None, None, None)
    except (LookupError, ValueError):
        return None
    mp = info.get_prices(when or datetime.now(tz=UTC))
    parts = {f: _per_token(getattr(mp, f"{f}_mtok", None)) for f in _FIELDS}
    for f in ("cache_read", "cache_write"):
        if getattr(mp, f"{f}_mtok", None) is None:
            parts[f] = parts["input"]  # no cache rate: those tokens cost what input costs
    if getattr(mp, "input_mtok", None) is None and getattr(mp, "output_mtok", None) is None:
        return None  # priced by something other than tokens (images, seconds): not ours
    starts = sorted({s for _, tiers in parts.values() for s, _ in tiers})
    tiers = []
    for start in starts:
        vals = {}
        for f, (base, ts) in parts.items():
            price = base
            for s, p in ts:
                if s <= start:
                    price = p
            vals[f] = price
        tiers.append((start, _rates(vals)))
    return _rates({f: parts[f][0] for f in _FIELDS}, tiers=tuple(tiers),
                  origin=f"genai-prices:{provider.id}/{info.id}")


def genai_context_window(model: str) -> int | None:
    try:
        from genai_prices import data_snapshot
    except ImportError:
        return None
    try:
        _, info = data_snapshot.get_snapshot().find_provider_model(model, None, None, None)
    except (LookupError, ValueError):
        return None
    window = getattr(info, "context_window", None)
    return int(window) if isinstance(window, int) and window > 0 else None


# ---- LiteLLM JSON ----------------------------------------------------------------------
_LITELLM = {
    "input": "input_cost_per_token",
    "output": "output_cost_per_token",
    "cache_read": "cache_read_input_token_cost",
    "cache_write": "cache_creation_input_token_cost",
}


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return float(v)


def rates_from_litellm(entry: Mapping[str, Any], origin: str = "") -> Rates | None:
    """One LiteLLM entry. A missing cache rate falls back to the input rate (what a provider
    without a cache discount charges); ``*_above_<N>k_tokens`` keys become tiers."""
    base_in = _num(entry.get(_LITELLM["input"]))
    base_out = _num(entry.get(_LITELLM["output"]))
    if base_in is None and base_out is None:
        return None
    cache_read = _num(entry.get(_LITELLM["cache_read"]))
    cache_write = _num(entry.get(_LITELLM["cache_write"]))
    base_in = base_in or 0.0
    vals = {
        "input": base_in,
        "output": base_out or 0.0,
        "cache_read": base_in if cache_read is None else cache_read,
        "cache_write": base_in if cache_write is None else cache_write,
    }
    thresholds: dict[int, dict[str, float]] = {}
    for key, value in entry.items():
        n = _num(value)
        if n is None or "_above_" not in key or not key.endswith("_tokens"):
            continue
        stem, _, size = key.partition("_above_")
        size = size[: -len("_tokens")]
        mult = 1000 if size.endswith("k") else 1
        try:
            start = int(float(size.rstrip("k")) * mult)
        except ValueError:
            continue
        for f, name in _LITELLM.items():
            if stem == name:
                thresholds.setdefault(start, {})[f] = n
    tiers = []
    for start in sorted(thresholds):
        t = dict(vals)
        for prev in sorted(thresholds):
            if prev <= start:
                t.update(thresholds[prev])
        tiers.append((start, _rates(t)))
    return _rates(vals, tiers=tuple(tiers), origin=origin)


def load_litellm_file(path: str | Path) -> dict[str, Rates]:
    """A LiteLLM price JSON: ``{"model": {"input_cost_per_token": ..., ...}, ...}``. Raises
    ConfigError (exit 2) when the file is missing or not that shape."""
    p = Path(path).expanduser()
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"price file not found: {p} (check the --prices path)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read price file {p}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"price file {p} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"price file {p} must be a JSON object of model -> prices "
                          "(LiteLLM's model_prices_and_context_window.json format)")
    out: dict[str, Rates] = {}
    for name, entry in doc.items():
        if name == "sample_spec" or not isinstance(entry, dict):
            continue
        r = rates_from_litellm(entry, origin=f"file:{p}")
        if r is not None:
            out[str(name)] = r
    if not out:
        raise ConfigError(f"price file {p} has no model with input_cost_per_token or "
                          "output_cost_per_token")
    return out


def load_prices(config: Config) -> PriceTable:
    """The price table the aggregator uses: genai-prices, overridden by ``--prices FILE``
    (``config.prices_file``). Raises ConfigError for a bad file (the CLI exits 2)."""
    if config.prices_file:
        overrides = load_litellm_file(config.prices_file)
        return PriceTable(overrides=overrides,
                          source=f"{config.prices_file} (LiteLLM format) over genai-prices")
    return PriceTable()
