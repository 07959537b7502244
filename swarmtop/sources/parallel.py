"""A report's files decoded in worker processes (``swarmtop report --jobs N``).

Decoding is per file (a decoder's state — repeated lines, tools in flight, agent names — never
crosses files), so files can be decoded apart and their events merged on the timeline
(sources/merge.py) exactly as if the parent had read them: the merge gets the same batches,
only from another process. Workers are forked from the parent (the decoders already
imported) and decode whole files with ``read_file``; each batch is encoded with msgpack
(events are tagged msgspec Structs, floats carried exactly; pickle for a batch msgpack
refuses), written to the file's own spill file (in /dev/shm where there is one) and announced
on the worker's pipe by offset and length, so a file is merged while it is being decoded. The
parent reads and decodes a batch only as the merge asks for it, and removes a spill file once
the merge has read it all (the workers remove the directory if the parent dies).

Memory stays bounded: files are handed out in the order the merge opens them, ahead of it
only while the input bytes handed out and not yet opened stay under ``PREFETCH_BYTES``, and a
file bigger than ``WORKER_MAX_BYTES`` is read in the parent, streamed, as with one job (its
events would otherwise be held whole). Which process reads a file never changes its events,
so the report is the same whatever ``jobs`` (tests/sources/test_parallel_report.py).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import shutil
import struct
import tempfile
import threading
from collections import deque
from collections.abc import Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import NoReturn

import msgspec

from swarmtop.events import Event
from swarmtop.sources import merge
from swarmtop.sources.reader import first_event_time, read_file

WORKER_MAX_BYTES = 64 << 20  # a bigger file is read in the parent, streamed
# input bytes handed to workers ahead of the merge (their batches wait in spill files, about
# a sixth of the input's size for Claude Code transcripts)
PREFETCH_BYTES = 128 << 20
SHM_FREE = 512 << 20  # spill files go to /dev/shm only with this much room there
# below this in all, one process: forking, the first lines' round trip and carrying the
# batches across cost about what two workers save on ~20 MB (measured: no gain at 8-20 MB)
MIN_BYTES = 32 << 20

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(list[Event])


MAX_DEFAULT_JOBS = 4  # the parent's own work (the aggregator) bounds the gain: see below
PER_WORKER_BYTES = 16 << 20  # no more workers than one per this much input


def default_jobs() -> int:
    """The cores this process may run on, at most ``MAX_DEFAULT_JOBS``: the parent merges
    and aggregates every event itself, so past a few workers it is the one everybody waits
    for (docs/PERFORMANCE.md), while each worker is another process's memory."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_JOBS))


def workers_for(files: list[Path], jobs: int) -> int:
    """How many of ``jobs`` workers these files can keep busy: at most one a file and one
    per ``PER_WORKER_BYTES`` of input."""
    total = sum(_size(p) for p in files)
    return max(1, min(jobs, len(files), -(-total // PER_WORKER_BYTES)))


def encode(batch: list[Event]) -> bytes:
    try:
        return b"m" + _encoder.encode(batch)
    except (TypeError, ValueError, UnicodeEncodeError, OverflowError):
        return b"p" + pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)


def decode(blob: bytes) -> list[Event]:
    if blob[:1] == b"m":
        return _decoder.decode(memoryview(blob)[1:])
    batch: list[Event] = pickle.loads(memoryview(blob)[1:])  # our own worker's bytes
    return batch


def _worker(conn: Connection, theirs: list[Connection], spill_dir: str, fmt: str,
            max_line: int, chunk: int) -> None:
    """(a worker process) Take tasks until told to stop: ``("first", [paths])`` answers the
    first event times; ``("read", path, name)`` decodes the file into the spill file
    ``spill_dir/name``, batch by batch, and sends where each batch is (so the parent can merge
    a file while it is being decoded; a pipe carries 64 KiB at a time, and bouncing megabytes
    through it cost more than decoding them), then ``DONE``. If the parent goes away, the
    spill directory goes too."""
    for c in theirs:
        c.close()
    try:
        while True:
            task = conn.recv()
            if task[0] == "first":
                conn.send([first_event_time(Path(p), fmt) for p in task[1]])
            elif task[0] == "read":
                try:
                    _decode_into(conn, os.path.join(spill_dir, task[2]), Path(task[1]), fmt,
                                 max_line, chunk)
                except OSError as exc:  # (a full disk for the spill files, say)
                    conn.send_bytes(FAILED + str(exc).encode("utf-8", "replace"))
                    continue
                conn.send_bytes(DONE)
            else:
                return
    except (EOFError, BrokenPipeError, ConnectionResetError):
        shutil.rmtree(spill_dir, ignore_errors=True)  # the parent went away
    except KeyboardInterrupt:
        return  # (the parent has it too, and cleans up)
    finally:
        conn.close()


def _decode_into(conn: Connection, spill: str, path: Path, fmt: str, max_line: int,
                 chunk: int) -> None:
    fd = os.open(spill, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        at = 0
        for batch in read_file(path, fmt, max_line=max_line, chunk_size=chunk):
            blob = memoryview(encode(batch))
            n = len(blob)
            while blob:
                blob = blob[os.write(fd, blob):]
            conn.send_bytes(_WHERE.pack(at, n))
            at += n
    finally:
        os.close(fd)


_WHERE = struct.Struct("<QQ")  # offset and length of a batch in a spill file
ASSIGNED = 32  # files given to one worker and not finished, at most
DONE = b"."  # end of a file's batches
FAILED = b"!"  # ... or of what a worker could do of it: why follows


def _spill_root() -> str | None:
    """/dev/shm (memory: the batches are read back at once) where it has room, else the
    temporary directory (a container's /dev/shm is often 64 MB)."""
    shm = "/dev/shm"
    try:
        st = os.statvfs(shm)
    except OSError:
        return None
    return shm if os.access(shm, os.W_OK) and st.f_bavail * st.f_frsize >= SHM_FREE else None


class WorkerFailed(RuntimeError):
    """A worker process died (killed, out of memory): its file's events are not all here."""


def _context() -> multiprocessing.context.ForkContext | multiprocessing.context.SpawnContext:
    """fork where it is safe (POSIX, no other thread that could hold a lock at the fork):
    workers start at once with every module imported; else spawn."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def worth_workers(files: list[Path], jobs: int) -> bool:
    """Would worker processes pay for themselves here (a speed choice: results are equal)?"""
    return jobs > 1 and len(files) > 1 and sum(_size(p) for p in files) >= MIN_BYTES


class _Workers:
    """``jobs`` worker processes, each with its own pipe; files handed out in the merge's
    order, a file's batches buffered here as they come until the merge reads them."""

    def __init__(self, jobs: int, fmt: str, max_line: int, chunk: int) -> None:
        ctx = _context()
        self.dir = tempfile.mkdtemp(prefix="swarmtop-report-", dir=_spill_root())
        self.conns: list[Connection] = []
        self.procs: list[multiprocessing.process.BaseProcess] = []
        forked = ctx.get_start_method() == "fork"
        for _ in range(jobs):
            here, there = ctx.Pipe()
            # a forked worker holds copies of the parent's ends of every pipe so far: it
            # closes them first, or it would never see its own pipe end (the parent gone)
            theirs = [*self.conns, here] if forked else []
            proc = ctx.Process(target=_worker,
                               args=(there, theirs, self.dir, fmt, max_line, chunk),
                               daemon=True)
            proc.start()
            there.close()
            self.conns.append(here)
            self.procs.append(proc)
        # files given to each worker, in the order it decodes them, and their bytes: every
        # handed-out file is given at once (a worker never waits for the parent to notice it
        # finished one), to the worker with the fewest bytes still to decode
        self.assigned: dict[Connection, deque[Path]] = {c: deque() for c in self.conns}
        self.load: dict[Connection, int] = {c: 0 for c in self.conns}
        self.size: dict[Path, int] = {}
        self.queue: deque[Path] = deque()  # handed out, waiting for room at a worker
        # a handed-out file's batches so far (offset, length in its spill file), the spill
        # file's name and, once read from, its descriptor (closed and removed once read)
        self.blobs: dict[Path, list[tuple[int, int]]] = {}
        self.spill: dict[Path, str] = {}
        self.fds: dict[Path, int] = {}
        self.done: set[Path] = set()
        self.closed = False

    def ask_firsts(self, files: list[Path]) -> None:
        """Have the workers find each file's first event time (reader.first_event_time)."""
        parts = [files[k::len(self.conns)] for k in range(len(self.conns))]
        self._asked = [(c, part) for c, part in zip(self.conns, parts, strict=True) if part]
        for c, part in self._asked:
            c.send(("first", [str(p) for p in part]))

    def firsts(self) -> dict[Path, float | None]:
        """The answers to ``ask_firsts``."""
        out: dict[Path, float | None] = {}
        for c, part in self._asked:
            try:
                out.update(zip(part, c.recv(), strict=True))
            except EOFError:
                raise WorkerFailed("a process reading the files' first lines stopped") from None
        return out

    def hand_out(self, path: Path, size: int) -> None:
        self.blobs[path] = []
        self.spill[path] = str(len(self.spill))
        self.size[path] = size
        self.queue.append(path)
        self._dispatch()

    def _dispatch(self) -> None:
        """Give queued files to the workers with room (at most ``ASSIGNED`` each, so the
        tasks waiting in a pipe never fill it while the worker writes to the parent)."""
        while self.queue:
            room = [c for c in self.conns if len(self.assigned[c]) < ASSIGNED]
            if not room:
                return
            c = min(room, key=self.load.__getitem__)
            path = self.queue.popleft()
            self.assigned[c].append(path)
            self.load[c] += self.size[path]
            try:
                c.send(("read", str(path), self.spill[path]))
            except OSError:  # (it died: its pipe is closed)
                self._failed(c, path)

    def pump(self) -> None:
        """Wait for any worker to send something, and file it."""
        ready = wait([c for c in self.conns if self.assigned[c]])
        for c in (c for c in self.conns if c in ready):  # (wait's answer is not typed ours)
            path = self.assigned[c][0]
            try:
                msg = c.recv_bytes()
            except (EOFError, OSError):
                self._failed(c, path)
            if msg[:1] == FAILED:
                raise WorkerFailed(f"decoding {path} in a worker process failed: "
                                   f"{msg[1:].decode('utf-8', 'replace')}")
            if msg == DONE:
                self.done.add(path)
                self.assigned[c].popleft()
                self.load[c] -= self.size.pop(path)
            else:
                self.blobs[path].append(_WHERE.unpack(msg))
        self._dispatch()

    def _failed(self, c: Connection, path: Path) -> NoReturn:
        proc = self.procs[self.conns.index(c)]
        proc.join(timeout=1.0)
        raise WorkerFailed(f"the process decoding {path} stopped (exit code "
                           f"{proc.exitcode})") from None

    def batches(self, path: Path) -> Iterator[list[Event]]:
        """The batches of a handed-out file, as they come."""
        buf = self.blobs[path]
        name = os.path.join(self.dir, self.spill[path])
        k = 0
        while True:
            if k < len(buf):
                at, n = buf[k]
                k += 1
                fd = self.fds.get(path)
                if fd is None:  # (the worker made it before saying where a batch is)
                    fd = self.fds[path] = os.open(name, os.O_RDONLY)
                yield decode(os.pread(fd, n, at))
            elif path in self.done:
                del self.blobs[path]
                self.done.discard(path)
                fd = self.fds.pop(path, None)
                if fd is not None:
                    os.close(fd)
                with contextlib.suppress(OSError):
                    os.unlink(name)  # its memory is free now
                return
            else:
                if k > 64:  # (what was read is dropped now and then)
                    del buf[:k]
                    k = 0
                self.pump()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for c in self.conns:
            with contextlib.suppress(OSError):
                c.send(("stop",))
            c.close()
        for proc in self.procs:
            proc.join(timeout=1.0)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        for fd in self.fds.values():
            os.close(fd)
        self.fds.clear()
        shutil.rmtree(self.dir, ignore_errors=True)


class Decoding:
    """``merge.time_ordered`` over ``files`` with their decoding done by ``jobs`` workers:
    iterate it for the batches, ``close`` it at the end (or use it in a ``with``). The
    workers find the files' first times and start decoding them at once, so what the caller
    does before iterating (its own imports, the aggregator) overlaps with their decoding."""

    def __init__(self, files: list[Path], fmt: str, max_line: int, chunk: int,
                 jobs: int) -> None:
        self.files, self.fmt, self.max_line, self.chunk = files, fmt, max_line, chunk
        self.workers = _Workers(workers_for(files, jobs), fmt, max_line, chunk)
        try:
            self.workers.ask_firsts(files)
            self.sizes = {p: _size(p) for p in files}
            self.first = self.workers.firsts()
            # the order the merge opens them in (merge.time_ordered sorts them the same way)
            self.order = [p for _t, p in merge.by_first_time(files, self.first.__getitem__)]
            self.ahead = 0  # input bytes handed out and not opened yet
            self.next = 0  # order[next:] not handed out yet
            self.handed: set[Path] = set()
            self._hand_out(None)
        except BaseException:
            self.workers.close()
            raise

    def _hand_out(self, upto: Path | None) -> None:
        """Give workers the next files in the merge's order while under the prefetch bound,
        and in any case every file up to ``upto`` (the one the merge opens now)."""
        while self.next < len(self.order):
            if upto is None and self.ahead >= PREFETCH_BYTES:
                break
            p = self.order[self.next]
            self.next += 1
            self.handed.add(p)
            if self.sizes[p] <= WORKER_MAX_BYTES:  # (a bigger one is read in the parent)
                self.workers.hand_out(p, self.sizes[p])
                self.ahead += self.sizes[p]
            if p == upto:
                break

    def _read(self, path: Path) -> Iterator[list[Event]]:
        if path not in self.handed:
            self._hand_out(path)
        if path not in self.workers.blobs:  # a big file: streamed here, as with one job
            yield from read_file(path, self.fmt, max_line=self.max_line, chunk_size=self.chunk)
            return
        self.ahead -= self.sizes[path]
        self._hand_out(None)
        yield from self.workers.batches(path)

    def __iter__(self) -> Iterator[list[Event]]:
        return merge.time_ordered(self.files, self._read, first=self.first.__getitem__)

    def close(self) -> None:
        self.workers.close()

    def __enter__(self) -> Decoding:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def time_ordered(files: list[Path], fmt: str, max_line: int, chunk: int, jobs: int
                 ) -> Iterator[list[Event]]:
    """The batches of a ``Decoding`` (closed when they are all read, or on an error)."""
    with Decoding(files, fmt, max_line, chunk, jobs) as d:
        yield from d
