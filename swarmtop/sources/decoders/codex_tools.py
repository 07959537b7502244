"""A Codex tool call in a few words: its input (a function call's arguments, a custom tool's
text) and its outcome (an exit code, ``success: false``)."""

from __future__ import annotations

import re

import msgspec

from swarmtop.sources.decoders.summaries import short

_EXIT_CODE = re.compile(r"\A\s*(?:Exit code|Process exited with code):?\s*(-?\d{1,9})\b")


def args_summary(arguments: object) -> str:
    """A function call's arguments (a JSON string) in a few words: its command, path or
    first string."""
    args: object = arguments
    if isinstance(arguments, str):
        try:
            args = msgspec.json.decode(arguments)
        except (msgspec.DecodeError, RecursionError):
            return short(arguments, 80)
    if not isinstance(args, dict):
        return ""
    for key in ("command", "cmd", "path", "file_path", "pattern", "query", "url", "message"):
        v = args.get(key)
        if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
            return short(" ".join(v), 80)
        if isinstance(v, str) and v.strip():
            return short(v, 80)
    return next((short(v, 80) for v in args.values() if isinstance(v, str) and v.strip()), "")


def text_summary(text: object) -> str:
    """A custom tool's input (apply_patch: the patch): the file it touches, else its first
    line."""
    if not isinstance(text, str):
        return ""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    for ln in lines:
        if ln.startswith(("*** Update File:", "*** Add File:", "*** Delete File:")):
            return short(ln[4:], 80)
    return short(lines[0], 80) if lines else ""


def output_outcome(output: object) -> tuple[bool, str]:
    """(ok, a short error) of a tool's output: a non-zero exit code, or ``success: false``."""
    text = ""
    if isinstance(output, dict):
        content = output.get("content")
        text = content if isinstance(content, str) else ""
        if output.get("success") is False:
            return False, short(text, 100)
    elif isinstance(output, str):
        text = output
    if not text:
        return True, ""
    m = _EXIT_CODE.match(text)
    if m is not None:
        if int(m.group(1)) == 0:
            return True, ""
        return False, short(text[m.end():].split("Output:", 1)[-1], 100)
    if text.lstrip().startswith("{"):
        try:
            rec = msgspec.json.decode(text)
        except (msgspec.DecodeError, RecursionError):
            return True, ""
        meta = rec.get("metadata") if isinstance(rec, dict) else None
        code = meta.get("exit_code") if isinstance(meta, dict) else None
        if isinstance(code, int) and code != 0:
            out = rec.get("output")
            return False, short(out, 100) if isinstance(out, str) else ""
    return True, ""


def mcp_failure(result: object) -> str | None:
    """Why an MCP tool call failed, from an ``mcp_tool_call_end`` event's ``result`` (Rust's
    ``Result<CallToolResult, String>`` as serde writes it: ``{"Ok": {...}}`` or ``{"Err":
    "..."}``); None when it did not. A CallToolResult fails when its ``isError`` is true
    (``McpToolCallEndEvent::is_success`` in codex-rs/protocol). The function_call_output that
    follows carries only the content: its ``success`` is not serialized."""
    if not isinstance(result, dict):
        return None
    if "Err" in result:
        err = result["Err"]
        return short(err, 100) if isinstance(err, str) and err.strip() else "failed"
    ok = result.get("Ok")
    if not isinstance(ok, dict) or (ok.get("isError") or ok.get("is_error")) is not True:
        return None
    content = ok.get("content")
    texts = [c["text"] for c in content if isinstance(c, dict) and isinstance(c.get("text"), str)
             ] if isinstance(content, list) else []
    return short(" ".join(texts), 100) if texts else "isError"
