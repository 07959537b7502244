"""docs/config.md stays complete: its example loads, and names every key the code reads."""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from pathlib import Path

from swarmtop.core.config import _SCALARS, Config, config_from_dict

DOC = Path(__file__).resolve().parents[2] / "docs" / "config.md"


def _example() -> str:
    text = DOC.read_text()
    return re.search(r"```toml\n(.*?)```", text, re.S).group(1)


def test_documented_example_loads_and_matches_defaults() -> None:
    cfg = config_from_dict(tomllib.loads(_example()), origin="docs/config.md")
    default = Config()
    for f in fields(Config):
        if f.name in ("raw", "alert_rules"):
            continue
        assert getattr(cfg, f.name) == getattr(default, f.name), f.name
    assert len(cfg.alert_rules) == 1


def test_every_general_key_is_documented() -> None:
    example = _example()
    for key in _SCALARS:
        assert re.search(rf"^#? ?{key} = ", example, re.M), f"general.{key} missing from docs"
    for name in Config().health_weights:
        assert re.search(rf"^{name} = ", example, re.M), name
