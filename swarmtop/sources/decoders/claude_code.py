"""Claude Code session transcripts (``~/.claude/projects/<project>/<session>.jsonl``).

Only assistant records carry usage (``message.usage``). Claude Code writes one line per content
block and repeats the same usage on each, so every call carries ``dedupe_key`` =
``message.id:requestId`` and the aggregator counts a key once. ``<synthetic>`` rows (messages
Claude Code makes up locally, always zero usage) are skipped. Agent = the session id; a
sub-agent (``<session>/subagents/agent-<id>.jsonl``, ``agentId`` on every record) or an inline
sidechain gets ``<session>/<agentId>`` or ``<session>/sidechain``.

Speed: most bytes of a transcript are user/tool-result lines that cannot carry usage; a line
without the bytes ``"usage"`` is dropped before any JSON parsing (inside a JSON string the
quotes would be escaped, so text that merely mentions usage does not match). The rest is
decoded into small msgspec Structs that name only the fields we read.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from swarmtop.events import Event, LLMCall, ParseError

NEEDLE = b'"usage"'
SYNTHETIC = "<synthetic>"


class _Usage(msgspec.Struct):
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None


class _Message(msgspec.Struct):
    id: str | None = None
    model: str | None = None
    usage: _Usage | None = None


class _Record(msgspec.Struct):
    type: str | None = None
    timestamp: str | None = None
    sessionId: str | None = None  # noqa: N815 - the log's own key
    agentId: str | None = None  # noqa: N815
    isSidechain: bool | None = None  # noqa: N815
    isApiErrorMessage: bool | None = None  # noqa: N815
    requestId: str | None = None  # noqa: N815
    costUSD: float | None = None  # noqa: N815 - older Claude Code versions stated the cost
    message: _Message | None = None


_decoder = msgspec.json.Decoder(_Record)


def iso_ts(text: str | None, now: float) -> float:
    if not text:
        return now
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return now
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def agent_name(base: str, agent_id: str | None, sidechain: bool | None) -> str:
    if agent_id:
        return f"{base}/{agent_id}"
    if sidechain:
        return f"{base}/sidechain"
    return base


def _fallback_agent(source: str) -> str:
    """The session id from the path when records lack ``sessionId``."""
    name = source.rsplit("/", 1)[-1]
    return name[:-6] if name.endswith(".jsonl") else name


def bad_line(source: str, offset: int, now: float, reason: str, line: bytes) -> list[Event]:
    excerpt = line[:200].decode("utf-8", errors="replace")
    return [ParseError(ts=now, source=source, offset=offset, reason=reason, excerpt=excerpt)]


def decode_json(decoder: msgspec.json.Decoder, line: bytes):  # noqa: ANN201 - typed by caller
    """Decode, replacing invalid UTF-8 rather than failing on it."""
    try:
        return decoder.decode(line)
    except UnicodeDecodeError:
        return decoder.decode(line.decode("utf-8", errors="replace").encode())


class ClaudeCodeDecoder:
    name = "claude-code"

    def decode(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        if NEEDLE not in line:
            return []
        try:
            rec = decode_json(_decoder, line)
        except msgspec.ValidationError as exc:
            return bad_line(source, offset, now, f"unexpected record shape: {exc}", line)
        except msgspec.DecodeError as exc:
            return bad_line(source, offset, now, f"not valid JSON: {exc}", line)
        msg = rec.message
        if rec.type != "assistant" or msg is None or msg.usage is None:
            return []
        model = msg.model or "unknown"
        if model == SYNTHETIC:
            return []
        u = msg.usage
        key = None
        if msg.id:
            key = f"{msg.id}:{rec.requestId}" if rec.requestId else msg.id
        return [
            LLMCall(
                ts=iso_ts(rec.timestamp, now),
                source=source,
                model=model,
                agent=agent_name(rec.sessionId or _fallback_agent(source), rec.agentId,
                                 rec.isSidechain),
                input_tokens=max(0, u.input_tokens or 0),
                output_tokens=max(0, u.output_tokens or 0),
                cache_read_tokens=max(0, u.cache_read_input_tokens or 0),
                cache_write_tokens=max(0, u.cache_creation_input_tokens or 0),
                cost_usd=rec.costUSD,
                ok=not rec.isApiErrorMessage,
                dedupe_key=key,
            )
        ]
