"""Plain-text decoder: every line is a LogLine with a detected level."""

from __future__ import annotations

import re

from swarmtop.events import Event, LogLine

# Word-bounded level tokens as loggers write them: "ERROR", "[warn]", "level=error", "E1125", ...
_LEVEL_RE = re.compile(
    r"\b(CRITICAL|FATAL|PANIC|EMERG(?:ENCY)?|ALERT|ERROR|ERR|EXCEPTION|TRACEBACK|FAIL(?:ED|URE)?"
    r"|WARNING|WARN|NOTICE|INFO|DEBUG|TRACE)\b",
    re.IGNORECASE,
)
_LEVELS = {
    "critical": "critical", "fatal": "critical", "panic": "critical", "emerg": "critical",
    "emergency": "critical", "alert": "critical",
    "error": "error", "err": "error", "exception": "error", "traceback": "error",
    "fail": "error", "failed": "error", "failure": "error",
    "warning": "warning", "warn": "warning", "notice": "info", "info": "info",
    "debug": "debug", "trace": "debug",
}
_RANK = {"debug": 0, "info": 1, "warning": 2, "error": 3, "critical": 4}


def detect_level(text: str) -> str:
    """The most severe level word in the first 200 characters; ``info`` when none."""
    best = "info"
    found = False
    for match in _LEVEL_RE.finditer(text, 0, 200):
        level = _LEVELS[match.group(1).lower()]
        if not found or _RANK[level] > _RANK[best]:
            best, found = level, True
    return best


class TextDecoder:
    name = "text"

    def decode(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        text = line.decode("utf-8", errors="replace").rstrip("\r\n")
        if not text.strip():
            return []
        return [LogLine(ts=now, source=source, level=detect_level(text), text=text)]
