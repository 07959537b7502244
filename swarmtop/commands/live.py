"""`swarmtop [SOURCE...] [--pid ...] [--run -- CMD] [--demo]`: live monitoring, TUI or headless."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from swarmtop.commands.common import since_cutoff
from swarmtop.core.aggregator import Aggregator
from swarmtop.core.config import Config
from swarmtop.export.text import render_text
from swarmtop.feed import Progress
from swarmtop.gctune import settle_gc
from swarmtop.runtime import Runtime
from swarmtop.snapshot import ReceiverInfo, SamplerStatus, Snapshot, to_json
from swarmtop.sources.base import Source
from swarmtop.sources.paths import SourceError, parse_source

if TYPE_CHECKING:
    from swarmtop.sources.launcher import Launcher
    from swarmtop.sources.otlp_receiver import OtlpReceiver
    from swarmtop.sources.tailer import Tailer

EXIT_OK, EXIT_ALERT, EXIT_USAGE = 0, 1, 2


@dataclass
class Plan:
    """Everything a live session starts, and what to clean up after it."""

    sources: list[Source] = field(default_factory=list)
    cleanup: list[Callable[[], object]] = field(default_factory=list)  # run at exit, last first
    progress: Callable[[], Progress] | None = None  # the tailer's, when it follows files
    launched: Launcher | None = None  # the --run child, when there is one
    sampler_status: Callable[[], SamplerStatus] | None = None  # when it watches processes
    receivers: list[Callable[[], ReceiverInfo]] = field(default_factory=list)  # --otlp
    tailer: Tailer | None = None


def _start_demo(plan: Plan, out: Path) -> int:
    """The built-in simulated swarm: a child process writing native logs into ``out``."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "swarmtop.demo", "--out", str(out)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def stop() -> None:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    plan.cleanup.append(stop)
    return proc.pid


def build_plan(args: argparse.Namespace, config: Config) -> Plan:
    """Validate the command line and construct the sources (nothing runs yet)."""
    from swarmtop.sources.sampler import ProcessSampler, check_pids
    from swarmtop.sources.tailer import Tailer

    plan = Plan()
    pids = list(args.pid)
    problems = check_pids(pids)
    if problems:
        raise SourceError("; ".join(problems))
    # live, a SOURCE not there yet is followed as tail -F does: listed as waiting for it
    specs = [parse_source(s, must_exist=False) for s in args.sources]
    if args.demo:
        out = Path(tempfile.mkdtemp(prefix="swarmtop-demo-"))
        plan.cleanup.append(lambda: shutil.rmtree(out, ignore_errors=True))
        pids.append(_start_demo(plan, out))
        specs.append(parse_source(str(out)))
    receiver = _receiver(plan, args.otlp) if getattr(args, "otlp", None) else None
    if args.run:
        from swarmtop.sources.launcher import Launcher

        env = None
        if not getattr(args, "no_otel_env", False):
            from swarmtop.sources.otel_env import otel_env

            if receiver is None:  # the child's own, on a free loopback port
                receiver = _receiver(plan, "127.0.0.1:0")
            env, added, kept = otel_env(receiver.endpoint)
            receiver.why = (f"--run child's OTLP endpoint ({len(added)} variables set"
                            + (f"; yours kept: {', '.join(kept)}" if kept else "") + ")")
        launcher = Launcher(args.command, env=env)
        plan.launched = launcher
        plan.sources.append(launcher)
        pids.append(launcher.start())
    if specs:
        tailer = Tailer(
            specs, args.format, max_line=config.max_line_bytes, state_file=args.state,
            from_end=args.from_end, poll=args.poll,
        )
        plan.sources.append(tailer)
        plan.progress = tailer.progress
        plan.tailer = tailer
    if pids:
        sampler = ProcessSampler(pids, children=not args.no_children, interval=config.interval_s,
                                 collect_uss=config.collect_uss)
        plan.sources.append(sampler)
        # (a plain dict from the sampler: checked against the snapshot's schema here)
        plan.sampler_status = lambda: msgspec.convert(sampler.status(), SamplerStatus)
    return plan


def _receiver(plan: Plan, address: str) -> OtlpReceiver:
    """An OTLP/HTTP receiver bound now (so its port is known before a --run child starts)."""
    from swarmtop.sources.otlp_receiver import OtlpReceiver, parse_address

    host, port = parse_address(address)
    try:
        receiver = OtlpReceiver(host, port)
    except OSError as exc:
        raise SourceError(f"cannot listen for OTLP on {address}: {exc.strerror or exc} "
                          "(is the port in use?)") from None
    plan.sources.append(receiver)
    plan.receivers.append(receiver.status)
    return receiver


def _cleanup(plan: Plan) -> None:
    for fn in reversed(plan.cleanup):
        with contextlib.suppress(Exception):
            fn()


def make_runtime(args: argparse.Namespace, config: Config, plan: Plan) -> Runtime:
    from swarmtop.core.prices import load_prices

    baseline = None
    if getattr(args, "baseline", None):
        from swarmtop.commands.baseline import baseline_settings, load_baseline

        baseline = (load_baseline(args.baseline, config), baseline_settings(config, None),
                    args.baseline)
    recorder = None
    if getattr(args, "record", None):
        from swarmtop.export.record import Recorder

        try:
            recorder = Recorder(args.record)
        except OSError as exc:
            raise SourceError(f"cannot write --record file {args.record}: {exc.strerror}") from None
    agg = Aggregator(config, prices=load_prices(config),
                     since=since_cutoff(getattr(args, "since", None)), baseline=baseline,
                     sampler=plan.sampler_status, recorder=recorder.status if recorder else None,
                     receivers=plan.receivers, discovered=getattr(args, "discovered", ()))
    runtime = Runtime(agg, plan.sources, interval=config.interval_s,
                      progress=plan.progress)
    if recorder is not None:
        runtime.on_events.append(recorder)
        runtime.on_stop.append(recorder.close)
    if getattr(args, "prometheus", None):
        from swarmtop.errors import AddressError
        from swarmtop.export.prometheus import PrometheusServer

        try:
            server = PrometheusServer(args.prometheus, runtime.latest)
            server.start()
        except AddressError as exc:
            raise SourceError(str(exc)) from None
        except OSError as exc:
            raise SourceError(
                f"cannot serve --prometheus on {args.prometheus}: {exc.strerror or exc} "
                "(is the port in use?)"
            ) from None
        plan.cleanup.append(server.close)
    return runtime


def run_live(args: argparse.Namespace, config: Config) -> int:
    plan = build_plan(args, config)
    try:
        runtime = make_runtime(args, config, plan)
        if args.no_ui:
            return asyncio.run(_headless(args, runtime, plan))
        from swarmtop.ui import run_app

        # the first frame first: a backlog is read on once it is on screen
        shown = plan.tailer.hold_for_first_frame() if plan.tailer is not None else None
        return run_app(runtime, theme=config.theme, interval=config.interval_s,
                       on_first_frame=shown)
    finally:
        _cleanup(plan)


def _launched_done(plan: Plan) -> bool:
    return plan.launched is not None and plan.launched.returncode is not None


HEADLESS_POLL_S = 0.25  # how often --no-ui looks at the deadline and a --run child's exit


async def _headless(args: argparse.Namespace, runtime: Runtime, plan: Plan) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    settle_gc()  # start-up is done: the heap so far is never garbage
    deadline = time.monotonic() + args.duration if args.duration else None
    last_print = time.monotonic()
    try:
        while not stop.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                break
            if _launched_done(plan):
                await asyncio.sleep(config_settle(runtime))
                break
            wait = HEADLESS_POLL_S
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - time.monotonic()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            if deadline is None and not args.json and time.monotonic() - last_print >= 2.0:
                last_print = time.monotonic()
                snap = runtime.latest()
                if snap is not None:
                    print(one_line(snap), flush=True)
    finally:
        await runtime.stop()
    snap = runtime.latest()
    assert snap is not None
    if args.json:
        sys.stdout.buffer.write(to_json(snap) + b"\n")
    else:
        sys.stdout.write(render_text(snap))
    sys.stdout.flush()
    return EXIT_ALERT if any(a.severity == "critical" for a in snap.alerts) else EXIT_OK


def config_settle(runtime: Runtime) -> float:
    """After a --run child exits, wait one interval so its last samples and lines land."""
    return runtime.interval + 0.2


def one_line(s: Snapshot) -> str:
    """The live headless summary line, printed every 2 s."""
    t = s.tokens
    firing = sum(1 for a in s.alerts if not a.acknowledged)
    return (
        f"{s.generated_at} health {s.health.score:.0f} | tokens {t.total} calls {t.calls} "
        f"${t.cost_usd:.4f} ({t.burn_usd_per_min:.4f}/min) | rss "
        f"{s.memory.total_rss_bytes / 2**20:.1f}MiB procs {len(s.memory.processes)} | "
        f"lines {s.sources.lines} bad {s.sources.bad_lines} | alerts {firing}"
    )


__all__ = ["run_live", "build_plan", "make_runtime", "Progress"]
