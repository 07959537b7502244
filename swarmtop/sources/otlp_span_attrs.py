"""What a GenAI span's attributes say (OpenTelemetry semantic conventions, and OpenInference):
its kind (call, agent, tool), usage, model, cost and agent identity. The spans' tree and what
is counted where: otlp_spans.py."""

from __future__ import annotations

from swarmtop.sources.otlp_model import STATUS_ERROR, Attrs, Span, as_int, as_str

SUMMARY_CHARS = 200

CALL_OPS = frozenset({"chat", "text_completion", "generate_content", "embeddings", "completion",
                      "generate"})
AGENT_OPS = frozenset({"invoke_agent"})
TOOL_OPS = frozenset({"execute_tool"})
OI_KIND = {"LLM": "call", "EMBEDDING": "call", "AGENT": "agent", "TOOL": "tool"}

INPUT = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt")
OUTPUT = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
          "llm.token_count.completion")
CACHE_READ = ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
              "llm.token_count.prompt_details.cache_read")
CACHE_WRITE = ("gen_ai.usage.cache_creation.input_tokens",
               "gen_ai.usage.cache_creation_input_tokens",
               "llm.token_count.prompt_details.cache_write")
COST = ("gen_ai.usage.cost", "llm.cost.total")
MODEL = ("gen_ai.response.model", "gen_ai.request.model", "llm.model_name")

# service.name of the agent CLIs, whose log events are their calls (otlp_logs)
CLI_SERVICE_PREFIXES = ("claude-code", "claude_code", "codex", "gemini-cli", "gemini_cli")


def first(attrs: Attrs, keys: tuple[str, ...]) -> object:
    for k in keys:
        v = attrs.get(k)
        if v is not None and v != "":
            return v
    return None


def first_int(attrs: Attrs, keys: tuple[str, ...]) -> int | None:
    for k in keys:
        v = as_int(attrs.get(k))
        if v is not None:
            return v
    return None


def is_cli_service(service: str) -> bool:
    return service.lower().startswith(CLI_SERVICE_PREFIXES)


def classify(span: Span) -> str:
    """call | agent | tool | other."""
    a = span.attrs
    op = a.get("gen_ai.operation.name")
    if not isinstance(op, str) or not op:
        # by name: "{op} {model}", or a bare "{op}" with GenAI attributes (a span merely
        # called "chat" is not a model call)
        parts = span.name.split(" ", 1)
        op = parts[0] if len(parts) == 2 or any(k.startswith("gen_ai.") for k in a) else ""
    if op in AGENT_OPS:
        return "agent"
    if op in TOOL_OPS:
        return "tool"
    if op in CALL_OPS:
        return "call"
    kind = a.get("openinference.span.kind")
    if isinstance(kind, str) and kind.upper() in OI_KIND:
        return OI_KIND[kind.upper()]
    if has_usage(a):
        return "call"
    return "other"


def has_usage(attrs: Attrs) -> bool:
    return first_int(attrs, INPUT) is not None or first_int(attrs, OUTPUT) is not None


def agent_identity(span: Span) -> tuple[str, str]:
    """(id, name) an agent span states for itself."""
    a = span.attrs
    name = as_str(a.get("gen_ai.agent.name")) or as_str(a.get("agent.name"))
    ident = as_str(a.get("gen_ai.agent.id")) or name
    if not ident:
        rest = span.name.split(" ", 1)
        ident = rest[1].strip() if len(rest) == 2 and rest[0] in AGENT_OPS else ""
    return ident, name or ident


def stated_agent(attrs: Attrs) -> str:
    """The agent a non-agent span names itself, if it does."""
    return as_str(attrs.get("gen_ai.agent.id")) or as_str(attrs.get("gen_ai.agent.name"))


def span_failed(span: Span) -> bool:
    return span.status_code == STATUS_ERROR or span.attrs.get("error.type") not in (None, "")


def clip(text: str, n: int = SUMMARY_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
