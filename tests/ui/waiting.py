"""Waiting in app tests on what the test needs, never on a fixed stretch of wall time.

A loaded machine (CI, a laptop compiling something) runs the app's timers late and draws fewer
frames per second; a test that counts frames over ``pause(2.0)`` then fails for no fault of the
app. ``wait_until`` polls the condition itself, with a deadline generous enough for any load:
when the behaviour is broken the condition never holds and the test still fails, just later.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

DEADLINE_S = 60.0
POLL_S = 0.05


async def wait_until(pilot, predicate: Callable[[], T], timeout: float | None = None,
                     what: str | Callable[[], str] = "the condition") -> T:
    """Poll ``predicate`` between pauses of the app until it returns something truthy (and
    return that); fail after ``timeout`` seconds, or at once if the app stopped running.
    ``what`` names the condition in the failure (a callable: worked out only then)."""
    timeout = DEADLINE_S if timeout is None else timeout
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if not pilot.app.is_running or time.monotonic() > deadline:
            why = "the app stopped" if not pilot.app.is_running else f"not within {timeout:g} s"
            raise AssertionError(f"{what() if callable(what) else what}: {why}")
        await pilot.pause(POLL_S)
