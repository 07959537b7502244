"""Imports point down: the core and the sources never import Textual, the UI or the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "swarmtop"
FORBIDDEN = {
    "core": ("textual", "rich", "swarmtop.ui", "swarmtop.export", "swarmtop.cli",
             "swarmtop.commands", "swarmtop.sources.tailer", "swarmtop.sources.sampler"),
    "sources": ("textual", "rich", "swarmtop.core", "swarmtop.ui", "swarmtop.export",
                "swarmtop.cli", "swarmtop.commands"),
    "export": ("textual", "swarmtop.ui", "swarmtop.cli", "swarmtop.commands"),
}


def imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports(layer):
    for path in (PKG / layer).rglob("*.py"):
        for mod in imports(path):
            for bad in FORBIDDEN[layer]:
                assert not (mod == bad or mod.startswith(bad + ".")), f"{path} imports {mod}"
