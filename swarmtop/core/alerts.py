"""Alert rules: parsed from ``[[alerts]]`` tables, evaluated on the monitor's clock.

A rule fires once its condition has held for ``for`` seconds and resolves when the value
crosses back over ``clear`` (hysteresis: a value hovering at the threshold does not flap).
Rules sharing a ``name`` form one alert whose severity is the highest firing rule's
(e.g. error_rate warning at 5 %, critical at 20 %). Acknowledging an alert silences it until
its severity changes. Resolved alerts go to a bounded history.
"""

from __future__ import annotations

import operator
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from swarmtop import units
from swarmtop.core.signals import METRICS, Reading, spec
from swarmtop.errorlog import Failures
from swarmtop.errors import ConfigError
from swarmtop.snapshot import Alert, AlertRecord
from swarmtop.timeparse import iso

SEVERITIES = ("info", "warning", "critical")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
}
RULE_KEYS = {"name", "metric", "comparison", "threshold", "severity", "for", "clear",
             "message", "enabled"}
HISTORY = 200  # resolved alerts kept

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


@dataclass(frozen=True)
class Rule:
    name: str
    metric: str
    comparison: str
    threshold: float
    severity: str
    for_s: float = 0.0
    clear: float | None = None
    message: str = ""
    # the comparison's function, looked up once (a backlog evaluates rules thousands of times)
    _op: Callable[[float, float], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_op", COMPARISONS[self.comparison])

    def holds(self, value: float) -> bool:
        return self._op(value, self.threshold)

    def resolves(self, value: float) -> bool:
        """Back on the safe side of ``clear`` (or of the threshold when there is none)."""
        if self.holds(value):
            return False
        if self.clear is None:
            return True
        return value <= self.clear if self.comparison in (">", ">=") else value >= self.clear

    def describe(self, reading: Reading) -> str:
        fields = {
            "value": fmt_value(self.metric, reading.value),
            "threshold": fmt_value(self.metric, self.threshold),
            "subject": reading.subject,
            "metric": self.metric,
            "name": self.name,
        }
        text = self.message or "{metric} {value} (threshold {threshold})"
        text = text.format_map(fields)
        if reading.subject and "{subject}" not in self.message:
            text += f" [{reading.subject}]"
        return text


def _default_rule(metric: str, cmp: str, thr: float, sev: str, for_s: float, clear: float | None,
       msg: str, name: str) -> dict[str, Any]:
    rule: dict[str, Any] = {"name": name, "metric": metric, "comparison": cmp,
                            "threshold": thr, "severity": sev, "for": for_s, "message": msg}
    if clear is not None:
        rule["clear"] = clear
    return rule


# The documented default set (docs/alerts.md). A [[alerts]] table with the same name replaces
# a default group; `enabled = false` removes it.
DEFAULT_RULES: tuple[dict[str, Any], ...] = (
    _default_rule("error_rate", ">", 0.05, "warning", 30, 0.04,
       "{value} of recent tasks failing (over {threshold})", "error_rate"),
    _default_rule("error_rate", ">", 0.20, "critical", 30, 0.15,
       "{value} of recent tasks failing (over {threshold})", "error_rate"),
    _default_rule("pattern.p99_over_target", ">", 1.0, "warning", 60, 0.9,
       "{subject} p99 latency at {value} of its target", "pattern_latency"),
    # held 30 s: a process filling caches at start-up is not yet a leak
    _default_rule("process.leak_suspected", ">=", 1, "warning", 30, None,
       "memory leak suspected in {subject}", "memory_leak"),
    _default_rule("memory.time_to_limit_s", "<", 600, "warning", 30, 900,
       "memory limit in {value} at the current growth ({subject})", "memory_limit"),
    _default_rule("memory.time_to_limit_s", "<", 120, "critical", 10, 180,
       "memory limit in {value} at the current growth ({subject})", "memory_limit"),
    _default_rule("tokens.burn_vs_budget", ">", 1.0, "warning", 60, 0.9,
       "spending at {value} of the budget pace", "budget_pace"),
    _default_rule("tokens.budget_used", ">=", 1.0, "critical", 0, None,
       "budget spent ({value} used)", "budget_spent"),
    _default_rule("source.silence_s", ">", 120, "warning", 0, 5,
       "no events from the followed logs for {value}: swarm stalled?", "stalled"),
    _default_rule("process.exit_code", ">", 0, "critical", 0, None,
       "{subject} exited with code {value}", "process_exit"),
    _default_rule("agent.loop_repeats", ">=", 5, "warning", 0, 2,
       "agent looping: {subject}", "agent_loop"),
    _default_rule("agent.stalled", ">=", 1, "warning", 0, None,
       "agent stalled: {subject}", "agent_stalled"),
    _default_rule("agent.context_used", ">=", 0.9, "warning", 0, 0.85,
       "{subject} has used {value} of its context window", "context_pressure"),
    _default_rule("agent.spend_vs_median", ">=", 5, "warning", 120, 3,
       "{subject} spending {value} the swarm's median $/min", "runaway_spend"),
    _default_rule("monitor.record_failed", ">=", 1, "warning", 0, None,
       "--record stopped writing (disk full?); monitoring goes on", "record_failed"),
    # the subject names what failed and the log file with its traceback (errorlog.py)
    _default_rule("monitor.failures", ">=", 1, "warning", 0, None, "{subject}", "source_failed"),
)


def failure_alert(book: Failures) -> Alert:
    """The ``source_failed`` alert made directly: for when the analyzers themselves failed
    (or the snapshot could not be taken), so the rules could not be evaluated."""
    found = book.entries()
    return Alert(rule="source_failed", severity="warning", message=book.summary(),
                 since=iso(min((f.since for f in found), default=time.time())),
                 value=float(len(found)), threshold=1.0)


def parse_duration(value: Any, where: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m:
            return float(m.group(1)) * _UNIT_S[m.group(2)]
    raise ConfigError(f"{where}: 'for' must be seconds or a duration like 30s, 5m; got {value!r}")


def _number(value: Any, key: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: '{key}' must be a number, got {value!r}")
    return float(value)


def parse_rule(table: Mapping[str, Any], where: str) -> Rule | None:
    """One ``[[alerts]]`` table -> Rule (None when ``enabled = false``); ConfigError if bad."""
    unknown = sorted(set(table) - RULE_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (keys: "
                          f"{', '.join(sorted(RULE_KEYS))})")
    if table.get("enabled") is False and isinstance(table.get("name"), str):
        return None  # `{name = "agent_loop", enabled = false}` turns a default group off
    metric = table.get("metric")
    if not isinstance(metric, str) or spec(metric) is None:
        raise ConfigError(f"{where}: unknown metric {metric!r} (known: "
                          f"{', '.join(METRICS)}, custom.<name>.<field>, gc.<field>; "
                          "see docs/alerts.md)")
    name = table.get("name", metric)
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}: 'name' must be a non-empty string")
    where = f"{where} ({name})"
    cmp = table.get("comparison", ">")
    if cmp not in COMPARISONS:
        raise ConfigError(f"{where}: comparison must be one of {' '.join(COMPARISONS)}, "
                          f"got {cmp!r}")
    severity = table.get("severity", "warning")
    if severity not in SEVERITIES:
        raise ConfigError(f"{where}: severity must be info, warning or critical, got "
                          f"{severity!r}")
    if "threshold" not in table:
        raise ConfigError(f"{where}: 'threshold' is required")
    threshold = _number(table["threshold"], "threshold", where)
    clear = table.get("clear")
    if clear is not None:
        clear = _number(clear, "clear", where)
        if (cmp in (">", ">=") and clear > threshold) or (cmp in ("<", "<=") and clear < threshold):
            side = "at or below" if cmp in (">", ">=") else "at or above"
            raise ConfigError(f"{where}: 'clear' must be {side} the threshold {threshold:g} "
                              f"(it is where the alert resolves), got {clear:g}")
    message = table.get("message", "")
    if not isinstance(message, str):
        raise ConfigError(f"{where}: 'message' must be a string")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where}: 'enabled' must be true or false")
    rule = Rule(name=name, metric=metric, comparison=cmp, threshold=threshold,
                severity=severity, for_s=parse_duration(table.get("for", 0), where),
                clear=clear, message=message)
    try:
        rule.describe(Reading(0.0, "x"))
    except (KeyError, ValueError, IndexError, AttributeError) as exc:
        raise ConfigError(f"{where}: bad message template {message!r}: {exc!r} (fields: "
                          "{value} {threshold} {subject} {metric} {name})") from None
    return rule if enabled else None


def parse_rules(tables: tuple[Mapping[str, Any], ...] | list[Mapping[str, Any]],
                origin: str = "config", defaults: bool = True) -> list[Rule]:
    """The default set (unless ``defaults`` is false) overridden by the user's tables."""
    user: list[Rule] = []
    replaced: set[str] = set()
    for i, table in enumerate(tables):
        if not isinstance(table, Mapping):
            raise ConfigError(f"{origin}: alerts[{i}] must be a table")
        rule = parse_rule(table, f"{origin}: alerts[{i}]")
        replaced.add(str(table.get("name", table.get("metric"))))
        if rule is not None:
            user.append(rule)
    base: list[Rule] = []
    if defaults:
        for i, table in enumerate(DEFAULT_RULES):
            if table["name"] not in replaced:
                rule = parse_rule(table, f"default alerts[{i}]")
                assert rule is not None
                base.append(rule)
    return base + user


def fmt_value(metric: str, value: float) -> str:
    """A metric's value in the unit it declares (core/signals.METRICS, swarmtop/units.py)."""
    found = spec(metric)
    return units.fmt(value, found.unit if found is not None else "")


class _RuleState:
    __slots__ = ("pending_since", "active", "reading")

    def __init__(self) -> None:
        self.pending_since: float | None = None
        self.active = False
        self.reading: Reading | None = None


class _Group:
    """The alert a user sees: every rule of one name; severity = the highest active rule."""

    __slots__ = ("severity", "since", "acked", "peak", "described_by")

    def __init__(self) -> None:
        self.severity: str | None = None
        self.since = 0.0
        self.acked: str | None = None  # the severity that was acknowledged
        self.peak: str | None = None
        # the rule and reading of the latest tick it was active: worded only when shown
        # (a report's backlog ticks thousands of times while an alert stays open)
        self.described_by: tuple[Rule, Reading] | None = None

    @property
    def message(self) -> str:
        found = self.described_by
        return found[0].describe(found[1]) if found is not None else ""


class AlertEngine:
    def __init__(self, rules: list[Rule], history: int = HISTORY) -> None:
        self.rules = rules
        self._state = [_RuleState() for _ in rules]
        self._groups: dict[str, _Group] = {r.name: _Group() for r in rules}
        self._history: deque[AlertRecord] = deque(maxlen=history)
        self._peak_value: dict[str, float] = {}
        # groups with a severity (firing, or to resolve at the next tick): name -> top rule
        self._open: dict[str, tuple[Rule, _RuleState]] = {}
        # metric -> (index in rule order, (rule, its state)) of every rule reading it
        self._by_metric: dict[str, list[tuple[int, tuple[Rule, _RuleState]]]] = {}
        for i, (rule, st) in enumerate(zip(rules, self._state, strict=True)):
            self._by_metric.setdefault(rule.metric, []).append((i, (rule, st)))
        self._measured: list[str] = []  # metrics with a reading at the last evaluation
        # the readings of the last evaluation when no rule was left pending (holding, its
        # `for` not yet served): the same readings again change nothing (see ``evaluate``)
        self._settled: Mapping[str, Reading] | None = None

    @property
    def min_for_s(self) -> float:
        positive = [r.for_s for r in self.rules if r.for_s > 0]
        return min(positive) if positive else 0.0

    def evaluate(self, readings: Mapping[str, Reading], now: float) -> None:
        # The same readings as the last evaluation, which left no rule pending: every rule
        # steps as it did then (an active rule whose value did not resolve it stays active; an
        # inactive one whose value does not hold stays inactive; none is counting a `for`
        # on the clock), its reading is an equal one, so no group, message or peak moves.
        # A report's backlog ticks thousands of times with readings that stand still.
        if readings == self._settled:
            return
        # rules are visited per metric measured now (a tick has a few of the many metrics);
        # the rules of a metric that was measured last time and is not now are reset
        by_metric = self._by_metric
        step = self._step
        changed = False  # did any rule turn active or inactive (or lose its metric)?
        pending = False  # is any rule holding, its `for` not yet served?
        measured = []
        for metric, reading in readings.items():
            pairs = by_metric.get(metric)
            if pairs is None:
                continue
            measured.append(metric)
            for _i, (rule, st) in pairs:
                was = st.active
                if step(rule, st, reading, now) is not was:
                    changed = True
                if st.pending_since is not None and not st.active:
                    pending = True
        last = self._measured
        if measured != last:
            for metric in last:
                if metric not in readings:  # not measurable now: nothing holds or stays open
                    for _i, (_rule, st) in by_metric[metric]:
                        if st.active:
                            changed = True
                        st.reading = st.pending_since = None
                        st.active = False
            self._measured = measured
        if changed:
            self._update_groups(now)
        elif self._open:  # the same rules active: only the open groups' readings move
            self._refresh_open()
        self._settled = None if pending else readings

    @staticmethod
    def _step(rule: Rule, st: _RuleState, reading: Reading, now: float) -> bool:
        """One rule on one reading; True when it is active afterwards."""
        st.reading = reading
        if st.active:
            if rule.resolves(reading.value):
                st.active = False
                st.pending_since = None
                return False
            return True
        if rule.holds(reading.value):
            if st.pending_since is None:
                st.pending_since = now
            if now - st.pending_since >= rule.for_s:
                st.active = True
                return True
        else:
            st.pending_since = None
        return False

    def _refresh_open(self) -> None:
        """``_update_groups`` when no rule turned active or inactive since it last ran: the
        top rule of each open group is the same, so only its reading (message, peak) moves."""
        groups, peak = self._groups, self._peak_value
        for name, (rule, st) in self._open.items():
            reading = st.reading
            assert reading is not None
            groups[name].described_by = (rule, reading)
            v = reading.value
            prev = peak.get(name)
            if prev is None or (v > prev if rule.comparison in (">", ">=") else v < prev):
                peak[name] = v

    def _update_groups(self, now: float) -> None:
        # the highest active rule of each name, the first in rule order among equals (only
        # rules of a measured metric can be active)
        best: dict[str, tuple[int, int, Rule, _RuleState]] = {}
        by_metric = self._by_metric
        for metric in self._measured:
            for i, (rule, st) in by_metric[metric]:
                if st.active:
                    rank = _RANK[rule.severity]
                    cur = best.get(rule.name)
                    if cur is None or rank > cur[0] or (rank == cur[0] and i < cur[1]):
                        best[rule.name] = (rank, i, rule, st)
        top = {name: (rule, st) for name, (_r, _i, rule, st) in best.items()}
        groups = self._groups
        if self._open.keys() - top.keys():  # some open group has no active rule: resolved
            for name, g in groups.items():  # in rule order, as the history always was
                if g.severity is None or name in top:
                    continue
                self._history.append(AlertRecord(
                    rule=name, severity=g.peak or g.severity, message=g.message,
                    since=iso(g.since), until=iso(now), peak_value=self._peak_value.get(name),
                ))
                g.severity = g.acked = g.peak = None
                g.described_by = None
                self._peak_value.pop(name, None)
        for name, (rule, st) in top.items():
            g = groups[name]
            reading = st.reading
            assert reading is not None
            if g.severity is None:
                g.since = now
            if g.severity != rule.severity:
                g.acked = None  # a change of severity un-silences
                g.severity = rule.severity
            if g.peak is None or _RANK[rule.severity] > _RANK[g.peak]:
                g.peak = rule.severity
            g.described_by = (rule, reading)
            v = reading.value
            prev = self._peak_value.get(name)
            if prev is None or (v > prev if rule.comparison in (">", ">=") else v < prev):
                self._peak_value[name] = v
        self._open = top  # every group with an active rule has a severity now

    def firing(self) -> list[Alert]:
        out: list[Alert] = []
        top: dict[str, tuple[Rule, _RuleState]] = {}
        for rule, st in zip(self.rules, self._state, strict=True):
            g = self._groups[rule.name]
            if st.active and rule.severity == g.severity and rule.name not in top:
                top[rule.name] = (rule, st)
        for name, (rule, st) in top.items():
            g = self._groups[name]
            out.append(Alert(
                rule=name, severity=rule.severity, message=g.message, since=iso(g.since),
                value=st.reading.value if st.reading else None, threshold=rule.threshold,
                acknowledged=g.acked == g.severity,
            ))
        out.sort(key=lambda a: (-_RANK[a.severity], a.since))
        return out

    def history(self) -> list[AlertRecord]:
        return list(self._history)

    def acknowledge(self, name: str) -> bool:
        """Silence a firing alert until its severity changes; False if it is not firing."""
        g = self._groups.get(name)
        if g is None or g.severity is None:
            return False
        g.acked = g.severity
        return True
