"""File identity: (dev, inode) plus the first bytes, so a copy or a reused inode is told apart.

A copytruncate copy (``app.log.1``) has a new inode but the same first bytes as the file it was
copied from; an inode reused by a new file after the old one was deleted has different first
bytes. The head is kept as bytes in memory (at most ``FP_BYTES``) and only its hash is written to
a checkpoint, so log text never lands in the state file.
"""

from __future__ import annotations

import hashlib
import os
import re

FP_BYTES = 256

FileKey = tuple[int, int]  # (st_dev, st_ino)


def key_of(st: os.stat_result) -> FileKey:
    return (st.st_dev, st.st_ino)


def head_hash(head: bytes) -> str:
    return hashlib.blake2b(head, digest_size=12).hexdigest()


def read_head(fd: int, n: int = FP_BYTES) -> bytes:
    try:
        return os.pread(fd, n, 0)
    except OSError:
        return b""


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
