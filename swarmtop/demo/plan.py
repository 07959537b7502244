"""One simulated task planned up front: its calls, their latencies, tokens and outcome.

Planning is pure (a seeded ``random.Random`` in, a plan out) so the async agents and the
thread-pool agents play the same plans, and tests can check the distributions cheaply.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from swarmtop.demo.catalog import (
    AGENTS,
    CALL_MEDIAN_S,
    CALL_SIGMA,
    DRIFT_MAX,
    DRIFT_PER_S,
    DRIFTING,
    ERROR_P,
    ERRORS,
    MODELS,
    TEXT_ONLY_P,
    TIMEOUT_P,
    lognormal,
    usage,
    words,
)

FIRST_TASK_MAX_S = 0.8  # a lane's first task is short, so every pattern shows up at once


@dataclass(frozen=True)
class Call:
    model: str
    latency_s: float
    input_tokens: int | None  # None: only text is logged and swarmtop estimates
    output_tokens: int | None
    cache_read: int = 0
    cache_write: int = 0
    prompt: str | None = None
    completion: str | None = None
    outcome: str = "ok"  # ok | error | timeout
    error: str = ""
    tool_s: float = 0.0  # a tool run after the call (timed with probe.timer), 0 for none
    tool_bytes: int = 0


@dataclass(frozen=True)
class TaskPlan:
    pattern: str
    agent: str
    calls: tuple[Call, ...]


def drift_factor(pattern: str, elapsed_s: float) -> float:
    if pattern != DRIFTING:
        return 1.0
    return min(DRIFT_MAX, 1.0 + max(0.0, elapsed_s) * DRIFT_PER_S)


def plan_task(
    rng: random.Random, pattern: str, agent: str, elapsed_s: float, first: bool = False
) -> TaskPlan:
    n_calls = rng.choice((1, 1, 2, 2, 2, 3))
    factor = drift_factor(pattern, elapsed_s)
    latencies = [lognormal(rng, CALL_MEDIAN_S[pattern], CALL_SIGMA) * factor
                 for _ in range(n_calls)]
    if first:
        total = sum(latencies)
        if total > FIRST_TASK_MAX_S:
            latencies = [x * FIRST_TASK_MAX_S / total for x in latencies]
    models = AGENTS[agent]
    calls = []
    for lat in latencies:
        model = MODELS[models[0] if rng.random() < 0.75 else rng.choice(models)]
        i, o, cr, cw = usage(rng, model)
        roll = rng.random()
        outcome = "ok"
        error = ""
        if not first and roll < TIMEOUT_P:
            outcome, lat = "timeout", lat * 4
        elif not first and roll < TIMEOUT_P + ERROR_P:
            outcome, error = "error", rng.choice(ERRORS)
        tool = rng.random() < 0.4
        call = Call(
            model=model.name,
            latency_s=lat,
            input_tokens=i,
            output_tokens=o,
            cache_read=cr,
            cache_write=cw,
            outcome=outcome,
            error=error,
            tool_s=rng.uniform(0.02, 0.2) if tool else 0.0,
            tool_bytes=int(lognormal(rng, 6000, 1.0)) if tool else 0,
        )
        if rng.random() < TEXT_ONLY_P:  # this client logs text, not usage
            call = Call(
                model=call.model, latency_s=lat, input_tokens=None, output_tokens=None,
                prompt=words(rng, rng.randint(40, 300)),
                completion=words(rng, rng.randint(15, 120)),
                outcome=outcome, error=error, tool_s=call.tool_s, tool_bytes=call.tool_bytes,
            )
        calls.append(call)
        if outcome != "ok":
            break  # a failed call ends the task
    return TaskPlan(pattern, agent, tuple(calls))
