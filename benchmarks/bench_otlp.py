"""OTLP receiver under a real OpenTelemetry SDK client: sustained spans/s, the monitor's CPU,
the latency from send to snapshot, nothing dropped silently (target: 5,000 spans/s for 60 s at
≤ 25 % of one core): `python -m benchmarks.bench_otlp [--seconds 60] [--rate 5000] [--smoke]`.

The monitor is this process as `swarmtop --otlp PORT --no-ui` runs it: the receiver (asyncio
server; decoding and the GenAI mapping in its worker thread) as a source of the live Runtime,
whose aggregator thread takes a snapshot every 0.5 s; the garbage collector settled as live.
The client is another process, so its CPU is not counted: the OpenTelemetry Python SDK
(TracerProvider, BatchSpanProcessor with batches of up to 512 as by default, and a queue of
16,384 instead of 2,048: 0.4 s of slack at 5,000 spans/s made the SDK drop spans whenever the
shared host stalled the client) and its OTLP/HTTP protobuf exporter, ending spans at the target
rate in traces of 16 (an `invoke_agent` span, 11 chat spans with usage, 4 tool spans; children
end, and so are exported, before their agent). Its exporter notes when each request is sent
and which chat spans it carries; the monitor notes when each snapshot is published and how
many calls it counts.

- CPU: this process's CPU time (all threads) over the wall time from the first span to the
  last snapshot that holds every call.
- send → snapshot: for each export request, from the moment the exporter sends it until the
  first snapshot that counts all of its chat spans (and all before them: one connection, in
  order); end → snapshot adds the SDK's own batching wait, from each chat span's end.
- dropped by swarmtop: spans the receiver refused, and chat spans the SDK exported whose call
  is missing from the last snapshot. Reported apart: spans the SDK itself dropped (created,
  never exported: its queue was full) or failed to export. None is expected.

A second, shorter run measures the most the receiver alone takes (pre-encoded requests of 512
spans sent as fast as the answers come; no runtime).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

from benchmarks._targets import target
from swarmtop.core.aggregator import Aggregator
from swarmtop.events import LLMCall
from swarmtop.gctune import settle_gc
from swarmtop.runtime import Runtime
from swarmtop.sources.otlp_receiver import OtlpReceiver

TARGET_RATE = 5_000
TARGET_CPU = 0.25
SPANS_PER_REQUEST = 512
TRACE = 16  # spans per trace: 1 agent, 11 chats, 4 tools
CHATS_PER_TRACE = 11

SDK_CLIENT = r'''
import json, logging, sys, time
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult

endpoint, rate, seconds, out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
sent = []  # (time the request went out, [end ns of its chat spans]), in order
failed, exported = [0], [0]

class Exporter(OTLPSpanExporter):
    def export(self, spans):
        t = time.time()
        chats = [s.end_time for s in spans if s.name.startswith("chat")]
        result = super().export(spans)
        if result == SpanExportResult.SUCCESS:
            sent.append((t, chats))
            exported[0] += len(spans)
        else:
            failed[0] += len(spans)
        return result

class Drops(logging.Handler):  # the SDK's only word on spans dropped from a full queue
    n = 0
    def emit(self, record):
        if "full" in record.getMessage().lower():
            Drops.n += 1

logging.getLogger("opentelemetry").addHandler(Drops())
provider = TracerProvider(resource=Resource.create({"service.name": "bench-swarm"}))
provider.add_span_processor(BatchSpanProcessor(Exporter(endpoint=endpoint + "/v1/traces",
                                                        timeout=30), max_queue_size=16384))
tracer = provider.get_tracer("bench")
chat_attrs = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
              "gen_ai.request.model": "claude-sonnet-4-5", "gen_ai.usage.input_tokens": 1200,
              "gen_ai.usage.output_tokens": 80, "gen_ai.usage.cache_read.input_tokens": 1000}
tool_attrs = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"}
print("ready", flush=True)
sys.stdin.readline()
start = time.monotonic()
traces = int(rate * seconds / 16)
created = 0
for k in range(traces):
    wait = start + k * 16 / rate - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    with tracer.start_as_current_span("invoke_agent worker", attributes={
            "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": f"worker-{k % 50}"}):
        for i in range(15):
            if i % 4 == 2:  # 4 tools, 11 chats
                with tracer.start_as_current_span("execute_tool search", attributes=tool_attrs):
                    pass
            else:
                with tracer.start_as_current_span("chat claude-sonnet-4-5",
                                                  attributes=chat_attrs):
                    pass
    created += 16
ended = time.monotonic() - start
provider.shutdown()  # flushes what is queued
with open(out, "w") as f:
    json.dump({"created": created, "seconds": ended, "failed": failed[0], "dropped": Drops.n,
               "exported": exported[0], "sent": sent}, f)
'''

RAW_CLIENT = r'''
import http.client, sys, time
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

port, per_req, n_req = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])

def body(k):
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    kv = rs.resource.attributes.add(key="service.name"); kv.value.string_value = "bench"
    ss = rs.scope_spans.add()
    for i in range(per_req):
        n = k * per_req + i
        trace = n // 16
        t0 = 1_764_064_800_000_000_000 + n
        s = ss.spans.add(trace_id=trace.to_bytes(16, "big"), span_id=(n + 1).to_bytes(8, "big"),
                         start_time_unix_nano=t0, end_time_unix_nano=t0 + 10**9)
        if n % 16 == 0:
            s.name = "invoke_agent worker"
            a = s.attributes.add(key="gen_ai.operation.name"); a.value.string_value = "invoke_agent"
            a = s.attributes.add(key="gen_ai.agent.name"); a.value.string_value = f"worker-{trace % 50}"
            continue
        s.parent_span_id = (trace * 16 + 1).to_bytes(8, "big")
        if n % 4 == 3:
            s.name = "execute_tool search"
            a = s.attributes.add(key="gen_ai.operation.name"); a.value.string_value = "execute_tool"
            a = s.attributes.add(key="gen_ai.tool.name"); a.value.string_value = "search"
        else:
            s.name = "chat claude-sonnet-4-5"
            for key, v in (("gen_ai.operation.name", "chat"),
                           ("gen_ai.request.model", "claude-sonnet-4-5")):
                a = s.attributes.add(key=key); a.value.string_value = v
            for key, v in (("gen_ai.usage.input_tokens", 1200), ("gen_ai.usage.output_tokens", 80)):
                a = s.attributes.add(key=key); a.value.int_value = v
    return req.SerializeToString()

bodies = [body(k) for k in range(n_req)]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
print("ready", flush=True)
sys.stdin.readline()
start = time.monotonic()
ok = 0
for b in bodies:
    conn.request("POST", "/v1/traces", body=b, headers={"Content-Type": "application/x-protobuf"})
    r = conn.getresponse(); r.read()
    ok += r.status == 200
print(ok * per_req, time.monotonic() - start)
'''


async def _sustained(rate: float, seconds: float) -> dict:
    receiver = OtlpReceiver("127.0.0.1", 0)
    agg = Aggregator()
    agg.receivers.append(receiver.status)
    snaps: list[tuple[float, int]] = []  # (published, calls counted)

    handed: list[tuple[float, int]] = []  # (handed to the runtime, calls so far)
    calls_in = [0]

    def on_snapshot(snap) -> None:
        snaps.append((time.time(), snap.tokens.calls))

    def on_events(batch: list) -> None:
        calls_in[0] += sum(1 for e in batch if type(e) is LLMCall)
        handed.append((time.time(), calls_in[0]))

    runtime = Runtime(agg, [receiver], interval=0.5, on_snapshot=[on_snapshot],
                      on_events=[on_events])
    await runtime.start()
    await asyncio.sleep(0.6)
    settle_gc()  # as the live monitor does after its first snapshot
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "client.json")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", SDK_CLIENT, receiver.endpoint, str(rate), str(seconds), out,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert proc.stdin is not None and proc.stdout is not None
        await proc.stdout.readline()
        cpu0, wall0 = time.process_time(), time.monotonic()
        child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
        await proc.wait()
        child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        client_cpu = (child1.ru_utime + child1.ru_stime) - (child0.ru_utime + child0.ru_stime)
        with open(out) as f:
            client = json.load(f)
    chats = sum(len(c) for _, c in client["sent"])
    deadline = time.monotonic() + 15
    while (not snaps or snaps[-1][1] < chats) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
    await runtime.stop()
    st = receiver.status()
    client["cpu"] = client_cpu
    return {"client": client, "chats": chats, "snaps": snaps, "handed": handed, "status": st,
            "wall": wall,
            "cpu": cpu, "calls": snaps[-1][1] if snaps else 0}


def _latencies(client: dict, snaps: list[tuple[float, int]]) -> tuple[np.ndarray, np.ndarray]:
    """(send → seen per request, end → seen per chat span), seconds; ``snaps``: when calls
    were seen (published in a snapshot, or handed on), with how many so far."""
    times = np.array([t for t, _ in snaps])
    counts = np.array([c for _, c in snaps])
    seen = np.maximum.accumulate(counts)
    per_request, per_span = [], []
    cum = 0
    for sent_at, ends in client["sent"]:
        first = cum + 1
        cum += len(ends)
        if not ends:
            continue
        i = int(np.searchsorted(seen, cum))  # the first snapshot counting all of it
        if i >= len(times):
            continue  # never seen: counted as missing, not as a latency
        per_request.append(times[i] - sent_at)
        for j, end_ns in enumerate(ends):
            k = int(np.searchsorted(seen, first + j))
            per_span.append(times[min(k, i)] - end_ns / 1e9)
    return np.array(per_request), np.array(per_span)


async def _flat(n_req: int) -> dict[str, float]:
    receiver = OtlpReceiver("127.0.0.1", 0)

    async def emit(batch: list) -> None:
        pass

    task = asyncio.create_task(receiver.run(emit))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", RAW_CLIENT, str(receiver.port), str(SPANS_PER_REQUEST),
        str(n_req), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    await proc.stdout.readline()
    cpu0, wall0 = time.process_time(), time.monotonic()
    proc.stdin.write(b"go\n")
    await proc.stdin.drain()
    await proc.communicate()
    wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
    st = receiver.status()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await receiver.close()
    return {"rate": st.accepted["spans"] / wall if wall else 0.0, "share": cpu / wall}


def _ms(a: np.ndarray, q: float) -> str:
    return f"{np.quantile(a, q) * 1000:,.0f} ms" if len(a) else "n/a"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--rate", type=float, default=TARGET_RATE, help="spans/s the client ends")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes: checks it still runs")
    a = ap.parse_args()
    seconds, rate = (1.5, 1_000.0) if a.smoke else (a.seconds, a.rate)
    r = asyncio.run(_sustained(rate, seconds))
    flat = asyncio.run(_flat(4 if a.smoke else 120))
    client, st = r["client"], r["status"]
    share = r["cpu"] / r["wall"] if r["wall"] else 0.0
    per_request, per_span = _latencies(client, r["snaps"])
    to_runtime, _ = _latencies(client, r["handed"])
    exported = client["exported"]
    refused = sum(st.rejected.values()) + sum(st.rejections.values())
    missing = r["chats"] - r["calls"]  # chat spans exported whose call is not in the snapshot
    dropped = refused + max(0, missing)  # by swarmtop
    sdk_lost = client["created"] - exported - client["failed"]
    received_rate = st.accepted["spans"] / max(1e-9, client["seconds"])
    print("## OTLP receiver: a real SDK client, CPU and send → snapshot\n")
    print(f"The OpenTelemetry Python SDK (BatchSpanProcessor, batches of 512, a queue of 16,384; "
          f"OTLP/HTTP protobuf) in "
          f"another process ends {rate:,.0f} GenAI spans/s in traces of {TRACE} (agent, 11 chats "
          "with usage, 4 tools; children exported before their agent); this process runs the "
          "receiver in the live Runtime, a snapshot every 0.5 s.\n")
    print(f"- {client['created']:,} spans in {client['seconds']:.1f} s "
          f"({client['created'] / max(1e-9, client['seconds']):,.0f} spans/s ended; the client "
          f"took {client['cpu'] / max(1e-9, client['seconds']) * 100:.0f} % of a core); "
          f"{st.accepted['spans']:,} taken by the receiver in {st.requests:,} requests, "
          f"{r['calls']:,} calls in the last snapshot (of {r['chats']:,} chat spans exported)")
    print(f"- monitor CPU {share * 100:.1f} % of one core over {r['wall']:.1f} s "
          f"({r['cpu'] / max(1, st.accepted['spans']) * 1e6:.1f} µs a span, all threads: "
          "receiver, mapping, aggregator, snapshots)")
    print(f"- send → snapshot, per export request: p50 {_ms(per_request, 0.5)}, "
          f"p99 {_ms(per_request, 0.99)}, max {_ms(per_request, 1.0)} "
          f"({len(per_request):,} requests)")
    print(f"- of which send → handed to the runtime (receiver, decoding, mapping, spans "
          f"waiting for their agent): p50 {_ms(to_runtime, 0.5)}, p99 {_ms(to_runtime, 0.99)}; "
          "the rest is the wait for the next snapshot (every 0.5 s)")
    print(f"- span end → snapshot (adds the SDK's batching): p50 {_ms(per_span, 0.5)}, "
          f"p99 {_ms(per_span, 0.99)}")
    print(f"- dropped by swarmtop: {dropped} ({refused} refused: "
          f"{dict(st.rejections) or 'none'}; {max(0, missing)} calls missing). By the SDK: "
          f"{sdk_lost:,} spans never exported ({client['dropped']} 'queue full' warnings), "
          f"{client['failed']} in failed exports; {exported:,} exported")
    print(f"- the receiver alone, pre-encoded requests of {SPANS_PER_REQUEST} as fast as answers "
          f"come: {flat['rate']:,.0f} spans/s ({flat['share'] * 100:.0f} % of one core)")
    if not a.smoke:
        p99 = np.quantile(per_request, 0.99) * 1000 if len(per_request) else float("inf")
        print(target(f"OTLP receiver, SDK client at {rate:,.0f} spans/s for {seconds:.0f} s",
                     f"{share * 100:.1f} % of one core, {dropped} dropped, send → snapshot "
                     f"p99 {p99:,.0f} ms", "≤ 25 % of one core, nothing dropped",
                     share <= TARGET_CPU and dropped == 0
                     and received_rate >= 0.99 * TARGET_RATE))


if __name__ == "__main__":
    main()
