"""``--state FILE``: where each followed file was read up to, written atomically.

Entries are keyed by identity (dev, inode) and carry a hash of the file's first bytes, so a
restart resumes a file only when it is really the same one (an inode reused by a new file has a
different head). Writes go to a temp file in the same directory, are fsynced, then renamed over
the old file (Vector's checkpointer): a crash leaves either the old or the new state, never half.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass

from swarmtop.sources.paths import SourceError

VERSION = 1


@dataclass(frozen=True)
class Entry:
    dev: int
    ino: int
    fp_len: int  # bytes the head hash covers (< FP_BYTES for a short file)
    fp: str  # head_hash of the first fp_len bytes
    offset: int  # just after the last complete line handed on
    path: str


class StateError(SourceError):
    """The state file exists but cannot be used (the CLI turns this into exit 2)."""


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
            out.append(
                Entry(int(item["dev"]), int(item["ino"]), int(item["fp_len"]), str(item["fp"]),
                      int(item["offset"]), str(item["path"]))
            )
        except (KeyError, TypeError, ValueError):
            continue  # one damaged entry costs that file's position, not the whole state
    return out


def save(path: str, entries: list[Entry]) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    payload = json.dumps({"version": VERSION, "files": [asdict(e) for e in entries]},
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
