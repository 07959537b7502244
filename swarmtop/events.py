"""The event model: the only thing sources hand to the core.

Events are frozen msgspec Structs with a ``kind`` tag, so a list of them encodes to JSONL and
decodes back to the same types (record/replay) without a hand-written mapping.
Every event has ``ts`` (wall-clock epoch seconds: from the log when it has one, else arrival)
and ``source`` (a file path, ``pid:N``, or another short origin name). A decoder that reads a
record with no time of its own and no neighbour's to lend it (a capture written without
timestamps) stamps it ``UNTIMED``: counted in totals, left out of every rate window, uptime and
the analyzers' timeline (core/aggregator.py).
"""

from __future__ import annotations

from typing import Union

import msgspec

# "the log gave this event no time": 0001-01-01T00:00:00Z, a finite float (it survives a record
# file's JSON, where NaN would not) below every time a decoder accepts (common.MIN_TS)
UNTIMED = -62135596800.0


class _Event(msgspec.Struct, frozen=True, tag_field="kind", omit_defaults=True):
    ts: float
    source: str


class LLMCall(_Event, frozen=True, tag="llm_call"):
    """One model request. Token fields are ``None`` when the log did not state them;
    the core then counts ``prompt``/``completion`` text with tiktoken and marks them estimated."""

    model: str = "unknown"
    agent: str = ""
    pattern: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    estimated: bool = False
    latency_ms: float | None = None
    cost_usd: float | None = None
    ok: bool = True
    prompt: str | None = None
    completion: str | None = None
    # Claude Code repeats one response's usage on every content-block line: dedupe on this.
    dedupe_key: str | None = None
    # of cache_write_tokens, the 1-hour cache writes (priced at 2x input, not 1.25x)
    cache_write_1h_tokens: int = 0
    # calls whose totals a later record restates (stream-json: one run's calls of one model)
    # share a ``group``; the restating call has ``restates=True`` and its figures are the
    # group's totals: only what exceeds what was counted is added, and its stated cost
    # replaces the computed cost of the group (core/tokens.py ``restate``)
    group: str | None = None
    restates: bool = False
    # the model's context window as the log states it (Codex ``model_context_window``);
    # None: looked up by model in the price table
    context_window: int | None = None


class TaskEvent(_Event, frozen=True, tag="task"):
    """A task of a cognitive pattern; ``phase == "end"`` carries the duration."""

    task_id: str = ""
    agent: str = ""
    pattern: str = "unknown"
    phase: str = "end"  # start | end
    duration_ms: float | None = None
    status: str = "ok"  # ok | error | timeout | <any>


class MetricEvent(_Event, frozen=True, tag="metric"):
    """Any named gauge/counter a swarm reports."""

    name: str
    value: float
    unit: str = ""
    agent: str = ""
    metric_kind: str = "gauge"  # counter | gauge | histogram | timer | rate


class GcEvent(_Event, frozen=True, tag="gc"):
    """Garbage-collector pauses a process reported about itself (``swarmtop.probe`` with
    ``gc=True``): ``collections`` collections of ``generation`` took ``duration_ms`` in all."""

    generation: int = 0
    collections: int = 1
    duration_ms: float = 0.0
    max_ms: float | None = None
    collected: int = 0
    uncollectable: int = 0
    pid: int | None = None


class ProcessSample(_Event, frozen=True, tag="process_sample"):
    pid: int
    create_time: float
    name: str = ""
    rss: int | None = None
    uss: int | None = None
    cpu_percent: float | None = None
    threads: int | None = None
    fds: int | None = None
    io_read_bytes: int | None = None
    io_write_bytes: int | None = None
    parent: int | None = None
    status: str = "running"  # running | sleeping | zombie | ...
    denied: tuple[str, ...] = ()  # fields AccessDenied kept us from reading
    cgroup_limit: int | None = None  # memory limit of the process's cgroup, bytes, if any
    cwd: str = ""  # working directory, when readable
    cmd: str = ""  # command line, cut at sampler.CMD_CHARS


class ProcessExit(_Event, frozen=True, tag="process_exit"):
    pid: int
    create_time: float = 0.0
    exit_code: int | None = None


class LogLine(_Event, frozen=True, tag="log"):
    """A line with no structure we use beyond its level; ``text`` is raw (sanitised at display)."""

    level: str = "info"  # debug | info | warning | error | critical
    text: str = ""
    agent: str = ""


class ToolCall(_Event, frozen=True, tag="tool_call"):
    """A tool an agent ran: ``phase == "start"`` when it begins (in flight until its end),
    ``"end"`` with its duration and outcome. A source that sees only the end sends only it.
    ``summary`` is a short excerpt of its input and ``error`` of a failure's output: raw text,
    sanitised at display."""

    tool: str = ""
    agent: str = ""
    call_id: str = ""
    phase: str = "end"  # start | end
    duration_ms: float | None = None
    ok: bool = True
    summary: str = ""
    error: str = ""


class AgentInfo(_Event, frozen=True, tag="agent_info"):
    """What a source has learnt about an agent: its identity (a name a person recognises, its
    parent, kind, process) and evidence of its state. Empty fields say nothing; what was known
    stays. ``turn``: "model" (a prompt or tool result handed the turn to the model: a call is
    in flight), "user" (the model ended its turn and waits for input), "done" or "failed".
    ``prompt_key`` (a hash of its first prompt) and ``spawn_key`` / ``spawn_name`` (of a
    sub-agent it started) link a Claude Code sub-agent to the Task that started it."""

    agent: str = ""
    name: str = ""
    parent: str = ""
    agent_kind: str = ""  # its format: claude-code | native | claude-stream | otel | probe …
    pid: int | None = None
    cwd: str = ""
    turn: str = ""
    model: str = ""
    prompt_key: str = ""
    spawn_key: str = ""
    spawn_name: str = ""


class RateLimit(_Event, frozen=True, tag="rate_limit"):
    """A plan's rate-limit window as a log states it (Codex ``rate_limits``): how much of the
    window is used and when it resets. The latest per (``tool``, ``limit``, ``window``) wins."""

    tool: str = ""  # whose plan: "codex"
    limit: str = ""  # the limit's id when the log names one (Codex ``limit_id``)
    window: str = ""  # primary | secondary
    agent: str = ""  # the agent whose log said it
    used_percent: float = 0.0
    window_minutes: int | None = None
    resets_at: float | None = None  # epoch seconds
    plan: str = ""  # e.g. "plus", "pro" when stated


class ParseError(_Event, frozen=True, tag="parse_error"):
    """A line that could not be decoded: counted and shown, never fatal."""

    offset: int = 0
    reason: str = ""
    excerpt: str = ""


class FileStatus(_Event, frozen=True, tag="file_status"):
    """Where a followed file stands; the latest one per path wins in the snapshot."""

    format: str = "auto"
    lines: int = 0
    offset: int = 0
    # following | rotated | deleted | skipped | done | waiting (a SOURCE not there yet);
    # "appeared" is no state but a notice: the waiting row of that SOURCE gives way
    state: str = "following"
    why: str = ""
    size: int = 0


# Stamped with their arrival (our clock), not with event time: they keep their place on a
# log's timeline and never tick the analyzers (core/aggregator.py, sources/merge.py).
ARRIVAL_STAMPED = (FileStatus, ParseError)

Event = Union[  # noqa: UP007 - msgspec needs a runtime Union of tagged structs
    LLMCall, TaskEvent, MetricEvent, ProcessSample, ProcessExit, LogLine, ParseError, FileStatus,
    GcEvent, ToolCall, AgentInfo, RateLimit,
]

EVENT_TYPES: tuple[type, ...] = (
    LLMCall, TaskEvent, MetricEvent, ProcessSample, ProcessExit, LogLine, ParseError, FileStatus,
    GcEvent, ToolCall, AgentInfo, RateLimit,
)

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Event)


def encode_event(event: Event) -> bytes:
    """One event as a JSON object (no newline)."""
    return _encoder.encode(event)


def decode_event(data: bytes | str) -> Event:
    """Inverse of :func:`encode_event`; raises ``msgspec.DecodeError`` on bad input."""
    return _decoder.decode(data)
