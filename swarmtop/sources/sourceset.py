"""The SOURCEs a tailer follows: the files they name now, the directories to watch for more,
and those that name nothing yet (followed like ``tail -F``: listed as waiting)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from swarmtop.events import FileStatus
from swarmtop.sources.compressed import is_compressed, plain_twin, without_compressed_twins
from swarmtop.sources.paths import SourceSpec, list_files, matches, parse_source
from swarmtop.sources.tracked import APPEARED


class SourceSet:
    """``own``: absolute paths that are ours, never logs (the state file)."""

    def __init__(self, specs: list[SourceSpec], own: set[str], clock: Callable[[], float]) -> None:
        self.specs = [_absolute(s) for s in specs]
        self.own = own
        self.clock = clock
        self.aliases: dict[str, str] = {}  # symlink target -> the SOURCE path naming it
        # SOURCEs that name nothing yet, like tail -F: row name (absolute) -> index in specs
        self.waiting: dict[str, int] = {}

    def note_waiting(self) -> list[FileStatus]:
        """List each SOURCE that names nothing yet as waiting for it to appear."""
        out: list[FileStatus] = []
        for i, spec in enumerate(self.specs):
            if not _names_something(spec):
                name = _row_name(spec)
                self.waiting[name] = i
                out.append(FileStatus(ts=self.clock(), source=name, state="waiting",
                                      why=f"waiting for it to appear ({_what(spec)})"))
        return out

    def appeared(self) -> list[FileStatus]:
        """Take up the waiting SOURCEs that now name something (a path that was missing may
        have come as a directory): one notice each, after which the roots are set again."""
        if not self.waiting:
            return []
        out: list[FileStatus] = []
        for name, i in list(self.waiting.items()):
            spec = self.specs[i]
            if spec.kind == "file" and os.path.exists(spec.root):
                try:
                    spec = self.specs[i] = _absolute(parse_source(spec.text))
                except ValueError:
                    continue  # unreadable: looked at again on the next re-scan
            if _names_something(spec):
                del self.waiting[name]
                out.append(FileStatus(ts=self.clock(), source=name, state=APPEARED,
                                      why="appeared"))
        return out

    def roots(self) -> dict[str, bool]:
        """Directories to watch -> recursively. A file SOURCE is watched through its parent
        (and a symlinked one also through its target's)."""
        roots: dict[str, bool] = {}
        for spec in self.specs:
            if spec.kind == "file":
                parent = os.path.dirname(str(spec.root)) or "."
                roots.setdefault(parent, False)
                real = os.path.realpath(spec.root)
                if real != str(spec.root):  # a symlinked file changes where its target lives
                    self.aliases[real] = str(spec.root)
                    roots.setdefault(os.path.dirname(real), False)
            else:
                roots[str(spec.root)] = True
        # a directory inside a recursively watched one needs no watch of its own
        rec = [r for r, recursive in roots.items() if recursive]
        return {r: v for r, v in roots.items()
                if not any(r != o and r.startswith(o.rstrip("/") + "/") for o in rec)}

    def unalias(self, paths: set[str]) -> set[str]:
        """Changed paths as the SOURCEs name them (a symlink's target -> the symlink)."""
        if self.aliases:
            return {self.aliases.get(p, p) for p in paths}
        return paths

    def listed(self) -> list[str]:
        """Every file the SOURCEs name now, once each, in SOURCE order."""
        seen: dict[str, None] = {}
        for spec in self.specs:
            for p in list_files(spec):
                seen.setdefault(os.path.abspath(p), None)
        for own in self.own:
            seen.pop(own, None)
        # one log: a compressed one named beside its plain twin (by two SOURCEs) is left out
        return without_compressed_twins(list(seen))

    def matches(self, path: str) -> bool:
        if path in self.own:
            return False
        p = Path(path)
        if is_compressed(p) and plain_twin(p).exists():
            return False  # one log: its plain copy is the one read (as list_files does)
        return any(matches(spec, p) for spec in self.specs)

    def walk(self, directory: str) -> list[str]:
        """The files under a new directory that a SOURCE names."""
        out = []
        for dirpath, dirnames, filenames in os.walk(directory):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                if self.matches(full):
                    out.append(full)
        return out


def _names_something(spec: SourceSpec) -> bool:
    if spec.kind == "glob":
        return bool(list_files(spec))
    return os.path.exists(spec.root)


def _row_name(spec: SourceSpec) -> str:
    return spec.text if spec.kind == "glob" else str(spec.root)


def _what(spec: SourceSpec) -> str:
    return "no file matches yet" if spec.kind == "glob" else "no such file or directory yet"


def _absolute(spec: SourceSpec) -> SourceSpec:
    root = Path(os.path.abspath(spec.root))
    text = spec.text
    if spec.kind == "glob":
        text = os.path.expanduser(text)
        if not os.path.isabs(text):
            text = os.path.join(os.getcwd(), text)
    return replace(spec, text=text, root=root)
