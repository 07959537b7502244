"""OTLP receiver: CPU at 5,000 spans/s sustained (target ≤ 25 % of one core, nothing dropped),
and the most it takes: `python -m benchmarks.bench_otlp [--seconds S] [--smoke]`.

The receiver runs in this process as it does live (asyncio server, decoding and the GenAI
mapping in its worker thread), handing events to a counting ``emit``; the client is another
process, so its CPU is not counted, sending protobuf ExportTraceServiceRequests of 512 spans
(the SDK's batch size) over one keep-alive connection: an agent span, chat spans with usage and
tool spans, in traces of 16. CPU = this process's CPU time over the wall time of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time

from benchmarks._targets import target
from swarmtop.sources.otlp_receiver import OtlpReceiver

TARGET_RATE = 5_000
TARGET_CPU = 0.25
SPANS_PER_REQUEST = 512

CLIENT = r'''
import http.client, os, sys, time
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

port, per_req, n_req = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rate = float(sys.argv[4])  # spans/s; 0: as fast as answers come

def body(k):
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    kv = rs.resource.attributes.add(key="service.name"); kv.value.string_value = "bench"
    ss = rs.scope_spans.add()
    for i in range(per_req):
        trace = (k * per_req + i) // 16
        t0 = 1_764_064_800_000_000_000 + i
        s = ss.spans.add(trace_id=trace.to_bytes(16, "big"),
                         span_id=(k * per_req + i + 1).to_bytes(8, "big"),
                         start_time_unix_nano=t0, end_time_unix_nano=t0 + 10**9)
        root = (trace * 16 + 1)
        if (k * per_req + i) % 16 == 0:
            s.name = "invoke_agent worker"
            a = s.attributes.add(key="gen_ai.operation.name"); a.value.string_value = "invoke_agent"
            a = s.attributes.add(key="gen_ai.agent.name"); a.value.string_value = f"worker-{trace % 50}"
            continue
        s.parent_span_id = root.to_bytes(8, "big")
        if i % 4 == 3:
            s.name = "execute_tool search"
            a = s.attributes.add(key="gen_ai.operation.name"); a.value.string_value = "execute_tool"
            a = s.attributes.add(key="gen_ai.tool.name"); a.value.string_value = "search"
        else:
            s.name = "chat claude-sonnet-4-5"
            for key, v in (("gen_ai.operation.name", "chat"),
                           ("gen_ai.request.model", "claude-sonnet-4-5"),
                           ("gen_ai.provider.name", "anthropic")):
                a = s.attributes.add(key=key); a.value.string_value = v
            for key, v in (("gen_ai.usage.input_tokens", 1200),
                           ("gen_ai.usage.output_tokens", 80),
                           ("gen_ai.usage.cache_read.input_tokens", 1000)):
                a = s.attributes.add(key=key); a.value.int_value = v
    return req.SerializeToString()

bodies = [body(k) for k in range(n_req)]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
print("ready", flush=True)
sys.stdin.readline()
start = time.monotonic()
ok = 0
for k, b in enumerate(bodies):
    if rate > 0:
        wait = start + k * per_req / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
    conn.request("POST", "/v1/traces", body=b, headers={"Content-Type": "application/x-protobuf"})
    r = conn.getresponse(); r.read()
    ok += r.status == 200
print(ok * per_req, time.monotonic() - start)
'''


async def _run(rate: float, n_req: int) -> dict[str, float]:
    receiver = OtlpReceiver("127.0.0.1", 0)
    got = {"events": 0}

    async def emit(batch: list) -> None:
        got["events"] += len(batch)

    task = asyncio.create_task(receiver.run(emit))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CLIENT, str(receiver.port), str(SPANS_PER_REQUEST), str(n_req),
        str(rate), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    await proc.stdout.readline()  # its bodies are built: the clock starts with its first send
    cpu0, wall0 = time.process_time(), time.monotonic()
    proc.stdin.write(b"go\n")
    await proc.stdin.drain()
    out, _ = await proc.communicate()
    wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
    await asyncio.sleep(0.2)
    st = receiver.status()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await receiver.close()
    sent = int(out.split()[0]) if out.split() else 0
    return {"sent": sent, "accepted": st.accepted["spans"], "refused": sum(st.rejections.values()),
            "events": got["events"], "wall": wall, "cpu": cpu,
            "rate": st.accepted["spans"] / wall if wall else 0.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes: checks it still runs")
    a = ap.parse_args()
    seconds = 1.0 if a.smoke else a.seconds
    rate = 1_000 if a.smoke else TARGET_RATE
    n_req = max(2, int(rate * seconds / SPANS_PER_REQUEST))
    paced = asyncio.run(_run(rate, n_req))
    flat = asyncio.run(_run(0, n_req))  # as fast as the answers come
    share = paced["cpu"] / paced["wall"] if paced["wall"] else 0.0
    dropped = paced["sent"] - paced["accepted"] + paced["refused"]
    print("## OTLP receiver: spans/s and CPU\n")
    print(f"Protobuf requests of {SPANS_PER_REQUEST} GenAI spans (agent, chat with usage, tool) "
          "from another process over one keep-alive connection; the receiver, its decoding and "
          "the mapping in this process.\n")
    print(f"- paced at {rate:,} spans/s for {paced['wall']:.1f} s: "
          f"{paced['accepted']:,.0f} of {paced['sent']:,.0f} spans taken, {paced['events']:,.0f} "
          f"events, {paced['refused']:.0f} refused; CPU {share * 100:.1f} % of one core "
          f"({paced['cpu'] / max(1, paced['accepted']) * 1e6:.1f} µs a span)")
    print(f"- as fast as it goes: {flat['rate']:,.0f} spans/s "
          f"({flat['cpu'] / max(1e-9, flat['wall']) * 100:.0f} % of one core)")
    if not a.smoke:
        print(target("OTLP receiver at 5,000 spans/s", f"{share * 100:.1f} % of one core, "
                     f"{dropped:.0f} dropped", "≤ 25 % of one core, nothing dropped",
                     share <= TARGET_CPU and dropped == 0))


if __name__ == "__main__":
    main()
