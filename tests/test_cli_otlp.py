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
