"""Compressed Codex rollouts (swarmtop/sources/compressed.py). Codex compresses a cold
rollout in place, ``rollout-*.jsonl`` -> ``rollout-*.jsonl.zst``, one zstd stream of the
whole file (openai/codex rollout compression; described the same way by tools that read
them, e.g. shlog and tokscale's Codex adapters), and writes it back as ``.jsonl`` before
appending again. The rollouts are tests/sources/codex_rollouts.py's, compressed here."""

from __future__ import annotations

import json
import random
from pathlib import Path

import zstandard

from swarmtop.sources.compressed import without_compressed_twins
from swarmtop.sources.paths import list_files, parse_source
from tests.conftest import run_cli
from tests.sources import codex_rollouts as cr


def _compress(path: Path, keep: bool = False) -> Path:
    out = path.with_name(path.name + ".zst")
    out.write_bytes(zstandard.ZstdCompressor(level=3).compress(path.read_bytes()))
    if not keep:
        path.unlink()
    return out


def _report(*args: str) -> dict:
    r = run_cli("report", *args, "--output", "json")
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


def test_a_compressed_rollout_gives_the_hand_count(tmp_path: Path) -> None:
    parent, child = cr.build(tmp_path)
    _compress(parent)
    _compress(child)
    rep = _report(str(tmp_path / "sessions"))
    assert {k: rep["tokens"][k] for k in cr.EXPECTED} == cr.EXPECTED
    files = rep["sources"]["files"]
    assert [Path(f["path"]).name.endswith(".jsonl.zst") for f in files] == [True, True]
    assert {f["format"] for f in files} == {"codex"}
    assert rep["limits"][0]["used_percent"] == 71.0
    # a glob of the compressed files, and one file named, read the same way
    assert _report(str(tmp_path / "sessions" / "**" / "*.jsonl.zst"))["tokens"]["calls"] \
        == cr.EXPECTED["calls"]


def test_a_log_and_its_compressed_copy_count_once(tmp_path: Path) -> None:
    parent, child = cr.build(tmp_path)
    _compress(parent, keep=True)  # written back as .jsonl: both on disk for a while
    rep = _report(str(tmp_path / "sessions"))
    assert {k: rep["tokens"][k] for k in cr.EXPECTED} == cr.EXPECTED
    assert not any(f["path"].endswith(".zst") for f in rep["sources"]["files"])
    listed = list_files(parse_source(str(tmp_path / "sessions")))
    assert listed == without_compressed_twins(listed) and len(listed) == 2


def test_a_broken_compressed_file_is_said_and_the_others_kept(tmp_path: Path) -> None:
    parent, child = cr.build(tmp_path)
    bad = parent.with_name("rollout-broken.jsonl.zst")
    bad.write_bytes(b"this is not zstd\n")
    cut = _compress(child)
    data = cut.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])  # broken off: the lines before it kept
    rep = _report(str(tmp_path / "sessions"))
    by_name = {Path(f["path"]).name: f for f in rep["sources"]["files"]}
    assert by_name[bad.name]["state"] == "skipped"
    assert "compressed stream unreadable" in by_name[bad.name]["why"]
    assert by_name[parent.name]["state"] == "done"
    # cut inside its one block: nothing of it decodes, and the row says so
    assert by_name[cut.name]["lines"] == 0
    assert "gave no data" in by_name[cut.name]["why"]
    assert rep["tokens"]["calls"] >= cr.EXPECTED_PARENT["calls"]


def test_a_stream_cut_between_blocks_keeps_what_came_before(tmp_path: Path) -> None:
    log = tmp_path / "rollout-big.jsonl"
    noise = random.Random(7)  # incompressible text: many zstd blocks
    body = [json.dumps({"type": "event_msg", "n": n, "text": noise.randbytes(300).hex()})
            for n in range(4000)]
    log.write_text("\n".join(cr.parent_lines() + body) + "\n")
    whole = _compress(log)
    data = whole.read_bytes()
    whole.write_bytes(data[: len(data) // 2])
    rep = _report(str(whole))
    [row] = rep["sources"]["files"]
    assert 0 < row["lines"] < 4000 and rep["tokens"]["calls"] == cr.EXPECTED_PARENT["calls"]


def test_other_compressed_files_are_still_skipped(tmp_path: Path) -> None:
    (tmp_path / "old.log.zst").write_bytes(b"x")
    (tmp_path / "a.jsonl.gz").write_bytes(b"x")
    (tmp_path / "run.jsonl").write_text("")
    assert [p.name for p in list_files(parse_source(str(tmp_path)))] == ["run.jsonl"]


def test_live_reads_a_compressed_rollout_once(tmp_path: Path) -> None:
    """Followed live, a compressed log is read whole once (it never grows: its last line is
    complete even without a newline) and listed with why."""
    parent, child = cr.build(tmp_path)
    _compress(parent)
    _compress(child)
    r = run_cli("--no-ui", "--json", "--duration", "2", str(tmp_path / "sessions"))
    assert r.returncode in (0, 1), r.stderr
    live = json.loads(r.stdout)
    assert {k: live["tokens"][k] for k in cr.EXPECTED} == cr.EXPECTED
    rows = live["sources"]["files"]
    assert len(rows) == 2 and all(f["format"] == "codex" for f in rows), rows
    assert all(f["lines"] > 0 and "compressed" in f["why"] for f in rows)


def test_live_leaves_a_compressed_copy_of_a_followed_log(tmp_path: Path) -> None:
    """A watcher that sees ``x.jsonl.zst`` appear beside ``x.jsonl`` does not follow it: the
    same rule as the listing at start (one log, the plain copy read)."""
    import time

    from swarmtop.sources.sourceset import SourceSet

    parent, _child = cr.build(tmp_path)
    twin = _compress(parent, keep=True)
    alone = _compress(_child)
    sources = SourceSet([parse_source(str(tmp_path / "sessions"))], set(), time.time)
    assert not sources.matches(str(twin))
    assert sources.matches(str(alone)) and sources.matches(str(parent))
