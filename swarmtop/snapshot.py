"""The Snapshot: one immutable picture of everything, produced by the aggregator at each tick.

Every view (TUI panels, JSON/text report, Prometheus, baselines) reads this and nothing else.
Field names are the public schema v1 (docs/snapshot-schema.md): add keys freely, never rename.
One module (≈ 500 lines) on purpose: the whole public schema is read in one place.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

SCHEMA_VERSION = 1


# Sections a snapshot the aggregator did not make leaves out (``Snapshot()``, a file saved
# without them) are ``{}`` in the JSON: their Struct has every field UNSET (msgspec leaves an
# UNSET field out of the JSON, so the section encodes as ``{}``), and the aggregator sets them
# all. A reader takes a field with ``or`` its empty value (UNSET is falsy).

# msgspec passes frozen on to subclasses, but a type checker reads the class keywords of each
# class alone (PEP 681 dataclass_transform), so every subclass says frozen=True again: what
# msgspec's author recommends (msgspec/msgspec#657). kw_only applies only to the fields of the
# class that says it, so it does nothing here (the subclasses take positional arguments).
class _S(msgspec.Struct, frozen=True, kw_only=True):
    pass


class HealthComponent(_S, frozen=True):
    score: float
    weight: float
    why: str


class Health(_S, frozen=True):
    score: float = 100.0
    components: dict[str, HealthComponent] = {}


class TokenCounts(_S, frozen=True):
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    calls: int = 0
    cost_usd: float = 0.0
    estimated: int = 0
    unpriced_calls: int = 0  # calls whose model had no price: tokens shown, cost not invented
    errors: int = 0  # calls that failed (ok: false, an API error)


class Saving(_S, frozen=True):
    strategy: str  # caching | batching | compression | pruning
    usd: float
    why: str


class Tokens(_S, frozen=True):
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    total: int = 0
    estimated: int = 0
    calls: int = 0
    cost_usd: float = 0.0
    burn_usd_per_min: float = 0.0
    tokens_per_min: float = 0.0
    budget_usd: float | None = None
    budget_exhausted_in_s: float | None = None
    by_model: dict[str, TokenCounts] = {}
    by_agent: dict[str, TokenCounts] = {}
    savings: list[Saving] = []
    unpriced_models: list[str] = []
    tokenizer: str = ""  # how estimated figures were counted, e.g. "tiktoken" or a warning


class ProcessInfo(_S, frozen=True):
    pid: int
    name: str = ""
    alive: bool = True
    rss_bytes: int = 0
    peak_rss_bytes: int = 0
    cpu_percent: float = 0.0
    threads: int = 0
    samples: int = 0
    growth: str = "unknown"  # stable | linear | exponential | unknown
    growth_bytes_per_s: float = 0.0
    leak_suspected: bool = False
    # additions beyond the v1 minimum
    parent: int | None = None
    create_time: float = 0.0
    status: str = "running"
    exited_at: str | None = None
    exit_code: int | None = None
    growth_confidence: float = 0.0
    uss_bytes: int | None = None
    fds: int | None = None
    io_read_bytes: int | None = None
    io_write_bytes: int | None = None
    denied: list[str] = []
    time_to_limit_s: float | None = None
    history: list[list[float]] = []  # [[ts, rss_bytes], ...] bounded, for graphs
    growth_why: str = ""  # the classification in words, e.g. "steady growth (R²=0.99, ...)"
    growth_rate_per_s: float = 0.0  # exponential: relative growth per second (0.25 = 25 %/s)
    limit_bytes: int | None = None  # the memory limit time_to_limit_s counts to
    cwd: str = ""  # working directory, when readable
    cmd: str = ""  # command line (cut at 200 characters), when readable


class Memory(_S, frozen=True):
    interval_s: float = 0.5
    total_rss_bytes: int = 0
    processes: list[ProcessInfo] = []
    limit_bytes: int | None = None
    growth: str = "unknown"  # of the whole tree: the sum of the alive processes' RSS
    growth_bytes_per_s: float = 0.0
    leak_suspected: bool = False  # the tree's growth, or any alive process, looks like a leak
    growth_confidence: float = 0.0
    growth_why: str = ""
    time_to_limit_s: float | None = None  # tree total reaching limit_bytes at its growth
    limit_source: str | None = None  # config | cgroup
    peak_total_rss_bytes: int = 0
    history: list[list[float]] = []  # [[ts, total_rss_bytes], ...] bounded, for graphs


class Bucket(msgspec.Struct, frozen=True, array_like=True):
    """``[le_s, count]`` in JSON (array_like): tasks that took at most ``le_s`` seconds."""

    le_s: float | None  # None (null) = +Inf
    count: int


class LatencyHistogram(_S, frozen=True):
    """A pattern's cumulative latency histogram (Prometheus style); UNSET (``{}``) in a
    snapshot that skips the all-time figures (the live view between reports)."""

    buckets: list[Bucket] | UnsetType = UNSET  # cumulative
    sum_ms: float | UnsetType = UNSET


class PatternStats(_S, frozen=True):
    count: int = 0
    errors: int = 0
    p50_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    target_ms: float | None = None
    # rolling window (live view) alongside the all-time figures above
    window_s: float = 60.0
    window_count: int = 0
    window_p50_ms: float | None = None
    window_p90_ms: float | None = None
    window_p99_ms: float | None = None
    error_rate: float = 0.0
    window_errors: int = 0  # failed tasks in the rolling window
    histogram: LatencyHistogram = LatencyHistogram()


class Alert(_S, frozen=True):
    rule: str
    severity: str  # info | warning | critical
    message: str
    since: str
    value: float | None = None
    threshold: float | None = None
    acknowledged: bool = False


class AlertRecord(_S, frozen=True):
    """One past firing of an alert (kept in a bounded history once it resolved)."""

    rule: str
    severity: str  # the highest severity it reached
    message: str
    since: str
    until: str
    peak_value: float | None = None


class Bottleneck(_S, frozen=True):
    kind: str  # cpu | memory | latency | tokens | errors
    severity: float
    why: str
    subject: str = ""  # the process, pattern, agent or model the evidence points at


class Trend(_S, frozen=True):
    """The shape of one key series (docs/alerts.md#trends)."""

    kind: str  # linear | exponential | seasonal | flat | unknown
    rate_per_s: float = 0.0  # linear/seasonal/flat: units per second; exponential: 1/s (log)
    doubling_s: float | None = None  # exponential only
    period_s: float | None = None  # seasonal only
    r2: float = 0.0
    points: int = 0
    span_s: float = 0.0
    last: float | None = None
    horizon_s: float = 0.0
    projection: float | None = None  # the series' value horizon_s from now, if the fit holds
    why: str = ""
    unit: str = ""  # the series' unit (swarmtop/units.py): ms, bytes, share, tokens_per_min


class FileInfo(_S, frozen=True):
    path: str
    format: str = "auto"
    lines: int = 0
    events: int = 0
    bad_lines: int = 0
    offset: int = 0
    state: str = "following"
    why: str = ""
    untimed: int = 0  # events its log gave no time (see Sources.untimed_why)


class BadLine(_S, frozen=True):
    source: str
    offset: int
    reason: str
    excerpt: str = ""


class SourceFailure(_S, frozen=True):
    """A part of swarmtop that failed (a source, the sampler's tree scan, an analyzer, ...);
    its traceback is in ``Sources.log_file``."""

    where: str
    message: str  # the latest failure's exception, one line (untrusted text)
    since: str  # first failure, ISO-8601
    count: int = 1
    last: str = ""  # latest failure, ISO-8601


class ReceiverInfo(_S, frozen=True):
    """A network receiver (``--otlp``): where it listens and what it took and refused. Counts
    are since it started; ``senders`` and ``last_rejection`` come from the network: untrusted
    text, sanitise at display."""

    kind: str = "otlp-http"
    address: str = ""  # host:port it listens on
    state: str = "listening"  # listening | stopped | failed
    requests: int = 0  # HTTP requests answered, whatever the answer
    accepted: dict[str, int] = {}  # items taken: spans, log_records, data_points
    rejected: dict[str, int] = {}  # items refused within accepted requests (partial success)
    rejections: dict[str, int] = {}  # requests refused, by "<status> <reason>"
    last_rejection: str = ""  # the latest refusal, with its detail
    events: int = 0  # events made of what was accepted
    bytes: int = 0  # request bodies received, as sent (compressed)
    connections: int = 0  # open now
    senders: list[str] = []  # service.name of the resources that sent, first seen first
    why: str = ""


class SessionStore(_S, frozen=True):
    """A session store found with no SOURCE given (sources/discover.py)."""

    tool: str  # "Claude Code" | "Codex" | "Gemini CLI"
    path: str  # a directory, or a glob of the chat files


class Sources(_S, frozen=True):
    lines: int = 0
    events: int = 0
    bad_lines: int = 0
    files: list[FileInfo] = []
    pids: list[int] = []
    recent_bad_lines: list[BadLine] = []
    errors: list[SourceFailure] = []  # failures of swarmtop itself, first failed first
    log_file: str = ""  # where their tracebacks are written (swarmtop/errorlog.py)
    receivers: list[ReceiverInfo] = []  # network receivers (--otlp)
    # events whose log gave them no time, and what was done with them ("" when none)
    untimed_events: int = 0
    untimed_why: str = ""
    # with no SOURCE: the agent session stores found and read (empty when SOURCEs were given)
    discovered: list[SessionStore] = []


class AgentRow(_S, frozen=True):
    """One agent (docs/agents.md): identity, state from evidence, and its figures."""

    id: str
    name: str = ""
    parent: str | None = None
    kind: str = ""
    status: str = "idle"  # working | waiting | idle | stalled | done | failed
    activity: str = ""  # e.g. "Bash: pytest tests/ (42 s)"; raw text, sanitise at display
    model: str = ""
    calls: int = 0
    errors: int = 0
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    cost_usd: float = 0.0
    burn_usd_per_min: float = 0.0
    tokens_per_min: float = 0.0
    context_used_pct: float | None = None
    context_window: int | None = None
    last_seen: str | None = None
    idle_s: float | None = None  # seconds since its last event
    pid: int | None = None
    pid_match: str = ""  # "stated" (its events name the pid) | "heuristic"
    rss_bytes: int | None = None
    cpu_percent: float | None = None
    tool_calls: int = 0
    tool_errors: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    loop: str = ""  # what it repeats, when it loops: "Bash `pytest` x6 in 10 min"
    loop_count: int = 0  # how many times, within the loop window
    depth: int = 0  # in the tree: 0 for a top agent
    recent: list[tuple[float, str]] = []  # its latest tool calls, newest first: [ts, text]


class ToolStats(_S, frozen=True):
    count: int = 0
    errors: int = 0
    p50_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    in_flight: int = 0


class Limit(_S, frozen=True):
    """A plan's rate-limit window as a log last stated it (Codex ``rate_limits``)."""

    source: str  # whose plan: "codex"
    window: str  # primary | secondary (Codex: the 5-hour and the weekly window)
    used_percent: float
    window_minutes: int | None = None
    resets_at: str | None = None  # ISO-8601
    observed_at: str = ""  # ISO-8601: the time of the log line that said it
    agent: str = ""  # the agent whose log said it last
    limit: str = ""  # the limit's id when the log names one (Codex limit_id)
    plan: str = ""  # the plan when stated (e.g. "plus", "pro")


class LogEntry(_S, frozen=True):
    ts: float
    source: str
    level: str
    text: str


class ErrorCounts(_S, frozen=True):
    """What failed, all time (``snapshot.errors``); every field UNSET (``{}``) in a snapshot
    the aggregator did not make."""

    tasks: int | UnsetType = UNSET  # tasks finished, failed or not
    failed_tasks: int | UnsetType = UNSET
    error_lines: int | UnsetType = UNSET  # log lines at level error or critical
    llm_errors: int | UnsetType = UNSET  # LLM calls that failed
    bad_lines: int | UnsetType = UNSET  # lines no decoder could read


# JSON has no inf or nan: msgspec writes them as null, so a figure taken from the swarm's own
# values (any float a log holds) reads back as None.
class CustomMetric(_S, frozen=True):
    """One name's ``metric`` records (docs/probe.md, the metrics section)."""

    kind: str = "gauge"  # counter | gauge | histogram | timer | rate
    unit: str = ""
    agent: str = ""  # the reporting agent while every record names the same one
    latest: float | None = None  # the newest record's value (by its time)
    count: int = 0
    total: float | None = None
    rate_per_s: float | None = None
    min: float | None = None
    max: float | None = None
    p50: float | None = None  # percentiles: histogram and timer only
    p90: float | None = None
    p99: float | None = None
    window_p50: float | None = None
    window_p99: float | None = None
    last_ts: float | None = None  # the newest record's time (None: none had one)


class GcStats(_S, frozen=True):
    """One process's garbage-collector pauses (probe ``gc=True``), from its probe file."""

    pid: int | None = None
    collections: int = 0
    by_generation: list[int] = []
    collected: int = 0
    uncollectable: int = 0
    pause_ms_total: float | None = None
    pause_ms_max: float | None = None
    pause_ms_per_s: float | None = None
    wall_share: float | None = None  # pause time / wall time over the window, 0..1
    last_ts: float | None = None


class Metrics(_S, frozen=True):
    """``snapshot.metrics`` (core/metrics.py); every field UNSET (``{}``) in a snapshot the
    aggregator did not make."""

    window_s: float | UnsetType = UNSET
    dropped: int | UnsetType = UNSET  # records over the bound on names or GC sources
    custom: dict[str, CustomMetric] | UnsetType = UNSET  # by metric name, sorted
    gc: dict[str, GcStats] | UnsetType = UNSET  # by probe file, sorted


class SamplerStatus(_S, frozen=True):
    """The process sampler's own health (sources/sampler.py, docs/processes.md)."""

    watched: int = 0
    ticks: int = 0
    missed_ticks: int = 0
    forced_late: int = 0
    lagging: int = 0
    errors: int = 0
    last_error: str = ""
    overflow: int = 0
    last_sweep_ms: float = 0.0
    jitter_p99_ms: float | None = None


class RecordStatus(_S, frozen=True):
    """The ``--record`` file being written (export/record.py)."""

    path: str = ""
    bytes: int = 0
    events: int = 0
    error: str | None = None  # why recording stopped


class MonitorStatus(_S, frozen=True, omit_defaults=True):
    """``snapshot.runtime``: the monitor's own parts that run, each left out when it does
    not (``{}`` without a sampler or a recording)."""

    sampler: SamplerStatus | None = None
    record: RecordStatus | None = None


class BaselineFigure(_S, frozen=True):
    """One figure both runs have (core/baseline.py, docs/baselines.md)."""

    figure: str = ""
    base: float = 0.0
    new: float = 0.0
    change: float = 0.0
    change_pct: float | None = None  # None when the base is 0
    verdict: str = "same"  # better | worse | same
    rule: str = "tolerance"  # tolerance | quantile-se
    unit: str = ""  # swarmtop/units.py ("" in a baseline from before units: a count)


class Regression(_S, frozen=True):
    figure: str = ""
    worse_by_pct: float | None = None  # None: infinitely worse (the base was 0)
    limit_pct: float = 0.0


class BaselineComparison(_S, frozen=True):
    """``snapshot.baseline``: this run against ``--baseline``; every field UNSET (``{}``)
    without one."""

    source: str | UnsetType = UNSET  # the baseline file
    rules: dict[str, str] | UnsetType = UNSET  # rule name -> what it counts as the same
    figures: list[BaselineFigure] | UnsetType = UNSET
    regressions: list[Regression] | UnsetType = UNSET


class Snapshot(_S, frozen=True):
    schema: int = SCHEMA_VERSION
    generated_at: str = ""
    uptime_s: float = 0.0
    health: Health = Health()
    tokens: Tokens = Tokens()
    memory: Memory = Memory()
    patterns: dict[str, PatternStats] = {}
    alerts: list[Alert] = []
    bottlenecks: list[Bottleneck] = []
    sources: Sources = Sources()
    # additions beyond the v1 minimum
    as_of: str = ""  # the time the figures describe (event time for reports and replays)
    errors: ErrorCounts = ErrorCounts()
    log_tail: list[LogEntry] = []
    metrics: Metrics = Metrics()
    trends: dict[str, Trend] = {}
    alert_history: list[AlertRecord] = []  # resolved alerts, newest last (bounded)
    alert_metrics: dict[str, float] = {}  # the value of every alert metric now (docs/alerts.md)
    runtime: MonitorStatus = MonitorStatus()  # state of the monitor itself
    baseline: BaselineComparison = BaselineComparison()  # against --baseline (docs/baselines.md)
    agents: list[AgentRow] = []  # tree order: each agent followed by its sub-agents
    tools: dict[str, ToolStats] = {}
    limits: list[Limit] = []  # plan/rate limits the logs state, e.g. Codex's 5 h window


def to_dict(snapshot: Snapshot) -> dict[str, Any]:
    """The snapshot as plain JSON-ready Python objects (the public schema)."""
    out: dict[str, Any] = msgspec.to_builtins(snapshot)  # a Struct becomes a dict
    return out


def to_json(snapshot: Snapshot, indent: int = 2) -> bytes:
    raw = msgspec.json.encode(snapshot)
    return msgspec.json.format(raw, indent=indent) if indent else raw


def from_dict(data: dict[str, Any]) -> Snapshot:
    """Load a saved snapshot (e.g. a baseline); raises ``msgspec.ValidationError`` if not one."""
    return msgspec.convert(data, Snapshot)
