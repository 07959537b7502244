"""What a view needs from a running monitor. The TUI, the headless loop and the Prometheus
exporter all read snapshots through this one interface (implemented by swarmtop.runtime.Runtime,
and by simple fakes in tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from swarmtop.snapshot import Snapshot


@dataclass(frozen=True)
class Progress:
    """Backlog loading: bytes read of the total, files done of files known."""

    bytes_read: int = 0
    bytes_total: int = 0
    files_done: int = 0
    files_total: int = 0

    @property
    def done(self) -> bool:
        return self.bytes_read >= self.bytes_total and self.files_done >= self.files_total


class Feed(Protocol):
    async def start(self) -> None:
        """Start sources and the aggregation loop (idempotent)."""

    async def stop(self) -> None:
        """Stop sources, flush record/state files."""

    def latest(self) -> Snapshot | None:
        """The newest snapshot (produced every ``interval`` seconds), or None before the first."""

    def progress(self) -> Progress:
        """How far the backlog has been read."""

    def acknowledge(self, rule: str) -> None:
        """Silence a firing alert until its severity changes."""
