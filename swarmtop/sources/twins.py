"""A log and its compressed twin (``x.jsonl`` / ``x.jsonl.zst``) read one after the other in
one run: what the first one counted is not counted again from the second.

Codex compresses a cold rollout in place and writes it back as ``x.jsonl`` when the session
resumes, then appends. So the live tailer may read ``x.jsonl.zst`` and later find ``x.jsonl``
holding the same bytes and more, or follow ``x.jsonl`` and then find only ``x.jsonl.zst``.
Per plain path it remembers a ``Prefix`` of what was counted: its length (up to the end of
a line), a hash of those bytes and the decoder that read them. The twin that comes next is
read on from that length, with that decoder, when its first bytes hash the same; otherwise
it is another log and read from the start (docs/decisions.md, "Compressed twins")."""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from swarmtop.sources.decoders import Decoder

MAX_TWINS = 2048  # prefixes remembered at once, oldest dropped (each a hash and a decoder)
HASH_CHUNK = 1 << 20
TWIN_WAIT_S = 10.0  # how long a plain file shorter than its counted prefix may stay so


def new_hash() -> hashlib._Hash:
    return hashlib.sha256()  # the fastest here: SHA extensions (blake2b: 1/3 the speed)


class Prefix(NamedTuple):
    """What was counted of a log: bytes ``[0, length)``, ending at a line end."""

    length: int
    digest: bytes  # new_hash() of those bytes
    decoder: Decoder | None  # the decoder that read them: the twin is read on with it
    source: str  # the path they were counted under


class Tap:
    """A live read of a compressed log (``reader.read_file(tap=...)``): every decompressed
    byte goes through ``update``, which keeps the hash as it stood at the last newline (one
    hash state and a copy: memory does not grow with the file). ``skip``: bytes already
    counted from the plain twin (not decoded); ``decoder``: the one to read on with, else the
    one ``read_file`` makes is left here."""

    def __init__(self, skip: int = 0, decoder: Decoder | None = None) -> None:
        self.skip = skip
        self.decoder = decoder
        self._h = new_hash()
        self._at_line_end = self._h.copy()
        self.length = 0
        self.line_end = 0

    def update(self, data: bytes) -> None:
        nl = data.rfind(b"\n")
        if nl < 0:
            self._h.update(data)
        else:
            view = memoryview(data)
            self._h.update(view[: nl + 1])
            self._at_line_end = self._h.copy()
            self._h.update(view[nl + 1 :])
            self.line_end = self.length + nl + 1
        self.length += len(data)

    def prefix(self, source: str) -> Prefix:
        """The bytes up to the last line end, read by ``decoder``. A last line with no newline
        (read as it was) is left out: the plain twin reads it again (Codex ends every line;
        a token count read twice is a re-sent one and adds nothing)."""
        return Prefix(self.line_end, self._at_line_end.digest(), self.decoder, source)


class Twins:
    """Plain path -> the ``Prefix`` counted of it or of its compressed copy (bounded)."""

    def __init__(self, cap: int = MAX_TWINS) -> None:
        self.cap = cap
        self._by_plain: OrderedDict[str, Prefix] = OrderedDict()

    def remember(self, plain: str, prefix: Prefix) -> None:
        self._by_plain[plain] = prefix
        self._by_plain.move_to_end(plain)
        while len(self._by_plain) > self.cap:
            self._by_plain.popitem(last=False)

    def get(self, plain: str) -> Prefix | None:
        return self._by_plain.get(plain)

    def take(self, plain: str) -> Prefix | None:
        return self._by_plain.pop(plain, None)

    def __len__(self) -> int:
        return len(self._by_plain)


async def digest_prefix(read: Callable[[int], bytes], n: int,
                        turn: Callable[[], Awaitable[None]]) -> bytes | None:
    """``new_hash()`` of the first ``n`` bytes ``read(size)`` gives in turn (None: fewer),
    a chunk per turn of the event loop."""
    h = new_hash()
    left = n
    while left > 0:
        chunk = read(min(HASH_CHUNK, left))
        if not chunk:
            return None
        h.update(chunk[:left])
        left -= len(chunk)
        await turn()
    return h.digest()


def fd_reader(fd: int) -> Callable[[int], bytes]:
    """``read(size)`` over an open file from byte 0 (``os.pread``: the fd is not moved)."""
    pos = 0

    def read(size: int) -> bytes:
        nonlocal pos
        data = os.pread(fd, size, pos)
        pos += len(data)
        return data

    return read
