"""A backlog tick keeps each agent's figures while nothing of it changed and its silence has
not crossed a mark its status turns at (AgentBook.tick_readings, _steady), and skips the loop
scan of an agent with no entry twice in its recent list. Both are shortcuts, never a change of
results: at every tick of these backlogs the agent.* readings equal the plain ones — every
figure recomputed from the evidence, the loop counted afresh (the code before the cache)."""

from __future__ import annotations

import random
from pathlib import Path

from benchmarks.bench_claude_code import generate
from swarmtop.core import agents as agents_mod
from swarmtop.core.agents import LOOP_WINDOW_S, AgentBook, _Figures, _readings
from swarmtop.core.aggregator import Aggregator
from swarmtop.core.config import Config
from swarmtop.events import AgentInfo, Event, LLMCall, ToolCall
from swarmtop.sources.reader import read_file
from tests.sources import claude_tree

T0 = 1_764_000_000.0


def plain_loop(a: agents_mod._Agent, now: float) -> tuple[int, str]:
    """The loop signal counted afresh (the code of AgentBook.loop before any cache)."""
    counts: dict[str, int] = {}
    first: dict[str, float] = {}
    for ts, item in a.recent:
        if now - ts <= LOOP_WINDOW_S:
            counts[item] = counts.get(item, 0) + 1
            first.setdefault(item, ts)
    if not counts:
        return 0, ""
    what, n = max(counts.items(), key=lambda kv: kv[1])
    return n, what


def plain_readings(book: AgentBook, now: float, burn, processes) -> dict:
    items = []
    for a in book.agents.values():
        proc = processes.get(a.pid) if a.pid is not None else None
        a._gap = (-1, 0.0)  # (the usual gap afresh too)
        status, activity = book.status(a, now, proc)
        n, what = plain_loop(a, now)
        ctx, _ = book.context_pct(a)
        items.append(_Figures(a.name or a.id, status, activity, n if n >= 2 else 0, what, ctx,
                              burn(a.id) if a.last_ts >= now - 60.0 else 0.0))
    return _readings(items)


class Checked:
    """Wraps tick_readings: the cached answer against the plain one at every tick (what
    differs is kept in ``wrong``: the aggregator records an analyzer's exception as a
    failure of its own and reads on)."""

    def __init__(self, monkeypatch) -> None:
        self.ticks = 0
        self.seen: set[str] = set()
        self.wrong: list[str] = []
        cached = AgentBook.tick_readings

        def both(book, now, burn, processes):
            try:
                return check(book, now, burn, processes)
            except AssertionError as exc:
                self.wrong.append(str(exc))
                raise

        def check(book, now, burn, processes):
            got = cached(book, now, burn, processes)
            # each agent's kept figures: its status exactly (the readings, being of the
            # worst agent, could hide one), and its loop when it counts
            for a in book.agents.values():
                if a.pid is None:
                    status, activity = book.status(a, now, None)
                    n, what = plain_loop(a, now)
                    f = a._tick[5]
                    kept = (f.name, f.status, f.loop_count, f.loop if f.loop_count else "",
                            f.context_pct)
                    assert kept == (a.name or a.id, status, n if n >= 2 else 0,
                                    what if n >= 2 else "", book.context_pct(a)[0]), (now, a.id)
                    if status == "stalled":
                        assert f.activity == activity
            want = plain_readings(book, now, burn, processes)
            assert got == want, f"at {now}: {got} != {want}"
            self.ticks += 1
            self.seen.update(k for k, r in got.items() if r.value)
            return got

        monkeypatch.setattr(AgentBook, "tick_readings", both)


def _stream(seed: int) -> list[Event]:
    """Agents that work, wait on the model and on the user, ask the user, repeat a command
    (a loop), leave a tool unfinished long enough to stall and to go quiet, fail tools, end
    their turns, with silences short and long between bursts."""
    rnd = random.Random(seed)
    out: list[Event] = []
    t = T0
    agents = [f"s{k}" for k in range(4)] + ["s0/sub1", "s1/sub2"]
    calls = 0
    for step in range(2500):
        t += rnd.choice((0.5, 2, 5, 11, 40)) if rnd.random() < 0.97 else rnd.choice((200, 900,
                                                                                     4000))
        a = rnd.choice(agents)
        r = rnd.random()
        if step in (100, 1500):  # a sub-agent's first prompt, then the Task that named it
            out.append(AgentInfo(ts=t, source="f", agent="s0/sub1", prompt_key="pk1")
                       if step == 100 else
                       AgentInfo(ts=t, source="f", agent="s0", spawn_key="pk1",
                                 spawn_name=f"reviewer {seed}: the plan"))
        elif r < 0.3:
            calls += 1
            out.append(LLMCall(ts=t, source="f", model="claude-sonnet-4-5", agent=a,
                               input_tokens=rnd.randint(1, 50), output_tokens=100,
                               cache_read_tokens=rnd.randint(0, 150_000),
                               ok=rnd.random() > 0.03))
        elif r < 0.6:
            cid = f"c{step}"
            tool = rnd.choice(("Bash", "Bash", "Read", "AskUserQuestion"))
            cmd = rnd.choice(("pytest -x", "ls", f"cat f{step}")) if tool == "Bash" else ""
            out.append(ToolCall(ts=t, source="f", tool=tool, agent=a, call_id=cid,
                                phase="start", summary=cmd))
            if rnd.random() < 0.85:  # (else left in flight)
                t += rnd.choice((0.2, 3, 30, 150))
                failed = rnd.random() < 0.1
                out.append(ToolCall(ts=t, source="f", tool=tool, agent=a, call_id=cid,
                                    duration_ms=1000.0, ok=not failed, summary=cmd,
                                    error="exit 1" if failed else ""))
        elif r < 0.9:
            out.append(AgentInfo(ts=t, source="f", agent=a,
                                 turn=rnd.choice(("model", "user", "user", "model"))))
        elif r < 0.93:
            out.append(AgentInfo(ts=t, source="f", agent=a, turn="done"))
        else:
            out.append(AgentInfo(ts=t, source="f", agent=a, name=f"agent {a} {step % 7}",
                                 parent=a.split("/")[0] if "/" in a else ""))
    assert calls
    return out


def _ingest(events: list[Event], config: Config) -> Aggregator:
    agg = Aggregator(config)
    agg.clock = agg.event_clock
    agg.register_file("f")
    for k in range(0, len(events), 300):
        agg.ingest(events[k:k + 300])
    return agg


def test_cached_tick_readings_equal_the_plain_ones_on_generated_agents(monkeypatch) -> None:
    check = Checked(monkeypatch)
    for seed in (1, 2, 3):
        assert not _ingest(_stream(seed), Config()).failures.entries()
    assert check.wrong == []
    assert check.ticks > 500
    # the stall, the loop, the context and the spend readings all took a value somewhere
    assert {"agent.stalled", "agent.loop_repeats", "agent.context_used"} <= check.seen


def test_cached_tick_readings_equal_the_plain_ones_on_claude_code(monkeypatch,
                                                                   tmp_path: Path) -> None:
    """The sub-agent tree of tests/sources/claude_tree.py and the benchmark's generated
    sessions (tool results, prompts, content-block lines), each file in turn."""
    check = Checked(monkeypatch)
    claude_tree.build(tmp_path / "tree")
    generate(tmp_path / "gen", 2 << 20, tool_scale=2.5)
    for root in (tmp_path / "tree", tmp_path / "gen"):
        agg = Aggregator(Config())
        agg.clock = agg.event_clock
        for path in sorted(root.rglob("*.jsonl")):
            for batch in read_file(path):
                agg.ingest(batch)
        assert not agg.failures.entries()
    assert check.wrong == []
    assert check.ticks > 100 and "agent.context_used" in check.seen


def test_a_repeated_entry_is_counted_as_it_comes_and_goes() -> None:
    """``note`` keeps the entries' counts with the recent list's own bound."""
    a = agents_mod._Agent("x")
    for k in range(agents_mod.RECENT):
        a.note(T0 + k, f"e{k}")
    assert a._dups == 0
    a.note(T0 + 500, "e5")  # e0 leaves, e5 is there twice
    assert a._dups == 1 and "e0" not in a._counts
    for k in range(6):  # e1..e5 and the first e5 leave
        a.note(T0 + 600 + k, f"n{k}")
    assert a._dups == 0 and a._counts["e5"] == 1
    assert a._counts == {item: sum(1 for _t, i in a.recent if i == item) for _t, item in a.recent}
