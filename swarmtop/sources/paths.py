"""Resolve SOURCE arguments (files, directories, globs) to the files they name."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from swarmtop.errors import SourceError as SourceError  # re-exported: its historical home
from swarmtop.sources.compressed import is_compressed, without_compressed_twins

# Files that are never logs: skip them when walking a directory.
_SKIP_SUFFIXES = (".gz", ".zip", ".bz2", ".xz", ".zst", ".png", ".jpg", ".pyc", ".so", ".swp")


# Hidden directories are skipped when walking, except these, which hold swarm logs.
_KEEP_HIDDEN = frozenset({".claude-flow", ".swarm", ".claude"})


def _hidden(name: str) -> bool:
    return name.startswith(".") and name not in _KEEP_HIDDEN




@dataclass(frozen=True)
class SourceSpec:
    """One SOURCE argument: a file, a directory (recursive) or a glob pattern."""

    text: str
    kind: str  # file | dir | glob
    root: Path  # the file, the directory, or the deepest non-glob directory of the pattern


def is_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def parse_source(text: str, *, must_exist: bool = True) -> SourceSpec:
    expanded = os.path.expanduser(text)
    if is_glob(expanded):
        parts = Path(expanded).parts
        fixed: list[str] = []
        for part in parts:
            if is_glob(part):
                break
            fixed.append(part)
        root = Path(*fixed) if fixed else Path(".")
        return SourceSpec(text, "glob", root)
    path = Path(expanded)
    if path.is_dir():
        return SourceSpec(text, "dir", path)
    if path.exists():
        if not os.access(path, os.R_OK):
            raise SourceError(f"cannot read {text}: permission denied (check the file's mode)")
        return SourceSpec(text, "file", path)
    if must_exist:
        raise SourceError(f"no such file or directory: {text} (check the path)")
    return SourceSpec(text, "file", path)


def list_files(spec: SourceSpec) -> list[Path]:
    """The files a spec names now, sorted so reading order is stable."""
    if spec.kind == "file":
        return [spec.root] if spec.root.is_file() else []
    if spec.kind == "glob":
        hits = glob.glob(os.path.expanduser(spec.text), recursive=True)
        return without_compressed_twins(sorted(Path(h) for h in hits if os.path.isfile(h)))
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(spec.root):
        dirnames[:] = sorted(d for d in dirnames if not _hidden(d))
        for name in sorted(filenames):
            if name.startswith(".") or (name.endswith(_SKIP_SUFFIXES)
                                        and not is_compressed(name)):
                continue
            path = Path(dirpath) / name
            if path.is_file():  # not a FIFO or socket: opening one would wait for a writer
                out.append(path)
    return without_compressed_twins(out)


def matches(spec: SourceSpec, path: Path) -> bool:
    """Does a file seen by a watcher belong to this spec?"""
    if spec.kind == "file":
        return os.path.abspath(path) == os.path.abspath(spec.root)
    if spec.kind == "glob":
        from fnmatch import fnmatch

        pattern = os.path.expanduser(spec.text)
        # glob's "**/" also matches no directory at all; fnmatch's needs one
        return fnmatch(str(path), pattern) or (
            "**/" in pattern and fnmatch(str(path), pattern.replace("**/", "")))
    name = path.name
    if name.startswith(".") or (name.endswith(_SKIP_SUFFIXES) and not is_compressed(name)):
        return False
    try:
        rel = path.resolve().relative_to(spec.root.resolve())
    except ValueError:
        return False
    return not any(_hidden(part) for part in rel.parts[:-1])
