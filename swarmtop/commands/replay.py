"""`swarmtop replay FILE`: the recorded session through the same aggregator and views."""

from __future__ import annotations

import argparse
import asyncio
import math
import sys

from swarmtop.core.aggregator import Aggregator
from swarmtop.core.config import Config, load_config
from swarmtop.export.text import render_text
from swarmtop.feed import Progress
from swarmtop.runtime import Runtime
from swarmtop.snapshot import to_json
from swarmtop.sources.paths import SourceError
from swarmtop.sources.replay import ReplayError, ReplaySource, check_record

EXIT_OK, EXIT_ALERT = 0, 1


def make_replay_runtime(path: str, speed: float, config: Config) -> tuple[Runtime, ReplaySource]:
    from swarmtop.core.prices import load_prices

    source = ReplaySource(path, speed)
    # figures as at the recording's own time
    agg = Aggregator(config, prices=load_prices(config), event_time=True)
    runtime = Runtime(
        agg, [source], interval=config.interval_s,
        progress=lambda: Progress(source.bytes_read, source.bytes_total,
                                  int(source.done), 1),
    )
    return runtime, source


def run_replay(args: argparse.Namespace) -> int:
    try:
        check_record(args.file)
    except ReplayError as exc:
        raise SourceError(str(exc)) from None
    config = load_config(getattr(args, "config", None))
    if args.no_ui:
        # headless: as fast as possible unless a speed was asked for
        speed = args.speed if getattr(args, "speed_given", False) else math.inf
        runtime, source = make_replay_runtime(args.file, speed, config)
        return asyncio.run(_headless(runtime, args.json))
    runtime, _ = make_replay_runtime(args.file, args.speed, config)
    from swarmtop.ui import run_app

    return run_app(runtime, theme=args.theme or config.theme, interval=config.interval_s)


async def _headless(runtime: Runtime, as_json: bool) -> int:
    await runtime.start()
    while not runtime.sources_done:
        await asyncio.sleep(0.05)
    await runtime.stop()
    snap = runtime.latest()
    assert snap is not None
    if as_json:
        sys.stdout.buffer.write(to_json(snap) + b"\n")
    else:
        sys.stdout.write(render_text(snap))
    sys.stdout.flush()
    return EXIT_ALERT if any(a.severity == "critical" for a in snap.alerts) else EXIT_OK
