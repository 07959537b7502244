"""Watch directories (never bare file paths) and report "look at this path" hints.

On Linux the directories are watched through one inotify descriptor read by the event loop
on its beat (``inotify.InotifyWatch``: no thread, one wake-up per beat while a log is busy,
none while it is quiet); elsewhere, with ``--poll``, or when that descriptor cannot be had,
through watchfiles on a thread of its own. Either delivers a *set* of changes; order is lost
and a rename shows up as added+deleted, so the watcher only says *which* paths to look at;
the tailer decides what happened from ``os.stat``. Roots that do not exist are not watched
(the tailer's slow re-scan notices when they appear); a root deleted and recreated is watched
again because the tailer hands the watcher the roots' current identities on every re-scan.
When inotify cannot be used (watch limit, unsupported filesystem) the watcher falls back to
polling; that, and a watcher that stops for good, is recorded (``errorlog.record``: the
Sources panel, the snapshot's sources.errors and the log file), since it slows every update
down.
"""

from __future__ import annotations

import asyncio
import errno
import os
import threading
from collections.abc import Callable

import watchfiles

from swarmtop import errorlog
from swarmtop.beat import FOLLOW_S
from swarmtop.sources import inotify

RootKey = tuple[str, bool, int, int]  # path, recursive, dev, inode


class DirWatcher:
    def __init__(
        self, on_paths: Callable[[set[str]], None], *, poll: bool = False, debounce_ms: int = 100,
        step_ms: int = 50, poll_delay_ms: int = 300, native: bool | None = None,
    ) -> None:
        self.on_paths = on_paths
        self.poll = poll
        # the loop's own inotify reader (Linux) unless told otherwise; watchfiles' thread else
        self.native = inotify.available() if native is None else native
        self.follow_s = debounce_ms / 1000 if debounce_ms else FOLLOW_S
        self.debounce_ms = debounce_ms
        self.step_ms = step_ms
        self.poll_delay_ms = poll_delay_ms
        self.why = "polling (--poll)" if poll else ""
        self._roots: frozenset[RootKey] = frozenset()
        self._tasks: list[asyncio.Task[None]] = []
        self._stop: threading.Event | None = None
        self._inotify: inotify.InotifyWatch | None = None
        self.restarts = 0

    @property
    def mode(self) -> str:
        return "polling" if self.poll else "inotify"

    async def set_roots(self, roots: dict[str, bool]) -> None:
        """Watch these directories (path -> recursive). Missing ones are left out; the set is
        compared by identity so a directory deleted and recreated is watched afresh."""
        keys: set[RootKey] = set()
        for path, recursive in roots.items():
            try:
                st = os.stat(path)
            except OSError:
                continue
            keys.add((path, recursive, st.st_dev, st.st_ino))
        wanted = frozenset(keys)
        alive = all(not t.done() for t in self._tasks)
        if self._inotify is not None:
            alive = self._inotify.alive
        if wanted == self._roots and alive:
            return
        await self.stop()
        self._roots = wanted
        if not wanted:
            return
        self.restarts += 1
        if self.native and not self.poll and self._watch_natively(wanted):
            return
        self._stop = threading.Event()
        for recursive in (True, False):
            paths = sorted(k[0] for k in wanted if k[1] == recursive)
            if paths:
                self._tasks.append(asyncio.create_task(self._watch(paths, recursive, self._stop)))

    def _watch_natively(self, roots: frozenset[RootKey]) -> bool:
        """Watch through the loop's inotify reader; False when watchfiles must (the watch
        limit degrades to polling, as watchfiles' own inotify would fail the same way)."""
        try:
            self._inotify = inotify.InotifyWatch({k[0]: k[1] for k in sorted(roots)},
                                                 self.on_paths, self.follow_s)
        except OSError as exc:
            self.poll = True
            why = ("the inotify watch limit reached (fs.inotify.max_user_watches)"
                   if exc.errno == errno.ENOSPC else str(exc))
            self.why = f"polling: file notifications unavailable ({why})"
            errorlog.record("file watcher", exc, message=self.why)
            return False
        return True

    async def _watch(self, paths: list[str], recursive: bool, stop: threading.Event) -> None:
        loop = asyncio.get_running_loop()
        try:
            await asyncio.to_thread(self._watch_thread, loop, paths, recursive, stop)
        except asyncio.CancelledError:
            stop.set()
            raise
        except Exception as exc:  # noqa: BLE001 - any watcher failure degrades to polling
            if not self.poll:
                self.poll = True
                self.why = f"polling: file notifications unavailable ({exc})"
            else:
                self.why = f"watcher stopped ({exc}); relying on the periodic re-scan"
            errorlog.record("file watcher", exc, message=self.why)
            self._roots = frozenset()  # makes the next set_roots() start again

    def _watch_thread(self, loop: asyncio.AbstractEventLoop, paths: list[str], recursive: bool,
                      stop: threading.Event) -> None:
        """Runs on its own thread for as long as the watch lasts. watchfiles' sync loop hands
        each batch over with one call_soon_threadsafe; its async `awatch` costs an AnyIO
        thread hop, a task group and a cancel scope per batch (10 batches/s on a busy log)."""
        for changes in watchfiles.watch(
            *paths, watch_filter=None, debounce=self.debounce_ms, step=self.step_ms,
            stop_event=stop, recursive=recursive, force_polling=self.poll,
            poll_delay_ms=self.poll_delay_ms, ignore_permission_denied=True,
            raise_interrupt=False,
        ):
            if stop.is_set():
                return
            try:
                loop.call_soon_threadsafe(self.on_paths, {p for _, p in changes})
            except RuntimeError:  # the loop is closed: we are shutting down
                return

    async def stop(self) -> None:
        if self._inotify is not None:
            self._inotify.close()
            self._inotify = None
        if self._stop is not None:
            self._stop.set()  # the watch thread returns within step_ms
        if self._tasks:
            # not wait_for(): a watch task is never awaited past its deadline
            _, pending = await asyncio.wait(self._tasks, timeout=6)
            for task in pending:
                task.cancel()
            for task in self._tasks:
                if task.done() and not task.cancelled():
                    task.exception()  # retrieved: failures were already turned into polling
        self._tasks = []
        self._stop = None
        self._roots = frozenset()
