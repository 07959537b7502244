"""The demo's main process: asyncio agents plus a thread pool, reporting through the probe.

Layout: ``run()`` starts the probe, forks the worker processes (before any thread exists),
then runs the asyncio swarm until SIGTERM/SIGINT/SIGHUP or ``--duration``; on the way out it
stops the workers (SIGTERM, then SIGKILL after a grace period) and closes the probe.
Everything waits on timers, so the whole demo costs a few percent of one core.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import os
import random
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from swarmtop import probe
from swarmtop.demo import workers
from swarmtop.demo.catalog import AGENTS, PATTERN_AGENTS, PATTERNS
from swarmtop.demo.plan import Call, TaskPlan, plan_task

if TYPE_CHECKING:  # (ForkContext exists only where fork does: not on Windows)
    from multiprocessing.context import ForkContext, SpawnContext

DEFAULT_RATE = 20.0  # events per second, all processes together
# measured (20 s runs, counting records by type): the workers, gauges and GC records write
# ~6.5 records/s whatever the rate; a task writes ~6.8 (task, calls, token rate, tool metrics)
BACKGROUND_EVENTS_S = 6.5
EVENTS_PER_TASK = 6.8
MEAN_TASK_S = 1.6
THREAD_AGENTS = frozenset({"tester"})  # these run their (blocking) tasks in the thread pool
SAWTOOTH_CHUNK = 256 * 1024  # main process: grows by this every 0.5 s ...
SAWTOOTH_MAX = 12 * 1024 * 1024  # ... and drops its cache at this size
LOGGER = "swarmtop.demo"
# two sub-agents that go wrong, so a newcomer sees both agent signals (docs/demo.md): one
# runs the same failing test again and again (agent_loop within ~30 s), one waits forever on
# a fetch (working, then stalled once 120 s pass without an event)
LOOPER, STALLER = "fixer", "scraper"
LOOP_CMD = "pytest tests/test_flaky.py -x"
LOOP_EVERY_S = 5.0
DRAIN_S = 1.0  # on stop, tasks in flight get this long to finish before they are cancelled

log = logging.getLogger(LOGGER)


class Shutdown(BaseException):
    """Raised inside a thread-pool task when the demo stops (the probe records 'cancelled')."""


def tasks_per_s(rate: float) -> float:
    """Tasks to start per second for about ``rate`` records per second in all."""
    return max(0.2, (rate - BACKGROUND_EVENTS_S) / EVENTS_PER_TASK)


def lanes_for(rate: float) -> int:
    """Concurrent task lanes: one per pattern at least, and enough that pacing, not task
    latency, sets the rate (3x the tasks in flight on average)."""
    return max(len(PATTERNS), math.ceil(tasks_per_s(rate) * MEAN_TASK_S * 3))


def run(out: str, *, seed: int | None = None, duration: float | None = None,
        rate: float = DEFAULT_RATE) -> int:
    seed = random.randrange(1 << 30) if seed is None else seed
    if probe.start(out, gc=True, name="swarm") is None:
        print(f"swarmtop.demo: cannot write to {out}", file=sys.stderr)
        return 1
    handler = probe.LogHandler()
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    deadline = time.monotonic() + duration if duration else None
    procs = start_workers(seed, deadline)
    try:
        asyncio.run(Swarm(seed, lanes_for(rate), deadline, tasks_per_s(rate)).main())
    except KeyboardInterrupt:
        pass
    finally:
        stop_workers(procs)
        log.removeHandler(handler)
        probe.stop()
    return 0


def start_workers(seed: int, deadline: float | None) -> list[multiprocessing.process.BaseProcess]:
    """Fork the worker processes. Forking (not spawning) shows the probe's fork safety: each
    child writes its own file without doing anything."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx: ForkContext | SpawnContext = (
        multiprocessing.get_context("fork") if method == "fork"
        else multiprocessing.get_context("spawn"))
    procs: list[multiprocessing.process.BaseProcess] = []
    for i, kind in enumerate(workers.KINDS):
        p = ctx.Process(target=workers.worker_main, name=f"swarmtop-demo-{kind}",
                        args=(kind, seed + 1 + i, deadline, os.getpid(), method == "spawn"))
        p.start()
        procs.append(p)
    return procs


def stop_workers(procs: list[multiprocessing.process.BaseProcess], grace_s: float = 3.0) -> None:
    for p in procs:
        if p.is_alive():
            p.terminate()  # SIGTERM: the worker flushes its probe file and exits 0
    end = time.monotonic() + grace_s
    for p in procs:
        p.join(max(0.0, end - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join(1.0)


class Swarm:
    def __init__(self, seed: int, lanes: int, deadline: float | None,
                 tasks_per_s: float = 2.0) -> None:
        self.seed = seed
        self.task_gap_s = 1.0 / tasks_per_s
        self.next_start = 0.0  # monotonic time of the next task slot (shared pacing)
        self.lanes = lanes
        self.deadline = deadline
        self.started = time.monotonic()
        self.stopping = asyncio.Event()
        self.thread_stop = threading.Event()
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="demo-tester")
        self.busy = 0
        self.cache: list[bytes] = []  # the main process's sawtooth

    async def main(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            try:
                loop.add_signal_handler(sig, self.stopping.set)
            except (NotImplementedError, RuntimeError):  # not the main thread / no signals
                pass
        log.info("swarm started: %d lanes, seed %d, pid %d", self.lanes, self.seed, os.getpid())
        probe.agent("planner", name="planner")  # the tree: every other agent is its sub-agent
        for name in (*AGENTS, "indexer", LOOPER, STALLER):  # (the indexer: a worker process)
            if name != "planner":
                probe.agent(name, name=name, parent="planner")
        jobs = [asyncio.create_task(self.lane(PATTERNS[i % len(PATTERNS)], i))
                for i in range(self.lanes)]
        jobs += [asyncio.create_task(self.looper()), asyncio.create_task(self.staller())]
        jobs.append(asyncio.create_task(self.ambient()))
        timeout = None if self.deadline is None else max(0.0, self.deadline - time.monotonic())
        try:
            await asyncio.wait_for(self.stopping.wait(), timeout)
        except TimeoutError:
            pass
        log.info("swarm stopping")
        self.stopping.set()
        # let tasks in flight finish (lanes start no new ones), then cancel what is left:
        # those are recorded with status "cancelled"
        await asyncio.wait(jobs[:-1], timeout=DRAIN_S)  # the lanes; the last job is ambient()
        self.thread_stop.set()
        for job in jobs:
            job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        self.pool.shutdown(wait=True, cancel_futures=True)

    # ---- agents ---------------------------------------------------------------------------
    async def lane(self, pattern: str, index: int) -> None:
        rng = random.Random(self.seed * 1009 + index)
        await asyncio.sleep(rng.uniform(0.0, 0.3))
        first = True
        loop = asyncio.get_running_loop()
        while not self.stopping.is_set():
            if not first:  # every lane's first task starts at once: all patterns show up
                await self.pace()
                if self.stopping.is_set():
                    break
            agent = rng.choice(PATTERN_AGENTS[pattern])
            plan = plan_task(rng, pattern, agent, time.monotonic() - self.started, first)
            first = False
            self.busy += 1
            try:
                if agent in THREAD_AGENTS:
                    await loop.run_in_executor(self.pool, self.run_blocking, plan)
                else:
                    await self.run_async(plan)
            except TimeoutError as exc:
                log.error("%s task timed out: %s", pattern, exc, extra={"agent": agent})
            except RuntimeError as exc:
                log.error("%s task failed: %s", pattern, exc, extra={"agent": agent})
            finally:
                self.busy -= 1
            await asyncio.sleep(rng.uniform(0.05, 0.5))  # think time between tasks

    async def pace(self) -> None:
        """Wait for this lane's slot: tasks start ``task_gap_s`` apart across all lanes."""
        now = time.monotonic()
        slot = max(now, self.next_start)
        self.next_start = slot + self.task_gap_s
        if slot > now:
            await asyncio.sleep(slot - now)

    async def run_async(self, plan: TaskPlan) -> None:
        async with probe.task(plan.pattern, agent=plan.agent) as t:
            scratch = _garbage(len(plan.calls))  # agents build and drop object graphs: GC work
            for call in plan.calls:
                await asyncio.sleep(call.latency_s)
                _record(call)
                if call.tool_s:
                    async with probe.timer("tool.exec"):
                        await asyncio.sleep(call.tool_s)
            del scratch
        if t.duration_ms and t.duration_ms > 8000:
            log.warning("slow %s task: %.1f s", plan.pattern, t.duration_ms / 1000,
                        extra={"agent": plan.agent})

    def run_blocking(self, plan: TaskPlan) -> None:
        """A thread-pool task: blocking sleeps, the same probe calls (they are thread-safe)."""
        with probe.task(plan.pattern, agent=plan.agent):
            for call in plan.calls:
                self._sleep(call.latency_s)
                _record(call)
                if call.tool_s:
                    with probe.timer("tool.exec"):
                        self._sleep(call.tool_s)

    def _sleep(self, seconds: float) -> None:
        if self.thread_stop.wait(seconds):
            raise Shutdown

    async def looper(self) -> None:
        """A sub-agent stuck on a failing test: the same command, the same error."""
        rng = random.Random(self.seed * 13 + 1)
        while not self.stopping.is_set():
            probe.llm_call("claude-haiku-4-5", rng.randint(1500, 2500), rng.randint(40, 90),
                           cache_read_tokens=rng.randint(8000, 12000),
                           latency_ms=round(rng.uniform(400, 900), 1), agent=LOOPER)
            try:
                async with probe.tool("bash", LOOP_CMD, agent=LOOPER):
                    await asyncio.sleep(rng.uniform(0.8, 1.5))
                    raise RuntimeError("FAILED tests/test_flaky.py::test_race - AssertionError")
            except RuntimeError:
                pass
            await asyncio.sleep(LOOP_EVERY_S)

    async def staller(self) -> None:
        """A sub-agent that makes one call, starts a fetch and never hears back."""
        probe.llm_call("gpt-4o-mini", 1200, 80, latency_ms=650.0, agent=STALLER)
        async with probe.tool("web_fetch", "https://example.invalid/slow", agent=STALLER):
            await self.stopping.wait()

    # ---- background: gauges and the memory sawtooth ---------------------------------------
    async def ambient(self) -> None:
        rng = random.Random(self.seed * 7 + 3)
        depth = 10.0
        tick = 0
        while True:
            await asyncio.sleep(0.5)
            tick += 1
            self.cache.append(b"\x5a" * SAWTOOTH_CHUNK)  # written bytes: real resident memory
            if len(self.cache) * SAWTOOTH_CHUNK >= SAWTOOTH_MAX:
                log.info("context cache evicted (%d MiB)", SAWTOOTH_MAX >> 20)
                self.cache.clear()
            if tick % 2 == 0:
                depth = min(60.0, max(0.0, depth + rng.gauss(0.3, 3.0)))
                probe.gauge("queue.depth", round(depth), unit="tasks")
                probe.gauge("agents.busy", self.busy, unit="tasks")
                probe.gauge("context_cache.bytes", len(self.cache) * SAWTOOTH_CHUNK, unit="B")


def _record(call: Call) -> None:
    """Report one planned call through the probe; raise what a failed call would raise."""
    latency_ms = round(call.latency_s * 1000, 1)
    if call.outcome == "timeout":
        probe.llm_call(call.model, 0, 0, latency_ms=latency_ms, ok=False)
        raise TimeoutError(f"{call.model} did not answer within {latency_ms / 1000:.1f} s")
    ok = call.outcome == "ok"
    if call.input_tokens is None:
        probe.llm_call(call.model, prompt=call.prompt, completion=call.completion,
                       latency_ms=latency_ms, ok=ok)
    else:
        probe.llm_call(call.model, call.input_tokens, call.output_tokens,
                       cache_read_tokens=call.cache_read, cache_write_tokens=call.cache_write,
                       latency_ms=latency_ms, ok=ok)
        probe.rate("tokens.streamed", call.output_tokens or 0, unit="tokens")
    if not ok:
        raise RuntimeError(call.error)
    if call.tool_s:
        probe.counter("tool.calls")
        probe.histogram("tool.result_bytes", call.tool_bytes, unit="B")


def _garbage(n: int) -> list[dict[str, object]]:
    nodes: list[dict[str, object]] = [{"i": i} for i in range(200 * n)]
    for a, b in zip(nodes, nodes[1:], strict=False):
        a["next"], b["prev"] = b, a  # reference cycles: only the collector frees these
    return nodes
