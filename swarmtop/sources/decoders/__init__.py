"""Decoders turn one line (bytes, without its newline) into events. Chosen per file.

Two kinds share the registry (``Decoder`` is either):

- line decoders (``LineDecoder``): ``decode(line, source, offset, now) -> list[Event]``;
- whole-file decoders (``WholeFileDecoder``, ``whole_file = True``, e.g. claude-flow metrics
  rewritten in place): ``decode_file(data, source, now) -> list[Event]`` returning only what is
  new since the previous call for that source. Readers check ``is_whole_file(decoder)``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol, TypeGuard, cast

from swarmtop.events import Event


class LineDecoder(Protocol):
    """Decodes one line at a time. Optional, looked up with ``getattr`` by the report reader:

    - ``needle: bytes`` — bytes every line it can use contains; lines without it may be
      counted and never decoded (claude-code: ``"usage"``);
    - ``scan`` — see ``ChunkScanner``: takes a chunk's complete lines at once;
    - ``finish(source, now) -> list[Event]`` — the file's end in a report: what the decoder
      held back waiting for later lines (otel: spans whose parent had not come).
    """

    name: str

    def decode(self, line: bytes, source: str, offset: int, now: float) -> list[Event]: ...


class ChunkScanner(Protocol):
    """A line decoder's optional fast path: decode the complete lines of ``chunk[lo:hi]``
    (file offset of ``chunk[0]`` is ``base``) into ``out``, return how many lines there were.
    Same events as ``decode`` on each line."""

    def scan(self, chunk: bytes, lo: int, hi: int, base: int, source: str, now: float,
             out: list[Event]) -> int: ...


class WholeFileDecoder(Protocol):
    name: str
    whole_file: bool  # True
    last_error: str  # why the last decode_file found nothing ("" when it was fine)

    def decode_file(self, data: bytes, source: str, now: float) -> list[Event]: ...


Decoder = LineDecoder | WholeFileDecoder

# format -> (module, class): a decoder's module is imported when a file of its format is
# first read, not at start-up (a report of Claude Code transcripts never loads the OTLP,
# Codex or Gemini code: docs/decisions.md, "Start-up")
_WHERE = {
    "native": ("native", "NativeDecoder"),
    "claude-code": ("claude_code", "ClaudeCodeDecoder"),
    "claude-stream": ("claude_stream", "ClaudeStreamDecoder"),
    "claude-flow": ("claude_flow", "ClaudeFlowDecoder"),
    "codex": ("codex", "CodexDecoder"),
    "otel": ("otel", "OtelDecoder"),
    "otel-doc": ("otel", "OtelDocumentDecoder"),
    "text": ("text", "TextDecoder"),
    "gemini": ("gemini_cli", "GeminiDecoder"),
    "gemini-doc": ("gemini_cli", "GeminiDocumentDecoder"),
}


def _load(module: str, cls: str) -> Any:
    return getattr(importlib.import_module(f"{__name__}.{module}"), cls)


def _new(module: str, cls: str) -> Decoder:
    """A new decoder of the class ``cls`` of ``module``, imported at its first use."""
    return cast(Decoder, _load(module, cls)())


DECODERS: dict[str, Callable[[], Decoder]] = {
    fmt: partial(_new, module, cls) for fmt, (module, cls) in _WHERE.items()}

_CLASSES = {cls: module for module, cls in _WHERE.values()}


def __getattr__(name: str) -> Any:
    """The decoder classes under the names this package exported when it imported them all."""
    module = _CLASSES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _load(module, name)


FORMATS = ("auto", "native", "claude-code", "claude-stream", "claude-flow", "otel", "otel-doc",
           "text", "codex", "gemini", "gemini-doc")  # gemini-doc: Gemini CLI's older whole .json


def make_decoder(fmt: str) -> Decoder:
    try:
        return DECODERS[fmt]()
    except KeyError:
        raise ValueError(f"no decoder for format {fmt!r}") from None


def is_whole_file(decoder: Decoder) -> TypeGuard[WholeFileDecoder]:
    """A whole-file decoder: its class sets ``whole_file = True``."""
    return bool(getattr(type(decoder), "whole_file", False))


def line_decoder(decoder: Decoder) -> LineDecoder:
    """``decoder`` as a line decoder, once ``is_whole_file`` said it is not one (a
    ``TypeGuard`` narrows only the branch where it holds)."""
    return cast(LineDecoder, decoder)


def detect_format(head: list[bytes], path: str = "", head_bytes: bytes = b"") -> str:
    """Pick a format from a file's first complete lines (and its name and first bytes, for
    whole-file JSON such as claude-flow metrics)."""
    from swarmtop.sources.decoders.detect import detect

    return detect(head, path, head_bytes)
