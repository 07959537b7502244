"""Look at the dashboard on a moving fake feed: `python -m tests.ui.look [--hostile]
[--theme NAME]` (for tmux checks and screenshots; not a test)."""

from __future__ import annotations

import sys

from swarmtop.ui import run_app
from tests.ui.fakes import MovingFeed


def main() -> int:
    args = sys.argv[1:]
    theme = args[args.index("--theme") + 1] if "--theme" in args else None
    return run_app(MovingFeed(hostile="--hostile" in args), theme=theme, interval=0.5)


if __name__ == "__main__":
    sys.exit(main())
