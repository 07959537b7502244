from __future__ import annotations

import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from swarmtop.core.aggregator import Aggregator
from swarmtop.events import LLMCall, ProcessSample, TaskEvent
from swarmtop.export.prometheus import AddressError, PrometheusServer, parse_address


def test_parse_address_defaults_to_loopback():
    assert parse_address("9464") == ("127.0.0.1", 9464)
    assert parse_address(":9464") == ("127.0.0.1", 9464)
    assert parse_address("0.0.0.0:80") == ("0.0.0.0", 80)
    assert parse_address("[::1]:9464") == ("::1", 9464)
    with pytest.raises(AddressError):
        parse_address("localhost:http")


def test_scrape_over_loopback_and_parse():
    agg = Aggregator(clock=lambda: 100.0)
    agg.ingest([
        LLMCall(ts=99.0, source="f", model="m1", input_tokens=10, output_tokens=3, cost_usd=0.5,
                cache_read_tokens=4),
        TaskEvent(ts=99.0, source="f", pattern="lateral", duration_ms=300.0),
        TaskEvent(ts=99.0, source="f", pattern="lateral", duration_ms=7000.0),
        ProcessSample(ts=99.0, source="pid:7", pid=7, create_time=1.0, name="w", rss=1234),
    ])
    snap = agg.snapshot()
    server = PrometheusServer("127.0.0.1:0", lambda: snap)
    server.start()
    try:
        url = f"http://127.0.0.1:{server.port}/metrics"
        body = urllib.request.urlopen(url, timeout=5).read().decode()
    finally:
        server.close()
    samples = {}
    for fam in text_string_to_metric_families(body):
        for s in fam.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    assert samples[("swarmtop_health_score", ())] == snap.health.score
    assert samples[("swarmtop_tokens_total", (("kind", "input"), ("model", "m1")))] == 10
    assert samples[("swarmtop_tokens_total", (("kind", "cache_read"), ("model", "m1")))] == 4
    assert samples[("swarmtop_cost_usd_total", (("model", "m1"),))] == 0.5
    assert samples[("swarmtop_process_rss_bytes", (("name", "w"), ("pid", "7")))] == 1234
    assert samples[("swarmtop_pattern_latency_seconds_count", (("pattern", "lateral"),))] == 2
    assert samples[("swarmtop_pattern_latency_seconds_bucket",
                    (("le", "0.5"), ("pattern", "lateral")))] == 1
    assert samples[("swarmtop_pattern_latency_seconds_sum", (("pattern", "lateral"),))] == 7.3
    assert samples[("swarmtop_alerts_firing", (("severity", "critical"),))] == 0
    assert ("swarmtop_lines_total", ()) in samples
