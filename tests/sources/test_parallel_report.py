"""`swarmtop report --jobs N` decodes files in worker processes (sources/parallel.py) and merges
them on the timeline: the report is the same as with one process, whatever N, whatever the
mix of formats, bad lines and file sizes, and a file modified before --since is not read.

Shapes: Claude Code sessions from the benchmark's generator and tests/sources/claude_tree.py
(both in the shape Claude Code writes), native JSONL with bad lines, error log lines and tasks
(tests/core/mixedlog.py), an empty file and a binary one. (No plain-text log: its lines carry
the time they were read, so no two reports of it are equal.)"""

from __future__ import annotations

import json
import os
import time
from argparse import Namespace
from pathlib import Path

import pytest

from benchmarks.bench_claude_code import generate
from swarmtop.commands import report
from swarmtop.commands.report import OLD_WHY, build_report
from swarmtop.core.config import Config
from swarmtop.events import FileStatus, LLMCall, ToolCall
from swarmtop.snapshot import to_json
from swarmtop.sources import parallel
from tests.conftest import run_cli
from tests.core.mixedlog import write_mixed
from tests.sources import claude_tree


def _json(snap) -> dict:
    d = json.loads(to_json(snap))
    d.pop("generated_at")
    d.pop("runtime")
    return d


def _report(root: Path, jobs: int, **kw: object) -> dict:
    args = Namespace(**{"sources": [str(root)], "format": "auto", "since": None, "jobs": jobs,
                        **kw})
    return _json(build_report(args, Config()))


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    generate(root / "projects", 3 << 20, tool_scale=2.5)
    claude_tree.build(root / "tree")
    (root / "native").mkdir()
    write_mixed(root / "native", n=4000)
    (root / "empty.jsonl").write_bytes(b"")
    (root / "blob.bin.jsonl").write_bytes(bytes(range(256)) * 40)
    return root


@pytest.fixture()
def eager(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers for any size; a tiny prefetch bound; the biggest files read in the parent."""
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "PREFETCH_BYTES", 150_000)
    monkeypatch.setattr(parallel, "WORKER_MAX_BYTES", 200_000)
    monkeypatch.setattr(parallel, "PER_WORKER_BYTES", 1)


def test_the_report_is_the_same_with_any_number_of_workers(tree: Path, eager: None) -> None:
    files = sorted(p for p in tree.rglob("*") if p.is_file())
    sizes = [p.stat().st_size for p in files]
    assert any(s > parallel.WORKER_MAX_BYTES for s in sizes)  # (read in the parent)
    assert sum(s <= parallel.WORKER_MAX_BYTES for s in sizes) > 10
    one = _report(tree, 1)
    assert one["tokens"]["calls"] > 500 and one["sources"]["bad_lines"] > 5
    assert one["tools"] and one["agents"] and one["errors"]["error_lines"] >= 1
    for jobs in (2, 3):
        assert parallel.worth_workers(files, jobs) and parallel.workers_for(files, jobs) == jobs
        assert _report(tree, jobs) == one


def test_how_many_workers() -> None:
    """At most one a file, one per PER_WORKER_BYTES, and the default at most 4."""
    assert 1 <= parallel.default_jobs() <= parallel.MAX_DEFAULT_JOBS
    here = Path(__file__)
    assert parallel.workers_for([here], 8) == 1
    assert parallel.workers_for([here] * 5, 8) == 1  # (a few KB: one is plenty)


def test_the_same_report_with_a_budget_and_alert_rules(tree: Path, eager: None) -> None:
    """Alerts firing and resolving on the merged timeline come out the same."""
    from swarmtop.core.config import config_from_dict

    cfg = config_from_dict({"general": {"budget_usd": 5.0},
                            "alerts": [{"name": "burn", "metric": "tokens.burn_usd_per_min",
                                        "threshold": 0.5, "for": "30s"}]})
    runs = [_json(build_report(Namespace(sources=[str(tree)], format="auto", since=None,
                                         jobs=jobs), cfg)) for jobs in (1, 2)]
    assert runs[0]["alert_history"] and runs[0] == runs[1]


def test_batches_cross_the_process_boundary_unchanged() -> None:
    batch = [LLMCall(ts=1_764_000_000.123456789, source="a", model="m", input_tokens=3,
                     cost_usd=0.1 + 0.2, dedupe_key="k"),
             ToolCall(ts=float("nan"), source="a", tool="Bash", summary="ls \u00e9\U0001f600"),
             FileStatus(ts=1.0, source="a", state="done", lines=3)]
    blob = parallel.encode(batch)
    assert blob[:1] == b"m" and parallel.decode(blob)[::2] == batch[::2]
    assert parallel.decode(blob)[1].summary == batch[1].summary
    # a string msgpack cannot carry (a lone surrogate) goes by pickle, still equal
    odd = [ToolCall(ts=2.0, source="a", tool="\udcff")]
    blob = parallel.encode(odd)
    assert blob[:1] == b"p" and parallel.decode(blob) == odd


def test_a_worker_that_dies_is_an_error_not_a_hang(tree: Path, eager: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    real = parallel.read_file

    def dying(path, *a, **kw):
        if "agent-" in str(path):  # (in the worker: it inherits this at the fork)
            os._exit(7)
        return real(path, *a, **kw)

    monkeypatch.setattr(parallel, "read_file", dying)
    if parallel._context().get_start_method() != "fork":
        pytest.skip("the patch reaches the workers only through a fork")
    with pytest.raises(parallel.WorkerFailed, match="exit code 7"):
        _report(tree, 2)


def test_a_spill_that_cannot_be_written_is_an_error(tree: Path, eager: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*a, **kw):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(parallel, "encode", full)  # (in the workers, through the fork)
    if parallel._context().get_start_method() != "fork":
        pytest.skip("the patch reaches the workers only through a fork")
    with pytest.raises(parallel.WorkerFailed, match="No space left on device"):
        _report(tree, 2)


def test_files_modified_before_since_are_not_read(tmp_path: Path, eager: None) -> None:
    now = time.time()
    lines = [{"ts": now - 7200 + i, "type": "llm_call", "model": "m", "input_tokens": 5,
              "output_tokens": 1} for i in range(50)]
    new = [{"ts": now - 60 + i, "type": "llm_call", "model": "m", "input_tokens": 7,
            "output_tokens": 1} for i in range(30)]
    (tmp_path / "old.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    os.utime(tmp_path / "old.jsonl", (now - 7000, now - 7000))
    (tmp_path / "new.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines + new))
    runs = [_report(tmp_path, jobs, since="1h") for jobs in (1, 2)]
    assert runs[0] == runs[1]
    files = {Path(f["path"]).name: f for f in runs[0]["sources"]["files"]}
    assert files["old.jsonl"]["why"] == OLD_WHY and files["old.jsonl"]["lines"] == 0
    assert files["old.jsonl"]["state"] == "done"
    assert files["new.jsonl"]["lines"] == 80 and runs[0]["tokens"]["calls"] == 30
    # reading it would have changed no figure: its events are all older than --since
    report_all = report.modified_before
    try:
        report.modified_before = lambda files, cutoff: set()
        read = _report(tmp_path, 1, since="1h")
    finally:
        report.modified_before = report_all
    assert read["tokens"] == runs[0]["tokens"] and read["alerts"] == runs[0]["alerts"]


def test_cli_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary) -> None:
    """``--jobs`` as the command line takes it: the default (one per core) uses the workers,
    ``--jobs 1`` does not, the JSON is the same; a bad N is a usage error."""
    from swarmtop import cli

    generate(tmp_path / "p", 2 << 20, tool_scale=2.5)
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "default_jobs", lambda: 2)
    used = []
    real = parallel.Decoding.__init__

    def counting(self, *a, **kw):
        used.append(a[-1])
        real(self, *a, **kw)

    monkeypatch.setattr(parallel.Decoding, "__init__", counting)
    outs = []
    for extra in ([], ["--jobs", "1"]):
        assert cli.main(["report", str(tmp_path / "p"), "--output", "json", *extra]) == 0
        d = json.loads(capsysbinary.readouterr().out)
        d.pop("generated_at")
        d.pop("runtime")
        outs.append(d)
    assert used == [2]  # (the default: workers; --jobs 1: none)
    assert outs[0] == outs[1] and outs[0]["tokens"]["calls"] > 200
    r = run_cli("report", str(tmp_path / "p"), "--jobs", "0")
    assert r.returncode == 2 and "--jobs takes a number of processes" in r.stderr
    r = run_cli("report", str(tmp_path / "p"), "--jobs", "3", "--output", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["tokens"] == outs[0]["tokens"]


def test_workers_leave_nothing_behind(tree: Path, eager: None,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    mkdtemp = parallel.tempfile.mkdtemp

    def recording(*a, **kw):
        made.append(mkdtemp(*a, **kw))
        return made[-1]

    monkeypatch.setattr(parallel.tempfile, "mkdtemp", recording)
    files = sorted(tree.rglob("*.jsonl"))
    d = parallel.Decoding(files, "auto", 1 << 20, 1 << 18, 2)
    procs = list(d.workers.procs)
    it = iter(d)
    assert len(next(it)) > 0
    spill_dir = made[-1]
    assert sum(len(b) for b in it) > 1000
    assert os.listdir(spill_dir) == []  # each file's spill removed once it was merged
    d.close()
    assert not os.path.exists(spill_dir)
    assert not any(p.is_alive() for p in procs)
    # the parent gone without a word: the workers remove what it would have
    d = parallel.Decoding(files, "auto", 1 << 20, 1 << 18, 2)
    for c in d.workers.conns:
        c.close()
    for p in d.workers.procs:
        p.join(timeout=10)
    assert not os.path.exists(made[-1]) and not any(p.is_alive() for p in d.workers.procs)
    d.workers.closed = True  # (nothing left for close to do)


def test_many_small_files_with_little_room_per_worker(tmp_path: Path, eager: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """More files than a worker may hold at once: the rest wait in the parent, in order."""
    monkeypatch.setattr(parallel, "ASSIGNED", 2)
    t0 = 1_764_000_000
    for k in range(120):
        lines = [{"ts": t0 + k * 7 + i * 0.5, "type": "llm_call", "model": "claude-haiku-4-5",
                  "agent": f"a{k % 9}", "input_tokens": 10 + i, "output_tokens": k}
                 for i in range(40)]
        (tmp_path / f"w{k:03d}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    one = _report(tmp_path, 1)
    assert one["tokens"]["calls"] == 4800 and len(one["sources"]["files"]) == 120
    assert _report(tmp_path, 3) == one
