"""``--otlp HOST:PORT``: an OTLP/HTTP receiver, a live source like the tailer.

    receiver = OtlpReceiver("127.0.0.1", 4318)   # binds now (OSError: port in use)
    receiver.endpoint                             # "http://127.0.0.1:4318" (port 0: the one chosen)
    sources = [receiver, ...]                     # receiver.run(emit) serves until cancelled
    aggregator.receivers.append(receiver.status)  # snapshot.sources.receivers

``POST /v1/traces``, ``/v1/metrics``, ``/v1/logs`` with ``application/x-protobuf`` or
``application/json`` bodies, optionally gzip. Answers as the OTLP/HTTP specification says: 200
with the Export…ServiceResponse (``partial_success`` for items refused: those over
``max_items`` in one request), 400 a malformed body, 413 a body over ``max_body`` (or one that
would decompress past ``max_decompressed``: a gzip bomb is refused, never inflated), 415 an
unknown content type or encoding, 404 another path, 405 another method, 408 a client too slow
(the head must arrive within ``head_timeout_s``, the body within ``body_timeout_s``: a client
sending a byte a second is cut off), 503 (``Retry-After``) when ``max_inflight`` requests wait
to be decoded or handed on, or ``max_connections`` are open. Error bodies are a
``google.rpc.Status`` (protobuf or JSON, as the request). Every refusal is counted by reason
(``status()``: snapshot.sources.receivers) and, for a request to a signal path, reported as a
ParseError (recent bad lines), never silent.

Off the UI's critical path: the server runs on the runtime's event loop but does only I/O
there; decompression, decoding and the mapping (``otlp_map``) run in one worker thread (one:
the mapping's memory of earlier spans needs them in order). Decoded events wait in a bounded
queue (``max_inflight`` requests) for ``emit``. It binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import msgspec
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from swarmtop import errorlog
from swarmtop.errors import AddressError
from swarmtop.events import Event, FileStatus, ParseError
from swarmtop.snapshot import ReceiverInfo
from swarmtop.sources import otlp_http
from swarmtop.sources.base import Emit
from swarmtop.sources.otlp_decode import (
    JSON,
    PROTOBUF,
    Rejected,
    content_kind,
    decode_body,
    response_body,
)
from swarmtop.sources.otlp_map import OtlpMapper
from swarmtop.sources.otlp_model import ITEM_NAMES, MAX_ITEMS

DEFAULT_PORT = 4318
PATHS = {"/v1/traces": "traces", "/v1/logs": "logs", "/v1/metrics": "metrics"}
MAX_SENDERS = 50
EMIT_CHUNK = 5_000  # events handed to emit at a time
EXPIRE_EVERY_S = 1.0  # how often held spans are looked at (otlp_spans: they wait 10 s)
LINGER_S = 1.0  # after an early answer, unread bytes are dropped this long ...
LINGER_BYTES = 32 << 20  # ... or up to this much, before the connection closes




def parse_address(value: str, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """``HOST:PORT``, ``:PORT``, ``PORT`` or ``[IPv6]:PORT`` → (host, port)."""
    text = value.strip()
    host, port = default_host, text
    if text.startswith("["):
        end = text.find("]")
        if end < 0 or not text[end + 1:].startswith(":"):
            raise AddressError(f"--otlp: cannot read {value!r} (use HOST:PORT or PORT)")
        host, port = text[1:end], text[end + 2:]
    elif ":" in text:
        host, _, port = text.rpartition(":")
        host = host or default_host
    try:
        n = int(port)
    except ValueError:
        raise AddressError(f"--otlp: {port!r} is not a port number (use HOST:PORT or PORT, "
                           f"e.g. {DEFAULT_PORT})") from None
    if not 0 <= n <= 65535:
        raise AddressError(f"--otlp: port {n} is out of range 0-65535")
    return host, n


def _status_class() -> type:
    """``google.rpc.Status`` {code, message}, the body of OTLP/HTTP error answers, built in a
    private pool (googleapis-common-protos may register the real one in the default pool)."""
    f = descriptor_pb2.FileDescriptorProto(name="swarmtop/google_rpc_status.proto",
                                           package="google.rpc", syntax="proto3")
    m = f.message_type.add(name="Status")
    m.field.add(name="code", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_INT32,
                label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
    m.field.add(name="message", number=2, type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
                label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("google.rpc.Status"))


_Status = _status_class()
_GRPC_CODE = {400: 3, 404: 5, 405: 12, 408: 4, 413: 8, 415: 3, 431: 8, 500: 13, 501: 12,
              503: 14}


def _error_body(status: int, message: str, kind: str | None) -> tuple[bytes, str]:
    code = _GRPC_CODE.get(status, 2)
    if kind == JSON:
        return msgspec.json.encode({"code": code, "message": message}), "application/json"
    if kind == PROTOBUF:
        return _Status(code=code, message=message).SerializeToString(), "application/x-protobuf"
    return message.encode("utf-8", "replace"), "text/plain; charset=utf-8"


@dataclass
class _Decoded:
    events: list[Event]
    accepted: int
    rejected: int
    senders: list[str] = field(default_factory=list)


class OtlpReceiver:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        *,
        max_body: int = 16 << 20,
        max_decompressed: int = 64 << 20,
        max_items: int = MAX_ITEMS,
        head_timeout_s: float = 10.0,
        body_timeout_s: float = 30.0,
        idle_timeout_s: float = 30.0,
        max_connections: int = 64,
        max_inflight: int = 16,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_body = max_body
        self.max_decompressed = max_decompressed
        self.max_items = max_items
        self.head_timeout_s = head_timeout_s
        self.body_timeout_s = body_timeout_s
        self.idle_timeout_s = idle_timeout_s
        self.max_connections = max_connections
        self.max_inflight = max_inflight
        self.clock = clock
        self._sock = self._bind(host, port)
        bound = self._sock.getsockname()
        self.host, self.port = host, int(bound[1])
        shown = f"[{host}]" if ":" in host else host
        self.address = f"{shown}:{self.port}"
        # what a client on this machine connects to (a wildcard bind is reached on loopback)
        local = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(host, shown)
        self.endpoint = f"http://{local}:{self.port}"
        self.source = f"otlp://{self.address}"
        self._mapper = OtlpMapper()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="swarmtop-otlp")
        # (events, whether they are a request's: its place among the max_inflight)
        self._queue: asyncio.Queue[tuple[list[Event], bool]] | None = None
        self._server: asyncio.base_events.Server | None = None
        self._emit: Emit | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._lingering: set[asyncio.StreamWriter] = set()  # closing after an early answer
        self._inflight = 0
        self._lock = threading.Lock()  # the counters: written on the loop, read by snapshots
        self._state = "listening"
        self.why = ""  # what it is for, shown with it (e.g. "--run child's OTLP endpoint")
        self._requests = 0
        self._accepted = {name: 0 for name in ITEM_NAMES.values()}
        self._rejected = {name: 0 for name in ITEM_NAMES.values()}
        self._rejections: dict[str, int] = {}
        self._last_rejection = ""
        self._events = 0
        self._bytes = 0
        self._senders: dict[str, None] = {}

    @staticmethod
    def _bind(host: str, port: int) -> socket.socket:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            sock.listen(128)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        return sock

    # ---- Source -----------------------------------------------------------------------------
    async def run(self, emit: Emit) -> None:
        self._queue = asyncio.Queue()
        self._emit = emit
        await emit([FileStatus(ts=self.clock(), source=self.source, format="otlp",
                               state="following", why=f"OTLP/HTTP receiver on {self.endpoint}")])
        self._server = await asyncio.start_server(self._connection, sock=self._sock,
                                                  limit=otlp_http.MAX_HEAD)
        expiring = asyncio.create_task(self._expire_held())
        try:
            while True:
                batch, inflight = await self._queue.get()
                try:
                    for i in range(0, len(batch), EMIT_CHUNK):
                        await emit(batch[i:i + EMIT_CHUNK])
                finally:
                    if inflight:
                        self._inflight -= 1
        finally:
            expiring.cancel()
            with self._lock:
                self._state = "stopped"

    async def _expire_held(self) -> None:
        """Spans held for an ancestor that has not come go on after their wait, even when no
        request comes to carry them (``SpanMapper.expire``), on the mapping's own thread."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(EXPIRE_EVERY_S)
            if not self._mapper.holding:
                continue
            try:
                events = await loop.run_in_executor(self._pool, self._mapper.expire,
                                                    self.clock())
            except RuntimeError:
                return  # the pool is shut down: closing
            if events and self._queue is not None:
                with self._lock:
                    self._events += len(events)
                self._queue.put_nowait((events, False))

    async def close(self) -> None:
        with self._lock:
            self._state = "stopped"
        if self._server is not None:
            self._server.close()
        for w in list(self._writers):
            w.close()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
        else:
            self._sock.close()
        if self._queue is not None and self._mapper.holding:
            # what was accepted and held for a parent span goes in as it is (its service's)
            with contextlib.suppress(Exception):
                held = await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(
                    self._pool, self._mapper.drain), 2.0)
                if held:
                    self._queue.put_nowait((held, False))
        self._pool.shutdown(wait=False, cancel_futures=True)
        # what was accepted (answered 200) and not handed on yet still goes in
        while self._queue is not None and not self._queue.empty() and self._emit is not None:
            batch, _ = self._queue.get_nowait()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._emit(batch), 2.0)

    def status(self) -> ReceiverInfo:
        with self._lock:
            return ReceiverInfo(
                kind="otlp-http", address=self.address, state=self._state,
                requests=self._requests, accepted=dict(self._accepted),
                rejected=dict(self._rejected), rejections=dict(self._rejections),
                last_rejection=self._last_rejection, events=self._events, bytes=self._bytes,
                connections=len(self._writers), senders=list(self._senders), why=self.why,
            )

    # ---- connections ------------------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        if len(self._writers) >= self.max_connections:
            self._refuse("503 too many connections", f"over {self.max_connections} open")
            with contextlib.suppress(Exception):
                writer.write(otlp_http.response(503, b"too many connections\n",
                                                keep_alive=False, headers={"Retry-After": "1"}))
                await writer.drain()
            writer.close()
            return
        self._writers.add(writer)
        try:
            first = True
            while True:
                idle = self.head_timeout_s if first else self.idle_timeout_s
                first = False
                try:
                    req = await otlp_http.read_head(reader, idle, self.head_timeout_s)
                except otlp_http.ClientGone as gone:
                    if gone.args and gone.args[0]:
                        self._refuse("client left mid-request", "connection closed")
                    return  # else: gone, or idle, between requests: closed without a word
                except otlp_http.HttpError as exc:
                    await self._answer_error(writer, exc.status, exc.reason, exc.detail, None,
                                             keep_alive=False)
                    return
                if not await self._request(req, reader, writer):
                    return
        except (ConnectionError, OSError):
            return
        except Exception as exc:  # noqa: BLE001 - recorded (never printed over the TUI)
            errorlog.record("OTLP receiver (a connection)", exc)
        finally:
            if writer in self._lingering:
                self._lingering.discard(writer)
                await self._linger(reader, writer)
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def _linger(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Closing after an answer sent before the body was read (413, 404...): read and drop
        what the client is still sending, for a moment, so that closing with unread data does
        not reset the connection before the client has read the answer."""
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()
            deadline = time.monotonic() + LINGER_S
            dropped = 0
            while dropped < LINGER_BYTES:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                data = await asyncio.wait_for(reader.read(1 << 16), left)
                if not data:
                    break
                dropped += len(data)

    async def _request(self, req: otlp_http.Request, reader: asyncio.StreamReader,
                       writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection must close."""
        signal = PATHS.get(req.path.rstrip("/") or "/")
        kind = content_kind(req.header("content-type"))
        if signal is None:
            await self._answer_error(writer, 404, "not found", req.path[:100], kind,
                                     keep_alive=False, count_as_bad=False)
            return False
        if req.method != "POST":
            await self._answer_error(writer, 405, "method not allowed", req.method[:20], kind,
                                     keep_alive=False, extra={"Allow": "POST"})
            return False
        try:
            body = await otlp_http.read_body(reader, writer, req, self.max_body,
                                             time.monotonic() + self.body_timeout_s)
        except otlp_http.HttpError as exc:
            await self._answer_error(writer, exc.status, exc.reason, exc.detail, kind,
                                     keep_alive=False)
            return False
        except otlp_http.ClientGone:
            self._refuse("client left mid-request", "body cut short")
            return False
        with self._lock:
            self._bytes += len(body)
        if kind is None:
            ctype = req.header("content-type")[:100] or "no Content-Type"
            await self._answer_error(writer, 415, "unsupported content type", ctype, None,
                                     keep_alive=req.keep_alive)
            return req.keep_alive
        if self._inflight >= self.max_inflight:
            await self._answer_error(writer, 503, "busy", f"{self.max_inflight} requests waiting",
                                     kind, keep_alive=req.keep_alive,
                                     extra={"Retry-After": "1"}, count_as_bad=False)
            return req.keep_alive
        self._inflight += 1
        handed_on = False
        try:
            loop = asyncio.get_running_loop()
            decoded = await loop.run_in_executor(
                self._pool, self._decode, signal, body, req.header("content-type"),
                req.header("content-encoding"))
            with self._lock:
                self._accepted[ITEM_NAMES[signal]] += decoded.accepted
                self._rejected[ITEM_NAMES[signal]] += decoded.rejected
                self._events += len(decoded.events)
                for s in decoded.senders:
                    if s not in self._senders and len(self._senders) < MAX_SENDERS:
                        self._senders[s] = None
                self._requests += 1
            if decoded.events:
                assert self._queue is not None
                self._queue.put_nowait((decoded.events, True))
                handed_on = True
            message = ""
            if decoded.rejected:
                message = (f"{decoded.rejected} {ITEM_NAMES[signal].replace('_', ' ')} over "
                           f"the limit of {self.max_items} in one request: not read")
                self._count("200 partial success", message)
            writer.write(otlp_http.response(200, response_body(signal, kind, decoded.rejected,
                                                               message),
                                            kind_type(kind), keep_alive=req.keep_alive))
            await writer.drain()
        except Rejected as exc:
            await self._answer_error(writer, exc.status, exc.reason, exc.detail, kind,
                                     keep_alive=req.keep_alive and exc.status != 413)
            return req.keep_alive and exc.status != 413
        except (ConnectionError, OSError):
            raise
        except Exception as exc:  # noqa: BLE001 - a bug of ours: recorded, answered, go on
            errorlog.record("OTLP receiver (mapping a request)", exc)
            await self._answer_error(writer, 500, "internal error", type(exc).__name__, kind,
                                     keep_alive=False)
            return False
        finally:
            if not handed_on:
                self._inflight -= 1
        return req.keep_alive

    def _decode(self, signal: str, body: bytes, content_type: str, encoding: str) -> _Decoded:
        """On the worker thread: body → batch → events."""
        batch = decode_body(signal, body, content_type, encoding, self.max_decompressed,
                            self.max_items)
        senders = []
        for r in batch.resources:
            name = r.service
            if name and name not in senders:
                senders.append(name)
        events = self._mapper.map(batch, self.source, self.clock())
        return _Decoded(events, batch.items(), batch.dropped, senders)

    # ---- answers and counts -----------------------------------------------------------------
    def _count(self, what: str, detail: str) -> None:
        with self._lock:
            self._rejections[what] = self._rejections.get(what, 0) + 1
            self._last_rejection = f"{what}: {detail}" if detail else what

    def _refuse(self, what: str, detail: str) -> None:
        self._count(what, detail)

    async def _answer_error(self, writer: asyncio.StreamWriter, status: int, reason: str,
                            detail: str, kind: str | None, *, keep_alive: bool,
                            extra: dict[str, str] | None = None,
                            count_as_bad: bool = True) -> None:
        what = f"{status} {reason}"
        self._count(what, detail)
        with self._lock:
            self._requests += 1
        if count_as_bad and self._queue is not None and self._queue.qsize() < 4 * self.max_inflight:
            self._queue.put_nowait(([ParseError(ts=self.clock(), source=self.source, offset=0,
                                                reason=f"OTLP request refused: {what}",
                                                excerpt=detail[:200])], False))
        if not keep_alive:
            self._lingering.add(writer)
        body, ctype = _error_body(status, f"{reason}: {detail}" if detail else reason, kind)
        with contextlib.suppress(Exception):
            writer.write(otlp_http.response(status, body, ctype, keep_alive=keep_alive,
                                            headers=extra))
            await writer.drain()


def kind_type(kind: str) -> str:
    return "application/json" if kind == JSON else "application/x-protobuf"
