"""What a view needs from a running monitor. The TUI, the headless loop and the Prometheus
exporter all read snapshots through this one interface (implemented by swarmtop.runtime.Runtime,
and by simple fakes in tests).

A view learns of a new snapshot in one of two ways: it reads `latest()` when it likes (the
headless loop, a scrape), or it subscribes and is called as each snapshot is made (the TUI,
which posts a `SnapshotReady` message to itself and so draws each one as it lands)."""

from __future__ import annotations

from collections.abc import Callable
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


SnapshotListener = Callable[[Snapshot], None]


class Feed(Protocol):
    async def start(self) -> None:
        """Start sources and the aggregation loop (idempotent)."""

    async def stop(self) -> None:
        """Stop sources, flush record/state files."""

    def latest(self) -> Snapshot | None:
        """The newest snapshot (produced every ``interval`` seconds), or None before the first."""

    def subscribe(self, listener: SnapshotListener) -> Callable[[], None]:
        """Call ``listener(snapshot)`` on the event loop's thread with each new snapshot, as it
        is made; returns the function that ends the subscription. A feed that makes snapshots
        only when read (a fake) may never call it: readers of `latest()` still see them."""

    # Optional (the TUI looks it up with getattr; fakes need not have it):
    # def subscribe_lines(self, listener: Callable[[list[LogEntry]], None]) -> Callable[[], None]:
    #     """Call ``listener(entries)`` on the event loop with the log-tail entries of each live
    #     batch as it is read, before the snapshot that holds them: the log tail shows a line
    #     within a beat of its write rather than at the next snapshot."""

    def progress(self) -> Progress:
        """How far the backlog has been read."""

    def acknowledge(self, rule: str) -> None:
        """Silence a firing alert until its severity changes."""
