"""Run `python -m swarmtop ...` with every Python thread's name given to the kernel (Linux
PR_SET_NAME), so that a benchmark outside the process can tell its threads apart in
/proc/PID/task/*/comm: Python 3.11 names none of them (they are all "python"), while the
threads of native code (notify-rs) name themselves.

    python -m benchmarks._named_threads ARGS...   # = python -m swarmtop ARGS...
"""

from __future__ import annotations

import ctypes
import ctypes.util
import runpy
import sys
import threading

PR_SET_NAME = 15
_PREFIXES = ("swarmtop-", "ThreadPoolExecutor-")


def _kernel_name(name: str) -> bytes:
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name.encode()[:15]


def install() -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    start = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]

    def named(self: threading.Thread) -> None:
        libc.prctl(PR_SET_NAME, _kernel_name(self.name), 0, 0, 0)
        start(self)

    threading.Thread._bootstrap_inner = named  # type: ignore[attr-defined]
    libc.prctl(PR_SET_NAME, b"main", 0, 0, 0)


if __name__ == "__main__":
    install()
    sys.argv = ["swarmtop", *sys.argv[1:]]
    runpy.run_module("swarmtop", run_name="__main__", alter_sys=True)
