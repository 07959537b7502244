"""`python -m swarmtop.demo --out DIR [--seed N] [--duration S] [--rate EVENTS_PER_S]`."""

from __future__ import annotations

import argparse
import sys

from swarmtop.argtypes import positive as _positive
from swarmtop.demo.swarm import DEFAULT_RATE, run


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m swarmtop.demo",
        description="A simulated agent swarm writing swarmtop probe logs into DIR.",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="directory for the probe files")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    p.add_argument("--duration", type=_positive, default=None, metavar="S",
                   help="stop after S seconds (default: run until SIGTERM/SIGINT)")
    p.add_argument("--rate", type=_positive, default=DEFAULT_RATE, metavar="EVENTS_PER_S",
                   help=f"approximate events per second, all processes (default {DEFAULT_RATE})")
    args = p.parse_args(argv)
    return run(args.out, seed=args.seed, duration=args.duration, rate=args.rate)


if __name__ == "__main__":
    sys.exit(main())
