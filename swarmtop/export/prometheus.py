"""`--prometheus HOST:PORT`: serve /metrics from the latest snapshot (prometheus-client).

A custom collector renders the snapshot at scrape time, so nothing is computed twice and a
scrape never blocks the monitor.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from wsgiref.simple_server import WSGIServer

from msgspec import UNSET
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from swarmtop.errors import AddressError
from swarmtop.snapshot import Snapshot

DEFAULT_HOST = "127.0.0.1"




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
        for name, ps in s.patterns.items():
            h = ps.histogram
            if h.buckets is UNSET or h.sum_ms is UNSET or not ps.count:  # (live: no histogram)
                continue
            buckets = [(_le(b.le_s), float(b.count)) for b in h.buckets]
            hist.add_metric([name], buckets, sum_value=h.sum_ms / 1000.0)
        yield hist
        firing = GaugeMetricFamily("swarmtop_alerts_firing", "Alerts firing by severity",
                                   labels=["severity"])
        counts = {"info": 0, "warning": 0, "critical": 0}
        for a in s.alerts:
            counts[a.severity] = counts.get(a.severity, 0) + 1
        for sev, n in counts.items():
            firing.add_metric([sev], n)
        yield firing
        yield from _agent_families(s)
        yield CounterMetricFamily("swarmtop_lines", "Complete log lines read",
                                  value=s.sources.lines)
        yield CounterMetricFamily("swarmtop_bad_lines", "Log lines that could not be decoded",
                                  value=s.sources.bad_lines)


TOP_AGENTS = 50  # per-agent series for the costliest agents; the rest sum into agent="other"
AGENT_STATUSES = ("working", "waiting", "idle", "stalled", "done", "failed")


def _agent_families(s: Snapshot) -> Iterator[Metric]:
    """Per-agent series, capped (a swarm of thousands must not blow up Prometheus): the top
    TOP_AGENTS agents by cost by id, the others summed as agent="other"."""
    cost = CounterMetricFamily("swarmtop_agent_cost_usd", "Cost in USD by agent",
                               labels=["agent", "name"])
    calls = CounterMetricFamily("swarmtop_agent_llm_calls", "LLM calls by agent",
                                labels=["agent", "name"])
    tokens = CounterMetricFamily("swarmtop_agent_tokens", "Tokens by agent (all four kinds)",
                                 labels=["agent", "name"])
    burn = GaugeMetricFamily("swarmtop_agent_burn_usd_per_minute", "Agent spend rate",
                             labels=["agent", "name"])
    ctx = GaugeMetricFamily("swarmtop_agent_context_used_ratio",
                            "Share of its context window an agent's latest request used",
                            labels=["agent", "name"])
    status = GaugeMetricFamily("swarmtop_agents", "Agents by status", labels=["status"])
    ranked = sorted(s.agents, key=lambda a: -a.cost_usd)
    rest = ranked[TOP_AGENTS:]
    for a in ranked[:TOP_AGENTS]:
        labels = [a.id, a.name]
        cost.add_metric(labels, a.cost_usd)
        calls.add_metric(labels, a.calls)
        tokens.add_metric(labels, a.input + a.output + a.cache_read + a.cache_write)
        burn.add_metric(labels, a.burn_usd_per_min)
        if a.context_used_pct is not None:
            ctx.add_metric(labels, a.context_used_pct / 100.0)
    if rest:
        labels = ["other", f"{len(rest)} more agents"]
        cost.add_metric(labels, sum(a.cost_usd for a in rest))
        calls.add_metric(labels, sum(a.calls for a in rest))
        tokens.add_metric(labels, sum(a.input + a.output + a.cache_read + a.cache_write
                                      for a in rest))
        burn.add_metric(labels, sum(a.burn_usd_per_min for a in rest))
    for st in AGENT_STATUSES:
        status.add_metric([st], sum(1 for a in s.agents if a.status == st))
    yield from (cost, calls, tokens, burn, ctx, status)


def _le(seconds: float | None) -> str:
    # +Inf is null in the snapshot JSON (JSON has no infinity)
    return "+Inf" if seconds is None or seconds == float("inf") else repr(float(seconds))


class PrometheusServer:
    def __init__(self, address: str, latest: Callable[[], Snapshot | None]) -> None:
        self.host, self.port = parse_address(address)
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(SnapshotCollector(latest))
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._server, self._thread = start_http_server(self.port, self.host, self.registry)
        self.port = self._server.server_port  # the real port when 0 (any free port) was asked

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
