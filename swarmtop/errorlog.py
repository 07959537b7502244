"""Failures of swarmtop itself: the traceback to a log file the user can find, the failure to
the snapshot (``sources.errors``, and the ``source_failed`` alert) so the UI and the reports
show it.

While the TUI runs, Textual owns the terminal: a traceback printed to stderr is lost or
garbles the screen, and a logger with no handler prints nothing useful. So every place that
catches an unexpected exception to keep going (a source whose ``run()`` raised, the sampler's
tree scan, an exporter hook, an analyzer, a panel's progress line) records it::

    failures.record("sampler: process tree scan", exc)   # a session's own book, or
    errorlog.record("display: loading progress", exc)     # the book of the running session

A book (:class:`Failures`) keeps one entry per place (what failed, the latest message, when
it first and last failed, how often), bounded; the aggregator puts its entries in every
snapshot. Each record also goes to the log file: the full traceback the first time, and
again at most every ``RELOG_S`` while the same place keeps failing (with how many times it
failed meanwhile), so a failure on every tick cannot fill the disk.

The log file is ``$XDG_STATE_HOME/swarmtop/swarmtop.log`` (default
``~/.local/state/swarmtop/swarmtop.log``), rotated at 1 MB with 2 old files kept, created
(with its directory) only when something is written to it. Everything logged under the
``swarmtop`` logger at WARNING or above lands there too. Tests point XDG_STATE_HOME at a
temporary directory.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_NAME = "swarmtop.log"
MAX_BYTES = 1_000_000  # rotated past this size
BACKUPS = 2  # swarmtop.log.1, swarmtop.log.2
RELOG_S = 60.0  # the same place's traceback is written again at most this often
MAX_PLACES = 50  # distinct places kept; later ones are counted under OTHER
OTHER = "(other places)"
LOG_FILE = "log file"  # the entry saying the log file itself cannot be written
MESSAGE_CHARS = 300  # of an exception's text, in the snapshot

logger = logging.getLogger("swarmtop")


def log_path(env: Mapping[str, str] | None = None) -> Path:
    """Where tracebacks go: ``$XDG_STATE_HOME/swarmtop/swarmtop.log``, or under
    ``~/.local/state`` when XDG_STATE_HOME is unset or not absolute (as the XDG spec says)."""
    env = os.environ if env is None else env
    base = env.get("XDG_STATE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "state"
    return root / "swarmtop" / LOG_NAME


class _FileHandler(RotatingFileHandler):
    """The log file, opened at the first record (its directory made then, private). A file
    that cannot be written is noted in ``broken`` and never reported on stderr: Textual owns
    the terminal."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8",
                         delay=True)
        self.path = path
        self.broken = ""
        self.setLevel(logging.WARNING)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def _open(self) -> io.TextIOWrapper:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return super()._open()

    def handleError(self, record: logging.LogRecord) -> None:
        exc = sys.exc_info()[1]
        reason = getattr(exc, "strerror", None) or exc
        self.broken = f"cannot write {self.path}: {reason}"


_lock = threading.Lock()
_handler: _FileHandler | None = None


def install(path: Path | None = None) -> Path:
    """Send the ``swarmtop`` loggers' warnings and errors to the log file (``log_path()`` by
    default). Idempotent; another path (XDG_STATE_HOME changed, in tests) moves the handler."""
    global _handler
    path = log_path() if path is None else path
    with _lock:
        if _handler is not None and _handler.path == path:
            return path
        if _handler is not None:
            logger.removeHandler(_handler)
            _handler.close()
        _handler = _FileHandler(path)
        logger.addHandler(_handler)
    return path


def log_problem() -> str:
    """Why the log file could not be written ("" while it can)."""
    h = _handler
    return h.broken if h is not None else ""


def describe(exc: BaseException) -> str:
    """One line for an exception: its type and text (clipped)."""
    text = " ".join(str(exc).split())
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return line if len(line) <= MESSAGE_CHARS else line[: MESSAGE_CHARS - 1] + "…"


# (a frozen dataclass, not a NamedTuple: its field `count` would shadow tuple.count)
@dataclass(frozen=True, slots=True)
class Failure:
    """One place that failed, as the snapshot shows it (times: epoch seconds)."""

    where: str
    message: str
    since: float
    last: float
    count: int


class _Entry:
    __slots__ = ("message", "since", "last", "count", "logged_at", "unlogged")

    def __init__(self, message: str, now: float) -> None:
        self.message = message
        self.since = self.last = now
        self.count = 0
        self.logged_at = float("-inf")
        self.unlogged = 0  # failures since the last one written to the log file


class Failures:
    """The failures of one session, one entry per place; thread-safe (sources' worker
    threads and the aggregator's thread record too)."""

    def __init__(self, log_file: Path | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.log_path = log_path() if log_file is None else log_file
        self.log_file = str(self.log_path)
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def record(self, where: str, exc: BaseException | None = None, message: str = "") -> None:
        """``where`` failed with ``exc`` (or ``message``): kept for the snapshot, and the
        traceback written to the log file (rate-limited per place)."""
        text = message or (describe(exc) if exc is not None else "failed")
        now = self.clock()
        with self._lock:
            if where not in self._entries and len(self._entries) >= MAX_PLACES:
                text = f"{where}: {text}"
                where = OTHER
            entry = self._entries.get(where)
            if entry is None:
                entry = self._entries[where] = _Entry(text, now)
            entry.message = text
            entry.last = now
            entry.count += 1
            entry.unlogged += 1
            if now - entry.logged_at < RELOG_S:
                return
            repeated, entry.unlogged, entry.logged_at = entry.unlogged - 1, 0, now
        install(self.log_path)
        more = f" (and {repeated} more times since the last report)" if repeated else ""
        # a traceback is given only with the exception being handled (a class and a text
        # alone say too little, but a bare record must not print an unrelated one)
        logger.error("%s failed: %s%s", where, text, more,
                     exc_info=(type(exc), exc, exc.__traceback__) if exc is not None else None)
        problem = log_problem()
        if problem:  # said on screen instead (never logged: that is what failed)
            with self._lock:
                if LOG_FILE not in self._entries:
                    self._entries[LOG_FILE] = _Entry(problem, now)
                    self._entries[LOG_FILE].count = 1

    def entries(self) -> list[Failure]:
        """Every place that failed, in the order they first failed."""
        with self._lock:
            return [Failure(w, e.message, e.since, e.last, e.count)
                    for w, e in self._entries.items()]

    def summary(self) -> str:
        """What failed, in one line that points to the log file (the alert's message)."""
        found = self.entries()
        if not found:
            return ""
        if len(found) == 1:
            f = found[0]
            return f"{f.where} failed: {f.message}; traceback in {self.log_file}"
        names = ", ".join(f.where for f in found[:3]) + (", …" if len(found) > 3 else "")
        return f"{len(found)} parts of swarmtop failed ({names}); tracebacks in {self.log_file}"


_current: Failures | None = None


def use(book: Failures | None) -> Failures | None:
    """Make ``book`` the running session's (None: none); returns the one it replaces."""
    global _current
    before, _current = _current, book
    return before


def current() -> Failures | None:
    return _current


_loose: Failures | None = None  # where records go with no session running


def record(where: str, exc: BaseException | None = None, message: str = "") -> None:
    """Record into the running session's book (shown in its snapshots); with no session
    running, to the log file only."""
    global _loose
    book = _current
    if book is None:
        book = _loose
        if book is None or book.log_path != log_path():
            book = _loose = Failures()
    book.record(where, exc, message)
