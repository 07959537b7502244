"""Linux inotify read on the event loop, on a cadence, instead of a watcher thread.

watchfiles runs two threads for a watch: notify-rs's, woken by the kernel at every write
(50 a second on a busy log), and its Python loop's, which wakes every 50 ms step and at each
batch. Here one non-blocking inotify descriptor (libc through ctypes) is read by the event
loop itself: while nothing happens it waits as a reader of the loop (no wake-up at all); the
first change after a quiet spell is handed on at once, and while changes keep coming the
descriptor is read on the loop's beat (``swarmtop.beat``), every ``step_s``, so a busy log
costs the process one wake-up per beat, shared with whatever else runs on that beat,
however many writes it got.

What is handed on is the same as watchfiles' "look at these paths": directories are watched
(recursively where asked, each new subdirectory watched as it appears), a change names the
path inside them; an overflow of the kernel's queue names the roots (the tailer looks at
everything under them again). ``available()`` is False off Linux or without libc's inotify:
watcher.py then uses watchfiles.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import errno
import os
import struct
import sys
from collections.abc import Callable

from swarmtop.beat import next_beat

IN_MODIFY = 0x00000002
IN_ATTRIB = 0x00000004
IN_CLOSE_WRITE = 0x00000008
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_DELETE_SELF = 0x00000400
IN_MOVE_SELF = 0x00000800
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_ONLYDIR = 0x01000000
IN_ISDIR = 0x40000000
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000
MASK = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE
        | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
_HEADER = struct.Struct("iIII")  # wd, mask, cookie, len (struct inotify_event)
READ_BYTES = 64 * 1024

_libc: ctypes.CDLL | None = None


def _lib() -> ctypes.CDLL | None:
    global _libc
    if _libc is None and sys.platform.startswith("linux"):
        try:
            lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            lib.inotify_init1.argtypes = [ctypes.c_int]
            lib.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
            lib.inotify_rm_watch.argtypes = [ctypes.c_int, ctypes.c_int]
        except (OSError, AttributeError):
            return None
        _libc = lib
    return _libc


def available() -> bool:
    return _lib() is not None


def _check(result: int) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


def parse(data: bytes) -> list[tuple[int, int, str]]:
    """(wd, mask, name) of each event in a read of the descriptor (name "" for the watched
    directory itself)."""
    out: list[tuple[int, int, str]] = []
    pos, size, end = 0, _HEADER.size, len(data)
    while pos + size <= end:
        wd, mask, _cookie, length = _HEADER.unpack_from(data, pos)
        pos += size
        name = data[pos:pos + length].rstrip(b"\0")
        pos += length
        out.append((wd, mask, os.fsdecode(name)))
    return out


class InotifyWatch:
    """One inotify descriptor watching ``roots`` (path -> recursive) on the running loop;
    ``on_paths`` gets the changed paths, on the loop's thread. Raises OSError when the
    descriptor or a root's watch cannot be had (e.g. ENOSPC: the watch limit)."""

    def __init__(self, roots: dict[str, bool], on_paths: Callable[[set[str]], None],
                 step_s: float) -> None:
        lib = _lib()
        if lib is None:
            raise OSError(errno.ENOSYS, "inotify is not available")
        self._lib = lib
        self._on_paths = on_paths
        self.step_s = step_s
        self._loop = asyncio.get_running_loop()
        self._fd = _check(lib.inotify_init1(IN_NONBLOCK | IN_CLOEXEC))
        self._dirs: dict[int, tuple[str, bool]] = {}  # wd -> (directory, recursive)
        self._roots = dict(roots)
        self._timer: asyncio.TimerHandle | None = None
        self._reading = False
        self.closed = False
        try:
            for path, recursive in roots.items():
                self._add(path, recursive, root=True)
        except BaseException:
            self.close()
            raise
        self._loop.add_reader(self._fd, self._readable)
        self._reading = True

    @property
    def alive(self) -> bool:
        """Still watching something (a root deleted takes its watch with it)."""
        return not self.closed and bool(self._dirs)

    def _add(self, path: str, recursive: bool, root: bool = False) -> None:
        try:
            wd = _check(self._lib.inotify_add_watch(self._fd, os.fsencode(path), MASK))
        except OSError as exc:
            if root or exc.errno in (errno.ENOSPC, errno.ENOMEM):
                raise  # the limit: the caller falls back to polling
            return  # a subdirectory gone (or unreadable) since it was seen
        self._dirs[wd] = (path, recursive)
        if recursive:
            try:
                names = sorted(e.name for e in os.scandir(path)
                               if e.is_dir(follow_symlinks=False))
            except OSError:
                return
            for name in names:
                self._add(os.path.join(path, name), True)

    def _readable(self) -> None:
        """The first change after a quiet spell: hand it on now, then read on the beat."""
        self._loop.remove_reader(self._fd)
        self._reading = False
        self._drain()
        self._schedule()

    def _beat(self) -> None:
        self._timer = None
        if self.closed:
            return
        if self._drain():
            self._schedule()  # still busy: read again at the next beat
        else:
            self._loop.add_reader(self._fd, self._readable)  # quiet: wait for the kernel
            self._reading = True

    def _schedule(self) -> None:
        if not self.closed:
            self._timer = self._loop.call_at(next_beat(self._loop.time(), self.step_s),
                                             self._beat)

    def _drain(self) -> bool:
        """Read every pending event; hand on the paths. False when there was none."""
        paths: set[str] = set()
        got = False
        while True:
            try:
                data = os.read(self._fd, READ_BYTES)
            except BlockingIOError:
                break
            except OSError:
                break
            if not data:
                break
            got = True
            for wd, mask, name in parse(data):
                self._event(wd, mask, name, paths)
        if paths:
            self._on_paths(paths)
        return got

    def _event(self, wd: int, mask: int, name: str, paths: set[str]) -> None:
        if mask & IN_Q_OVERFLOW:
            paths.update(self._roots)  # events were lost: look at everything again
            return
        where = self._dirs.get(wd)
        if where is None:
            return
        directory, recursive = where
        if mask & IN_IGNORED:
            del self._dirs[wd]  # removed, or its directory went
            return
        path = os.path.join(directory, name) if name else directory
        paths.add(path)
        if recursive and name and mask & IN_ISDIR and mask & (IN_CREATE | IN_MOVED_TO):
            try:
                self._add(path, True)
            except OSError:
                paths.update(self._roots)  # the limit: the re-scan still finds its files

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._reading:
            self._loop.remove_reader(self._fd)
            self._reading = False
        os.close(self._fd)
        self._dirs.clear()
