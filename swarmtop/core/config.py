"""Configuration: one TOML file, every default visible here and in docs/config.md."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from swarmtop.core.alerts import parse_rules
from swarmtop.errors import ConfigError as ConfigError  # re-exported: its historical home

# The seven cognitive patterns, with default p99 latency targets in milliseconds.
COGNITIVE_PATTERNS: dict[str, float] = {
    "convergent": 5_000.0,
    "divergent": 8_000.0,
    "lateral": 10_000.0,
    "systems": 12_000.0,
    "critical": 6_000.0,
    "abstract": 10_000.0,
    "adaptive": 7_000.0,
}

DEFAULT_CONFIG_PATH = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / (
    "swarmtop/config.toml"
)




@dataclass(frozen=True)
class Config:
    interval_s: float = 0.5
    window_s: float = 60.0  # rolling window for live figures (rates, window percentiles)
    pattern_targets_ms: dict[str, float] = field(default_factory=lambda: dict(COGNITIVE_PATTERNS))
    budget_usd: float | None = None
    max_line_bytes: int = 1 << 20
    log_tail_lines: int = 500
    memory_limit_bytes: int | None = None
    collect_uss: bool = False
    health_weights: dict[str, float] = field(
        default_factory=lambda: {
            "errors": 0.30,
            "latency": 0.20,
            "memory": 0.20,
            "spend": 0.15,
            "alerts": 0.10,
            "liveness": 0.05,
        }
    )
    alert_rules: tuple[dict[str, Any], ...] = ()  # [[alerts]] tables, validated by core.alerts
    default_alerts: bool = True  # start from the default rule set (docs/alerts.md)
    budget_period_s: float = 3600.0  # the budget is meant to last this long (sets its pace)
    prices_file: str | None = None
    theme: str = "swarmtop-dark"
    raw: dict[str, Any] = field(default_factory=dict)  # the whole parsed file, for later sections


_SCALARS = {
    "interval_s": float,
    "window_s": float,
    "budget_usd": float,
    "max_line_bytes": int,
    "log_tail_lines": int,
    "memory_limit_bytes": int,
    "collect_uss": bool,
    "prices_file": str,
    "theme": str,
    "default_alerts": bool,
    "budget_period_s": float,
}


def load_config(path: str | os.PathLike[str] | None, *, required: bool = False) -> Config:
    """Read ``path`` (or the default location). A missing default file is fine; a missing
    explicit file, bad TOML or a wrong type raises :class:`ConfigError` naming the fix."""
    p = Path(path) if path else DEFAULT_CONFIG_PATH
    if not p.exists():
        if required or path:
            raise ConfigError(f"config file not found: {p} (check the --config path)")
        return Config()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {p}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {p} is not valid TOML: {exc}") from None
    return config_from_dict(data, origin=str(p))


def config_from_dict(data: dict[str, Any], origin: str = "config") -> Config:
    known = {f.name for f in fields(Config)}
    kwargs: dict[str, Any] = {"raw": data}
    general = data.get("general", {})
    if not isinstance(general, dict):
        raise ConfigError(f"{origin}: [general] must be a table")
    for key, value in general.items():
        if key not in _SCALARS:
            raise ConfigError(f"{origin}: unknown key general.{key} (see docs/config.md)")
        kind = _SCALARS[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise ConfigError(f"{origin}: general.{key} must be a {kind.__name__}, got {value!r}")
        if kind in (int, float) and isinstance(value, int | float) and value <= 0:
            raise ConfigError(f"{origin}: general.{key} must be positive, got {value!r}")
        kwargs[key] = value
    targets = data.get("patterns", {}).get("targets_ms", {})
    if targets:
        merged = dict(COGNITIVE_PATTERNS)
        for name, value in targets.items():
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"{origin}: patterns.targets_ms.{name} must be a positive number")
            merged[str(name)] = float(value)
        kwargs["pattern_targets_ms"] = merged
    weights = data.get("health", {}).get("weights", {})
    if weights:
        merged_w = dict(Config().health_weights)
        for name, value in weights.items():
            if name not in merged_w:
                raise ConfigError(f"{origin}: unknown health component health.weights.{name} "
                                  f"(components: {', '.join(merged_w)})")
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{origin}: health.weights.{name} must be a number >= 0")
            merged_w[str(name)] = float(value)
        kwargs["health_weights"] = merged_w
    rules = data.get("alerts", [])
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise ConfigError(f"{origin}: alerts must be an array of tables ([[alerts]])")
    kwargs["alert_rules"] = tuple(rules)
    parse_rules(kwargs["alert_rules"], origin)  # raises ConfigError naming the bad rule
    assert set(kwargs) <= known
    return Config(**kwargs)


def with_overrides(config: Config, **overrides: Any) -> Config:
    """Command-line flags win over the file; ``None`` means "not given"."""
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})
