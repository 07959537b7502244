"""`swarmtop report`: read every source to its end, print the snapshot, exit by alerts.

With ``--jobs N`` (N > 1) the files are decoded in worker processes (sources/parallel.py):
they are started before the aggregator and the exporters are imported, so those imports
overlap with their decoding (a report is a whole process: docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from swarmtop.commands.common import resolve_sources, since_cutoff
from swarmtop.core.config import Config
from swarmtop.events import Event, FileStatus
from swarmtop.gctune import YOUNG_THRESHOLD
from swarmtop.sources import merge, parallel
from swarmtop.sources.reader import CHUNK, first_event_time, read_file

if TYPE_CHECKING:
    from swarmtop.snapshot import Snapshot

EXIT_OK, EXIT_ALERT = 0, 1
OLD_WHY = "last modified before --since: not read"


def modified_before(files: list[Path], cutoff: float | None) -> set[Path]:
    """The files last written before ``cutoff``: none of their events can be that new (a log
    is written as it goes), so they are not read at all."""
    if cutoff is None:
        return set()
    old = set()
    for p in files:
        try:
            st = os.stat(p)
        except OSError:
            continue  # read_file says what is wrong with it
        if st.st_mtime < cutoff:
            old.add(p)
    return old


def build_report(args: argparse.Namespace, config: Config) -> Snapshot:
    from swarmtop.core.prices import load_prices

    files = resolve_sources(args.sources)
    cutoff = since_cutoff(getattr(args, "since", None))
    prices = load_prices(config)  # (a bad --prices file is said before any work)
    old = modified_before(files, cutoff)
    read = [p for p in files if p not in old]
    # the files' events in time order, as they would have arrived live (sources/merge.py)
    # (one file is read in the reader's own chunks; several in smaller ones, each holding one)
    chunk = merge.CHUNK if len(read) > 1 else CHUNK
    jobs = getattr(args, "jobs", None) or 1
    with ExitStack() as stack:
        batches: Iterable[list[Event]]
        if parallel.worth_workers(read, jobs):  # decoded in worker processes: the same batches
            batches = stack.enter_context(
                parallel.Decoding(read, args.format, config.max_line_bytes, chunk, jobs))
        else:
            batches = merge.time_ordered(
                read,
                lambda path: read_file(path, args.format, max_line=config.max_line_bytes,
                                       chunk_size=chunk),
                first=lambda path: first_event_time(path, args.format))
        from swarmtop.core.aggregator import Aggregator

        baseline = None
        if getattr(args, "baseline", None):
            from swarmtop.commands.baseline import baseline_settings, load_baseline

            settings = baseline_settings(config, getattr(args, "fail_on_regression", None))
            baseline = (load_baseline(args.baseline, config), settings, args.baseline)
        # report time is event time (docs/decisions.md); uptime = the span the logs cover
        agg = Aggregator(config, prices=prices, event_time=True, since=cutoff,
                         baseline=baseline, discovered=getattr(args, "discovered", ()))
        for path in files:  # listed in the order given, whatever order their events come in
            agg.register_file(str(path))
        if old:
            agg.ingest([FileStatus(ts=time.time(), source=str(p), state="done", why=OLD_WHY,
                                   size=_size(p)) for p in files if p in old])
        for batch in batches:
            agg.ingest(batch)
    pids = list(getattr(args, "pid", []) or [])
    if pids:
        from swarmtop.sources.paths import SourceError
        from swarmtop.sources.sampler import ProcessSampler, check_pids

        problems = check_pids(pids)
        if problems:
            raise SourceError("; ".join(problems))
        agg.ingest(ProcessSampler(pids, collect_uss=config.collect_uss).sample_now())
    return agg.snapshot()


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def run_report(args: argparse.Namespace, config: Config) -> int:
    # a report is one pass that keeps what it builds until the end: the cyclic collector
    # would only re-scan the modules and the growing state (≈ 4 % of a big report's time);
    # set back after it (the command may run inside another program, e.g. a test)
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *threshold[1:])
    try:
        snap = build_report(args, config)
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
    if args.output == "json":
        from swarmtop.snapshot import to_json

        sys.stdout.buffer.write(to_json(snap) + b"\n")
    elif args.output == "markdown":
        from swarmtop.export.markdown import render_markdown

        sys.stdout.write(render_markdown(snap))
    else:
        from swarmtop.export.text import render_text

        sys.stdout.write(render_text(snap))
    sys.stdout.flush()
    from swarmtop.export.fmt import worse_by_pct

    regressions = snap.baseline.regressions or []
    for r in regressions:
        print(f"swarmtop: regression: {r.figure} worse by {worse_by_pct(r):.1f}% "
              f"(limit {r.limit_pct:g}%)", file=sys.stderr)
    critical = any(a.severity == "critical" for a in snap.alerts)
    return EXIT_ALERT if critical or regressions else EXIT_OK
