"""`--otlp` and `--run` with OpenTelemetry, through the command line (headless), as a user
runs them: a --run child using the OTel SDK with no endpoint of its own reaches swarmtop."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
import urllib.request

import pytest

from tests.conftest import run_cli
from tests.sources.otlpjson import issue_3995, line

OTEL_VARS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_TRACES_EXPORTER",
             "OTEL_LOGS_EXPORTER", "OTEL_METRICS_EXPORTER", "CLAUDE_CODE_ENABLE_TELEMETRY",
             "OTEL_BSP_SCHEDULE_DELAY", "OTEL_METRIC_EXPORT_INTERVAL",
             "OTEL_LOGS_EXPORT_INTERVAL", "OTEL_BLRP_SCHEDULE_DELAY")

CHILD = """
import json, os, sys
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

json.dump({k: v for k, v in os.environ.items() if k.startswith(("OTEL_", "CLAUDE_CODE_"))},
          open(sys.argv[1], "w"))
if "OTEL_EXPORTER_OTLP_ENDPOINT" in os.environ:
    provider = TracerProvider(resource=Resource.create({"service.name": "child-swarm"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    tracer = provider.get_tracer("child")
    with tracer.start_as_current_span("invoke_agent writer", attributes={
            "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "writer",
            "gen_ai.usage.input_tokens": 22, "gen_ai.usage.output_tokens": 8}):
        for _ in range(2):
            with tracer.start_as_current_span("chat gpt-4o-mini", attributes={
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.usage.input_tokens": 11, "gen_ai.usage.output_tokens": 4}):
                pass
    provider.shutdown()
"""


@pytest.fixture(autouse=True)
def _no_otel_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for k in OTEL_VARS:
        monkeypatch.delenv(k, raising=False)


def test_run_points_the_child_at_swarmtop(tmp_path) -> None:
    seen = tmp_path / "env.json"
    r = run_cli("--no-ui", "--json", "--duration", "60", "--interval", "0.2",
                "--run", "--", sys.executable, "-c", CHILD, str(seen), timeout=90)
    assert r.returncode == 0, r.stderr
    env = json.loads(seen.read_text())
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"].startswith("http://127.0.0.1:")
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    assert env["CLAUDE_CODE_ENABLE_TELEMETRY"] == "1"
    assert env["OTEL_TRACES_EXPORTER"] == env["OTEL_LOGS_EXPORTER"] == "otlp"
    snap = json.loads(r.stdout)
    t = snap["tokens"]
    assert (t["calls"], t["input"], t["output"]) == (2, 22, 8)  # the agent's sum not again
    assert [a["name"] for a in snap["agents"] if a["kind"] == "otel"] == ["writer"]
    [rx] = snap["sources"]["receivers"]
    assert rx["accepted"]["spans"] == 3 and rx["senders"] == ["child-swarm"]
    assert rx["address"] == env["OTEL_EXPORTER_OTLP_ENDPOINT"].removeprefix("http://")
    assert "--run" in rx["why"]


def test_the_users_own_settings_win_and_no_otel_env(tmp_path, monkeypatch) -> None:
    seen = tmp_path / "env.json"
    monkeypatch.setenv("OTEL_METRIC_EXPORT_INTERVAL", "60000")
    r = run_cli("--no-ui", "--json", "--duration", "60", "--interval", "0.2",
                "--run", "--", sys.executable, "-c", CHILD, str(seen), timeout=90)
    assert r.returncode == 0, r.stderr
    assert json.loads(seen.read_text())["OTEL_METRIC_EXPORT_INTERVAL"] == "60000"
    [rx] = json.loads(r.stdout)["sources"]["receivers"]
    assert "OTEL_METRIC_EXPORT_INTERVAL" in rx["why"]
    r = run_cli("--no-ui", "--json", "--duration", "60", "--interval", "0.2", "--no-otel-env",
                "--run", "--", sys.executable, "-c", CHILD, str(seen), timeout=90)
    assert r.returncode == 0, r.stderr
    assert json.loads(seen.read_text()) == {"OTEL_METRIC_EXPORT_INTERVAL": "60000"}  # only yours
    assert json.loads(r.stdout)["sources"]["receivers"] == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_otlp_flag_receives(tmp_path) -> None:
    port = _free_port()
    body = line(issue_3995())

    def send() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/traces", data=body,
                                             headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=2) as resp:
                    assert resp.status == 200
                    return
            except OSError:
                time.sleep(0.1)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    rec = tmp_path / "rec.jsonl"
    r = run_cli("--no-ui", "--json", "--duration", "3", "--otlp", str(port), "--record", str(rec),
                timeout=60)
    sender.join(5)
    assert r.returncode == 0, r.stderr
    snap = json.loads(r.stdout)
    assert (snap["tokens"]["calls"], snap["tokens"]["input"]) == (2, 113)
    [rx] = snap["sources"]["receivers"]
    assert rx["address"] == f"127.0.0.1:{port}" and rx["accepted"]["spans"] == 4
    [row] = [f for f in snap["sources"]["files"] if f["format"] == "otlp"]
    assert row["path"] == f"otlp://127.0.0.1:{port}"
    # what was received is in the recording: replayed, the same figures
    r = run_cli("replay", str(rec), "--no-ui", "--json", timeout=60)
    assert r.returncode == 0, r.stderr
    again = json.loads(r.stdout)
    assert (again["tokens"]["calls"], again["tokens"]["input"]) == (2, 113)


def test_bad_input_leaves_the_monitor_up(tmp_path) -> None:
    """`swarmtop --otlp PORT --no-ui` under a truncated protobuf, JSON of the wrong types, a
    100 MB body and a gzip bomb, then a good request: each refused with its status, counted
    and listed as a bad line in the final snapshot, the good one counted, exit 0."""
    import urllib.error

    from tests.sources.test_otlp_bad_input import gzip_bomb, sdk_request

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    answers: list[int] = []

    def post(path: str, body: bytes, ctype: str, **headers: str) -> None:
        req = urllib.request.Request(url + path, data=body, headers={
            "Content-Type": ctype, **headers})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                answers.append(resp.status)
        except urllib.error.HTTPError as err:
            answers.append(err.code)

    def big(n: int) -> None:  # a 100 MB body, declared: answered before it is sent
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: "
                      b"application/json\r\nContent-Length: %d\r\n\r\n" % n + bytes(1 << 16))
            answers.append(int(s.recv(100).split(b" ", 2)[1]))

    def send() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        whole = sdk_request()
        post("/v1/traces", whole[: len(whole) // 2], "application/x-protobuf")
        post("/v1/traces", b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": 5}]}]}]}',
             "application/json")
        big(100_000_000)
        post("/v1/traces", gzip_bomb(512), "application/x-protobuf", **{
            "Content-Encoding": "gzip"})
        post("/v1/traces", line(issue_3995()), "application/json")

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    r = run_cli("--no-ui", "--json", "--duration", "5", "--interval", "0.2", "--otlp",
                str(port), timeout=60)
    sender.join(10)
    assert r.returncode == 0, r.stderr
    assert answers == [400, 400, 413, 413, 200]
    snap = json.loads(r.stdout)
    assert (snap["tokens"]["calls"], snap["tokens"]["input"]) == (2, 113)
    [rx] = snap["sources"]["receivers"]
    assert rx["accepted"]["spans"] == 4  # (the final snapshot: after it stopped)
    assert rx["rejections"] == {"400 malformed body": 2, "413 body over the limit": 1,
                                "413 decompressed body over the limit": 1}
    [row] = [f for f in snap["sources"]["files"] if f["format"] == "otlp"]
    assert row["bad_lines"] == 4
    reasons = [b["reason"] for b in snap["sources"]["recent_bad_lines"]]
    assert sum("OTLP request refused" in x for x in reasons) == 4


def _like_proto_example(doc: dict) -> str:
    """``doc`` written the way opentelemetry-proto's examples/trace.json is: pretty-printed
    with two spaces, "{" alone on the first line, ids in upper-case hex, times as JSON numbers,
    a scope with attributes, no newline at the end."""
    for rs in doc["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            ss["scope"] = {"name": "my.library", "version": "1.0.0", "attributes": [
                {"key": "my.scope.attribute", "value": {"stringValue": "some scope attribute"}}]}
            for sp in ss["spans"]:
                for k in ("traceId", "spanId", "parentSpanId"):
                    if k in sp:
                        sp[k] = sp[k].upper()
                for k in ("startTimeUnixNano", "endTimeUnixNano"):
                    sp[k] = int(sp[k])
    return json.dumps(doc, indent=2)


def test_report_reads_otlp_files(tmp_path) -> None:
    from tests.sources.otlpjson import log, logs, span, traces
    from tests.sources.test_otlp_claude_usage import usage_metrics

    plain = tmp_path / "trace.json"  # examples/trace.json's own content: a server span
    plain.write_text(_like_proto_example(traces([span(
        "eee19b7ec3c1b174", "I'm a server span", {"my.span.attr": "some value"},
        parent="eee19b7ec3c1b173", trace="5b8efff798038103d269b633813fc60c")],
        service="my.service")))
    genai = tmp_path / "agent.json"
    genai.write_text(_like_proto_example(issue_3995()))
    spans = issue_3995()["resourceSpans"][0]["scopeSpans"][0]["spans"]
    collector = tmp_path / "otel-export.jsonl"  # the Collector's file exporter: a request a line
    collector.write_bytes(b"\n".join([
        line(traces([{**sp, "traceId": "1" * 32} for sp in spans[:3]], "weather-app")),
        line(logs([log({"event.name": "api_request", "session.id": "sess-a", "model": "m",
                        "input_tokens": "5", "output_tokens": "6", "cost_usd": "0.01"},
                       body="claude_code.api_request")])),
        line(traces([{**sp, "traceId": "1" * 32} for sp in spans[3:]], "weather-app")),
        line(usage_metrics("sess-b", {"input": 40, "output": 4}, 0.02)),  # metrics only
    ]) + b"\n")
    r = run_cli("report", str(plain), str(genai), str(collector), "--output", "json")
    assert r.returncode == 0, r.stderr
    snap = json.loads(r.stdout)
    files = {f["path"]: f for f in snap["sources"]["files"]}
    assert files[str(plain)]["format"] == "otel-doc"  # not 50 lines of plain text
    assert files[str(genai)]["format"] == "otel-doc" and files[str(collector)]["format"] == "otel"
    assert all(f["bad_lines"] == 0 for f in files.values())
    t = snap["tokens"]
    assert (t["calls"], t["input"], t["output"]) == (2 + 2 + 1 + 1, 113 + 113 + 5 + 40,
                                                      11 + 11 + 6 + 4)
    by = t["by_agent"]
    assert by["weather_agent"]["calls"] == 4  # the split trace's chats too, under the agent
    assert by["sess-b"]["input"] == 40 and "sess-a" in by
    assert {a["name"] for a in snap["agents"] if a["kind"] == "otel"} == {"weather_agent"}


def test_otlp_usage_errors() -> None:
    r = run_cli("--otlp", "notaport", "--no-ui", "--duration", "1")
    assert r.returncode == 2 and "--otlp" in r.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        r = run_cli("--otlp", str(s.getsockname()[1]), "--no-ui", "--duration", "1")
    assert r.returncode == 2 and "cannot listen for OTLP" in r.stderr
    r = run_cli("--no-otel-env", "--otlp", "0", "--no-ui", "--duration", "1")
    assert r.returncode == 2 and "--no-otel-env goes with --run" in r.stderr
