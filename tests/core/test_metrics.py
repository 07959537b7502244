"""The snapshot's metrics section: custom metrics per name and GC pauses per process."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from swarmtop.core.aggregator import Aggregator
from swarmtop.core.config import Config
from swarmtop.core.metrics import MAX_METRICS, MetricsTracker
from swarmtop.events import GcEvent, MetricEvent
from swarmtop.snapshot import from_dict, to_dict

T0 = 1_800_000_000.0


def _section(t: MetricsTracker, now: float) -> dict[str, Any]:
    """The section as its JSON has it."""
    out: dict[str, Any] = msgspec.to_builtins(t.section(now))
    return out


def _m(ts: float, name: str, value: float, kind: str, unit: str = "") -> MetricEvent:
    return MetricEvent(ts=T0 + ts, source="a.jsonl", name=name, value=value, metric_kind=kind,
                       unit=unit)


def test_counter_gauge_rate_figures():
    t = MetricsTracker(window_s=60)
    for i in range(30):  # 30 s of one increment of 2 per second
        t.add(_m(i, "tool.calls", 2, "counter"))
        t.add(_m(i, "queue.depth", i, "gauge", "items"))
        t.add(_m(i, "tokens", 100, "rate"))
    sec = _section(t, T0 + 29)
    c = sec["custom"]["tool.calls"]
    assert c["kind"] == "counter" and c["count"] == 30 and c["total"] == 60
    assert c["rate_per_s"] == pytest.approx(60 / 29, rel=1e-3)  # run younger than the window
    g = sec["custom"]["queue.depth"]
    assert g["latest"] == 29 and g["unit"] == "items" and g["min"] == 0 and g["max"] == 29
    assert g["rate_per_s"] == pytest.approx(30 / 29, rel=1e-3)  # observations per second
    assert g["p50"] is None  # percentiles are for distributions only
    assert sec["custom"]["tokens"]["rate_per_s"] == pytest.approx(3000 / 29, rel=1e-3)
    # an hour later the window is empty: rate falls to zero, totals stay
    later = _section(t, T0 + 3600)["custom"]["tool.calls"]
    assert later["rate_per_s"] == 0 and later["total"] == 60


def test_histogram_and_timer_percentiles():
    t = MetricsTracker(window_s=60)
    for i in range(1, 101):
        t.add(_m(i * 0.1, "tool.exec", float(i), "timer", "ms"))
        t.add(_m(i * 0.1, "result.bytes", float(i * 10), "histogram", "B"))
    sec = _section(t, T0 + 10)["custom"]
    tm = sec["tool.exec"]
    assert tm["p50"] == pytest.approx(50.5) and tm["p99"] == pytest.approx(99.01)
    assert tm["window_p50"] == pytest.approx(50.5) and tm["count"] == 100
    assert sec["result.bytes"]["p90"] == pytest.approx(901.0)


def test_latest_is_newest_by_timestamp_not_arrival():
    t = MetricsTracker()
    t.add(_m(10, "g", 5, "gauge"))
    t.add(_m(5, "g", 1, "gauge"))  # an older record read later (another file)
    assert _section(t, T0 + 10)["custom"]["g"]["latest"] == 5


def test_names_are_bounded_and_unknown_kinds_are_gauges():
    t = MetricsTracker()
    for i in range(MAX_METRICS + 5):
        t.add(_m(0, f"m{i}", 1, "weird"))
    sec = _section(t, T0)
    assert len(sec["custom"]) == MAX_METRICS and sec["dropped"] == 5
    assert {m["kind"] for m in sec["custom"].values()} == {"gauge"}


def test_gc_pause_per_second_and_wall_share_per_process():
    t = MetricsTracker(window_s=60)
    for i in range(10):  # 10 s, 5 ms of young-gen pauses a second in 50 collections
        t.add_gc(GcEvent(ts=T0 + i, source="p1.jsonl", generation=0, collections=50,
                         duration_ms=5.0, max_ms=0.4, collected=100, pid=11))
    t.add_gc(GcEvent(ts=T0 + 9, source="p1.jsonl", generation=2, collections=1,
                     duration_ms=20.0, collected=7, pid=11))
    t.add_gc(GcEvent(ts=T0 + 9, source="p2.jsonl", generation=2, collections=1,
                     duration_ms=1.0, pid=12))
    gc = _section(t, T0 + 9)["gc"]
    p1 = gc["p1.jsonl"]
    assert p1["pid"] == 11 and p1["by_generation"] == [500, 0, 1] and p1["collections"] == 501
    assert p1["collected"] == 1007 and p1["pause_ms_total"] == 70.0 and p1["pause_ms_max"] == 20
    # 70 ms of pauses over 10 s of wall time (first batch covers the second before it)
    assert p1["pause_ms_per_s"] == pytest.approx(7.0)
    assert p1["wall_share"] == pytest.approx(0.007)
    assert gc["p2.jsonl"]["pause_ms_per_s"] == pytest.approx(1.0)  # at least 1 s of wall time


def test_aggregator_puts_the_section_in_the_snapshot():
    agg = Aggregator(Config(), clock=lambda: T0 + 5)
    agg.ingest([_m(1, "tool.calls", 1, "counter"), _m(2, "tool.calls", 1, "counter"),
                GcEvent(ts=T0 + 2, source="a.jsonl", generation=2, duration_ms=3.0, pid=1)])
    snap = agg.snapshot()
    assert (snap.metrics.custom or {})["tool.calls"].total == 2
    assert (snap.metrics.gc or {})["a.jsonl"].pause_ms_total == 3.0
    assert agg.events == 3
    # the section survives the public schema round trip unchanged
    assert from_dict(to_dict(snap)).metrics == snap.metrics
