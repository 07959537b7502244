"""Format auto-detection from the first lines of a file (and, for whole-file JSON, its name
and first bytes). Each line votes; the structured format with most votes wins."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from swarmtop.sources.decoders.common import valid_utf8

_NATIVE_TYPES = {"llm_call", "task", "metric", "log", "gc"}
_STREAM_TYPES = {"system", "assistant", "user", "result"}
_CODE_TYPES = {"assistant", "user", "summary", "system", "file-history-snapshot"}
# Codex rollouts: {"timestamp", "type", "payload"} (codex-rs/protocol RolloutLine)
_CODEX_TYPES = {"session_meta", "response_item", "event_msg", "turn_context", "compacted"}
_CODEX_NAME = re.compile(
    r"(^|/)rollout-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}\.jsonl$")


class _Probe(msgspec.Struct):
    type: str | None = None
    sessionId: str | None = None  # Claude Code transcripts
    session_id: str | None = None  # stream-json
    uuid: str | None = None
    resourceSpans: list[Any] | None = None  # OTLP/JSON
    resourceLogs: list[Any] | None = None
    resourceMetrics: list[Any] | None = None
    leafUuid: str | None = None  # transcript summary lines
    # Codex rollouts: present when non-empty (Raw: any shape another format gives them)
    timestamp: msgspec.Raw = msgspec.Raw(b"")
    payload: msgspec.Raw = msgspec.Raw(b"")
    # Gemini CLI chat lines (decoders/gemini_cli.py): metadata, $set, $rewindTo, messages
    # (any type: a key another format gives a number must not make its line unreadable)
    projectHash: object = None
    set_: object = msgspec.field(default=None, name="$set")
    rewind: object = msgspec.field(default=None, name="$rewindTo")
    id: object = None
    content: msgspec.Raw = msgspec.Raw(b"")


_probe = msgspec.json.Decoder(_Probe)

# Gemini CLI: a chat message line (no uuid, no sessionId, unlike Claude Code's records)
_GEMINI_TYPES = {"gemini", "user", "info", "error", "warning"}
# a Gemini CLI whole-document chat (session-*.json, before 2026-04): pretty-printed by
# JSON.stringify(.., null, 2), its top-level keys at two spaces, "sessionId" first as
# gemini-cli writes it (else "projectHash" must be there too)
_GEMINI_DOCUMENT = re.compile(rb'\A\s*\{[ \t]*\r?\n(  "sessionId": ")?')
_GEMINI_DOC_KEYS = (b'\n  "sessionId": "', b'\n  "projectHash": "')

# a pretty-printed OTLP/JSON document: "{" alone on its first line, then an export's key
_OTLP_DOCUMENT = re.compile(rb'\A\s*\{[ \t]*\r?\n\s*"resource(Spans|Logs|Metrics)"\s*:')
_OTLP_KEYS = (b'"resourceSpans"', b'"resourceLogs"', b'"resourceMetrics"')

# claude-flow whole-file JSON too big to be parsed from the head: recognised by its markers
_FLOW_MARKERS = (b'"results"', b'"performance_metrics"', b'"resource_usage"',
                 b'"memoryUsagePercent"', b'"totalTasks"', b'"successfulTasks"')
_doc_decoder = msgspec.json.Decoder()
_NOT_FLOW_KEYS = ("resourceSpans", "resourceLogs", "resourceMetrics")


def detect(head: list[bytes], path: str = "", head_bytes: bytes = b"") -> str:
    if _OTLP_DOCUMENT.match(head_bytes or b"\n".join(head[:2])):
        return "otel-doc"
    if _is_gemini_document(head_bytes or b"\n".join(head)):
        return "gemini-doc"
    if _is_flow(path, head_bytes, head):
        return "claude-flow"
    norm = path.replace("\\", "/")
    if "/.claude/projects/" in norm and norm.endswith(".jsonl"):
        return "claude-code"
    if _CODEX_NAME.search(norm):
        return "codex"
    if not any(line.strip() for line in head[:20]):
        return _sniff(head_bytes)
    votes: dict[str, int] = {}
    for line in head[:20]:
        if not line.strip():
            continue
        fmt = _classify(line)
        votes[fmt] = votes.get(fmt, 0) + 1
    if not votes:
        return "text"
    structured = {k: v for k, v in votes.items() if k not in ("text", "json")}
    if structured:
        return max(structured, key=lambda k: structured[k])
    return "text"


def _is_gemini_document(head: bytes) -> bool:
    m = _GEMINI_DOCUMENT.match(head)
    return m is not None and (m.group(1) is not None or all(k in head for k in _GEMINI_DOC_KEYS))


def _is_flow(path: str, head_bytes: bytes, head: list[bytes]) -> bool:
    """A ``.json`` file holding one JSON document — judged by its content: the whole head
    parses as one array, or as one object spread over several lines (a JSON-lines file of one
    record is one line) — is read whole (claude-flow's decoder walks any document: metrics,
    benchmark results, comparison tables), never line by line as text. Too big to be parsed
    from the head: a document that starts with a bracket, is not one record a line, and
    names claude-flow's fields."""
    norm = path.replace("\\", "/")
    name = norm.rsplit("/", 1)[-1]
    if not name.endswith(".json"):
        return False
    if "/.claude-flow/metrics/" in norm or name == "task-metrics.json":
        return True
    body = head_bytes.strip()
    if body[:1] not in (b"{", b"["):
        return False
    doc = _whole_document(body)
    if doc is not None:
        if isinstance(doc, dict) and (any(k in doc for k in _NOT_FLOW_KEYS)
                                      or {"sessionId", "messages"} <= doc.keys()):
            return False  # OTLP/JSON, a Gemini CLI chat: their own decoders' documents
        return isinstance(doc, list) or b"\n" in body
    first = head[0].strip() if head else body
    one_per_line = first.startswith(b"{") and first.endswith(b"}") and len(head) > 1
    return not one_per_line and any(m in head_bytes for m in _FLOW_MARKERS)


def _whole_document(body: bytes) -> object | None:
    """``body`` decoded when it is exactly one JSON object or array (else None)."""
    try:
        doc = _doc_decoder.decode(valid_utf8(body))
    except (msgspec.DecodeError, RecursionError):
        return None
    return doc if isinstance(doc, dict | list) else None


def _sniff(head_bytes: bytes) -> str:
    """No complete line yet (a first line longer than the head): look for telltale keys."""
    if not head_bytes.lstrip().startswith(b"{"):
        return "text"
    if any(k in head_bytes for k in _OTLP_KEYS):
        return "otel"
    if b'"session_id"' in head_bytes and b'"type"' in head_bytes:
        return "claude-stream"
    if b'"projectHash"' in head_bytes or head_bytes.lstrip().startswith(b'{"$set"'):
        return "gemini"
    if b'"sessionId"' in head_bytes:
        return "claude-code"
    if b'"type":"session_meta","payload":' in head_bytes:
        return "codex"
    return "text"


def _classify(line: bytes) -> str:
    stripped = line.lstrip()
    if not stripped.startswith(b"{"):
        return "text"
    try:
        rec = _probe.decode(valid_utf8(stripped))
    except (msgspec.DecodeError, RecursionError):  # RecursionError: nested too deeply
        return "text"
    if (rec.resourceSpans is not None or rec.resourceLogs is not None
            or rec.resourceMetrics is not None):
        return "otel"
    if rec.type in _NATIVE_TYPES:
        return "native"
    if rec.type in _CODEX_TYPES and len(rec.timestamp) and len(rec.payload):
        return "codex"
    if rec.session_id is not None and rec.type in _STREAM_TYPES:
        return "claude-stream"
    if _is_gemini(rec):
        return "gemini"
    if rec.sessionId is not None or rec.leafUuid is not None:
        return "claude-code"
    if rec.type in _CODE_TYPES and rec.uuid is not None:
        return "claude-code"
    return "json"


def _is_gemini(rec: _Probe) -> bool:
    """A Gemini CLI chat line, told by the whole record's shape: "sessionId" alone would
    be Claude Code's."""
    if (isinstance(rec.projectHash, str) or isinstance(rec.set_, dict)
            or isinstance(rec.rewind, str)):
        return rec.uuid is None
    return (isinstance(rec.id, str) and rec.type in _GEMINI_TYPES and rec.uuid is None
            and rec.sessionId is None and len(rec.timestamp) > 0 and len(rec.content) > 0)
