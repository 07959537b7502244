"""Helpers the commands share: resolving SOURCE arguments and --since."""

from __future__ import annotations

import re
import time
from pathlib import Path

from swarmtop.sources.compressed import without_compressed_twins
from swarmtop.sources.paths import SourceError, list_files, parse_source
from swarmtop.timeparse import parse_ts

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def resolve_sources(texts: list[str]) -> list[Path]:
    """Every file the SOURCE arguments name now; a SOURCE that names nothing is an error. A
    compressed log named beside its plain twin (by two SOURCEs) is left out: one log."""
    out: list[Path] = []
    seen: set[str] = set()
    for text in texts:
        spec = parse_source(text)
        files = list_files(spec)
        if spec.kind == "glob" and not files:
            raise SourceError(f"no files match {text} (check the pattern)")
        for f in files:
            key = str(f.resolve())
            if key not in seen:
                seen.add(key)
                out.append(f)
    return without_compressed_twins(out, key=lambda f: str(f.resolve()))


def since_cutoff(text: str | None, now: float | None = None) -> float | None:
    if not text:
        return None
    m = _DURATION.match(text.strip())
    if m:
        return (now or time.time()) - float(m.group(1)) * _UNIT[m.group(2)]
    ts = parse_ts(text)
    if ts is None:
        raise SourceError(f"--since takes a duration like 2h or an ISO time, got {text!r}")
    return ts
