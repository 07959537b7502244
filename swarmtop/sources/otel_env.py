"""``--run``: the environment that points the command's OpenTelemetry exporters at swarmtop's
own receiver (``--no-otel-env`` turns it off). For the child only; a variable the user has set
already is left as it is (their choice wins, e.g. their own collector's endpoint).

Short export intervals, so a live view is live: spans every second (the SDKs' batch processors
wait 5 s by default), log records every second (Claude Code: 5 s), metrics every 10 s (60 s).
Claude Code needs ``CLAUDE_CODE_ENABLE_TELEMETRY=1`` and an explicit protocol; the Gemini CLI
reads ``GEMINI_TELEMETRY_*``; Codex reads only its ``config.toml`` (docs/otel.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

OTEL_DEFAULTS = (
    ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
    ("OTEL_TRACES_EXPORTER", "otlp"),
    ("OTEL_LOGS_EXPORTER", "otlp"),
    ("OTEL_METRICS_EXPORTER", "otlp"),
    ("CLAUDE_CODE_ENABLE_TELEMETRY", "1"),
    ("OTEL_BSP_SCHEDULE_DELAY", "1000"),  # ms: spans (batch span processor)
    ("OTEL_BLRP_SCHEDULE_DELAY", "1000"),  # ms: log records (the SDKs' batch processor)
    ("OTEL_LOGS_EXPORT_INTERVAL", "1000"),  # ms: log records (Claude Code)
    ("OTEL_METRIC_EXPORT_INTERVAL", "10000"),  # ms: metrics
)


GEMINI = (
    ("GEMINI_TELEMETRY_ENABLED", "true"),
    ("GEMINI_TELEMETRY_TARGET", "local"),
    ("GEMINI_TELEMETRY_OTLP_PROTOCOL", "http"),
)


def otel_env(endpoint: str, base: Mapping[str, str] | None = None
             ) -> tuple[dict[str, str], list[str], list[str]]:
    """(the child's environment, the variables set, those kept as the user had them)."""
    env = dict(os.environ if base is None else base)
    wanted = (("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint), *OTEL_DEFAULTS,
              ("GEMINI_TELEMETRY_OTLP_ENDPOINT", endpoint), *GEMINI)
    added: list[str] = []
    kept: list[str] = []
    for key, value in wanted:
        if key in env:
            kept.append(key)
        else:
            env[key] = value
            added.append(key)
    return env, added, kept
