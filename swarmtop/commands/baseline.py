"""Load a --baseline: a saved snapshot JSON (`report --output json`) or a --record file."""

from __future__ import annotations

import json
from typing import Any

import msgspec

from swarmtop.core.aggregator import Aggregator
from swarmtop.core.baseline import BaselineSettings
from swarmtop.core.config import Config, ConfigError
from swarmtop.events import decode_event
from swarmtop.snapshot import SCHEMA_VERSION, Snapshot, from_dict
from swarmtop.sources.paths import SourceError
from swarmtop.sources.replay import HEADER_KEY


def load_baseline(path: str, config: Config) -> Snapshot:
    try:
        with open(path, "rb") as f:
            first = f.readline(1 << 20)
            head = _json(first)
            if isinstance(head, dict) and HEADER_KEY in head:
                return _from_record(f, config)
            data = _json(first + f.read())
    except OSError as exc:
        raise SourceError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    if not isinstance(data, dict) or "schema" not in data:
        raise SourceError(f"baseline {path} is not a swarmtop snapshot or record file "
                          "(save one with: swarmtop report SOURCE --output json > base.json)")
    if data["schema"] != SCHEMA_VERSION:
        raise SourceError(f"baseline {path} has snapshot schema {data['schema']!r}; this swarmtop "
                          f"reads schema {SCHEMA_VERSION}")
    try:
        return from_dict(data)
    except msgspec.ValidationError as exc:
        raise SourceError(f"baseline {path} is not a valid schema-1 snapshot: {exc}") from None


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _from_record(f: Any, config: Config) -> Snapshot:
    agg = Aggregator(config, event_time=True)
    batch = []
    for line in f:
        if not line.endswith(b"\n"):
            break
        try:
            batch.append(decode_event(line))
        except (msgspec.DecodeError, UnicodeDecodeError):
            continue
        if len(batch) >= 5000:
            agg.ingest(batch)
            batch = []
    agg.ingest(batch)
    return agg.snapshot()


def baseline_settings(config: Config, fail_pct: float | None) -> BaselineSettings:
    """`[baseline]` in the config: same_pct, and per-figure regression thresholds."""
    section = config.raw.get("baseline", {})
    if not isinstance(section, dict):
        raise ConfigError("[baseline] must be a table")
    same = section.get("same_pct", 2.0)
    thresholds = section.get("thresholds", {})
    if not isinstance(same, int | float) or isinstance(same, bool) or same < 0:
        raise ConfigError("baseline.same_pct must be a number >= 0")
    if not isinstance(thresholds, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
        for v in thresholds.values()
    ):
        raise ConfigError("baseline.thresholds maps figure names (globs) to percentages >= 0")
    return BaselineSettings(
        same_pct=float(same),
        fail_on_regression_pct=fail_pct,
        thresholds=tuple((str(k), float(v)) for k, v in thresholds.items()),
    )
