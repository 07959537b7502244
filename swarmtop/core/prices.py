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

import enum
import importlib.util
import json
import math
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

import msgspec

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
    """Rates for ``model`` from genai-prices' bundled data (no network), or ``None``. For
    now (``when`` None), from the cache of earlier answers when it has this one (``_Cache``)."""
    if when is None:
        hit = _cache().rates(model)
        if hit is not _MISS:
            return hit
    try:
        from genai_prices import data_snapshot
    except ImportError:
        return None
    now = when or datetime.now(tz=UTC)
    try:
        provider, info = data_snapshot.get_snapshot().find_provider_model(model, None, None, None)
    except (LookupError, ValueError):
        if when is None:
            _cache().keep_rates(model, None, math.inf)
        return None
    rates = _rates_of(provider, info, now)
    if when is None:
        _cache().keep_rates(model, rates, _holds_until(info, now))
    return rates


def _rates_of(provider: Any, info: Any, now: datetime) -> Rates | None:
    mp = info.get_prices(now)
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


def _holds_until(info: Any, now: datetime) -> float:
    """Until when (epoch seconds) ``info``'s price for ``now`` stays the one of now: for
    ever for one price, else the next start date of a dated price (a price starts at 00:00
    UTC of its date); 0 (do not keep it) for a price by time of day or anything else."""
    prices = info.prices
    if not isinstance(prices, list):
        return math.inf
    until = math.inf
    today = now.astimezone(UTC).date()
    for conditional in prices:
        c = conditional.constraint
        if c is None:
            continue
        start = getattr(c, "start_date", None)
        if type(c).__name__ != "StartDateConstraint" or not isinstance(start, date):
            return 0.0
        if start > today:
            until = min(until, datetime(start.year, start.month, start.day,
                                        tzinfo=UTC).timestamp())
    return until


def genai_context_window(model: str) -> int | None:
    hit = _cache().window(model)
    if hit is not _MISS:
        return hit
    try:
        from genai_prices import data_snapshot
    except ImportError:
        return None
    try:
        _, info = data_snapshot.get_snapshot().find_provider_model(model, None, None, None)
    except (LookupError, ValueError):
        _cache().keep_window(model, None)
        return None
    window = getattr(info, "context_window", None)
    window = int(window) if isinstance(window, int) and window > 0 else None
    _cache().keep_window(model, window)
    return window


# ---- the cache of genai-prices answers --------------------------------------------------
class _Miss(enum.Enum):
    """The cache has no usable answer (an answer may itself be None: no price known)."""

    MISS = enum.auto()


_MISS: Final = _Miss.MISS
MAX_CACHED = 256  # models kept in the cache file

# One cached answer as the file holds it (``_Cache.keep_rates``): the four ``_FIELDS`` rates,
# the tiers as [start, four rates], the origin, and until when it holds (null: for ever).
_FourRates = tuple[float, float, float, float]
_CachedRates = tuple[_FourRates, tuple[tuple[int, _FourRates], ...], str, float | None]


def _of_four(four: _FourRates, tiers: tuple[tuple[int, Rates], ...] = (),
             origin: str = "") -> Rates:
    return _rates(dict(zip(_FIELDS, four, strict=True)), tiers=tiers, origin=origin)


class _Cache:
    """genai-prices' answers for the models seen before, in a small JSON file under the
    user's cache directory (``$XDG_CACHE_HOME/swarmtop``, else ``~/.cache/swarmtop``) named
    after the bundled data's size and time (a new release is a new file): loading that data
    builds pydantic models of every provider (≈ 0.2 s, most of a small report's time), while
    a report needs a few models' rates. An answer is kept with how long it holds (a dated
    price change ends it; a price by time of day is never kept); floats go through JSON
    exactly. Not kept at all while genai-prices runs on a custom snapshot (its auto-update),
    nor when the file cannot be read or written: then every answer is looked up, as before."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        # as read from the file: each entry is checked when used (``rates``)
        self._rates: dict[str, object] = {}
        self._windows: dict[str, object] = {}
        if path is not None:
            try:
                data = json.loads(path.read_text())
                self._rates = dict(data.get("rates", {}))
                self._windows = dict(data.get("windows", {}))
            except (OSError, ValueError, TypeError, AttributeError):
                pass

    def _usable(self) -> bool:
        if self.path is None:
            return False
        snap = sys.modules.get("genai_prices.data_snapshot")
        return snap is None or getattr(snap, "_custom_snapshot", None) is None

    def rates(self, model: str) -> Rates | None | _Miss:
        if model not in self._rates or not self._usable():
            return _MISS
        entry = self._rates[model]
        if entry is None:
            return None
        try:  # a file another version wrote, or edited by hand: checked, not trusted
            head, tiers, origin, until = msgspec.convert(entry, _CachedRates)
        except msgspec.ValidationError:
            return _MISS
        if until is not None and time.time() >= until:
            return _MISS
        return _of_four(head, tiers=tuple((s, _of_four(r)) for s, r in tiers), origin=origin)

    def window(self, model: str) -> int | None | _Miss:
        if model not in self._windows or not self._usable():
            return _MISS
        w = self._windows[model]
        return w if w is None or isinstance(w, int) else _MISS

    def keep_rates(self, model: str, r: Rates | None, until: float) -> None:
        if until <= time.time() or not self._usable() or len(self._rates) >= MAX_CACHED:
            return
        self._rates[model] = None if r is None else [
            [r.input, r.output, r.cache_read, r.cache_write],
            [[s, [t.input, t.output, t.cache_read, t.cache_write]] for s, t in r.tiers],
            r.origin, None if until == math.inf else until]
        self._save()

    def keep_window(self, model: str, w: int | None) -> None:
        if not self._usable() or len(self._windows) >= MAX_CACHED:
            return
        self._windows[model] = w
        self._save()

    def _save(self) -> None:
        path = self.path
        if path is None:
            return
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"rates": self._rates, "windows": self._windows}))
            os.replace(tmp, path)
        except OSError:
            self.path = None  # (read-only home: every answer looked up, as before)


_the_cache: _Cache | None = None


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "swarmtop"


def _cache() -> _Cache:
    global _the_cache
    if _the_cache is None:
        _the_cache = _Cache(_cache_file())
    return _the_cache


def _cache_file() -> Path | None:
    """Named after genai-prices' bundled data file (found without importing it)."""
    try:
        spec = importlib.util.find_spec("genai_prices")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    try:
        st = os.stat(Path(spec.origin).parent / "data.py")
    except OSError:
        return None
    return cache_dir() / f"genai-prices-{st.st_size}-{st.st_mtime_ns}.json"


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
