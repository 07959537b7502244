"""Decoders turn one line (bytes, without its newline) into events. Chosen per file."""

from __future__ import annotations

from typing import Protocol

from swarmtop.events import Event
from swarmtop.sources.decoders.native import NativeDecoder
from swarmtop.sources.decoders.text import TextDecoder


class LineDecoder(Protocol):
    name: str

    def decode(self, line: bytes, source: str, offset: int, now: float) -> list[Event]: ...


DECODERS: dict[str, type] = {
    "native": NativeDecoder,
    "text": TextDecoder,
}

FORMATS = ("auto", "native", "claude-code", "claude-stream", "claude-flow", "otel", "text")


def make_decoder(fmt: str) -> LineDecoder:
    try:
        return DECODERS[fmt]()
    except KeyError:
        raise ValueError(f"no decoder for format {fmt!r}") from None


def detect_format(head: list[bytes]) -> str:
    """Pick a format from a file's first complete lines: native JSONL when they are JSON
    objects with a native ``type``, else plain text."""
    from swarmtop.sources.decoders.detect import detect

    return detect(head)
