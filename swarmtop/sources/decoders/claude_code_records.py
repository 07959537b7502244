"""The shapes swarmtop reads of a Claude Code transcript's records: small msgspec Structs naming
only the fields read, and their decoders (claude_code.py reads them; claude_stream.py shares
the message shapes, which ``claude -p --output-format stream-json`` writes alike)."""

from __future__ import annotations

from datetime import datetime

import msgspec

from swarmtop.sources.decoders.common import Amount, Count

_Count = Count  # a negative (or absurdly large: common.MAX_COUNT) token count is a bad line


class _CacheCreation(msgspec.Struct):
    ephemeral_1h_input_tokens: _Count | None = None


class _Usage(msgspec.Struct):
    input_tokens: _Count | None = None
    output_tokens: _Count | None = None
    cache_creation_input_tokens: _Count | None = None
    cache_read_input_tokens: _Count | None = None
    cache_creation: _CacheCreation | None = None  # the split by cache lifetime


class _Block(msgspec.Struct):
    """A content block of an assistant message: only tool_use blocks are read further."""

    type: str | None = None
    id: str | None = None
    name: str | None = None
    input: msgspec.Raw = msgspec.Raw(b"null")  # (a Raw cannot be in a union with None)


class _Message(msgspec.Struct):
    id: str | None = None
    model: str | None = None
    usage: _Usage | None = None
    content: list[_Block] | str | None = None
    stop_reason: str | None = None


class _Record(msgspec.Struct):
    type: str | None = None
    timestamp: str | None = None
    sessionId: str | None = None  # the log's own key
    agentId: str | None = None
    isSidechain: bool | None = None
    isApiErrorMessage: bool | None = None
    requestId: str | None = None
    costUSD: Amount | None = None  # older Claude Code versions stated the cost
    cwd: str | None = None
    message: _Message | None = None


_decoder = msgspec.json.Decoder(_Record)


class _UserBlock(msgspec.Struct):
    type: str | None = None
    tool_use_id: str | None = None
    is_error: bool | None = None
    content: msgspec.Raw = msgspec.Raw(b"null")
    text: str | None = None


class _UserMessage(msgspec.Struct):
    content: str | list[_UserBlock] | None = None


class _Other(msgspec.Struct):
    """Any record but an assistant one: prompts, tool results, titles, turn ends."""

    type: str | None = None
    subtype: str | None = None
    timestamp: str | None = None
    sessionId: str | None = None
    agentId: str | None = None
    isSidechain: bool | None = None
    isMeta: bool | None = None
    cwd: str | None = None
    message: _UserMessage | None = None
    toolUseResult: msgspec.Raw = msgspec.Raw(b"null")  # an object, or a string
    summary: str | None = None
    aiTitle: str | None = None
    customTitle: str | None = None
    agentName: str | None = None


_other_decoder = msgspec.json.Decoder(_Other)


class _SpawnResult(msgspec.Struct):
    status: str | None = None
    agentId: str | None = None


_spawn_decoder = msgspec.json.Decoder(_SpawnResult)


class _TimedRecord(_Record):
    """The same record with its time parsed by msgspec (RFC 3339, in C): the common case.
    A time it rejects sends the line to ``_decoder`` and ``iso_ts`` (which accept more)."""

    timestamp: datetime | None = None  # type: ignore[assignment]  # msgspec parses what _Record keeps as str


_timed_decoder = msgspec.json.Decoder(_TimedRecord)
