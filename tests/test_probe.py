"""swarmtop.probe: records round-trip through the native decoder, decorators, fork, GC, stdlib."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pytest

from swarmtop import probe
from swarmtop.events import GcEvent, LLMCall, LogLine, MetricEvent, ParseError, TaskEvent
from swarmtop.sources.reader import read_file

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fresh_probe(monkeypatch):
    monkeypatch.delenv(probe.ENV_DIR, raising=False)
    monkeypatch.setattr(probe, "_warned", False)
    yield
    probe.stop()


def _events(path: str | Path) -> list:
    out = []
    for batch in read_file(Path(path)):
        out.extend(batch)
    return out


def _only(events: list, kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]


def test_records_round_trip_through_native_decoder(tmp_path):
    path = probe.start(tmp_path)
    assert path is not None and Path(path).parent == tmp_path
    assert f"-{os.getpid()}-" in Path(path).name
    with probe.task("lateral", agent="coder", task_id="t-1"):
        probe.llm_call("claude-sonnet-4-5", 1200, 340, cache_read_tokens=800,
                       cache_write_tokens=50, latency_ms=812.5, cost_usd=0.01)
        probe.llm_call("gpt-4o-mini", prompt='say "hi"\n', completion="hi", agent="other",
                       ok=False)
        probe.counter("tool.calls", 2)
        probe.gauge("queue.depth", 7, unit="items")
        probe.histogram("result.bytes", 4096.5, unit="B")
        probe.rate("tokens.streamed", 30)
        with probe.timer("tool.exec"):
            pass
        probe.timer("db.query", 12.25)
        probe.log("warning", "slow tool \x1b[31m")
    probe.stop()
    events = _events(path)
    assert not _only(events, ParseError)
    calls = _only(events, LLMCall)
    assert len(calls) == 2
    c = calls[0]
    assert (c.model, c.agent, c.pattern) == ("claude-sonnet-4-5", "coder", "lateral")
    assert (c.input_tokens, c.output_tokens, c.cache_read_tokens, c.cache_write_tokens) == (
        1200, 340, 800, 50)
    assert c.latency_ms == 812.5 and c.cost_usd == 0.01 and c.ok
    t = calls[1]
    assert t.input_tokens is None and t.prompt == 'say "hi"\n' and t.completion == "hi"
    assert t.agent == "other" and t.pattern == "lateral" and not t.ok
    metrics = {m.name: m for m in _only(events, MetricEvent)}
    assert {n: m.metric_kind for n, m in metrics.items()} == {
        "tool.calls": "counter", "queue.depth": "gauge", "result.bytes": "histogram",
        "tokens.streamed": "rate", "tool.exec": "timer", "db.query": "timer"}
    assert metrics["tool.calls"].value == 2 and metrics["queue.depth"].unit == "items"
    assert metrics["result.bytes"].value == 4096.5 and metrics["db.query"].value == 12.25
    assert metrics["tool.exec"].unit == "ms" and metrics["tool.exec"].agent == "coder"
    (log,) = _only(events, LogLine)
    assert log.level == "warning" and log.text == "slow tool \x1b[31m" and log.agent == "coder"
    (task,) = _only(events, TaskEvent)
    assert (task.pattern, task.agent, task.task_id, task.status) == (
        "lateral", "coder", "t-1", "ok")
    assert task.duration_ms is not None and task.duration_ms >= 0


def test_decorator_on_sync_and_async_functions(tmp_path):
    path = probe.start(tmp_path)

    @probe.task("critical", agent="reviewer")
    def review(x: int) -> int:
        probe.llm_call("claude-haiku-4-5", 10, 5)
        return x * 2

    @probe.task("divergent", agent="planner")
    async def plan(x: int) -> int:
        await asyncio.sleep(0.01)
        probe.llm_call("claude-sonnet-4-5", 10, 5)
        return x + 1

    @probe.task("systems")
    async def slow() -> None:
        await asyncio.wait_for(asyncio.sleep(10), timeout=0.01)

    @probe.task("abstract")
    def broken() -> None:
        raise ValueError("nope")

    assert review(3) == 6 and review.__name__ == "review"
    assert asyncio.run(plan(1)) == 2

    async def both() -> list[int]:
        return await asyncio.gather(plan(10), plan(20))

    assert asyncio.run(both()) == [11, 21]
    with pytest.raises(TimeoutError):
        asyncio.run(slow())
    with pytest.raises(ValueError):
        broken()
    probe.stop()
    events = _events(path)
    tasks = _only(events, TaskEvent)
    assert [(t.pattern, t.status) for t in tasks if t.pattern != "divergent"] == [
        ("critical", "ok"), ("systems", "timeout"), ("abstract", "error")]
    div = [t for t in tasks if t.pattern == "divergent"]
    assert len(div) == 3 and all(t.duration_ms >= 9 for t in div)
    assert len({t.task_id for t in tasks}) == len(tasks)  # each call its own task id
    calls = _only(events, LLMCall)
    assert [(c.agent, c.pattern) for c in calls] == [("reviewer", "critical")] + [
        ("planner", "divergent")] * 3


def test_async_with_and_explicit_status(tmp_path):
    path = probe.start(tmp_path)

    async def run() -> None:
        async with probe.task("adaptive", agent="tester") as t:
            t.status = "timeout"

    asyncio.run(run())
    probe.stop()
    (task,) = _only(_events(path), TaskEvent)
    assert task.status == "timeout" and task.agent == "tester"


def test_usage_objects_anthropic_and_openai(tmp_path):
    path = probe.start(tmp_path)
    probe.llm_call("claude-sonnet-4-5", usage={
        "input_tokens": 100, "output_tokens": 20, "cache_read_input_tokens": 900,
        "cache_creation_input_tokens": 30})

    class Details:
        cached_tokens = 64

    class OpenAIUsage:
        prompt_tokens = 200
        completion_tokens = 15
        prompt_tokens_details = Details()

    probe.llm_call("gpt-4o-mini", usage=OpenAIUsage())
    probe.stop()
    a, o = _only(_events(path), LLMCall)
    assert (a.input_tokens, a.output_tokens, a.cache_read_tokens, a.cache_write_tokens) == (
        100, 20, 900, 30)
    assert (o.input_tokens, o.output_tokens, o.cache_read_tokens) == (136, 15, 64)


def test_logging_handler(tmp_path):
    path = probe.start(tmp_path)
    logger = logging.getLogger("swarm.test_probe")
    logger.propagate = False
    handler = probe.LogHandler()
    logger.addHandler(handler)
    try:
        logger.warning("queue %d deep", 12, extra={"agent": "planner"})
        with probe.task("convergent", agent="coder"):
            logger.error("tool failed: [/INST] \"quoted\"")
        logger.critical("down")
    finally:
        logger.removeHandler(handler)
    probe.stop()
    logs = _only(_events(path), LogLine)
    assert [(x.level, x.text, x.agent) for x in logs] == [
        ("warning", "queue 12 deep", "planner"),
        ("error", 'tool failed: [/INST] "quoted"', "coder"),
        ("critical", "down", ""),
    ]


def test_fork_writes_its_own_file(tmp_path):
    parent = probe.start(tmp_path)
    probe.llm_call("claude-haiku-4-5", 1, 1, agent="parent")
    pid = os.fork()
    if pid == 0:  # child: must not touch the parent's file
        code = 0
        try:
            probe.llm_call("claude-haiku-4-5", 2, 2, agent="child")
            probe.stop()
        except BaseException:  # noqa: BLE001 - the child reports any failure as its exit code
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    probe.llm_call("claude-haiku-4-5", 3, 3, agent="parent")
    probe.stop()
    files = sorted(tmp_path.glob("*.jsonl"))
    assert len(files) == 2
    (child_file,) = [f for f in files if f"-{pid}-" in f.name]
    assert str(child_file) != parent
    assert [c.agent for c in _only(_events(child_file), LLMCall)] == ["child"]
    assert [c.input_tokens for c in _only(_events(parent), LLMCall)] == [1, 3]


def test_gc_callback_records_a_forced_collection(tmp_path):
    path = probe.start(tmp_path, gc=True)

    class Node:
        def __init__(self) -> None:
            self.me = self

    gc.disable()  # only the forced collection below may collect our cycles
    try:
        for _ in range(500):
            Node()
        gc.collect()
    finally:
        gc.enable()
    probe.stop()
    assert probe._gc_callback not in gc.callbacks  # stop() unhooks it
    events = _events(path)
    full = [e for e in _only(events, GcEvent) if e.generation == 2]
    assert full, "a forced gc.collect() is a generation-2 collection"
    assert sum(e.collected for e in full) >= 500  # at least our 500 cycles (object + dict)
    assert all(e.duration_ms >= 0 and e.pid == os.getpid() for e in full)
    assert not _only(events, ParseError)


def test_threads_never_interleave_lines(tmp_path):
    path = probe.start(tmp_path)
    n_threads, per_thread = 8, 400

    def work(i: int) -> None:
        for j in range(per_thread):
            with probe.task("systems", agent=f"a{i}"):
                probe.llm_call("claude-sonnet-4-5", j, 1, prompt="x" * 50)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    probe.stop()
    lines = Path(path).read_text().splitlines()
    assert len(lines) == n_threads * per_thread * 2
    for line in lines:
        json.loads(line)
    calls = _only(_events(path), LLMCall)
    assert len(calls) == n_threads * per_thread
    per_agent: dict[str, int] = {}
    for c in calls:
        per_agent[c.agent] = per_agent.get(c.agent, 0) + 1
    assert per_agent == {f"a{i}": per_thread for i in range(n_threads)}
    assert {c.pattern for c in calls} == {"systems"}


def test_unwritable_directory_disables_with_one_warning(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert probe.start(blocker / "runs") is None
        assert not probe.enabled()
        probe.llm_call("m", 1, 1)
        with probe.task("lateral"):
            probe.counter("c")
        assert probe.start(blocker / "again") is None
    assert len([w for w in caught if "swarmtop.probe" in str(w.message)]) == 1


def test_write_failure_disables_with_one_warning(tmp_path):
    probe.start(tmp_path)
    os.close(probe._fd)  # the descriptor vanishes behind the probe's back
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        probe.llm_call("m", 1, 1)
        probe.counter("c")
    assert not probe.enabled()
    assert len(caught) == 1 and "disabled" in str(caught[0].message)


def test_bad_arguments_never_raise(tmp_path):
    path = probe.start(tmp_path)
    probe.gauge("nan", float("nan"))
    probe.histogram("inf", float("inf"))
    probe.counter("text", "many")  # type: ignore[arg-type]
    probe.llm_call(None, input_tokens="lots", output_tokens=3, latency_ms=object())  # type: ignore[arg-type]
    probe.gauge(123, 4)  # type: ignore[arg-type]
    probe.stop()
    events = _events(path)
    assert not _only(events, ParseError)
    (call,) = _only(events, LLMCall)
    assert call.model == "None" and call.input_tokens is None and call.output_tokens == 3
    assert [(m.name, m.value) for m in _only(events, MetricEvent)] == [("123", 4.0)]


def test_calls_before_start_are_noops(tmp_path):
    assert not probe.enabled() and probe.path() is None
    probe.llm_call("m", 1, 1)
    with probe.task("lateral"):
        probe.gauge("g", 1)
    assert list(tmp_path.iterdir()) == []


def test_start_without_dir_uses_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(probe.ENV_DIR, str(tmp_path / "env"))
    path = probe.start()
    assert path is not None and Path(path).parent == tmp_path / "env"


def test_imports_with_only_the_standard_library(tmp_path):
    code = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
class Block:
    BLOCKED = {{"textual", "psutil", "numpy", "msgspec", "ddsketch", "tiktoken", "watchfiles"}}
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.BLOCKED:
            raise ImportError("blocked: " + name)
        return None
sys.meta_path.insert(0, Block())
from swarmtop import probe
assert probe.start({str(tmp_path)!r}, gc=True)
with probe.task("lateral", agent="coder"):
    probe.llm_call("claude-sonnet-4-5", 1, 2)
probe.stop()
third = [m for m in Block.BLOCKED if m in sys.modules]
assert not third, third
print("ok")
"""
    # -S: no site-packages at all, so only the standard library (and the checkout) is importable
    proc = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
    (f,) = tmp_path.glob("*.jsonl")
    assert len(_only(_events(f), LLMCall)) == 1


def test_young_collections_are_batched_into_records(tmp_path, monkeypatch):
    monkeypatch.setattr(probe, "GC_BATCH_S", 0.0)  # flush at every collection
    path = probe.start(tmp_path, gc=True)
    junk = []
    for i in range(20_000):  # enough container allocations to trigger young collections
        junk.append({"i": i})
    del junk
    probe.stop()
    gcs = _only(_events(path), GcEvent)
    assert gcs[0].collections == 0 and gcs[0].duration_ms == 0  # marks when watching began
    young = [e for e in gcs[1:] if e.generation < 2]
    assert young and all(e.collections >= 1 and e.max_ms <= e.duration_ms + 1e-6 for e in young)


def test_cancelled_task_is_recorded_as_cancelled(tmp_path):
    path = probe.start(tmp_path)

    @probe.task("lateral", agent="coder")
    async def long() -> None:
        await asyncio.sleep(10)

    async def run() -> None:
        job = asyncio.create_task(long())
        await asyncio.sleep(0.01)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job

    asyncio.run(run())
    probe.stop()
    (task,) = _only(_events(path), TaskEvent)
    assert task.status == "cancelled"
