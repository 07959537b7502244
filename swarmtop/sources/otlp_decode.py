"""An OTLP/HTTP request body into a Batch: the content type chosen, gzip undone within a
limit, protobuf or OTLP/JSON decoded. Failures raise :class:`Rejected` with the HTTP status the
OTLP/HTTP specification gives them (400 malformed, 413 too large, 415 unsupported)."""

from __future__ import annotations

import zlib

from swarmtop.sources import otlp_json, otlp_pb
from swarmtop.sources.otlp_model import MAX_ITEMS, Batch

PROTOBUF, JSON = "protobuf", "json"


class Rejected(Exception):
    """A request refused: ``status`` (HTTP), ``reason`` (a short fixed phrase, counted) and
    ``detail`` (what exactly: shown, untrusted)."""

    def __init__(self, status: int, reason: str, detail: str = "") -> None:
        super().__init__(f"{status} {reason}: {detail}" if detail else f"{status} {reason}")
        self.status = status
        self.reason = reason
        self.detail = detail


def content_kind(content_type: str) -> str | None:
    """protobuf | json | None (unsupported), from a Content-Type header."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/x-protobuf":
        return PROTOBUF
    if media == "application/json":
        return JSON
    return None


def gunzip(body: bytes, limit: int) -> bytes:
    """Decompress a gzip body (several members allowed) to at most ``limit`` bytes: a body
    that would grow past it (a gzip bomb) is refused after ``limit`` bytes, never inflated."""
    out: list[bytes] = []
    size = 0
    data = body
    while data:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            chunk = d.decompress(data, limit - size + 1)
        except zlib.error as exc:
            raise Rejected(400, "bad gzip body", str(exc)) from None
        size += len(chunk)
        if size > limit or d.unconsumed_tail:
            raise Rejected(413, "decompressed body over the limit",
                           f"more than {limit} bytes once decompressed")
        out.append(chunk)
        if not d.eof:
            raise Rejected(400, "bad gzip body", "truncated gzip stream")
        data = d.unused_data
    return b"".join(out)


def decode_body(signal: str, body: bytes, content_type: str, encoding: str = "",
                max_decompressed: int = 64 << 20, max_items: int = MAX_ITEMS) -> Batch:
    kind = content_kind(content_type)
    if kind is None:
        raise Rejected(415, "unsupported content type",
                       content_type[:100] or "no Content-Type")
    enc = encoding.strip().lower()
    if enc == "gzip":
        body = gunzip(body, max_decompressed)
    elif enc not in ("", "identity"):
        raise Rejected(415, "unsupported content encoding", enc[:100])
    try:
        if kind == PROTOBUF:
            return otlp_pb.parse(signal, body, max_items)
        return otlp_json.parse(signal, body, max_items)
    except (otlp_pb.BadProtobuf, otlp_json.BadJson) as exc:
        raise Rejected(400, "malformed body", str(exc)[:300]) from None


def response_body(signal: str, kind: str, rejected: int = 0, message: str = "") -> bytes:
    if kind == JSON:
        return otlp_json.response(signal, rejected, message)
    return otlp_pb.response(signal, rejected, message)
