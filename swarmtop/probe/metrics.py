"""The swarm's own figures (``metric`` records): counters, gauges, histograms, rates and
timers."""

from __future__ import annotations

from typing import Any, overload

from swarmtop.probe import writer
from swarmtop.probe.scope import _Scope
from swarmtop.probe.tasks import _agent_field
from swarmtop.probe.writer import _emit, _fmt_ts, _num, _perf, _s


def _metric(kind: str, name: str, value: Any, unit: str, agent: str | None) -> None:
    if writer._fd < 0:
        return
    try:
        v = _num(value)
        if v is None:
            return  # NaN, inf or not a number: nothing a reader could use
        line = (f'{{"ts":{_fmt_ts()},"type":"metric","metric_kind":"{kind}",'
                f'"name":{_s(name)},"value":{v}')
        if unit:
            line += f',"unit":{_s(unit)}'
        _emit(line + _agent_field(agent) + "}\n")
    except Exception:  # noqa: BLE001 - the probe never raises into the swarm
        pass


def counter(name: str, value: float = 1, *, unit: str = "", agent: str | None = None) -> None:
    """Add ``value`` to a counter (the record carries the increment; swarmtop sums them)."""
    _metric("counter", name, value, unit, agent)


def gauge(name: str, value: float, *, unit: str = "", agent: str | None = None) -> None:
    """Set a gauge to ``value`` (swarmtop shows the latest)."""
    _metric("gauge", name, value, unit, agent)


def histogram(name: str, value: float, *, unit: str = "", agent: str | None = None) -> None:
    """Observe one value of a distribution (swarmtop shows p50/p99)."""
    _metric("histogram", name, value, unit, agent)


def rate(name: str, amount: float = 1, *, unit: str = "", agent: str | None = None) -> None:
    """Mark ``amount`` happenings now (swarmtop shows them per second)."""
    _metric("rate", name, amount, unit, agent)


class Timer(_Scope):
    """Times a block or each call of a function into a ``timer`` metric (milliseconds)."""

    __slots__ = ("name", "agent", "_t0", "elapsed_ms")

    def __init__(self, name: str, agent: str | None = None) -> None:
        self.name = name
        self.agent = agent
        self._t0 = 0.0
        self.elapsed_ms: float | None = None

    def __enter__(self) -> Timer:
        self._t0 = _perf()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.elapsed_ms = round((_perf() - self._t0) * 1000.0, 4)
        _metric("timer", self.name, self.elapsed_ms, "ms", self.agent)

    def _fresh(self) -> Timer:
        return Timer(self.name, self.agent)


@overload
def timer(name: str, ms: None = None, *, agent: str | None = None) -> Timer: ...
@overload
def timer(name: str, ms: float, *, agent: str | None = None) -> None: ...
def timer(name: str, ms: float | None = None, *, agent: str | None = None) -> Timer | None:
    """``timer(name, ms)`` records a duration you measured; ``timer(name)`` returns a context
    manager / decorator that measures one (unit ``ms``; swarmtop shows p50/p99)."""
    if ms is None:
        return Timer(name, agent)
    _metric("timer", name, ms, "ms", agent)
    return None
