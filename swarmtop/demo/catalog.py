"""What the simulated swarm is made of: agents, models, pattern latency profiles, fake text."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

PATTERNS = ("convergent", "divergent", "lateral", "systems", "critical", "abstract", "adaptive")

# Median latency of one LLM call per pattern, seconds (lognormal, sigma below). Tasks make
# 1-3 calls, so task p99s land under the default targets (5-12 s) — except DRIFTING's.
CALL_MEDIAN_S = {
    "convergent": 0.45, "critical": 0.6, "adaptive": 0.7, "divergent": 0.9,
    "abstract": 1.0, "lateral": 1.2, "systems": 1.1,
}
CALL_SIGMA = 0.5
DRIFTING = "systems"  # its latency grows with run time until its p99 passes the 12 s target
DRIFT_PER_S = 1 / 120  # +100 % every two minutes ...
DRIFT_MAX = 4.0  # ... up to 4x


@dataclass(frozen=True)
class Model:
    name: str
    input_median: int  # tokens of fresh (uncached) input
    output_median: int
    cache_read_p: float  # share of calls that read a prompt cache
    cache_write_p: float


MODELS = {
    "claude-sonnet-4-5": Model("claude-sonnet-4-5", 2400, 420, 0.7, 0.15),
    "claude-haiku-4-5": Model("claude-haiku-4-5", 1600, 260, 0.6, 0.1),
    "gpt-4o-mini": Model("gpt-4o-mini", 1800, 300, 0.3, 0.0),
}

# agent -> models it calls (first is the usual one)
AGENTS = {
    "planner": ("claude-sonnet-4-5",),
    "coder": ("claude-sonnet-4-5", "claude-haiku-4-5"),
    "reviewer": ("claude-sonnet-4-5", "claude-haiku-4-5"),
    "tester": ("claude-haiku-4-5",),
    "researcher": ("gpt-4o-mini", "claude-haiku-4-5"),
    "critic": ("claude-haiku-4-5", "gpt-4o-mini"),
}

# which agents take tasks of which pattern
PATTERN_AGENTS = {
    "convergent": ("coder", "tester"),
    "divergent": ("planner", "researcher"),
    "lateral": ("coder", "researcher"),
    "systems": ("planner", "coder"),
    "critical": ("reviewer", "critic"),
    "abstract": ("planner", "researcher"),
    "adaptive": ("tester", "coder", "critic"),
}

TEXT_ONLY_P = 0.06  # calls logged with prompt/completion text only: swarmtop estimates tokens
ERROR_P = 0.02  # a call fails (rate limited, overloaded)
TIMEOUT_P = 0.01  # a call hangs until the task's timeout fires

ERRORS = (
    "429 rate_limit_error: number of request tokens has exceeded your per-minute rate limit",
    "529 overloaded_error: Overloaded",
    "500 api_error: Internal server error",
    "tool 'run_tests' exited with status 2",
)

_WORDS = (
    "the function returns a list of agents sorted by priority and each task carries its own "
    "context window so the planner can split work across reviewers while the coder writes "
    "tests for edge cases like empty input unicode names and very long files then we check "
    "latency budget memory growth retries cache hits tool results parse errors and summarise"
).split()


def lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(_WORDS, k=n))


def usage(rng: random.Random, model: Model) -> tuple[int, int, int, int]:
    """(input, output, cache_read, cache_write) tokens of one call."""
    fresh = max(20, int(lognormal(rng, model.input_median, 0.6)))
    out = max(5, int(lognormal(rng, model.output_median, 0.7)))
    cache_read = int(fresh * rng.uniform(1.5, 6.0)) if rng.random() < model.cache_read_p else 0
    cache_write = int(rng.uniform(500, 4000)) if rng.random() < model.cache_write_p else 0
    return fresh, out, cache_read, cache_write
