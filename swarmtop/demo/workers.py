"""The demo's worker child processes: a slowly leaking indexer and a GC-heavy researcher.

Each runs a plain loop of short sleeps and exits cleanly on SIGTERM/SIGINT/SIGHUP, at the
deadline, or when its parent disappears (so a killed demo never leaves orphans behind).
"""

from __future__ import annotations

import gc
import logging
import os
import random
import signal
import time
from collections.abc import Iterator
from typing import Any

from swarmtop import probe
from swarmtop.demo.catalog import MODELS, lognormal, usage

KINDS = ("indexer", "researcher")
LEAK_BYTES_PER_S = 100 * 1024  # the indexer's slow linear leak ...
LEAK_CAP = 256 * 1024 * 1024  # ... which stops growing here, so the demo can run for days
LOGGER = "swarmtop.demo"

_stop = False
_leak: list[bytes] = []


def _on_signal(signum: int, frame: object) -> None:
    global _stop
    _stop = True


def _nap(seconds: float) -> None:
    """Sleep, but wake within 50 ms of a stop signal (time.sleep resumes after a handler)."""
    end = time.monotonic() + seconds
    while not _stop:
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.05))


def _set_process_name(name: str) -> None:
    """Name the process (what ps, htop and swarmtop's process table show) on Linux."""
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):
        pass


def worker_main(kind: str, seed: int, deadline: float | None, parent: int,
                spawned: bool = False) -> None:
    _set_process_name(f"demo-{kind}")
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    if spawned:  # a spawned child starts fresh: the probe reads the directory from the env
        probe.start(gc=True, name="swarm")
        logging.getLogger(LOGGER).addHandler(probe.LogHandler())
    log = logging.getLogger(LOGGER)
    log.setLevel(logging.INFO)
    rng = random.Random(seed)
    step = _indexer(rng, log) if kind == "indexer" else _researcher(rng, log)
    log.info("%s worker started, pid %d", kind, os.getpid(), extra={"agent": kind})
    try:
        while not _stop and os.getppid() == parent:
            if deadline is not None and time.monotonic() >= deadline:
                break
            next(step)
            _nap(0.25)
    finally:
        probe.stop()  # multiprocessing children leave via os._exit: no atexit to rely on


def _indexer(rng: random.Random, log: logging.Logger) -> Iterator[None]:
    """Every second: index some documents, keep a bit more than it should (the leak)."""
    started = time.monotonic()
    held = 0
    tick = 0
    capped = False
    while True:
        tick += 1
        # keep exactly LEAK_BYTES_PER_S per second of run time, however the loop is paced
        want = min(LEAK_CAP, int((time.monotonic() - started) * LEAK_BYTES_PER_S))
        if want > held:
            _leak.append(b"\x69" * (want - held))  # written bytes: real resident memory
            held = want
        elif want >= LEAK_CAP and not capped:
            capped = True
            log.warning("index buffer reached %d MiB; no longer growing", LEAK_CAP >> 20,
                        extra={"agent": "indexer"})
        if tick % 4 == 0:
            docs = rng.randint(3, 30)
            probe.counter("index.docs", docs, agent="indexer")
            probe.gauge("index.bytes", held, unit="B", agent="indexer")
        if tick % 12 == 0:
            with probe.task("abstract", agent="indexer"):
                _nap(min(1.5, lognormal(rng, 0.5, 0.4)))
                i, o, cr, cw = usage(rng, MODELS["claude-haiku-4-5"])
                probe.llm_call("claude-haiku-4-5", i, o, cache_read_tokens=cr,
                               cache_write_tokens=cw, latency_ms=round(rng.uniform(300, 900)))
        yield


def _researcher(rng: random.Random, log: logging.Logger) -> Iterator[None]:
    """Every few seconds: a divergent search task that builds and drops large object graphs."""
    tick = 0
    while True:
        tick += 1
        if tick % 6 == 0:
            with probe.task("divergent", agent="researcher"):
                graph: list[dict[str, Any]] = [{"id": i, "links": []} for i in range(8_000)]
                for a, b in zip(graph, graph[1:], strict=False):
                    a["links"].append(b)
                    b["links"].append(a)  # cycles: freed only by the collector
                del graph
                _nap(min(2.0, lognormal(rng, 0.6, 0.5)))
                i, o, cr, _ = usage(rng, MODELS["gpt-4o-mini"])
                ok = rng.random() > 0.03
                probe.llm_call("gpt-4o-mini", i, o, cache_read_tokens=cr, ok=ok,
                               latency_ms=round(rng.uniform(400, 1600)))
                if not ok:
                    log.error("search backend returned 503", extra={"agent": "researcher"})
            probe.histogram("search.results", rng.randint(0, 40), unit="docs",
                            agent="researcher")
        if tick % 24 == 0:
            gc.collect()  # a full collection after each batch, as many pipelines do
        yield
