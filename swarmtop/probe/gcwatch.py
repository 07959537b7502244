"""Garbage-collector pauses as ``gc`` records (``probe.start(..., gc=True)``): full collections
as they happen, the frequent young ones summed per generation about once a second."""

from __future__ import annotations

import gc as _gc

from swarmtop.probe import writer
from swarmtop.probe.writer import _emit, _fmt_ts, _perf

GC_BATCH_S = 1.0  # young-generation collections are summed over this long into one record

# [collections, total_s, max_s, collected, uncollectable] per generation, flushed as records.
_gc_acc: list[list[float]] = [[0, 0.0, 0.0, 0, 0] for _ in range(3)]
_gc_t0 = 0.0
_gc_last_flush = 0.0
_gc_on = False


def _gc_reset() -> None:
    global _gc_acc, _gc_t0, _gc_last_flush
    _gc_acc = [[0, 0.0, 0.0, 0, 0] for _ in range(3)]
    _gc_t0 = 0.0
    _gc_last_flush = _perf()


def _gc_record(gen: int, acc: list[float]) -> str:
    return (f'{{"ts":{_fmt_ts()},"type":"gc","pid":{writer._pid},"generation":{gen},'
            f'"collections":{int(acc[0])},"duration_ms":{acc[1] * 1000.0:.4f},'
            f'"max_ms":{acc[2] * 1000.0:.4f},"collected":{int(acc[3])},'
            f'"uncollectable":{int(acc[4])}}}\n')


def _gc_flush() -> None:
    global _gc_last_flush
    _gc_last_flush = _perf()
    for gen, acc in enumerate(_gc_acc):
        if acc[0]:
            _emit(_gc_record(gen, acc))
            acc[0], acc[1], acc[2], acc[3], acc[4] = 0, 0.0, 0.0, 0, 0


def _gc_callback(phase: str, info: dict[str, int]) -> None:
    """Full (generation 2) collections are written as they happen; the frequent young ones are
    summed per generation and written about once a second, so a busy allocator costs one
    record a second rather than thousands."""
    global _gc_t0
    try:
        if phase == "start":
            _gc_t0 = _perf()
            return
        now = _perf()
        dur = now - _gc_t0 if _gc_t0 else 0.0
        gen = info.get("generation", 0)
        acc = _gc_acc[gen if 0 <= gen <= 2 else 2]
        acc[0] += 1
        acc[1] += dur
        if dur > acc[2]:
            acc[2] = dur
        acc[3] += info.get("collected", 0)
        acc[4] += info.get("uncollectable", 0)
        if writer._fd < 0:
            return
        if gen >= 2:
            _emit(_gc_record(2, acc))
            acc[0], acc[1], acc[2], acc[3], acc[4] = 0, 0.0, 0.0, 0, 0
        elif now - _gc_last_flush >= GC_BATCH_S:
            _gc_flush()
    except Exception:  # noqa: BLE001 - the probe never raises into the swarm
        pass


def _set_gc(on: bool) -> None:
    global _gc_on
    if on and not _gc_on:
        _gc_reset()
        _gc.callbacks.append(_gc_callback)
        _gc_on = True
        # an empty record marks when watching began, so pause time is shared over the
        # whole wall time watched, not from the first collection on
        _emit(_gc_record(0, [0, 0.0, 0.0, 0, 0]))
    elif not on and _gc_on:
        try:
            _gc.callbacks.remove(_gc_callback)
        except ValueError:
            pass
        _gc_on = False
        _gc_flush()
