"""Decoders turn one line (bytes, without its newline) into events. Chosen per file.

Two kinds share the registry:

- line decoders: ``decode(line, source, offset, now) -> list[Event]``;
- whole-file decoders (``whole_file = True``, e.g. claude-flow metrics rewritten in place):
  ``decode_file(data, source, now) -> list[Event]`` returning only what is new since the
  previous call for that source. Readers check ``is_whole_file(decoder)``.
"""

from __future__ import annotations

from typing import Protocol

from swarmtop.events import Event
from swarmtop.sources.decoders.claude_code import ClaudeCodeDecoder
from swarmtop.sources.decoders.claude_flow import ClaudeFlowDecoder
from swarmtop.sources.decoders.claude_stream import ClaudeStreamDecoder
from swarmtop.sources.decoders.native import NativeDecoder
from swarmtop.sources.decoders.otel import OtelDecoder
from swarmtop.sources.decoders.text import TextDecoder


class LineDecoder(Protocol):
    name: str

    def decode(self, line: bytes, source: str, offset: int, now: float) -> list[Event]: ...


class WholeFileDecoder(Protocol):
    name: str
    whole_file: bool  # True
    last_error: str

    def decode_file(self, data: bytes, source: str, now: float) -> list[Event]: ...


DECODERS: dict[str, type] = {
    "native": NativeDecoder,
    "claude-code": ClaudeCodeDecoder,
    "claude-stream": ClaudeStreamDecoder,
    "claude-flow": ClaudeFlowDecoder,
    "otel": OtelDecoder,
    "text": TextDecoder,
}

FORMATS = ("auto", "native", "claude-code", "claude-stream", "claude-flow", "otel", "text")


def make_decoder(fmt: str) -> LineDecoder | WholeFileDecoder:
    try:
        return DECODERS[fmt]()
    except KeyError:
        raise ValueError(f"no decoder for format {fmt!r}") from None


def is_whole_file(decoder: object) -> bool:
    return bool(getattr(decoder, "whole_file", False))


def detect_format(head: list[bytes], path: str = "", head_bytes: bytes = b"") -> str:
    """Pick a format from a file's first complete lines (and its name and first bytes, for
    whole-file JSON such as claude-flow metrics)."""
    from swarmtop.sources.decoders.detect import detect

    return detect(head, path, head_bytes)
