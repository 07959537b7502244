"""`--prometheus HOST:PORT`: serve /metrics from the latest snapshot (prometheus-client).

A custom collector renders the snapshot at scrape time, so nothing is computed twice and a
scrape never blocks the monitor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from swarmtop.snapshot import Snapshot

DEFAULT_HOST = "127.0.0.1"


class AddressError(ValueError):
    pass


def parse_address(text: str) -> tuple[str, int]:
    """`HOST:PORT`, `:PORT` or `PORT`; the host defaults to loopback (never all interfaces
    unless asked). IPv6 hosts in brackets: `[::1]:9464`."""
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = "", text
    host = host.strip("[]") or DEFAULT_HOST
    try:
        port = int(port_text)
    except ValueError:
        raise AddressError(f"--prometheus takes HOST:PORT, got {text!r}") from None
    if not 0 <= port < 65536:
        raise AddressError(f"--prometheus port must be 0-65535, got {port}")
    return host, port


class SnapshotCollector:
    def __init__(self, latest: Callable[[], Snapshot | None]) -> None:
        self.latest = latest

    def describe(self) -> list[Metric]:
        return []  # unchecked collector: families depend on what the snapshot holds

    def collect(self) -> Iterator[Metric]:
        s = self.latest()
        if s is None:
            return
        yield GaugeMetricFamily("swarmtop_health_score", "Health score 0-100", value=s.health.score)
        tokens = CounterMetricFamily("swarmtop_tokens", "Tokens by kind and model",
                                     labels=["kind", "model"])
        cost = CounterMetricFamily("swarmtop_cost_usd", "Cost in USD by model", labels=["model"])
        calls = CounterMetricFamily("swarmtop_llm_calls", "LLM calls by model", labels=["model"])
        for model, c in s.tokens.by_model.items():
            for kind, value in (("input", c.input), ("output", c.output),
                                ("cache_read", c.cache_read), ("cache_write", c.cache_write)):
                tokens.add_metric([kind, model], value)
            cost.add_metric([model], c.cost_usd)
            calls.add_metric([model], c.calls)
        yield tokens
        yield cost
        yield calls
        yield GaugeMetricFamily("swarmtop_burn_usd_per_minute", "Spend rate over the window",
                                value=s.tokens.burn_usd_per_min)
        rss = GaugeMetricFamily("swarmtop_process_rss_bytes", "Resident set size",
                                labels=["pid", "name"])
        cpu = GaugeMetricFamily("swarmtop_process_cpu_percent", "CPU percent",
                                labels=["pid", "name"])
        for p in s.memory.processes:
            if p.alive:
                rss.add_metric([str(p.pid), p.name], p.rss_bytes)
                cpu.add_metric([str(p.pid), p.name], p.cpu_percent)
        yield rss
        yield cpu
        hist = HistogramMetricFamily("swarmtop_pattern_latency_seconds",
                                     "Task latency by cognitive pattern", labels=["pattern"])
        for name, p in s.patterns.items():
            h = p.histogram
            if not h or not p.count:
                continue
            buckets = [(_le(le), float(n)) for le, n in h["buckets"]]
            hist.add_metric([name], buckets, sum_value=h["sum_ms"] / 1000.0)
        yield hist
        firing = GaugeMetricFamily("swarmtop_alerts_firing", "Alerts firing by severity",
                                   labels=["severity"])
        counts = {"info": 0, "warning": 0, "critical": 0}
        for a in s.alerts:
            counts[a.severity] = counts.get(a.severity, 0) + 1
        for sev, n in counts.items():
            firing.add_metric([sev], n)
        yield firing
        yield CounterMetricFamily("swarmtop_lines", "Complete log lines read",
                                  value=s.sources.lines)
        yield CounterMetricFamily("swarmtop_bad_lines", "Log lines that could not be decoded",
                                  value=s.sources.bad_lines)


def _le(seconds: float | None) -> str:
    # +Inf is null in the snapshot JSON (JSON has no infinity)
    return "+Inf" if seconds is None or seconds == float("inf") else repr(float(seconds))


class PrometheusServer:
    def __init__(self, address: str, latest: Callable[[], Snapshot | None]) -> None:
        self.host, self.port = parse_address(address)
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(SnapshotCollector(latest))  # type: ignore[arg-type]
        self._server = None
        self._thread = None

    def start(self) -> None:
        self._server, self._thread = start_http_server(self.port, self.host, self.registry)
        self.port = self._server.server_port  # the real port when 0 (any free port) was asked

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
