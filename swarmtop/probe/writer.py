"""The probe's file and its one way of writing to it: each record is one complete line, written
with a single ``os.write`` on an ``O_APPEND`` descriptor (nothing buffered in the process, no
lock on the hot path), formatted by hand from the JSON pieces below. Any failure disables the
probe with one warning; nothing here raises into the caller."""

from __future__ import annotations

import math
import os
import time
import warnings
from json.encoder import encode_basestring_ascii as _json_str  # C-accelerated JSON string quoting
from typing import Any

_time = time.time
_perf = time.perf_counter
_write = os.write

# ---- process-wide state (reset in a forked child: lifecycle._after_fork_in_child) ----------
_fd = -1  # -1: not started or disabled; every emit checks only this
_path: str | None = None
_pid = 0
_warned = False


def _fmt_ts() -> str:
    return f"{_time():.6f}"


def _num(value: Any) -> str | None:
    """A number as JSON text; ``None`` for anything that is not a finite number."""
    t = type(value)
    if t is int:
        return str(value)
    if t is float:
        return repr(value) if math.isfinite(value) else None
    if t is bool or value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return repr(f) if math.isfinite(f) else None


def _s(value: Any) -> str:
    """A JSON string literal for any value (non-strings are str()-ed)."""
    return _json_str(value if type(value) is str else str(value))


def _emit(line: str) -> None:
    fd = _fd
    if fd < 0:
        return
    try:
        data = line.encode()
        n = _write(fd, data)
        while n < len(data):  # a short write on a regular file: disk full, quota...
            data = data[n:]
            n = _write(fd, data)
    except OSError as exc:
        _disable(f"cannot write to {_path}: {exc}")


def _disable(why: str) -> None:
    global _fd, _warned
    fd, _fd = _fd, -1
    if fd < 0:
        return  # stopped meanwhile: nothing to report
    try:
        os.close(fd)
    except OSError:
        pass
    if not _warned:
        _warned = True
        warnings.warn(f"swarmtop.probe disabled: {why}", RuntimeWarning, stacklevel=3)


def _warn_once(msg: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(msg, RuntimeWarning, stacklevel=3)


def _file_name(name: str, pid: int) -> str:
    now = _time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f"{int(now % 1 * 1000):03d}Z"
    return f"{name}-{pid}-{stamp}.jsonl"


def _open(directory: str, name: str) -> bool:
    """Open this process's file; on failure disable with one warning. Caller holds
    lifecycle._lock."""
    global _fd, _path, _pid, _warned
    _pid = os.getpid()
    path = os.path.join(directory, _file_name(name, _pid))
    try:
        os.makedirs(directory, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        _fd, _path = -1, None
        if not _warned:
            _warned = True
            warnings.warn(
                f"swarmtop.probe disabled: cannot write to {directory}: {exc}",
                RuntimeWarning, stacklevel=4,
            )
        return False
    _fd, _path = fd, path
    return True
