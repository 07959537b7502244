"""A few words for a person: a tool's input, a tool's result and a prompt in one short line,
and the hash of a prompt that links a sub-agent to the call that started it."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

_SUMMARY_KEYS = ("command", "file_path", "path", "pattern", "url", "query", "description",
                 "prompt")


def prompt_key(text: str) -> str:
    """What links a sub-agent to the Task that started it: a hash of the prompt."""
    return hashlib.blake2b(text.strip().encode("utf-8", "replace"), digest_size=8).hexdigest()


def short(text: str, width: int = 60) -> str:
    """One line of at most ``width`` characters, white space folded."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "\u2026"


def tool_summary(tool: str, raw: msgspec.Raw) -> tuple[str, dict[str, Any]]:
    """(a short summary of a tool's input, the input) — the command, path or pattern it
    names, else its first string."""
    try:
        args = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return "", {}
    if not isinstance(args, dict):
        return "", {}
    for key in _SUMMARY_KEYS:
        v = args.get(key)
        if isinstance(v, str) and v.strip():
            return short(v, 80), args
    for v in args.values():
        if isinstance(v, str) and v.strip():
            return short(v, 80), args
    return "", args


def result_text(raw: msgspec.Raw) -> str:
    """The first line of a tool result's content (a string, or text blocks)."""
    try:
        content = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return ""
    if isinstance(content, list):
        content = next((b.get("text") for b in content
                        if isinstance(b, dict) and isinstance(b.get("text"), str)), "")
    return short(content, 100) if isinstance(content, str) else ""

