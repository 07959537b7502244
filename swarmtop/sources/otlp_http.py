"""The little of HTTP/1.1 the OTLP receiver needs, over asyncio streams, with limits: a request
head of at most ``MAX_HEAD`` bytes, a body of at most the caller's limit (Content-Length or
chunked), every read under a deadline (a client sending a byte a second is cut off), and
``Expect: 100-continue`` answered (curl sends it for bodies over 1 KiB)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

MAX_HEAD = 64 << 10
MAX_HEADERS = 100

REASONS = {100: "Continue", 200: "OK", 400: "Bad Request", 404: "Not Found",
           405: "Method Not Allowed", 408: "Request Timeout", 411: "Length Required",
           413: "Content Too Large", 415: "Unsupported Media Type",
           431: "Request Header Fields Too Large", 500: "Internal Server Error",
           501: "Not Implemented", 503: "Service Unavailable"}


class HttpError(Exception):
    """The request cannot be read: answer ``status`` and close the connection."""

    def __init__(self, status: int, reason: str, detail: str = "") -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason
        self.detail = detail


class ClientGone(Exception):
    """The connection ended (cleanly between requests, or mid-request)."""


@dataclass
class Request:
    method: str
    path: str
    version: str
    headers: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str:
        return self.headers.get(name, "")

    @property
    def keep_alive(self) -> bool:
        conn = self.header("connection").lower()
        if self.version == "HTTP/1.0":
            return conn == "keep-alive"
        return "close" not in conn


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise HttpError(408, "slow client", "request not received in time")
    return left


async def _until(reader: asyncio.StreamReader, sep: bytes, deadline: float) -> bytes:
    try:
        return await asyncio.wait_for(reader.readuntil(sep), _remaining(deadline))
    except TimeoutError:
        raise HttpError(408, "slow client", "request not received in time") from None
    except asyncio.LimitOverrunError:
        raise HttpError(431, "request head too large", f"over {MAX_HEAD} bytes") from None
    except asyncio.IncompleteReadError as exc:
        raise ClientGone(len(exc.partial)) from None


async def _exactly(reader: asyncio.StreamReader, n: int, deadline: float) -> bytes:
    try:
        return await asyncio.wait_for(reader.readexactly(n), _remaining(deadline))
    except TimeoutError:
        raise HttpError(408, "slow client", "body not received in time") from None
    except asyncio.IncompleteReadError:
        raise ClientGone(n) from None


async def read_head(reader: asyncio.StreamReader, idle_s: float, head_s: float) -> Request:
    """The request line and headers: the first byte within ``idle_s``, the rest of the head
    within ``head_s`` of it. :class:`ClientGone` (with 0) when the client left, or sent
    nothing for ``idle_s`` (an idle keep-alive connection), before the first byte."""
    try:
        first = await asyncio.wait_for(reader.readexactly(1), idle_s)
    except (TimeoutError, asyncio.IncompleteReadError):
        raise ClientGone(0) from None
    raw = first + await _until(reader, b"\r\n\r\n", time.monotonic() + head_s)
    try:
        text = raw.decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any byte
        raise HttpError(400, "bad request head") from None
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise HttpError(400, "bad request line", lines[0][:100])
    method, target, version = parts
    headers: dict[str, str] = {}
    for ln in lines[1:]:
        if not ln:
            continue
        if len(headers) >= MAX_HEADERS:
            raise HttpError(431, "too many headers")
        name, sep, value = ln.partition(":")
        if not sep or not name or name != name.strip():
            raise HttpError(400, "bad header line", ln[:100])
        key = name.lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    path = target.split("?", 1)[0]
    return Request(method, path, version, headers)


async def read_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, req: Request,
                    limit: int, deadline: float) -> bytes:
    """The body, at most ``limit`` bytes (413 past it, before reading what is declared)."""
    te = req.header("transfer-encoding").lower()
    length = req.header("content-length")
    if te and te != "identity":
        if te != "chunked":
            raise HttpError(501, "unsupported transfer encoding", te[:50])
        await _continue(writer, req)
        return await _chunked(reader, limit, deadline)
    if not length:
        return b""
    try:
        n = int(length)
    except ValueError:
        raise HttpError(400, "bad Content-Length", length[:50]) from None
    if n < 0:
        raise HttpError(400, "bad Content-Length", length[:50])
    if n > limit:
        raise HttpError(413, "body over the limit", f"{n} bytes, the limit is {limit}")
    await _continue(writer, req)
    return await _exactly(reader, n, deadline) if n else b""


async def _continue(writer: asyncio.StreamWriter, req: Request) -> None:
    if req.header("expect").lower() == "100-continue" and req.version == "HTTP/1.1":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()


async def _chunked(reader: asyncio.StreamReader, limit: int, deadline: float) -> bytes:
    out: list[bytes] = []
    size = 0
    while True:
        line = await _until(reader, b"\r\n", deadline)
        try:
            n = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise HttpError(400, "bad chunk size") from None
        if n == 0:
            # trailers, if any, end with an empty line
            while (await _until(reader, b"\r\n", deadline)) != b"\r\n":
                pass
            return b"".join(out)
        size += n
        if size > limit:
            raise HttpError(413, "body over the limit", f"more than {limit} bytes (chunked)")
        out.append(await _exactly(reader, n, deadline))
        if await _exactly(reader, 2, deadline) != b"\r\n":
            raise HttpError(400, "bad chunk")


def response(status: int, body: bytes = b"", content_type: str = "text/plain; charset=utf-8",
             keep_alive: bool = True, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}",
             f"Content-Type: {content_type}", f"Content-Length: {len(body)}",
             f"Connection: {'keep-alive' if keep_alive else 'close'}"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
