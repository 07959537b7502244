"""`swarmtop report`: read every source to its end, print the snapshot, exit by alerts."""

from __future__ import annotations

import argparse
import sys
import time

from swarmtop.commands.common import resolve_sources, since_cutoff
from swarmtop.core.aggregator import Aggregator
from swarmtop.core.config import Config
from swarmtop.core.prices import load_prices
from swarmtop.events import Event, FileStatus, ParseError
from swarmtop.export.text import render_text
from swarmtop.snapshot import Snapshot, to_json
from swarmtop.sources.reader import read_file

EXIT_OK, EXIT_ALERT = 0, 1


class EventClock:
    """Report time is event time: 'now' is the newest event seen, so rolling rates describe
    the end of the log rather than an empty minute of wall time."""

    def __init__(self) -> None:
        self.now: float | None = None

    def __call__(self) -> float:
        return self.now if self.now is not None else time.time()

    def see(self, events: list[Event]) -> None:
        for ev in events:
            if isinstance(ev, FileStatus | ParseError):
                continue  # bookkeeping, stamped with arrival time
            if self.now is None or ev.ts > self.now:
                self.now = ev.ts


def build_report(args: argparse.Namespace, config: Config) -> Snapshot:
    files = resolve_sources(args.sources)
    cutoff = since_cutoff(getattr(args, "since", None))
    clock = EventClock()
    agg = Aggregator(config, clock=clock, prices=load_prices(config))
    for path in files:
        for batch in read_file(path, args.format, max_line=config.max_line_bytes):
            if cutoff is not None:
                batch = [e for e in batch if e.ts >= cutoff or _always(e)]
            clock.see(batch)
            agg.ingest(batch)
    if agg.first_event_ts is not None:
        agg.started = agg.first_event_ts  # uptime of a report = the span the logs cover
    return agg.snapshot()


def _always(ev: Event) -> bool:
    return isinstance(ev, FileStatus)


def run_report(args: argparse.Namespace, config: Config) -> int:
    snap = build_report(args, config)
    if args.output == "json":
        sys.stdout.buffer.write(to_json(snap) + b"\n")
    else:
        sys.stdout.write(render_text(snap))
    sys.stdout.flush()
    return EXIT_ALERT if any(a.severity == "critical" for a in snap.alerts) else EXIT_OK
