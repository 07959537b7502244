"""File identity: (dev, inode) plus the first bytes, so a copy or a reused inode is told apart.

A copytruncate copy (``app.log.1``) has a new inode but the same first bytes as the file it was
copied from; an inode reused by a new file after the old one was deleted has different first
bytes. The head is kept as bytes in memory (at most ``FP_BYTES``) and only its hash is written to
a checkpoint, so log text never lands in the state file.

The decisions below are pure functions of stat results, first bytes and what is already known
of the followed files, so each can be tested without files.
"""

from __future__ import annotations

import enum
import hashlib
import os
import re
import stat as stat_mod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

FP_BYTES = 256
TRUNC_MEMORY_S = 60.0  # how long a pre-truncation head is remembered for copy matching

FileKey = tuple[int, int]  # (st_dev, st_ino)
FamilyKey = tuple[str, str]  # (directory, name up to its first dot)


def key_of(st: os.stat_result) -> FileKey:
    return (st.st_dev, st.st_ino)


def head_hash(head: bytes) -> str:
    return hashlib.blake2b(head, digest_size=12).hexdigest()


def read_head(fd: int, n: int = FP_BYTES) -> bytes:
    try:
        return os.pread(fd, n, 0)
    except OSError:
        return b""


def is_regular(st: os.stat_result | None) -> bool:
    """A path is followed only while it names a regular file."""
    return st is not None and stat_mod.S_ISREG(st.st_mode)


def changed_since(st: os.stat_result, size: int, mtime_ns: int) -> bool:
    """Size or modification time differ from what the last read saw."""
    return st.st_size != size or st.st_mtime_ns != mtime_ns


_ROTATION_SUFFIX = re.compile(r"^[.\-_]?(\d+|\d{8}(\d{2,6})?|\d{4}-\d{2}-\d{2}.*|old|bak|1\.log)$")


def related_names(original: str, candidate: str) -> bool:
    """Could ``candidate`` be a rotated copy of ``original`` (``app.log`` -> ``app.log.1``,
    ``app.log-20261125``, ``app.1.log``)? Copy detection is limited to such names so that
    unrelated files that happen to start with the same bytes (a fixed header) are never
    mistaken for copies of each other."""
    a = os.path.basename(original)
    b = os.path.basename(candidate)
    if a == b:
        return False  # the same name: a new file in a rotation, not a copy
    if b.startswith(a):
        return True
    stem, _, ext = a.rpartition(".")
    if stem and b.startswith(stem) and b.endswith("." + ext):
        middle = b[len(stem) : len(b) - len(ext) - 1]
        return bool(_ROTATION_SUFFIX.match(middle))
    return False


def family_key(path: str) -> FamilyKey:
    """Files whose names could be rotations of each other share one: same directory, same
    name up to the first dot (``app.log``, ``app.log.1``, ``app.1.log``)."""
    return (os.path.dirname(path), os.path.basename(path).split(".", 1)[0])


class Change(enum.Enum):
    """What a followed file's size and first bytes say happened since the last read."""

    NONE = "none"  # appended to, or unchanged
    TRUNCATED = "truncated"  # shorter than the offset reached
    REWRITTEN = "rewritten"  # its first bytes are no longer those seen before


def content_change(size: int, pos: int, head: bytes, known: bytes) -> Change:
    """``size`` and ``head`` are the file's now; ``pos`` is how far it was read, ``known``
    the first bytes seen so far (the file may have been shorter then)."""
    if size < pos:
        return Change.TRUNCATED
    if not head.startswith(known[: len(head)]):
        return Change.REWRITTEN
    return Change.NONE


class Relation(enum.Enum):
    """How a new file relates to a followed one of its family."""

    NONE = "none"  # a new file: read it
    DEFER = "defer"  # its bytes so far are a prefix of the other's head: a copy still being written?
    LINKED = "linked"  # a copy (same first bytes): not read again while the original lives
    AFTER_TRUNC = "after_trunc"  # a copy made just before the original was truncated


class CopyCandidate(Protocol):
    """What copy detection needs to know of a followed file."""

    @property
    def report(self) -> str: ...  # the path its lines are counted under
    @property
    def head(self) -> bytes: ...  # its first bytes (up to FP_BYTES)
    @property
    def prev_head(self) -> bytes: ...  # its head before it was last truncated ("" if never)
    @property
    def prev_at(self) -> float: ...  # when that was (monotonic)
    @property
    def whole(self) -> bool: ...  # a whole-file format: never a copy's original
    @property
    def copy_of(self) -> object | None: ...  # itself a copy: never an original


T = TypeVar("T", bound=CopyCandidate)


@dataclass(frozen=True, slots=True)
class CopyMatch(Generic[T]):
    relation: Relation
    original: T | None = None


def copy_relation(path: str, head: bytes, family: Iterable[T], now: float) -> CopyMatch[T]:
    """Is a new file at ``path`` with first bytes ``head`` a copy of one of ``family``
    (copytruncate)? ``now`` is monotonic time. A copy made before a recent truncation wins
    at once; otherwise the last same-head member is the original, and a prefix match only
    defers."""
    best: CopyMatch[T] = CopyMatch(Relation.NONE)
    for tf in family:
        if tf.whole or tf.copy_of is not None or not related_names(tf.report, path):
            continue
        recent = tf.prev_head and now - tf.prev_at < TRUNC_MEMORY_S
        if recent and head.startswith(tf.prev_head):
            return CopyMatch(Relation.AFTER_TRUNC, tf)
        if tf.head and head.startswith(tf.head):
            best = CopyMatch(Relation.LINKED, tf)
        elif (recent and tf.prev_head.startswith(head)) or (
            tf.head and tf.head.startswith(head)
        ):
            if best.relation is Relation.NONE:
                best = CopyMatch(Relation.DEFER, tf)  # a copy still being written, or empty
    return best
