"""Follow files, directories and globs live; every complete line is handed on exactly once.

How it decides (see docs/tailing.md):
- Directories are watched (``watcher.DirWatcher``); a change only means "look at this path".
  What happened is decided from ``os.stat`` (dev, inode, size), the file's first bytes and the
  offsets kept here. A slow re-scan (``rescan_s``) catches whatever notifications were dropped.
- A followed file is held open, so after a rename or a delete it is still read to its end;
  it is let go once it has been idle for ``rotate_wait_s`` at its end.
- Identity = (dev, inode) + first bytes. A new file whose first bytes are those of a followed
  file with a rotation-like name (``app.log`` -> ``app.log.1``) is a copy (copytruncate): it
  is not read again; when the original is then truncated, the copy is read from the offset the
  original had reached, so lines written between the last read and the copy are not lost.
- Lines are counted per *path* they were read under (``FileStatus.lines`` is cumulative for that
  path), so the aggregator's "latest status per path, summed" counts every line once however the
  files were rotated.

This module keeps the run loop, what to look at when, and the lifecycle of followed files
(new, renamed, lost, released, copies). The rest is split by job: ``sourceset`` (what the
SOURCEs name and where to watch), ``tracked`` (the per-file record), ``fileid`` (identity
decisions, pure), ``tailread`` (reading and decoding), ``checkpoint`` (``--state``),
``tailprogress`` (start-up progress) and ``twins`` (a log and its compressed copy, counted
once). It stays a little over 500 lines: the lifecycle's transitions share the tailer's maps
of paths and identities and are read together.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from swarmtop.beat import next_beat
from swarmtop.events import Event, FileStatus
from swarmtop.feed import Progress
from swarmtop.sources import checkpoint
from swarmtop.sources.base import Emit
from swarmtop.sources.compressed import is_compressed, plain_twin
from swarmtop.sources.decoders import Decoder
from swarmtop.sources.fileid import (
    Change,
    FileKey,
    Relation,
    changed_since,
    content_change,
    copy_relation,
    is_regular,
    key_of,
    read_head,
)
from swarmtop.sources.paths import SourceSpec
from swarmtop.sources.sourceset import SourceSet
from swarmtop.sources.tailprogress import Backlog
from swarmtop.sources.tailread import MAX_BATCH as MAX_BATCH  # re-exported for tests
from swarmtop.sources.tailread import TailReader, size_at_line_end
from swarmtop.sources.tracked import Families, Tracked
from swarmtop.sources.twins import TWIN_WAIT_S, Prefix, Twins, digest_prefix, fd_reader
from swarmtop.sources.watcher import DirWatcher

MAX_FILES = 10_000  # identities followed at once
MAX_OPEN = 256  # descriptors kept open on visible, idle files (orphans always keep theirs)
DEFER_S = 2.0  # how long a file that looks like a copy in progress may wait
CHECKPOINT_EVERY_S = 5.0
POLL_CHECK_S = 0.25  # polling mode: stat followed files this often (notify's poller is coarse)
FIRST_FRAME_WAIT_S = 1.0  # longest the backlog waits for the display's first frame


class Tailer:
    """The live file source (Source protocol: ``run(emit)``, ``close()``).

    ``emit`` must behave like ``asyncio.Queue.put``: when it returns the batch was delivered,
    when it is cancelled it was not. Offsets are checkpointed only for delivered lines.
    """

    def __init__(
        self,
        specs: list[SourceSpec],
        fmt: str = "auto",
        *,
        max_line: int = 1 << 20,
        state_file: str | None = None,
        from_end: bool = False,
        poll: bool = False,
        clock: Callable[[], float] = time.time,
        rescan_s: float = 1.0,
        debounce_ms: int = 100,
        rotate_wait_s: float = 5.0,
    ) -> None:
        # the state file may sit in a watched directory: it is ours, not a log
        self._sources = SourceSet(specs, {os.path.abspath(state_file)} if state_file else set(),
                                  clock)
        self.specs = self._sources.specs
        self.fmt = fmt
        self.max_line = max_line
        self.state_file = state_file
        self.from_end = from_end
        self.clock = clock
        self.rescan_s = rescan_s
        self.rotate_wait_s = rotate_wait_s
        self.watcher = DirWatcher(self._on_paths, poll=poll, debounce_ms=debounce_ms)
        self._by_key: dict[FileKey, Tracked] = {}
        self._by_path: dict[str, Tracked] = {}
        self._orphans: set[Tracked] = set()
        self._lines: dict[str, int] = {}  # path -> complete lines read under it
        self._families = Families()  # rotation-name groups
        self._deferred: dict[str, float] = {}  # path -> first seen (possible copy in progress)
        self._noted: dict[str, tuple[int, int] | None] = {}  # unreadable/too many: said once
        self._hints: set[str] = set()
        self._more: set[Tracked] = set()  # files with more to read than one pass
        self._waiter: asyncio.Future[None] | None = None
        self._emit: Emit | None = None
        self._resume = checkpoint.Resume(checkpoint.load(state_file) if state_file else [])
        self._dirty = False
        self._closed = False
        self._backlog = Backlog()
        self._backlog_done = False
        self._hold = False  # the backlog waits for the first frame (hold_for_first_frame)
        self._sent = False  # anything emitted yet
        self._frame_waiter: asyncio.Future[None] | None = None
        # what was counted of each log that may come back as its compressed twin or the
        # other way round (sources/twins.py); plain path -> (first seen, size) while shorter
        self._twins = Twins()
        self._twin_wait: dict[str, tuple[float, int]] = {}
        self._reader = TailReader(fmt, max_line, clock, self._send, self._status, self._backlog,
                                  self._lines, self._turn, self._twins)

    # ---- public -------------------------------------------------------------------------
    async def run(self, emit: Emit) -> None:
        self._emit = emit
        try:
            await self._send(list(self._sources.note_waiting()))
            await self.watcher.set_roots(self._sources.roots())
            await self._initial_scan()
            self._backlog_done = True
            loop = asyncio.get_running_loop()
            # re-scans on the beat grid: the loop wakes once for them and the other beats
            next_scan = next_beat(loop.time(), self.rescan_s)
            next_ck = loop.time() + CHECKPOINT_EVERY_S
            next_quick = loop.time() + POLL_CHECK_S
            while True:
                due = min(next_scan, next_quick) if self.watcher.poll else next_scan
                timeout = 0.0 if self._more else max(0.0, due - loop.time())
                if not self._hints and timeout > 0:
                    await self._sleep(loop, timeout)
                if self._hints:
                    hints, self._hints = self._hints, set()
                    await self._look_many(hints)
                if self._more:
                    more, self._more = self._more, set()
                    for tf in more:
                        await self._read(tf)
                if loop.time() >= next_scan:
                    await self._rescan()
                    next_scan = next_beat(loop.time(), self.rescan_s)
                    next_quick = loop.time() + POLL_CHECK_S
                elif self.watcher.poll and loop.time() >= next_quick:
                    await self._quick_check()
                    next_quick = loop.time() + POLL_CHECK_S
                if self.state_file and loop.time() >= next_ck:
                    next_ck = loop.time() + CHECKPOINT_EVERY_S
                    self._save_checkpoint()
        finally:
            await self.watcher.stop()

    async def _sleep(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        """Sleep until woken by a change notice or the timeout. A bare future rather than
        ``wait_for(event.wait())``: on 3.11 that can swallow a cancellation that lands as the
        timeout fires, leaving ``run`` impossible to stop."""
        waiter = self._waiter = loop.create_future()
        handle = loop.call_later(timeout, _wake_up, waiter)
        try:
            await waiter
        finally:
            handle.cancel()
            self._waiter = None

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self.watcher.stop()
        self._save_checkpoint(force=True)
        for tf in list(self._by_key.values()):
            tf.close_fd()

    def progress(self) -> Progress:
        return self._backlog.progress()

    def files_followed(self) -> int:
        return len(self._by_key)

    def hold_for_first_frame(self) -> Callable[[], None]:
        """Let a display draw its first frame before the backlog is read on: once the first
        lines are delivered (the first snapshot has them), reading waits until the returned
        call (the frame is on screen) or ``FIRST_FRAME_WAIT_S``. Otherwise decoding 2 GB of
        history shares the event loop and the GIL with the first paint, a slice per hop of
        the display's messages (docs/decisions.md, "First frame over a backlog")."""
        self._hold = True

        def shown() -> None:
            self._hold = False
            if self._frame_waiter is not None:
                _wake_up(self._frame_waiter)

        return shown

    # ---- discovery ----------------------------------------------------------------------
    async def _appeared(self) -> bool:
        """Take up the waiting SOURCEs that now name something. True when one did, so the
        roots are set again."""
        out = self._sources.appeared()
        await self._send(list(out))
        return bool(out)

    def _on_paths(self, paths: set[str]) -> None:
        self._hints |= self._sources.unalias(paths)
        if self._waiter is not None:
            _wake_up(self._waiter)

    async def _initial_scan(self) -> None:
        paths = self._sources.listed()
        sizes = []
        order = []  # files with an entry of their own first, linked copies after originals
        for i, p in enumerate(paths):
            try:
                st = os.stat(p)
            except OSError:
                sizes.append(0)
                order.append((2, i))
                continue
            sizes.append(st.st_size)
            rank = self._resume.start_order(key_of(st))
            order.append((2 if rank is None else rank, i))
        self._backlog.plan(sizes)
        for _, i in sorted(order):
            p, size = paths[i], sizes[i]
            await self._look(p, initial=True)
            tf = self._by_path.get(p)
            if tf is None:  # vanished, unreadable or waiting: nothing to load
                self._backlog.passed(size)
            elif tf not in self._more:
                self._backlog.finish(tf)  # read, skipped, a copy, or no complete line yet

    async def _look_many(self, hints: set[str]) -> None:
        if await self._appeared():
            await self.watcher.set_roots(self._sources.roots())
        # known paths first: a truncation seen before its copy leaves the pre-truncation head
        # to match against; a rename's old path before the new file at that path
        known = sorted(p for p in hints if p in self._by_path)
        fresh = sorted(p for p in hints if p not in self._by_path)
        for p in known:
            await self._look(p)
        for p in fresh:
            if os.path.isdir(p):
                for sub in self._sources.walk(p):
                    await self._look(sub)
            elif self._sources.matches(p):
                await self._look(p)

    async def _rescan(self) -> None:
        await self._appeared()
        await self.watcher.set_roots(self._sources.roots())
        listed = self._sources.listed()
        visible = set(listed)
        for p in listed:
            await self._look(p)
        for p in [p for p in self._by_path if p not in visible]:
            await self._look(p)
        now = time.monotonic()
        for tf in list(self._orphans):
            await self._read(tf)
            if tf in self._orphans and now - tf.idle_since >= self.rotate_wait_s:
                await self._release(tf)
        self._limit_open()

    async def _quick_check(self) -> None:
        """Polling mode: compare size, mtime and inode of every followed path ourselves."""
        for path, tf in list(self._by_path.items()):
            try:
                st = os.stat(path)
            except OSError:
                await self._look(path)
                continue
            if key_of(st) != tf.key or changed_since(st, tf.size, tf.mtime):
                await self._look(path)

    # ---- one path -----------------------------------------------------------------------
    async def _look(self, path: str, *, initial: bool = False) -> None:
        try:
            await self._look_path(path, initial)
        except OSError as exc:  # an I/O error costs this file a look, never the tailer
            await self._note(path, (0, 0), f"cannot read: {exc.strerror or exc}")

    async def _look_path(self, path: str, initial: bool) -> None:
        try:
            st = os.stat(path)
        except OSError:
            st = None
        cur = self._by_path.get(path)
        if st is None or not is_regular(st):
            if cur is not None:
                await self._lose_path(cur)
            self._deferred.pop(path, None)
            return
        key = key_of(st)
        tf = self._by_key.get(key)
        if cur is not None and cur is not tf:
            await self._lose_path(cur)  # rename-and-create: finish the old file first
        if tf is None:
            tf = await self._new(path, st, initial)
            if tf is None:
                return
        elif tf.path != path:
            await self._adopt(tf, path)
        if tf.copy_of is not None:  # not read; its size is saved with the checkpoint
            if st.st_size != tf.size:
                tf.size = st.st_size
                self._dirty = True
            return
        if tf.state == "skipped":
            if tf.format == "binary" and changed_since(st, tf.size, tf.mtime):
                await self._recheck_binary(tf, st)
            return
        if changed_since(st, tf.size, tf.mtime) or tf.format is None:
            await self._read(tf)

    async def _new(self, path: str, st: os.stat_result, initial: bool) -> Tracked | None:
        key = key_of(st)
        if len(self._by_key) >= MAX_FILES:
            await self._note(path, key, f"not followed: already following {MAX_FILES} files")
            return None
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            why = "permission denied" if isinstance(exc, PermissionError) else str(exc.strerror)
            await self._note(path, key, why)
            return None
        try:  # the descriptor is ours until a Tracked holds it
            plan = self._plan_new(path, key, fd, initial)
            if plan is not None and plan.link is None and plan.start == 0:
                plan = await self._plan_twin(path, fd, plan)
        except BaseException:
            os.close(fd)
            raise
        if plan is None:
            os.close(fd)
            return None
        self._deferred.pop(path, None)
        self._noted.pop(path, None)
        tf = Tracked(key, path, fd, plan.start, self.max_line)
        tf.head = plan.head  # the head is the identity even when reading starts later
        tf.why = plan.why
        if plan.decoder is not None:  # reads on where its compressed twin left off
            tf.decoder = plan.decoder
            tf.format = plan.decoder.name
        if initial:  # bytes before start (--from-end, a checkpoint) count as read
            self._backlog.begin(tf, plan.size, plan.start)
        self._by_key[key] = tf
        self._by_path[path] = tf
        self._families.add(tf)
        self._lines.setdefault(path, 0)
        self._dirty = True
        link = plan.link
        if link is not None:
            tf.copy_of = link
            tf.size = plan.size  # saved with the checkpoint: how much of the copy is covered
            link.copies.append(tf)
            await self._send([self._status(tf)])
        return tf

    def _plan_new(self, path: str, key: FileKey, fd: int, initial: bool) -> _NewPlan | None:
        """How a new file at ``path``, open as ``fd``, is taken up: where it starts, whether it
        is a linked copy. None when it is not taken up now (replaced since the stat, or maybe a
        copy still being written). May raise OSError; it neither closes nor keeps ``fd``."""
        fst = os.fstat(fd)
        if key_of(fst) != key:  # replaced between stat and open: look again next time
            self._on_paths({path})
            return None
        size = fst.st_size
        head = read_head(fd)
        claim = self._resume.claim(key, path, head, size)
        if claim is not None:
            return self._plan_resumed(claim, size, head)
        match = copy_relation(path, head, self._families.of(path), time.monotonic())
        if match.relation is Relation.DEFER:
            first = self._deferred.setdefault(path, time.monotonic())
            if time.monotonic() - first < DEFER_S:
                return None
        start = size_at_line_end(fd, size) if (initial and self.from_end) else 0
        if match.relation is Relation.LINKED and match.original is not None:
            orig = match.original
            return _NewPlan(size, head, start, orig,
                            f"copy of {orig.report} (same first bytes): not read again")
        if match.relation is Relation.AFTER_TRUNC and match.original is not None:
            orig = match.original
            start = min(orig.prev_committed, size)
            return _NewPlan(size, head, start, None,
                            f"copy of {orig.report} made before it was truncated: "
                            f"read from byte {start}")
        return _NewPlan(size, head, start, None, "")

    async def _plan_twin(self, path: str, fd: int, plan: _NewPlan) -> _NewPlan | None:
        """A plain log whose compressed twin was read in this run (written back: Codex resumed
        the session). It is read on from where the twin ended, with the twin's decoder, when it
        begins with the same bytes; else it is another log, read from the start. While it is
        shorter than what was counted (being written back) it is not taken up, for up to
        ``TWIN_WAIT_S`` after it last grew; then it is read from the start."""
        twin = self._twins.get(path)
        if twin is None or is_compressed(path):
            return plan
        now = time.monotonic()
        if plan.size < twin.length:
            first, was = self._twin_wait.get(path, (now, plan.size))
            if was != plan.size:
                first = now  # still growing
            if now - first < TWIN_WAIT_S:
                self._twin_wait[path] = (first, plan.size)
                return None
            self._twin_wait.pop(path, None)
            self._twins.take(path)
            return plan._replace(why=(
                f"shorter than its compressed copy {twin.source} ({plan.size} of "
                f"{twin.length} bytes) for {TWIN_WAIT_S:g} s: read from the start, its lines "
                f"may be counted twice"))
        self._twin_wait.pop(path, None)
        self._twins.take(path)
        digest = await digest_prefix(fd_reader(fd), twin.length, self._turn)
        if digest == twin.digest:
            return plan._replace(start=twin.length, decoder=twin.decoder, why=(
                f"written back from its compressed copy {twin.source}, already read: "
                f"read on from byte {twin.length}"))
        return plan._replace(why=(
            f"its first {twin.length} bytes differ from its compressed copy {twin.source} "
            f"as read before: another log, read from the start"))

    async def _counted_plain(self, plain: str) -> Prefix | None:
        """What was counted in this run of ``plain``, the twin of a compressed log about to be
        read: the file followed there, read to its end first (it is gone, or just going:
        Codex compresses it in place), else what was remembered when it was let go."""
        if plain in self._by_path:
            await self._look(plain)
        tf = self._by_path.get(plain) or next(
            (t for t in self._orphans if t.report == plain), None)
        if tf is None:
            return self._twins.take(plain)
        while tf in self._more:
            self._more.discard(tf)
            await self._read(tf)
        return await self._prefix_of(tf)

    async def _prefix_of(self, tf: Tracked) -> Prefix | None:
        """The bytes ``tf`` counted (a plain log read as lines, held open), hashed."""
        n = tf.splitter.committed
        if (tf.fd is None or tf.decoder is None or tf.whole or tf.copy_of is not None
                or tf.state == "skipped" or n <= 0):
            return None
        digest = await digest_prefix(fd_reader(tf.fd), n, self._turn)
        return None if digest is None else Prefix(n, digest, tf.decoder, tf.report)

    def _plan_resumed(self, claim: checkpoint.Claim, size: int, head: bytes) -> _NewPlan:
        """A file that takes up a saved entry. A copy that was linked to its original when the
        entry was saved is linked again if that original resumed intact (it holds all the copy
        holds and is read on from its own offset); otherwise the copy is read from the offset
        the original had reached (docs/tailing.md, "Copies across restarts")."""
        start = claim.offset
        orig_key = claim.entry.copy_of
        if orig_key is None or not claim.intact:
            return _NewPlan(size, head, start, None, "")
        resumed = self._resume.resumed.get(orig_key)
        orig = self._by_key.get(resumed) if resumed is not None else None
        if orig is not None and orig.copy_of is None and not orig.whole:
            if not orig.prev_at:
                return _NewPlan(size, head, start, orig,
                                f"copy of {orig.report} (same first bytes): not read again")
            start = min(orig.prev_committed, size)  # truncated since it resumed
            return _NewPlan(size, head, start, None,
                            f"copy of {orig.report} made before it was truncated: "
                            f"read from byte {start}")
        was = self._resume.path_of(orig_key) or "its original"
        return _NewPlan(size, head, start, None,
                        f"copy of {was}, truncated or gone since the last run: "
                        f"read from byte {start}")

    async def _adopt(self, tf: Tracked, path: str) -> None:
        """A followed file seen at a new path inside the watched set (renamed)."""
        old = tf.path
        was = tf.report
        self._orphans.discard(tf)
        if old is not None and self._by_path.get(old) is tf:
            del self._by_path[old]
        self._families.leave(tf)
        tf.path = path
        tf.report = path
        self._families.add(tf)
        if tf.state != "skipped":
            tf.state = "following"
        tf.why = f"renamed from {was}"
        self._by_path[path] = tf
        self._lines.setdefault(path, 0)
        self._dirty = True
        out: list[Event] = []
        if old is not None and old not in self._by_path:
            out.append(FileStatus(
                ts=self.clock(), source=old, format=tf.format or "auto",
                lines=self._lines.get(old, 0), offset=0, state="rotated",
                why=f"renamed to {path}",
            ))
        if tf.state != "skipped":
            out.append(self._status(tf))  # the new name is listed even before it grows
        await self._send(out)

    async def _lose_path(self, tf: Tracked) -> None:
        """``tf`` is no longer at its path: read it to its end, keep it until idle."""
        if tf.path is not None and self._by_path.get(tf.path) is tf:
            del self._by_path[tf.path]
        tf.path = None
        skipped = tf.state == "skipped"
        nlink = 1
        if tf.fd is not None:
            with contextlib.suppress(OSError):
                nlink = os.fstat(tf.fd).st_nlink
        tf.state = "deleted" if nlink == 0 else "rotated"
        tf.why = "deleted; read to its end" if nlink == 0 else "renamed away; read to its end"
        if tf.fd is None or tf.whole or tf.copy_of is not None or skipped:
            await self._release(tf)
            return
        self._orphans.add(tf)
        tf.idle_since = time.monotonic()
        await self._read(tf, force_status=True)

    async def _release(self, tf: Tracked) -> None:
        self._orphans.discard(tf)
        self._more.discard(tf)
        if self._by_key.get(tf.key) is tf:
            del self._by_key[tf.key]
        if tf.path is not None and self._by_path.get(tf.path) is tf:
            del self._by_path[tf.path]
        self._families.leave(tf)
        if tf.copy_of is not None:
            with contextlib.suppress(ValueError):
                tf.copy_of.copies.remove(tf)
            tf.copy_of = None
        self._unlink_copies(tf, tf.splitter.committed, "original gone")
        # a rollout gone from its path may come back compressed; an entry already there was
        # left by its compressed twin, read since (and covering as much or more)
        if tf.path is None and tf.format == "codex" and self._twins.get(tf.report) is None:
            with contextlib.suppress(OSError):
                prefix = await self._prefix_of(tf)
                if prefix is not None:
                    self._twins.remember(tf.report, prefix)
        tf.close_fd()
        self._dirty = True
        if tf.report not in self._by_path and tf.state != "skipped":
            await self._send([self._status(tf)])

    def _unlink_copies(self, tf: Tracked, offset: int, reason: str) -> None:
        """The original was truncated or is gone: its copies now hold the only record of the
        lines past ``offset``; read them from there."""
        for c in tf.copies:
            c.copy_of = None
            size = c.size if c.size >= 0 else offset
            if c.fd is not None:
                with contextlib.suppress(OSError):
                    size = os.fstat(c.fd).st_size
            start = min(offset, size)
            c.splitter.reset(start)
            c.ck_offset = start
            c.size = -1
            c.why = f"copy of {tf.report} ({reason}): read from byte {start}"
            self._more.add(c)
        tf.copies = []

    async def _note(self, path: str, key: tuple[int, int], why: str) -> None:
        if self._noted.get(path) == key:
            return
        self._noted[path] = key
        await self._send([FileStatus(ts=self.clock(), source=path, state="skipped", why=why)])

    # ---- reading ------------------------------------------------------------------------
    def _open(self, tf: Tracked) -> int | None:
        if tf.fd is not None:
            return tf.fd
        if tf.path is None:
            return None
        try:
            fd = os.open(tf.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return None
        try:
            same = key_of(os.fstat(fd)) == tf.key
        except OSError:  # tried again at the next look
            os.close(fd)
            return None
        if not same:
            os.close(fd)
            self._on_paths({tf.path})
            return None
        tf.fd = fd
        return fd

    def _limit_open(self) -> None:
        visible = [t for t in self._by_key.values()
                   if t.fd is not None and t.path is not None and t not in self._more]
        if len(visible) <= MAX_OPEN:
            return
        visible.sort(key=lambda t: t.last_active)
        for t in visible[: len(visible) - MAX_OPEN]:
            t.close_fd()  # reopened by path when it changes

    async def _read(self, tf: Tracked, force_status: bool = False) -> None:
        fd = self._open(tf)
        if fd is None:
            if force_status:
                await self._send([self._status(tf)])
            return
        try:
            st = os.fstat(fd)
        except OSError:
            return
        tf.mtime = st.st_mtime_ns
        tf.size = st.st_size
        if tf.format is None and not await self._reader.choose_format(tf, fd):
            if force_status:
                await self._send([self._status(tf)])
            return
        if tf.state == "skipped" or tf.copy_of is not None:
            return
        if tf.whole:
            counted = None
            if tf.whole_sig is None and tf.decoder is None and is_compressed(tf.report):
                plain = str(plain_twin(Path(tf.report)))
                if os.path.exists(plain):  # one log: the plain copy is read
                    tf.size = -1  # looked at again
                    return
                counted = await self._counted_plain(plain)
            await self._reader.read_whole(tf, fd, st, counted)
            return
        head = read_head(fd)
        change = content_change(st.st_size, tf.splitter.pos, head, tf.head)
        if change is Change.TRUNCATED:
            self._restart(tf, "truncated: read again from the start")
        elif change is Change.REWRITTEN:
            self._restart(tf, "rewritten from the start (its first bytes changed): read again")
        if len(head) > len(tf.head):
            tf.head = head
            self._dirty = True
        got, more = await self._reader.read_lines(tf, fd, force_status)
        if more:
            self._more.add(tf)  # run() reads it again before sleeping
        if got:
            self._dirty = True
        if tf not in self._more:
            self._backlog.finish(tf)

    async def _recheck_binary(self, tf: Tracked, st: os.stat_result) -> None:
        """A skipped binary file changed. Appended to, it stays skipped; truncated (shorter
        than when it was judged) or its first bytes rewritten, it is judged again from byte 0
        and read if it is text now."""
        fd = self._open(tf)
        if fd is None:
            return
        head = read_head(fd)
        change = content_change(st.st_size, tf.size, head, tf.head)
        if change is Change.NONE:
            tf.size, tf.mtime = st.st_size, st.st_mtime_ns
            if len(head) > len(tf.head):
                tf.head = head
            tf.close_fd()  # a skipped file holds no descriptor
            return
        tf.state = "following"
        tf.format = None
        tf.decoder = None
        tf.splitter.reset(0)
        tf.ck_offset = 0
        tf.head = head
        tf.why = ("truncated" if change is Change.TRUNCATED else "its first bytes rewritten") + (
            " since it was skipped as binary: checked again")
        self._dirty = True
        await self._read(tf, force_status=True)

    def _restart(self, tf: Tracked, why: str) -> None:
        tf.prev_head = tf.head
        tf.prev_committed = tf.splitter.committed
        tf.prev_at = time.monotonic()
        self._unlink_copies(tf, tf.splitter.committed, "original truncated")
        tf.splitter.reset(0)
        tf.ck_offset = 0
        tf.head = b""
        tf.why = why
        self._dirty = True

    def _status(self, tf: Tracked, mid_read: int | None = None) -> FileStatus:
        """The status of ``tf``'s path; ``mid_read`` is the offset reached part-way through a
        read (the splitter's own figures are only settled at the end of a chunk)."""
        src = tf.report
        occupant = self._by_path.get(src)
        if occupant is not None and occupant is not tf and tf.path is None:
            tf = occupant  # the path's entry describes the file now at that path
        return tf.status(src, self._lines.get(src, 0), self.clock(), mid_read)

    async def _send(self, batch: list[Event]) -> None:
        if self._emit is not None and batch:
            await self._emit(batch)
            self._sent = True

    async def _turn(self) -> None:
        """The event loop's turn between slices of reading (nothing decoded is held back):
        the first one after the start-up's first delivery waits for the first frame."""
        if not (self._hold and self._sent and not self._backlog_done):
            await asyncio.sleep(0)
            return
        self._hold = False  # once
        loop = asyncio.get_running_loop()
        waiter = self._frame_waiter = loop.create_future()
        handle = loop.call_later(FIRST_FRAME_WAIT_S, _wake_up, waiter)
        try:
            await waiter
        finally:
            handle.cancel()
            self._frame_waiter = None

    # ---- checkpoint ---------------------------------------------------------------------
    def _save_checkpoint(self, force: bool = False) -> None:
        if not self.state_file or not (self._dirty or force):
            return
        entries = []
        for tf in self._by_key.values():
            if tf.state == "skipped" or tf.whole:
                continue
            orig = tf.copy_of
            if orig is not None:
                self._refresh_size(tf)  # a linked copy is never read: its size is looked up
            entries.append(checkpoint.entry(tf.key, tf.head, tf.saved_offset(), tf.report,
                                            orig.key if orig is not None else None))
        checkpoint.save(self.state_file, entries)
        self._dirty = False

    def _refresh_size(self, tf: Tracked) -> None:
        with contextlib.suppress(OSError):
            if tf.fd is not None:
                tf.size = os.fstat(tf.fd).st_size
            elif tf.path is not None:
                st = os.stat(tf.path)
                if key_of(st) == tf.key:
                    tf.size = st.st_size


class _NewPlan(NamedTuple):
    """How a new file is taken up (``Tailer._plan_new``)."""

    size: int
    head: bytes
    start: int  # where reading starts
    link: Tracked | None  # a copy, not read while this original lives
    why: str
    decoder: Decoder | None = None  # read on with it (a compressed twin's, sources/twins.py)


def _wake_up(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
