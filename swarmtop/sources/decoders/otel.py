"""OTLP/JSON in files, two formats:

- ``otel``: the OpenTelemetry Collector's file exporter, one export request per line
  (``{"resourceSpans": [..]}``, ``{"resourceLogs": [..]}`` or ``{"resourceMetrics": [..]}``);
- ``otel-doc``: a pretty-printed document (opentelemetry-proto's ``examples/*.json``: ``{``
  alone on the first line, the request over many lines, often no newline at the end), read
  whole (a whole-file decoder: re-read when it changes, only what is new is handed on).

The mapping is the receiver's (``sources/otlp_map.py``: GenAI spans, agents, tools, the agent
CLIs' log events, metrics), so a file and the live receiver tell the same story. Spans whose
parent comes on a later line are held until it does (``otlp_spans``), or until ``finish`` at the
end of a report's file; a file followed live hands them on at its next line after the hold. In either
format a line that is ``{`` alone opens a document: the lines that follow are joined, brackets
counted outside strings, until it closes, and decoded as one request (several documents may
follow each other); its parse error, if any, is put at the offset of its first line. A document
larger than ``MAX_DOCUMENT`` is skipped, counted as one bad line.
"""

from __future__ import annotations

import re

from swarmtop.events import Event, ParseError
from swarmtop.sources import otlp_json
from swarmtop.sources.decoders.common import bad_line, valid_utf8
from swarmtop.sources.otlp_map import OtlpMapper

MAX_DOCUMENT = 64 << 20  # bytes of one multi-line document held while it is read
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')


def _depth(line: bytes) -> int:
    """Brackets opened minus closed on ``line``, outside JSON strings."""
    bare = _STRINGS.sub(b"", line) if b'"' in line else line
    return bare.count(b"{") + bare.count(b"[") - bare.count(b"}") - bare.count(b"]")


class _Requests:
    """Lines in, export requests out: a line holds one, or a ``{`` line opens a document."""

    def __init__(self) -> None:
        self.mapper = OtlpMapper()
        self._doc: list[bytes] = []  # the lines of the document being read
        self._doc_bytes = 0
        self._doc_offset = 0
        self._depth = 0
        self._skipping = False  # the document went over MAX_DOCUMENT: wait for its end

    def line(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        if self._depth > 0:
            return self._more(line, source, now)
        stripped = line.strip()
        if not stripped:
            return []
        if stripped == b"{":
            self._doc, self._doc_bytes, self._doc_offset = [line], len(line), offset
            self._depth, self._skipping = 1, False
            return []
        return self.request(line, source, offset, now)

    def pending(self, source: str, now: float) -> list[Event]:
        """The end of the data came inside a document: it is cut short."""
        if self._depth <= 0:
            return []
        self._depth, self._doc, self._skipping = 0, [], False
        return bad_line(source, self._doc_offset, now,
                        "OTLP/JSON document cut short (no closing bracket)", b"")

    def _more(self, line: bytes, source: str, now: float) -> list[Event]:
        self._depth += _depth(line)
        if not self._skipping:
            self._doc.append(line)
            self._doc_bytes += len(line) + 1
            if self._doc_bytes > MAX_DOCUMENT:
                self._skipping = True
                self._doc = []
        if self._depth > 0:
            return []
        if self._skipping:
            self._skipping = False
            return bad_line(source, self._doc_offset, now,
                            f"OTLP/JSON document over {MAX_DOCUMENT} bytes: skipped", b"")
        doc, self._doc = b"\n".join(self._doc), []
        return self.request(doc, source, self._doc_offset, now)

    def request(self, data: bytes, source: str, offset: int, now: float) -> list[Event]:
        try:
            batches = otlp_json.batches(otlp_json.decode(valid_utf8(data)))
        except otlp_json.BadJson as exc:
            return bad_line(source, offset, now, str(exc), data)
        out: list[Event] = []
        for batch in batches:
            out.extend(self.mapper.map(batch, source, now))
        return out


class OtelDecoder:
    """``otel``: one export request per line (a ``{`` line opens a multi-line document)."""

    name = "otel"

    def __init__(self) -> None:
        self._requests = _Requests()

    def decode(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        return self._requests.line(line, source, offset, now)

    def finish(self, source: str, now: float) -> list[Event]:
        """The end of the file (a report): a document cut short, and the spans the mapping
        held back for a parent that never came (mapped under their service now)."""
        return self._requests.pending(source, now) + self._requests.mapper.drain()


class OtelDocumentDecoder:
    """``otel-doc``: a whole file of OTLP/JSON (pretty-printed documents, or lines)."""

    name = "otel-doc"
    whole_file = True

    def __init__(self) -> None:
        self._requests: dict[str, _Requests] = {}
        self.last_error = ""

    def decode_file(self, data: bytes, source: str, now: float) -> list[Event]:
        req = self._requests.get(source)
        if req is None:
            if len(self._requests) >= 1000:
                self._requests.clear()
            req = self._requests[source] = _Requests()
        out: list[Event] = []
        offset = 0
        for line in data.split(b"\n"):
            out.extend(req.line(line.rstrip(b"\r"), source, offset, now))
            offset += len(line) + 1
        out.extend(req.pending(source, now))
        out.extend(req.mapper.drain())  # the whole document is here: nothing more will come
        # the whole-file contract (decoders/__init__.py): a document caught mid-rewrite yields
        # nothing and ``last_error`` says why (the file's row shows it); the next read has it
        bad = [e for e in out if isinstance(e, ParseError)]
        self.last_error = bad[-1].reason if bad else ""
        return [e for e in out if not isinstance(e, ParseError)] if bad else out
