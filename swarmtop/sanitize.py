"""Make untrusted log text safe to show: control characters and escapes become visible."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(m: re.Match[str]) -> str:
    ch = m.group(0)
    code = ord(ch)
    if code == 0x1B:
        return "^["
    if code < 0x20:
        return "^" + chr(code + 0x40)
    return f"\\x{code:02x}"


def safe_text(text: str) -> str:
    """Replace C0/C1 controls (ESC, BEL, CR, ...) with visible escapes. Tabs become spaces."""
    return _CONTROL.sub(_visible, text.replace("\t", "    ").replace("\n", " "))
