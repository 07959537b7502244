"""Garbage-collector settings for a long-running live monitor (the TUI and `--no-ui`).

Measured in the real process (10 PIDs + 100 events/s, benchmarks/NOTES.md): with CPython's
defaults the cyclic collector cost ≈ 5 ms a second, half of it in full (gen 2) passes over
the whole heap — Textual's CSS, widgets and modules, which never become garbage. Two
standard remedies: `gc.freeze()` once start-up is done, so those objects are never scanned
again, and a larger young-generation threshold, so short-lived objects (each frame makes
thousands) are freed by reference counting before a collection ever looks at them.
Not used by tests or library callers (freezing there would only pin garbage); `swarmtop
report` freezes its start-up heap and takes the same young threshold (commands/report.py).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # CPython's default is 700
_settled = False


def settle_gc() -> None:
    """Call once, when start-up is done (first frame drawn or first snapshot taken)."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
