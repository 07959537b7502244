"""Starting and stopping the probe, and a forked child's own file (``os.register_at_fork``).
The lock is taken here only (start, stop), never on the hot path, so a fork cannot inherit a
held one where it matters."""

from __future__ import annotations

import atexit
import itertools
import os
import threading

from swarmtop.probe import tasks, writer
from swarmtop.probe.gcwatch import _gc_reset, _set_gc
from swarmtop.probe.writer import _open, _warn_once

# start() with no directory reads it; start(dir) sets it so child processes write beside us
ENV_DIR = "SWARMTOP_PROBE_DIR"

_dir: str | None = None
_name = "probe"
_lock = threading.Lock()  # start/stop only; never taken on the hot path
_atexit_registered = False


def start(
    directory: str | os.PathLike[str] | None = None,
    *,
    gc: bool = False,
    name: str = "probe",
    propagate: bool = True,
) -> str | None:
    """Start writing native swarmtop records to a new file in ``directory``.

    Returns the file's path, or ``None`` when the probe could not start (one warning says why).
    With no ``directory`` the ``SWARMTOP_PROBE_DIR`` environment variable is used; with
    ``propagate`` (default) ``start`` sets it, so child processes that call ``start()`` write
    beside their parent. ``gc=True`` records garbage-collector pauses (``gc`` records).
    Calling ``start`` again switches to a new file (and gc setting).
    """
    global _dir, _name, _atexit_registered
    try:
        if directory is None:
            directory = os.environ.get(ENV_DIR)
            if not directory:
                _warn_once("swarmtop.probe not started: no directory given and "
                           f"${ENV_DIR} is not set")
                return None
        directory = os.fspath(directory)
        with _lock:
            _close_locked()
            _dir, _name = directory, name
            if not _open(directory, name):
                return None
            if propagate:
                os.environ[ENV_DIR] = os.path.abspath(directory)
            _set_gc(gc)
            if not _atexit_registered:
                atexit.register(stop)
                _atexit_registered = True
            return writer._path
    except Exception as exc:  # noqa: BLE001 - never raise into the swarm
        _warn_once(f"swarmtop.probe not started: {exc!r}")
        return None


def stop() -> None:
    """Flush pending GC figures and close the file. Later calls are no-ops until ``start``."""
    try:
        with _lock:
            _close_locked()
    except Exception:  # noqa: BLE001 - the probe never raises into the swarm
        pass


def _close_locked() -> None:
    _set_gc(False)  # flushes pending gc batches first
    fd, writer._fd = writer._fd, -1
    writer._path = None
    if fd >= 0:
        try:
            os.close(fd)
        except OSError:
            pass


def enabled() -> bool:
    """True while records are being written."""
    return writer._fd >= 0


def path() -> str | None:
    """The file this process writes to (``None`` when not writing)."""
    return writer._path if writer._fd >= 0 else None


def _after_fork_in_child() -> None:
    """A forked child must not append to its parent's file: open its own."""
    global _lock
    _lock = threading.Lock()  # the parent's may have been held by another thread at fork
    tasks._ids = itertools.count(1)
    _gc_reset()
    fd, writer._fd = writer._fd, -1
    if fd < 0 or _dir is None:
        return
    try:
        os.close(fd)  # the child's copy only; the parent keeps writing through its own
    except OSError:
        pass
    try:
        _open(_dir, _name)
    except Exception:  # noqa: BLE001 - the probe never raises into the swarm
        pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
