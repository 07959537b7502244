"""Imports point down: the core and the sources never import Textual, the UI or the CLI; the
views (ui, export) read the snapshot, never the core or the sources' machinery; and no module
of swarmtop imports itself through others (no import cycle, late imports included)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "swarmtop"
FORBIDDEN = {
    "core": ("textual", "rich", "swarmtop.ui", "swarmtop.export", "swarmtop.cli",
             "swarmtop.commands", "swarmtop.sources"),
    "sources": ("textual", "rich", "swarmtop.core", "swarmtop.ui", "swarmtop.export",
                "swarmtop.cli", "swarmtop.commands"),
    "export": ("textual", "swarmtop.ui", "swarmtop.cli", "swarmtop.commands", "swarmtop.core",
               "swarmtop.sources.tailer", "swarmtop.sources.sampler"),
    "ui": ("swarmtop.cli", "swarmtop.commands", "swarmtop.core", "swarmtop.sources.tailer",
           "swarmtop.sources.sampler", "swarmtop.sources.decoders", "swarmtop.runtime"),
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


def _module_graph() -> dict[str, set[str]]:
    """swarmtop's modules -> the swarmtop modules each imports, anywhere in its body (a late
    import inside a function is still a cycle), except under ``if TYPE_CHECKING``."""
    mods: dict[str, Path] = {}
    for path in PKG.rglob("*.py"):
        parts = path.relative_to(PKG.parent).with_suffix("").parts
        mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path

    def resolve(mod: str) -> str:
        while mod and mod not in mods:
            mod = mod.rsplit(".", 1)[0] if "." in mod else ""
        return mod

    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        tree = ast.parse(path.read_text())
        typing_only = {id(n) for node in ast.walk(tree)
                       if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test)
                       for n in ast.walk(node)}
        deps: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                deps.update(resolve(a.name) for a in node.names if a.name.startswith("swarmtop"))
            elif (isinstance(node, ast.ImportFrom) and node.module
                  and node.module.startswith("swarmtop")):
                for a in node.names:
                    full = f"{node.module}.{a.name}"
                    deps.add(full if full in mods else resolve(node.module))
        graph[name] = deps - {name, ""}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
    return found


def test_no_import_cycle():
    assert _cycles(_module_graph()) == []


def test_the_cycle_finder_finds_one():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
