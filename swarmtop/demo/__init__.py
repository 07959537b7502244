"""A simulated LLM agent swarm that reports through ``swarmtop.probe`` (docs/demo.md).

``python -m swarmtop.demo --out DIR`` runs until SIGTERM/SIGINT (or ``--duration``): agents
running tasks of the seven cognitive patterns, LLM calls over a few models, errors and timeouts,
custom metrics, GC records, two worker child processes, one of them leaking memory slowly.
"""

from __future__ import annotations

import sys


def demo_command(
    out_dir: str,
    *,
    seed: int | None = None,
    duration: float | None = None,
    rate: float | None = None,
) -> list[str]:
    """The argv that starts the demo as a child process writing into ``out_dir``."""
    argv = [sys.executable, "-m", "swarmtop.demo", "--out", str(out_dir)]
    if seed is not None:
        argv += ["--seed", str(seed)]
    if duration is not None:
        argv += ["--duration", str(duration)]
    if rate is not None:
        argv += ["--rate", str(rate)]
    return argv
