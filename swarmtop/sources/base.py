"""The contract every live source keeps with the runtime (swarmtop.runtime.Runtime).

A source runs until cancelled, handing events to ``emit`` in batches. ``emit`` awaits when the
aggregator's bounded queue is full: that is the backpressure, so a source never buffers more
than one batch of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from swarmtop.events import Event

Emit = Callable[[list[Event]], Awaitable[None]]


class Source(Protocol):
    async def run(self, emit: Emit) -> None:
        """Produce events until cancelled (or, for finite sources, until done)."""

    async def close(self) -> None:
        """Release resources and write checkpoints; called once on shutdown."""
