"""`swarmtop report`: read every source to its end, print the snapshot, exit by alerts."""

from __future__ import annotations

import argparse
import sys

from swarmtop.commands.common import resolve_sources, since_cutoff
from swarmtop.core.aggregator import Aggregator
from swarmtop.core.config import Config
from swarmtop.core.prices import load_prices
from swarmtop.export.markdown import render_markdown
from swarmtop.export.text import render_text
from swarmtop.snapshot import Snapshot, to_json
from swarmtop.sources import merge
from swarmtop.sources.reader import CHUNK, first_event_time, read_file

EXIT_OK, EXIT_ALERT = 0, 1


def build_report(args: argparse.Namespace, config: Config) -> Snapshot:
    files = resolve_sources(args.sources)
    cutoff = since_cutoff(getattr(args, "since", None))
    agg = Aggregator(config, prices=load_prices(config))
    agg.clock = agg.event_clock  # report time is event time (docs/decisions.md)
    agg.since = cutoff
    if getattr(args, "baseline", None):
        from swarmtop.commands.baseline import baseline_settings, load_baseline

        settings = baseline_settings(config, getattr(args, "fail_on_regression", None))
        agg.baseline = (load_baseline(args.baseline, config), settings, args.baseline)
    for path in files:  # listed in the order given, whatever order their events come in
        agg.register_file(str(path))
    # the files' events in time order, as they would have arrived live (sources/merge.py)
    # (one file is read in the reader's own chunks; several in smaller ones, each holding one)
    chunk = merge.CHUNK if len(files) > 1 else CHUNK
    for batch in merge.time_ordered(
            files,
            lambda path: read_file(path, args.format, max_line=config.max_line_bytes,
                                   chunk_size=chunk),
            first=lambda path: first_event_time(path, args.format)):
        agg.ingest(batch)
    pids = list(getattr(args, "pid", []) or [])
    if pids:
        from swarmtop.sources.paths import SourceError
        from swarmtop.sources.sampler import ProcessSampler, check_pids

        problems = check_pids(pids)
        if problems:
            raise SourceError("; ".join(problems))
        agg.ingest(ProcessSampler(pids, collect_uss=config.collect_uss).sample_now())
    now = agg.event_clock()
    # uptime of a report = the span the logs cover (none when no event has a time)
    agg.started = agg.first_event_ts if agg.first_event_ts is not None else now
    return agg.snapshot(now)


def run_report(args: argparse.Namespace, config: Config) -> int:
    snap = build_report(args, config)
    if args.output == "json":
        sys.stdout.buffer.write(to_json(snap) + b"\n")
    elif args.output == "markdown":
        sys.stdout.write(render_markdown(snap))
    else:
        sys.stdout.write(render_text(snap))
    sys.stdout.flush()
    regressions = snap.baseline.get("regressions", []) if snap.baseline else []
    for r in regressions:
        print(f"swarmtop: regression: {r['figure']} worse by {r['worse_by_pct']:.1f}% "
              f"(limit {r['limit_pct']:g}%)", file=sys.stderr)
    critical = any(a.severity == "critical" for a in snap.alerts)
    return EXIT_ALERT if critical or regressions else EXIT_OK
