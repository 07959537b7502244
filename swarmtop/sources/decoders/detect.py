"""Format auto-detection from the first lines of a file."""

from __future__ import annotations

import msgspec

_NATIVE_TYPES = {"llm_call", "task", "metric", "log", "gc"}


class _Probe(msgspec.Struct):
    type: str | None = None


_probe = msgspec.json.Decoder(_Probe)


def detect(head: list[bytes]) -> str:
    votes: dict[str, int] = {}
    for line in head[:20]:
        if not line.strip():
            continue
        fmt = _classify(line)
        votes[fmt] = votes.get(fmt, 0) + 1
    if not votes:
        return "text"
    structured = {k: v for k, v in votes.items() if k != "text"}
    if structured:
        return max(structured, key=lambda k: structured[k])
    return "text"


def _classify(line: bytes) -> str:
    stripped = line.lstrip()
    if not stripped.startswith(b"{"):
        return "text"
    try:
        rec = _probe.decode(stripped)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return "text"
    if rec.type in _NATIVE_TYPES:
        return "native"
    return "text"
