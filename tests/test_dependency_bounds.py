"""Every dependency is bounded above (issue 18): an unbounded `msgspec>=0.18` let msgspec 0.23
reach users and lose lines. Next major, or next minor for 0.x (docs/decisions.md)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def _specs() -> list[str]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["test"]]


def test_every_dependency_has_an_upper_bound_at_the_next_breaking_version() -> None:
    for spec in _specs():
        name = re.split(r"[<>=!~ \[]", spec, maxsplit=1)[0]
        upper = re.search(r"<\s*(\d+)(?:\.(\d+))?", spec)
        assert upper, f"{name} has no upper bound: {spec!r}"
        lower = re.search(r">=\s*(\d+)(?:\.(\d+))?", spec)
        assert lower, f"{name} has no lower bound: {spec!r}"
        major, minor = int(upper.group(1)), upper.group(2)
        if major == 0:  # 0.x: the next minor may break
            assert minor is not None, f"{name}: a 0.x package is bounded at a minor: {spec!r}"
        else:
            assert minor in (None, "0"), f"{name}: bound at the next major: {spec!r}"
