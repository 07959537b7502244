"""Claude Code session transcripts (``~/.claude/projects/<project>/<session>.jsonl``).

Only assistant records carry usage (``message.usage``). Claude Code writes one line per content
block and repeats the same usage on each, so every call carries ``dedupe_key`` =
``message.id:requestId`` and the aggregator counts a key once. ``<synthetic>`` rows (messages
Claude Code makes up locally, always zero usage) are skipped. Agent = the session id; a
sub-agent (``<session>/subagents/agent-<id>.jsonl``, ``agentId`` on every record) or an inline
sidechain gets ``<session>/<agentId>`` or ``<session>/sidechain``.

Speed: most bytes of a transcript are user/tool-result lines that cannot carry usage; a line
without the bytes ``"output_tokens"`` (a key every usage object has) is dropped before any
JSON parsing — inside a JSON string the quotes would be escaped, so text that merely
mentions it does not match. The report reader goes further: it hands whole chunks to
``scan``, which passes over user records without searching them. The rest is decoded into
small msgspec Structs that name only the fields we read.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from swarmtop.events import Event, LLMCall
from swarmtop.sources.decoders.common import MAX_TS, MIN_TS, Amount, Count, decode_or_bad, valid_utf8

# Every usage object has output_tokens; measured here, searching for this needle runs ~2.5x
# faster than for '"usage"' (its rarer bytes let the search skip further).
NEEDLE = b'"output_tokens"'
# A user record (prompts, tool results: most of a transcript's bytes) states its type among
# the scalar keys at the start of its line; scan() looks for it this far into a line.
USER = b'"type":"user"'
USER_HEAD = 512
USER_MIN = 2048  # bytes: a line shorter than this is searched for the needle at once
SYNTHETIC = "<synthetic>"


_Count = Count  # a negative (or absurdly large: common.MAX_COUNT) token count is a bad line


class _Usage(msgspec.Struct):
    input_tokens: _Count | None = None
    output_tokens: _Count | None = None
    cache_creation_input_tokens: _Count | None = None
    cache_read_input_tokens: _Count | None = None


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
    costUSD: Amount | None = None  # noqa: N815 - older Claude Code versions stated the cost
    message: _Message | None = None


_decoder = msgspec.json.Decoder(_Record)


class _TimedRecord(_Record):
    """The same record with its time parsed by msgspec (RFC 3339, in C): the common case.
    A time it rejects sends the line to ``_decoder`` and ``iso_ts`` (which accept more)."""

    timestamp: datetime | None = None  # type: ignore[assignment]


_timed_decoder = msgspec.json.Decoder(_TimedRecord)


_second_cache: dict[str, float] = {}


def iso_ts(text: str | None, now: float) -> float:
    """Epoch seconds of an ISO time. The common ``YYYY-MM-DDTHH:MM:SS.mmmZ`` form is split at
    the second and the second's epoch cached: consecutive records share it."""
    if not text:
        return now
    if len(text) == 24 and text[19] == "." and text[23] == "Z":
        base = _second_cache.get(text[:19])
        if base is None:
            try:
                base = datetime.fromisoformat(text[:19]).replace(tzinfo=UTC).timestamp()
            except ValueError:
                return now
            if len(_second_cache) > 4096:
                _second_cache.clear()
            _second_cache[text[:19]] = base
        frac = text[20:23]
        if frac.isdigit():
            return base + int(frac) / 1000.0
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


class ClaudeCodeDecoder:
    name = "claude-code"
    needle = NEEDLE  # lines without it cannot carry usage: readers may skip them unread

    def __init__(self) -> None:
        self._last: tuple[bytes, bytes] | None = None  # requestId, output_tokens of the last
        self._agents: dict[tuple[str | None, str | None, bool | None], str] = {}

    def decode(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        """One line (the live tailer's path): ``scan`` of it alone."""
        out: list[Event] = []
        self.scan(line + b"\n", 0, len(line) + 1, offset, source, now, out)
        return out

    def scan(self, chunk: bytes, lo: int, hi: int, base: int, source: str, now: float,
             out: list[Event]) -> int:
        """The complete lines of ``chunk[lo:hi]`` (``hi`` just after a newline; ``base`` is
        the file offset of ``chunk[0]``): their events are appended to ``out``, their number
        returned. Same events as ``decode`` on every line holding the needle, faster: each
        line's end is found first (memchr), a line whose leading scalar keys say
        ``"type":"user"`` (no bracket before it, so it is the record's own type: a user
        record carries no call) is passed over without searching its tool output for the
        needle, and an assistant line is searched from its end, where its usage is."""
        find, rfind = chunk.find, chunk.rfind
        decode = self._decode
        last = self._last
        lines = 0
        pos = lo
        users: list[tuple[int, int]] = []  # user lines passed over since the last needle line
        while pos < hi:
            end = find(b"\n", pos, hi)
            lines += 1
            # (a short line is searched for the needle at once: cheaper than the type check)
            u = find(USER, pos, pos + USER_HEAD) if end - pos > USER_MIN else -1
            if u >= 0 and find(b"{", pos + 1, u) < 0 and find(b"[", pos + 1, u) < 0:
                users.append((pos, end))
                pos = end + 1
                continue
            at = rfind(NEEDLE, pos, end)
            if at >= 0:
                # A content-block line repeating the last response (same ``requestId``) with
                # the same ``output_tokens`` adds nothing: skipped before parsing (input and
                # cache figures are fixed when a response starts; only the output grows).
                # Both sit near the end of an assistant line, so they are searched from it.
                r = rfind(b'"requestId":"', pos, end)
                if r < 0:
                    key = None
                else:
                    q = find(b'"', r + 13, end)
                    n = at + 28 if at + 28 < end else end  # the figure: up to 13 bytes
                    c = find(b",", at + 15, n)
                    key = (chunk[r + 13 : q if q >= 0 else end - 1],
                           chunk[at + 15 : c if c >= 0 else n])
                # a passed-over user line holding the needle would have been decoded and
                # reset the key: look for one only when it decides (a repeat right after)
                if key is None or key != last or (users and any(
                        find(NEEDLE, a, b) >= 0 for a, b in users)):
                    last = key
                    out.extend(decode(chunk[pos:end], source, base + pos, now))
                users.clear()
            pos = end + 1
        if users and any(find(NEEDLE, a, b) >= 0 for a, b in users):
            last = None  # as decoding that user line would have left it
        self._last = last
        return lines

    def _decode(self, line: bytes, source: str, offset: int, now: float) -> list[Event]:
        line = valid_utf8(line)
        try:
            rec = _timed_decoder.decode(line)
        except (msgspec.DecodeError, RecursionError):
            # a time msgspec does not take, or a bad line: the lenient path
            rec, bad = decode_or_bad(_decoder, line, source, offset, now,
                                     "unexpected record shape")
            if rec is None:
                return bad
        msg = rec.message
        if rec.type != "assistant" or msg is None or msg.usage is None:
            return []
        model = msg.model or "unknown"
        if model == SYNTHETIC:
            return []
        u = msg.usage
        akey = (rec.sessionId, rec.agentId, rec.isSidechain)
        agent = self._agents.get(akey)
        if agent is None:
            agent = agent_name(rec.sessionId or _fallback_agent(source), rec.agentId,
                               rec.isSidechain)
            if len(self._agents) < 10_000:
                self._agents[akey] = agent
        key = None
        if msg.id:
            key = f"{msg.id}:{rec.requestId}" if rec.requestId else msg.id
        t = rec.timestamp
        if t is None:
            ts = now
        elif type(t) is str:
            ts = iso_ts(t, now)
        else:
            ts = (t if t.tzinfo is not None else t.replace(tzinfo=UTC)).timestamp()
        if not MIN_TS <= ts <= MAX_TS:  # year 1 at +23:59: no time a calendar shows
            ts = now
        return [
            LLMCall(
                ts=ts,
                source=source,
                model=model,
                agent=agent,
                input_tokens=u.input_tokens or 0,
                output_tokens=u.output_tokens or 0,
                cache_read_tokens=u.cache_read_input_tokens or 0,
                cache_write_tokens=u.cache_creation_input_tokens or 0,
                cost_usd=rec.costUSD,
                ok=not rec.isApiErrorMessage,
                dedupe_key=key,
            )
        ]
