"""Model requests (``llm_call`` records): token counts given directly, read from an Anthropic
or OpenAI usage object, or left for swarmtop to estimate from the text."""

from __future__ import annotations

from typing import Any

from swarmtop.probe import writer
from swarmtop.probe.tasks import _current
from swarmtop.probe.writer import _emit, _fmt_ts, _num, _s


def _usage_field(usage: Any, *names: str) -> Any:
    for n in names:
        v = usage.get(n) if isinstance(usage, dict) else getattr(usage, n, None)
        if v is not None:
            return v
    return None


def _from_usage(usage: Any) -> tuple[Any, Any, Any, Any]:
    """(input, output, cache_read, cache_write) from an Anthropic or OpenAI usage object/dict.
    Anthropic's input_tokens already excludes cache; OpenAI's prompt_tokens includes cached."""
    i = _usage_field(usage, "input_tokens")
    o = _usage_field(usage, "output_tokens")
    cr = _usage_field(usage, "cache_read_input_tokens", "cache_read_tokens")
    cw = _usage_field(usage, "cache_creation_input_tokens", "cache_write_tokens")
    if i is None and o is None:  # OpenAI chat completions shape
        i = _usage_field(usage, "prompt_tokens")
        o = _usage_field(usage, "completion_tokens")
        details = _usage_field(usage, "prompt_tokens_details")
        cached = _usage_field(details, "cached_tokens") if details is not None else None
        if cached and type(i) is int:
            i, cr = i - cached, cached
    return i, o, cr, cw


def llm_call(
    model: str,
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    *,
    cache_read_tokens: int | None = None,
    cache_write_tokens: int | None = None,
    latency_ms: float | None = None,
    ok: bool = True,
    cost_usd: float | None = None,
    usage: Any = None,
    prompt: str | None = None,
    completion: str | None = None,
    agent: str | None = None,
    pattern: str | None = None,
) -> None:
    """Record one model request.

    Give token counts directly, or ``usage=`` (an Anthropic or OpenAI usage object or dict),
    or only ``prompt=``/``completion=`` text: swarmtop then counts it with tiktoken and marks the
    figures estimated. ``agent``/``pattern`` default to those of the enclosing ``task``.
    """
    if writer._fd < 0:
        return
    try:
        if usage is not None:
            ui, uo, ucr, ucw = _from_usage(usage)
            input_tokens = input_tokens if input_tokens is not None else ui
            output_tokens = output_tokens if output_tokens is not None else uo
            cache_read_tokens = cache_read_tokens if cache_read_tokens is not None else ucr
            cache_write_tokens = cache_write_tokens if cache_write_tokens is not None else ucw
        if agent is None or pattern is None:
            cur = _current.get()
            if cur is not None:
                if agent is None:
                    agent = cur.agent
                if pattern is None:
                    pattern = cur.pattern
        parts = [f'{{"ts":{_fmt_ts()},"type":"llm_call","model":{_s(model)}']
        if agent:
            parts.append(f',"agent":{_s(agent)}')
        if pattern:
            parts.append(f',"pattern":{_s(pattern)}')
        for key, value in (
            ("input_tokens", input_tokens), ("output_tokens", output_tokens),
            ("cache_read_tokens", cache_read_tokens), ("cache_write_tokens", cache_write_tokens),
            ("latency_ms", latency_ms), ("cost_usd", cost_usd),
        ):
            if value is not None:
                v = _num(value)
                if v is not None:
                    parts.append(f',"{key}":{v}')
        if not ok:
            parts.append(',"ok":false')
        has_usage = input_tokens is not None or output_tokens is not None
        if not has_usage:  # text is only worth its bytes when there is nothing to count
            if prompt is not None:
                parts.append(f',"prompt":{_s(prompt)}')
            if completion is not None:
                parts.append(f',"completion":{_s(completion)}')
        parts.append("}\n")
        _emit("".join(parts))
    except Exception:  # noqa: BLE001 - the probe never raises into the swarm
        pass
