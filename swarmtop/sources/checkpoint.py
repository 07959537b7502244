"""``--state FILE``: where each followed file was read up to, written atomically.

Entries are keyed by identity (dev, inode) and carry a hash of the file's first bytes, so a
restart resumes a file only when it is really the same one (an inode reused by a new file has a
different head). Writes go to a temp file in the same directory, are fsynced, then renamed over
the old file (Vector's checkpointer): a crash leaves either the old or the new state, never half.

``Resume`` answers, on start, where a file picks up from the entries a previous run saved.

A copytruncate copy that was linked to its original (not read itself) is saved with
``copy_of``, the original's (dev, inode), and as ``offset`` how far the original had been
read, capped at the copy's size. After a restart the copy is linked again when its original
resumed intact (the original holds every byte of the copy and is read on from its own offset);
when the original was truncated, replaced or is gone, the copy is read from ``offset``
(docs/tailing.md, "Copies across restarts").
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from typing import NamedTuple

from swarmtop.errors import StateError
from swarmtop.sources.fileid import FP_BYTES, FileKey, head_hash, related_names

VERSION = 1


@dataclass(frozen=True)
class Entry:
    dev: int
    ino: int
    fp_len: int  # bytes the head hash covers (< FP_BYTES for a short file)
    fp: str  # head_hash of the first fp_len bytes
    offset: int  # just after the last complete line handed on
    path: str
    # a linked copy: its original's (dev, inode); offset is then where the copy is read
    # from if that original did not resume intact
    copy_of: FileKey | None = None

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {"dev": self.dev, "ino": self.ino, "fp_len": self.fp_len,
                                  "fp": self.fp, "offset": self.offset, "path": self.path}
        if self.copy_of is not None:
            out["copy_of"] = list(self.copy_of)
        return out


def entry(key: FileKey, head: bytes, offset: int, path: str,
          copy_of: FileKey | None = None) -> Entry:
    """The entry to save for a file: its identity, a hash of its head, where it resumes, and
    for a linked copy the identity of its original."""
    return Entry(key[0], key[1], len(head), head_hash(head), offset, path, copy_of)


class Claim(NamedTuple):
    """A saved entry taken up by a file found on start."""

    offset: int  # where the file resumes
    entry: Entry
    intact: bool  # the file is still all there: not shorter than the saved offset


class Resume:
    """Where each file starts after a restart. Each entry is claimed at most once."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self._by_key: dict[FileKey, Entry] = {(e.dev, e.ino): e for e in entries}
        self._by_fp: dict[str, list[Entry]] = {}
        for e in entries:
            if e.fp_len == FP_BYTES:
                self._by_fp.setdefault(e.fp, []).append(e)
        self._claimed: set[FileKey] = set()
        # saved identity -> the file that took its entry up intact
        self.resumed: dict[FileKey, FileKey] = {}

    def start(self, key: FileKey, path: str, head: bytes, size: int) -> int | None:
        """Where the file ``key`` at ``path`` (first bytes ``head``, ``size`` bytes long)
        resumes, or None when no entry is its own (see ``claim``)."""
        got = self.claim(key, path, head, size)
        return None if got is None else got.offset

    def claim(self, key: FileKey, path: str, head: bytes, size: int) -> Claim | None:
        """The entry the file ``key`` at ``path`` (first bytes ``head``, ``size`` bytes long)
        takes up, or None when none is its own: the entry of the same (dev, inode) and head
        (from 0 if the file is now shorter than the offset: truncated), else an unclaimed entry
        with exactly this full head under the same or a rotation-like name (copied or moved
        while we were not running)."""
        if not self.entries:
            return None
        own = self._by_key.get(key)
        if own is not None and key not in self._claimed:
            if len(head) >= own.fp_len and head_hash(head[: own.fp_len]) == own.fp:
                self._claimed.add(key)
                if own.offset <= size:
                    self.resumed[key] = key
                    return Claim(own.offset, own, True)
                return Claim(0, own, False)
        if len(head) < FP_BYTES:
            return None
        h = head_hash(head)
        for e in self._by_fp.get(h, ()):
            ek = (e.dev, e.ino)
            if ek in self._claimed or e.fp_len != FP_BYTES or e.fp != h:
                continue
            if os.path.basename(e.path) == os.path.basename(path) or related_names(e.path, path):
                self._claimed.add(ek)
                if e.offset <= size:
                    self.resumed[ek] = key
                return Claim(min(e.offset, size), e, e.offset <= size)
        return None

    def path_of(self, key: FileKey) -> str | None:
        """The path saved for identity ``key``."""
        e = self._by_key.get(key)
        return None if e is None else e.path

    def start_order(self, key: FileKey) -> int | None:
        """Start-up order for a file of identity ``key``: 0 when an entry of its own says it
        is an original, 1 when it says it is a linked copy, None when there is none. Originals
        are taken up first, so a copy never takes an original's entry by its head and a linked
        copy finds its original already resumed."""
        own = self._by_key.get(key)
        if own is None or key in self._claimed:
            return None
        return 0 if own.copy_of is None else 1




def load(path: str) -> list[Entry]:
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read() or b"{}")
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise StateError(f"cannot read state file {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("version", VERSION) != VERSION:
        raise StateError(f"state file {path} is not a swarmtop v{VERSION} state file")
    out: list[Entry] = []
    for item in data.get("files", []):
        try:
            orig = item.get("copy_of")
            copy_of = None if orig is None else (int(orig[0]), int(orig[1]))
            out.append(
                Entry(int(item["dev"]), int(item["ino"]), int(item["fp_len"]), str(item["fp"]),
                      int(item["offset"]), str(item["path"]), copy_of)
            )
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            continue  # one damaged entry costs that file's position, not the whole state
    return out


def save(path: str, entries: list[Entry]) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    payload = json.dumps({"version": VERSION, "files": [e.as_json() for e in entries]},
                         separators=(",", ":")).encode()
    fd, tmp = tempfile.mkstemp(prefix=".swarmtop-state-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
