"""Claude Code calls carry a response key; the first line of each response now takes the
bulk path (TokenLedger.add_calls) and only repeats take the careful one. The report of a
generated set of transcripts must be the same as with every call on the careful path."""

from __future__ import annotations

import json
from argparse import Namespace
from pathlib import Path

from benchmarks.bench_claude_code import generate
from swarmtop.commands.report import build_report
from swarmtop.core.config import Config
from swarmtop.core.tokens import TokenLedger
from swarmtop.snapshot import to_json


def _report(root: Path) -> dict:
    snap = build_report(Namespace(sources=[str(root)], format="auto", since=None), Config())
    data = json.loads(to_json(snap))
    data.pop("generated_at")
    return data


def test_first_lines_of_responses_on_the_bulk_path_change_nothing(tmp_path, monkeypatch):
    truth = generate(tmp_path, 3 << 20)
    calls = {"bulk": 0}
    bulk = TokenLedger.add_calls

    def counting(self, calls_, start, rates_of):
        k, failed = bulk(self, calls_, start, rates_of)
        calls["bulk"] += k - start
        return k, failed

    monkeypatch.setattr(TokenLedger, "add_calls", counting)
    fast = _report(tmp_path)
    assert calls["bulk"] > 0.5 * truth["calls"]  # most calls took the bulk path
    monkeypatch.setattr(TokenLedger, "add_calls", lambda self, c, start, r: (start, 0))
    careful = _report(tmp_path)
    assert fast == careful
    assert fast["tokens"]["calls"] == truth["calls"]
    assert fast["tokens"]["output"] == truth["output"]
