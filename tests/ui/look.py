"""Look at the dashboard on a moving fake feed, or save a screenshot of it.

    python -m tests.ui.look [--hostile] [--baseline] [--agents] [--theme NAME]  # in tmux
    python -m tests.ui.look --screenshot docs/tui-120x40.svg --size 120x40 [--steps 40]
"""

from __future__ import annotations

import asyncio
import sys

from swarmtop.ui import SwarmtopApp, run_app
from tests.ui.fakes import MovingFeed


def _arg(args: list[str], name: str, default: str | None = None) -> str | None:
    return args[args.index(name) + 1] if name in args else default


async def screenshot(path: str, size: tuple[int, int], steps: int, theme: str | None,
                     baseline: bool = False, agents: bool = False) -> None:
    feed = MovingFeed(extra_procs=4, baseline=baseline, agents=agents)
    app = SwarmtopApp(feed, theme=theme, interval=3600)
    async with app.run_test(size=size) as pilot:
        for _ in range(steps):  # let histories and sparklines fill in
            app.tick()
            await pilot.pause()
        app.save_screenshot(path)


def main() -> int:
    args = sys.argv[1:]
    theme = _arg(args, "--theme")
    shot = _arg(args, "--screenshot")
    agents = "--agents" in args
    if shot:
        w, h = (int(x) for x in (_arg(args, "--size", "120x40") or "120x40").split("x"))
        asyncio.run(screenshot(shot, (w, h), int(_arg(args, "--steps", "40") or 40), theme,
                               baseline="--baseline" in args, agents=agents))
        return 0
    return run_app(MovingFeed(hostile="--hostile" in args, extra_procs=4,
                              baseline="--baseline" in args, agents=agents), theme=theme,
                   interval=0.5)


if __name__ == "__main__":
    sys.exit(main())
