"""`--run -- CMD ARGS...`: start a command in its own process group and report how it ends.

Usage (the runtime, commands/live.py)::

    launcher = Launcher(argv, output=None)   # output: a file for the command's stdout/stderr
    pid = launcher.start()                   # synchronous; LaunchError (a SourceError) -> exit 2
    sampler = ProcessSampler([pid], ...)     # do not check_pids() it: it may exit at once
    sources = [launcher, sampler, ...]       # launcher.run(emit) emits ProcessExit(exit_code)
    launcher.returncode                      # None while it runs

The exit code follows subprocess: ``-N`` when killed by signal N. ``close()`` ends a command
still running when swarmtop quits: SIGTERM to its process group, SIGKILL after ``grace_s``.
Exit is noticed by polling ``waitpid(WNOHANG)`` every ``poll_s`` (default 50 ms): no thread
blocked in ``wait()`` and no dependency on an event loop existing at start time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import psutil

from swarmtop.errors import LaunchError
from swarmtop.events import ProcessExit
from swarmtop.sources.base import Emit


class Launcher:
    def __init__(
        self,
        argv: list[str],
        *,
        output: str | os.PathLike[str] | None = None,
        inherit_output: bool = False,
        cwd: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        grace_s: float = 3.0,
        poll_s: float = 0.05,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``output``: append the command's stdout and stderr to this file (watch it as a
        SOURCE to see its log). Otherwise they are discarded, unless ``inherit_output`` (headless
        runs) passes them through to swarmtop's own stdout/stderr."""
        if not argv:
            raise LaunchError("--run needs a command after '--'")
        self.argv = list(argv)
        self.output = Path(output) if output is not None else None
        self.inherit_output = inherit_output
        self.cwd = cwd
        self.env = env
        self.grace_s = grace_s
        self.poll_s = poll_s
        self.clock = clock
        self.proc: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None
        self.create_time = 0.0
        self.returncode: int | None = None  # set once the exit has been seen
        self.exited_at: float | None = None
        self._out: IO[bytes] | None = None

    def start(self) -> int:
        """Start the command; its PID. Raises :class:`LaunchError` if it cannot be run."""
        if self.proc is not None:
            return self.proc.pid
        sink: IO[bytes] | int | None
        if self.output is not None:
            try:
                self._out = open(self.output, "ab")  # closed in close()
            except OSError as exc:
                raise LaunchError(f"cannot open {self.output} for the command's output: "
                                  f"{exc.strerror}") from None
            sink = self._out
        else:
            sink = None if self.inherit_output else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=sink,
                stderr=subprocess.STDOUT if self._out is not None else sink,
                cwd=self.cwd, env=self.env, process_group=0,
            )
        except FileNotFoundError:
            raise LaunchError(f"command not found: {self.argv[0]}") from None
        except PermissionError:
            raise LaunchError(f"permission denied running {self.argv[0]}") from None
        except OSError as exc:
            raise LaunchError(f"cannot run {self.argv[0]}: {exc.strerror or exc}") from None
        self.pid = self.proc.pid
        try:
            self.create_time = psutil.Process(self.pid).create_time()
        except psutil.Error:
            self.create_time = 0.0  # already gone: the exit event still names the PID
        return self.pid

    def poll(self) -> int | None:
        """The exit code once the command has ended (reaping it), else None."""
        if self.proc is None:
            return None
        code = self.proc.poll()
        if code is not None and self.returncode is None:
            self.returncode = code
            self.exited_at = self.clock()
        return self.returncode

    async def wait(self) -> int:
        if self.proc is None:
            self.start()
        while (code := self.poll()) is None:
            await asyncio.sleep(self.poll_s)
        return code

    async def run(self, emit: Emit) -> None:
        """Wait for the command to end and emit its ProcessExit with the exit code."""
        code = await self.wait()
        assert self.pid is not None
        await emit([ProcessExit(ts=self.exited_at or self.clock(), source=f"pid:{self.pid}",
                                pid=self.pid, create_time=self.create_time, exit_code=code)])

    async def close(self) -> None:
        if self.proc is not None and self.poll() is None:
            self._signal(signal.SIGTERM)
            deadline = time.monotonic() + self.grace_s
            while self.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(self.poll_s)
            if self.poll() is None:
                self._signal(signal.SIGKILL)
                await self.wait()
        if self._out is not None:
            self._out.close()
            self._out = None

    def _signal(self, sig: int) -> None:
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, sig)  # the whole group: the command's own workers too
        except ProcessLookupError:
            pass
        except PermissionError:
            self.proc.send_signal(sig)
