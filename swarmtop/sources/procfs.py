"""Linux fast path: one process's figures straight from /proc, without psutil.

psutil reads six files per process for what the sampler wants (stat, statm, status, the fd
directory, io, and stat again for ``is_running``), each through a Python file object and its
own layers of wrappers: ≈ 80 µs a process. ``/proc/PID/stat`` alone holds the status letter,
the parent, user+system CPU ticks, the thread count, the start time (the process's
identity) and the command name (``comm``, which exec() changes), so the fast path reads it
once with ``os.open``/``os.read`` (no file object, no buffering layer), plus ``statm`` for
RSS, the fd directory and ``/proc/PID/io``.

RSS comes from ``statm`` as in psutil, not from stat's own rss field: on recent kernels (6.x,
per-CPU RSS counters) stat reports the cheap approximate sum, measured 20-30 pages below
``statm``/``VmRSS`` for small processes. ``threads`` is the same counter as ``status``'s
``Threads:``, and a create time computed the psutil way (``boot_time + starttime / CLK_TCK``)
compares equal to ``psutil.Process.create_time()``.

Errors are the OS's: FileNotFoundError/ProcessLookupError (gone), PermissionError (denied).
"""

from __future__ import annotations

import os
import sys
from typing import NamedTuple

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PAGESIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

# /proc/PID/stat status letters -> psutil's status strings (psutil._pslinux.PROC_STATUSES)
STATUSES: dict[str, str] = {
    "R": "running", "S": "sleeping", "D": "disk-sleep", "T": "stopped", "t": "tracing-stop",
    "Z": "zombie", "X": "dead", "x": "dead", "K": "wake-kill", "W": "waking", "I": "idle",
    "P": "parked",
}


def available() -> bool:
    """True on Linux with /proc mounted (and per-process io accounting or not: see HAS_IO)."""
    return sys.platform.startswith("linux") and os.path.exists(f"/proc/{os.getpid()}/stat")


HAS_IO = sys.platform.startswith("linux") and os.path.exists(f"/proc/{os.getpid()}/io")


class Stat(NamedTuple):
    status: str  # psutil's word for the state letter
    ppid: int
    cpu_ticks: int  # utime + stime, in CLK_TCK ticks
    threads: int
    start_ticks: int  # clock ticks from boot to the process's start: its identity with the PID
    comm: bytes = b""  # the command name (15 bytes at most): exec() changes it, not the identity


def parse_stat(data: bytes) -> Stat:
    """One ``/proc/PID/stat`` line. The command name sits in parentheses and may itself hold
    spaces and ``)``, so the fields are counted from the *last* ``)``."""
    end = data.rindex(b")")
    rest = data[end + 2:].split()
    # rest[0] is field 3 of proc(5): field n is rest[n - 3]
    letter = rest[0].decode("ascii", "replace")
    return Stat(
        status=STATUSES.get(letter, "?"),
        ppid=int(rest[1]),
        cpu_ticks=int(rest[11]) + int(rest[12]),
        threads=int(rest[17]),
        start_ticks=int(rest[19]),
        comm=data[data.find(b"(") + 1:end],
    )


def read_file(path: str) -> bytes:
    """A whole (small) /proc file: open, read, close, no Python file object."""
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.read(fd, 4096)
        if len(data) < 4096:
            return data
        parts = [data]
        while chunk := os.read(fd, 65536):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


def read_stat(pid: int) -> Stat:
    return parse_stat(read_file(f"/proc/{pid}/stat"))


def read_rss(pid: int) -> int:
    """Resident set size in bytes (``statm``'s second field, psutil's ``memory_info().rss``)."""
    return int(read_file(f"/proc/{pid}/statm").split()[1]) * PAGESIZE


def count_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def read_io(pid: int) -> tuple[int, int]:
    """``(read_bytes, write_bytes)``: bytes the process caused to be read from / written to
    storage (psutil's ``io_counters().read_bytes/write_bytes``)."""
    fields = read_file(f"/proc/{pid}/io").split()
    got = dict(zip(fields[::2], fields[1::2], strict=False))
    return int(got[b"read_bytes:"]), int(got[b"write_bytes:"])


def create_time(start_ticks: int, boot_time: float) -> float:
    """The psutil formula, so the result compares equal to ``Process.create_time()``."""
    return float(start_ticks) / CLK_TCK + boot_time


def boot_time() -> float:
    """``btime`` of /proc/stat, as psutil.boot_time() reads it."""
    for line in read_file("/proc/stat").splitlines():
        if line.startswith(b"btime"):
            return float(line.split()[1])
    raise RuntimeError("no btime line in /proc/stat")


def scan_parents() -> list[tuple[int, int, int]]:
    """``(pid, ppid, start_ticks)`` of every process, from one pass over /proc (processes that
    vanish or cannot be read meanwhile are left out)."""
    out: list[tuple[int, int, int]] = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            data = read_file(f"/proc/{name}/stat")
            rest = data[data.rindex(b")") + 2:].split()
            out.append((int(name), int(rest[1]), int(rest[19])))
        except (OSError, ValueError, IndexError):
            continue
    return out
