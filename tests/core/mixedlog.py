"""A generated mixed native JSONL backlog (two files) and its report-mode snapshot as JSON:
the reference for "the ingest path changed, the results did not" (test_ingest_equivalence)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from pathlib import Path

from swarmtop.core.aggregator import Aggregator
from swarmtop.core.config import config_from_dict
from swarmtop.events import Event
from swarmtop.snapshot import to_json
from swarmtop.sources.reader import read_file

MODELS = ("claude-sonnet-4-5", "gpt-4o-mini", "claude-3-5-haiku-latest", "m-unpriced")
PATTERNS = ("convergent", "divergent", "lateral", "systems", "critical", "custom-a", "custom-b")
STATUSES = ("ok", "ok", "ok", "ok", "success", "error", "timeout", "cancelled", "FAILED", "Done")
BAD_LINES = (
    "{not json",
    '{"type": "mystery", "ts": 1764000000.5}',
    '{"type": "llm_call", "ts": 1764000000.5, "input_tokens": 5}',
    '{"type": "llm_call", "ts": 1764000000.5, "model": "m", "input_tokens": -3}',
    '{"type": "task", "ts": 1764000000.5, "duration_ms": 5}',
    '{"type": "task", "ts": 1764000000.5, "pattern": "lateral", "duration_ms": -1}',
    '{"type": "llm_call", "ts": "yesterday-ish", "model": "m", "input_tokens": 5}',
    '["a list"]',
    "",
)
CONFIG = {
    "general": {"budget_usd": 60.0, "window_s": 30},
    "patterns": {"targets_ms": {"convergent": 900, "custom-a": 1500}},
    "alerts": [
        {"name": "slow", "metric": "pattern.p99_over_target", "threshold": 3, "for": "10s",
         "clear": 2},
        {"name": "gauge", "metric": "custom.m.gauge.latest", "threshold": 60, "for": "2s"},
        # the golden snapshot was recorded before the agent rules existed: off here, and
        # on in AGENT_CONFIG (tests/core/test_ingest_equivalence.py compares both ways)
        *({"name": n, "enabled": False}
          for n in ("agent_loop", "agent_stalled", "context_pressure", "runaway_spend")),
    ],
}
AGENT_CONFIG = {**CONFIG, "alerts": CONFIG["alerts"][:2]}


def _record(rnd: random.Random, i: int, ts: float) -> dict:
    agent = f"agent-{rnd.randint(0, 11)}"
    r = rnd.random()
    if r < 0.5:
        model = rnd.choice(MODELS)
        rec: dict = {"ts": ts, "type": "llm_call", "model": model, "agent": agent,
                     "pattern": rnd.choice(PATTERNS)}
        if rnd.random() < 0.03:  # text only: the tokenizer estimates it
            rec.update(prompt="count these words " * rnd.randint(1, 5), completion="ok then")
        else:
            rec.update(input_tokens=rnd.randint(50, 9000), output_tokens=rnd.randint(1, 900))
            if rnd.random() < 0.5:
                rec["cache_read_tokens"] = rnd.randint(0, 30000)
            if rnd.random() < 0.2:
                rec["cache_write_tokens"] = rnd.randint(0, 5000)
            if rnd.random() < 0.02:
                rec["input_tokens"] = rnd.randint(150_000, 260_000)  # tiered price
        if rnd.random() < 0.3:
            rec["cost_usd"] = rnd.uniform(0.0001, 0.05)
        if rnd.random() < 0.08:
            rec["ok"] = False
        if rnd.random() < 0.5:
            rec["latency_ms"] = rnd.uniform(100, 9000)
        return rec
    if r < 0.8:
        rec = {"ts": ts, "type": "task", "task_id": i if rnd.random() < 0.5 else f"t{i}",
               "agent": agent if rnd.random() < 0.9 else "", "pattern": rnd.choice(PATTERNS),
               "status": rnd.choice(STATUSES), "duration_ms": rnd.lognormvariate(7, 1.2)}
        if rnd.random() < 0.1:
            rec = {"ts": ts, "type": "task", "task_id": f"t{i}", "pattern": rec["pattern"],
                   "phase": "start"}
        return rec
    if r < 0.9:
        return {"ts": ts, "type": "log", "agent": agent,
                "level": rnd.choice(("info", "warn", "ERROR", "debug", "fatal")),
                "message": f"step {i} finished"}
    if r < 0.97:
        kind = rnd.choice(("counter", "gauge", "histogram", "timer", "rate"))
        return {"ts": ts, "type": "metric", "name": f"m.{kind}", "metric_kind": kind,
                "value": rnd.uniform(0, 100), "agent": agent}
    return {"ts": ts, "type": "gc", "generation": rnd.randint(0, 2), "collections": 2,
            "duration_ms": rnd.uniform(0, 5), "collected": 10, "pid": 4242}


def write_mixed(directory: Path, n: int = 12_000, seed: int = 11) -> list[Path]:
    """Two files of native JSONL: mostly in time order (a few events out of order, some ISO
    timestamps, some integer ones), bad lines sprinkled in."""
    rnd = random.Random(seed)
    paths = [directory / "swarm-a.jsonl", directory / "swarm-b.jsonl"]
    base = 1_764_000_000.0
    for k, path in enumerate(paths):
        with open(path, "w") as f:
            for i in range(n // 2):
                ts: float | str = base + k * 7.0 + i * 0.05
                if rnd.random() < 0.02:
                    ts -= rnd.uniform(0, 40)  # out of order
                if rnd.random() < 0.01:
                    ts = int(ts)
                rec = _record(rnd, i, ts)
                if rnd.random() < 0.01:
                    from datetime import UTC, datetime
                    rec["ts"] = datetime.fromtimestamp(float(rec["ts"]), UTC).isoformat()
                if rnd.random() < 0.004:
                    f.write(rnd.choice(BAD_LINES) + "\n")
                f.write(json.dumps(rec) + "\n")
    return paths


def snapshot_json(paths: Iterable[Path],
                  feed: Callable[[Aggregator, list[Event]], None] | None = None,
                  config: dict | None = None) -> dict:
    """The report-mode snapshot of ``paths`` as JSON, ``generated_at`` removed, file paths
    cut to their names. ``feed`` hands each batch to the aggregator (default:
    ``agg.ingest(batch)``); ``config`` replaces CONFIG."""
    agg = Aggregator(config_from_dict(config or CONFIG), clock=lambda: 1_700_000_000.0)
    agg.clock = agg.event_clock
    for path in paths:
        for batch in read_file(path, "native"):
            if feed is None:
                agg.ingest(batch)
            else:
                feed(agg, batch)
    data = json.loads(to_json(agg.snapshot()))
    data.pop("generated_at")
    for f in data["sources"]["files"]:  # the temp directory's name
        f["path"] = Path(f["path"]).name
    for b in data["sources"]["recent_bad_lines"]:
        b["source"] = Path(b["source"]).name
    for e in data["log_tail"]:
        e["source"] = Path(e["source"]).name
    gc = data["metrics"]["gc"]
    data["metrics"]["gc"] = {Path(k).name: v for k, v in gc.items()}
    return data
