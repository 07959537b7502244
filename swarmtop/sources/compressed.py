"""Compressed JSONL logs (``*.jsonl.zst``). Codex compresses a cold rollout in place:
``rollout-*.jsonl`` becomes ``rollout-*.jsonl.zst``, one zstd stream of the whole file, and
it is written back as ``.jsonl`` before Codex appends to it again. So a compressed log is
complete and never grows: it is read whole, once, like a report reads a file. Where both a
log and its compressed copy exist, the plain one is read (they are one log). Followed live,
one read after the other is not counted twice (sources/twins.py).

zstd comes from the standard library from Python 3.14 (``compression.zstd``), else from the
``zstandard`` package (a dependency below 3.14)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

COMPRESSED = (".jsonl.zst",)  # what is read; other compressed files are still skipped
P = TypeVar("P", str, Path)


def is_compressed(path: str | Path) -> bool:
    return str(path).endswith(COMPRESSED)


def plain_twin(path: Path) -> Path:
    """``x.jsonl`` for ``x.jsonl.zst``."""
    return path.with_name(path.name[: -len(".zst")])


class CompressedLog:
    """A compressed log's decompressed bytes: ``read(n)`` (b"" at its end). Streamed: memory
    stays at one chunk whatever the file expands to. A stream that is not zstd, or breaks
    off, ends there: ``error`` says why (the lines before it are kept; a stream cut inside a
block ends at the block before, its last line then a bad line). ``on_bytes`` sees every
    decompressed byte given (the live tailer hashes them: sources/twins.py)."""

    def __init__(self, path: str | Path,
                 on_bytes: Callable[[bytes], None] | None = None) -> None:
        self.error = ""
        self._on_bytes = on_bytes
        self._out = 0  # bytes given so far
        self._raw = open(path, "rb")  # (closed by close())
        try:
            self._stream, self._fault = _decompressor(self._raw)
        except BaseException:
            self._raw.close()
            raise

    def read(self, n: int = -1) -> bytes:
        if self.error:
            return b""
        try:
            data = bytes(self._stream.read(n))
        except self._fault as exc:
            self.error = f"compressed stream unreadable: {exc}"
            return b""
        if not data and not self._out:  # (a stream cut inside its first block gives none)
            self.error = "compressed stream gave no data (cut short?)"
        self._out += len(data)
        if self._on_bytes is not None and data:
            self._on_bytes(data)
        return data

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> CompressedLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _decompressor(raw: IO[bytes]) -> tuple[Any, type[Exception]]:
    """A zstd reader of ``raw`` and the error its library raises on bad data."""
    try:
        from compression import zstd  # type: ignore[import-not-found]  # Python ≥ 3.14
    except ImportError:
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(raw), zstandard.ZstdError
    return zstd.ZstdFile(raw, "rb"), zstd.ZstdError


def without_compressed_twins(paths: Sequence[P], key: Callable[[P], str] = str) -> list[P]:
    """``paths`` less each compressed log whose plain twin is also listed (one log), paths
    compared as ``key`` gives them (a resolved path, where SOURCEs may name a file twice)."""
    listed = {key(p) for p in paths}
    return [p for p in paths
            if not (is_compressed(p) and str(plain_twin(Path(key(p)))) in listed)]
