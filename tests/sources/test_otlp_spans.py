"""GenAI spans → events: leaf usage only, agents and their tree, tools, the conventions'
variants (legacy keys, OpenInference), and requests that split a trace."""

from __future__ import annotations

from swarmtop.events import AgentInfo, LLMCall, TaskEvent, ToolCall
from swarmtop.sources import otlp_json
from swarmtop.sources.decoders.otel import OtelDecoder
from swarmtop.sources.otlp_map import OtlpMapper
from tests.sources.otlpjson import (
    AGENT,
    CHAT1,
    CHAT2,
    TOOL,
    issue_3995,
    line,
    span,
    traces,
)


def _map(*docs: dict, mapper: OtlpMapper | None = None, now: float = 0.0,
         drain: bool = True) -> list:
    """The docs as requests, in order; then (``drain``) what the mapping still holds, as at
    the end of a file."""
    mapper = mapper or OtlpMapper()
    out: list = []
    for doc in docs:
        for batch in otlp_json.batches(otlp_json.decode(line(doc))):
            out.extend(mapper.map(batch, "otlp", now))
    if drain:
        out.extend(mapper.drain())
    return out


def _calls(events: list) -> list[LLMCall]:
    return [e for e in events if isinstance(e, LLMCall)]


def test_issue_3995_agent_usage_is_not_counted_again() -> None:
    events = OtelDecoder().decode(line(issue_3995()), "f.jsonl", 0, 0.0)
    calls = _calls(events)
    assert len(calls) == 2
    assert sum(c.input_tokens or 0 for c in calls) == 113
    assert sum(c.output_tokens or 0 for c in calls) == 11
    assert {c.agent for c in calls} == {"weather_agent"}
    assert all(c.model == "gpt-4o" for c in calls)
    assert calls[0].latency_ms == 390.0
    [info] = [e for e in events if isinstance(e, AgentInfo)]
    assert (info.agent, info.name, info.parent, info.agent_kind) == (
        "weather_agent", "weather_agent", "", "otel")
    [task] = [e for e in events if isinstance(e, TaskEvent)]
    assert (task.pattern, task.agent, task.duration_ms, task.status) == (
        "agent", "weather_agent", 1000.0, "ok")
    [tool] = [e for e in events if isinstance(e, ToolCall)]
    assert (tool.tool, tool.agent, tool.phase, tool.duration_ms, tool.ok) == (
        "get_weather", "weather_agent", "end", 50.0, True)


def _split_3995() -> tuple[dict, dict]:
    """issue #3995's trace as two requests: the chats and the tool, then the agent span."""
    spans = issue_3995()["resourceSpans"][0]["scopeSpans"][0]["spans"]
    return traces(spans[:3], "weather-app"), traces(spans[3:], "weather-app")


def test_children_in_an_earlier_request_than_their_agent() -> None:
    """Exporters send a span when it ends: the chats come first, the agent span later. The
    chats wait for it and take its agent; its summed usage is not counted again."""
    first, second = _split_3995()
    mapper = OtlpMapper()
    early = _map(first, mapper=mapper, now=100.0, drain=False)
    assert early == [] and mapper.holding == 3  # the two chats and the tool wait
    events = _map(second, mapper=mapper, now=101.0, drain=False)
    assert mapper.holding == 0
    calls = _calls(events)
    assert len(calls) == 2 and sum(c.input_tokens or 0 for c in calls) == 113
    assert sum(c.output_tokens or 0 for c in calls) == 11
    assert {c.agent for c in calls} == {"weather_agent"}
    [tool] = [e for e in events if isinstance(e, ToolCall)]
    assert tool.agent == "weather_agent"


def test_agent_before_its_children_is_not_counted_twice() -> None:
    """The other order (a child that ends after its agent, another process, a retried
    request): the agent's summed usage waits; the calls that come mark it a sum."""
    first, second = _split_3995()
    mapper = OtlpMapper()
    early = _map(second, mapper=mapper, now=100.0, drain=False)
    assert _calls(early) == [] and mapper.holding == 1  # its own usage, kept back
    assert [e.agent for e in early if isinstance(e, AgentInfo)] == ["weather_agent"]
    later = _map(first, mapper=mapper, now=102.0, drain=False)
    assert mapper.expire(200.0) == [] and mapper.holding == 0
    calls = _calls(later)
    assert len(calls) == 2 and sum(c.input_tokens or 0 for c in calls) == 113
    assert {c.agent for c in calls} == {"weather_agent"}  # the agent was known already


def test_a_parent_that_does_not_come_in_time_leaves_its_spans_to_the_service() -> None:
    first, second = _split_3995()
    mapper = OtlpMapper()
    assert _map(first, mapper=mapper, now=100.0, drain=False) == []
    assert mapper.expire(105.0) == []  # still waiting
    late = mapper.expire(110.5)
    assert {c.agent for c in _calls(late)} == {"weather-app"} and len(_calls(late)) == 2
    assert mapper.spans.held_late == 3
    # the agent is long-running: what comes under it later is not held again
    more = _map(traces([span("c000000000000009", "chat gpt-4o", {
        "gen_ai.usage.input_tokens": 5, "gen_ai.usage.output_tokens": 1}, parent=AGENT)],
        "weather-app"), mapper=mapper, now=111.0, drain=False)
    assert [c.agent for c in _calls(more)] == ["weather-app"] and mapper.holding == 0
    # and when it ends, its usage is a sum of what came: not counted
    end = _map(second, mapper=mapper, now=300.0, drain=False)
    assert _calls(end + mapper.expire(400.0)) == []


def test_a_service_whose_parents_never_come_stops_waiting_for_a_while() -> None:
    """Traces begun in a service that exports elsewhere: their first span's parent never comes.
    After three waits in vain its spans go on at once, for a minute; then one waits again."""
    from swarmtop.sources.otlp_spans import QUIET_S

    mapper = OtlpMapper()

    def chat(t: int, now: float) -> list:
        return _map(traces([span("c300000000000001", "chat m", {
            "gen_ai.usage.input_tokens": 1}, parent="d300000000000001", trace=f"{t:032x}")],
            "gateway-app"), mapper=mapper, now=now, drain=False)

    t = 0.0
    for k in range(3):
        assert chat(k + 1, t) == []
        t += 11.0
        assert len(_calls(mapper.expire(t))) == 1
    assert [c.agent for c in _calls(chat(4, t))] == ["gateway-app"]  # did not wait
    assert chat(5, t + QUIET_S + 1) == [] and mapper.holding == 1  # tried again


def test_held_spans_walk_on_through_a_chain_of_late_ancestors() -> None:
    """chat → a framework's span → invoke_agent, each in its own request, leaves first."""
    chat, step, agent = "b100000000000001", "b100000000000002", "b100000000000003"
    mapper = OtlpMapper()
    out = _map(traces([span(chat, "chat gpt-4o", {"gen_ai.usage.input_tokens": 9,
                                                  "gen_ai.usage.output_tokens": 2},
                            parent=step)]), mapper=mapper, now=1.0, drain=False)
    out += _map(traces([span(step, "agent step", {"framework.step": 1}, parent=agent)]),
                mapper=mapper, now=2.0, drain=False)
    assert _calls(out) == [] and mapper.holding == 1
    out += _map(traces([span(agent, "invoke_agent coder", {
        "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "coder",
        "gen_ai.usage.input_tokens": 9, "gen_ai.usage.output_tokens": 2})]),
        mapper=mapper, now=3.0, drain=False)
    [call] = _calls(out + mapper.expire(100.0))
    assert (call.agent, call.input_tokens) == ("coder", 9)


def test_held_spans_are_bounded_and_the_oldest_go_out_first() -> None:
    mapper = OtlpMapper()
    mapper.spans.max_held = 4
    out: list = []
    for t in range(6):  # six traces, each a chat whose agent has not come
        trace = f"{t + 1:032x}"
        out += _map(traces([span("c100000000000001", "chat m", {
            "gen_ai.usage.input_tokens": 1}, parent="a100000000000001", trace=trace)]),
            mapper=mapper, now=float(t), drain=False)
    assert mapper.holding == 4 and len(_calls(out)) == 2  # handed on, never dropped
    assert len(_calls(mapper.drain())) == 4 and mapper.holding == 0


def test_a_span_that_names_its_agent_does_not_wait() -> None:
    out = _map(traces([span("c200000000000001", "chat m", {
        "gen_ai.usage.input_tokens": 3, "gen_ai.agent.name": "scout"},
        parent="a200000000000009")]), drain=False)
    assert [c.agent for c in _calls(out)] == ["scout"]


def test_an_agent_with_no_call_below_counts_its_own_usage() -> None:
    events = _map(traces([span(AGENT, "invoke_agent solo", {
        "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.id": "asst_1",
        "gen_ai.agent.name": "solo", "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 30, "gen_ai.usage.output_tokens": 4})]))
    [call] = _calls(events)
    assert (call.agent, call.input_tokens, call.output_tokens) == ("asst_1", 30, 4)
    [info] = [e for e in events if isinstance(e, AgentInfo)]
    assert (info.agent, info.name, info.model) == ("asst_1", "solo", "gpt-4o-mini")


def test_nested_chat_spans_count_once() -> None:
    """Two instrumentations (a framework's and the client library's) nest chat in chat."""
    usage = {"gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 2}
    events = _map(traces([
        span("b000000000000002", "chat gpt-4o", usage, parent="b000000000000001"),
        span("b000000000000001", "chat gpt-4o", {"gen_ai.operation.name": "chat", **usage}),
    ]))
    [call] = _calls(events)
    assert call.dedupe_key.endswith(":b000000000000002")


def test_sub_agents_nest_and_spans_take_the_nearest_agent() -> None:
    outer, tool, inner, chat = ("d000000000000001", "d000000000000002", "d000000000000003",
                                "d000000000000004")
    events = _map(traces([
        span(chat, "chat claude-sonnet-4-5", {"gen_ai.usage.input_tokens": 100,
                                              "gen_ai.usage.cache_read.input_tokens": 60,
                                              "gen_ai.usage.cache_creation.input_tokens": 30,
                                              "gen_ai.usage.output_tokens": 7,
                                              "gen_ai.response.model": "claude-sonnet-4-5"},
             parent=inner),
        span(inner, "invoke_agent math", {"gen_ai.agent.name": "math"}, parent=tool),
        span(tool, "execute_tool ask_math", {}, parent=outer, error=True, message="boom"),
        span(outer, "invoke_agent research", {"gen_ai.agent.name": "research"}),
    ]))
    [call] = _calls(events)
    assert call.agent == "math"
    assert (call.input_tokens, call.cache_read_tokens, call.cache_write_tokens) == (10, 60, 30)
    infos = {e.agent: e for e in events if isinstance(e, AgentInfo)}
    assert infos["math"].parent == "research" and infos["research"].parent == ""
    [t] = [e for e in events if isinstance(e, ToolCall)]
    assert (t.tool, t.agent, t.ok, t.error) == ("ask_math", "research", False, "boom")
    tasks = {e.agent: e.status for e in events if isinstance(e, TaskEvent)}
    assert tasks == {"math": "ok", "research": "ok"}


def test_a_sub_agent_learns_its_parent_when_the_parent_arrives_later() -> None:
    outer, inner = "e000000000000001", "e000000000000002"
    mapper = OtlpMapper()
    first = _map(traces([span(inner, "invoke_agent child", {}, parent=outer)]), mapper=mapper)
    assert [e.parent for e in first if isinstance(e, AgentInfo)] == [""]
    later = _map(traces([span(outer, "invoke_agent boss", {})]), mapper=mapper)
    linked = [e for e in later if isinstance(e, AgentInfo) and e.agent == "child"]
    assert [e.parent for e in linked] == ["boss"]


def test_errors_costs_and_legacy_keys() -> None:
    events = _map(traces([
        span("a100000000000001", "text_completion davinci", {
            "gen_ai.usage.prompt_tokens": 9, "gen_ai.usage.completion_tokens": 3,
            "gen_ai.usage.cost": 0.25, "error.type": "timeout"}),
        span("a100000000000002", "chat", {"gen_ai.request.model": "m1"}, error=True),
    ]))
    a, b = _calls(events)
    assert (a.model, a.input_tokens, a.output_tokens, a.cost_usd, a.ok) == (
        "davinci", 9, 3, 0.25, False)
    assert (b.model, b.input_tokens, b.ok) == ("m1", 0, False)


def test_openinference_spans() -> None:
    events = _map(traces([
        span("a200000000000001", "ChatCompletion", {
            "openinference.span.kind": "LLM", "llm.model_name": "gpt-4o",
            "llm.token_count.prompt": 50, "llm.token_count.completion": 5,
            "llm.token_count.prompt_details.cache_read": 20}, parent="a200000000000003"),
        span("a200000000000002", "search", {"openinference.span.kind": "TOOL",
                                            "tool.name": "web_search",
                                            "input.value": "{\"q\": \"x\"}"},
             parent="a200000000000003"),
        span("a200000000000003", "Planner", {"openinference.span.kind": "AGENT",
                                             "agent.name": "planner",
                                             "llm.token_count.prompt": 50}),
    ]))
    [call] = _calls(events)
    assert (call.model, call.input_tokens, call.cache_read_tokens, call.agent) == (
        "gpt-4o", 30, 20, "planner")
    [tool] = [e for e in events if isinstance(e, ToolCall)]
    assert (tool.tool, tool.summary, tool.agent) == ("web_search", '{"q": "x"}', "planner")


def test_a_retried_request_is_not_counted_twice() -> None:
    mapper = OtlpMapper()
    first = _map(issue_3995(), mapper=mapper)
    again = _map(issue_3995(), mapper=mapper)
    assert len(_calls(first)) == 2 and again == []
    assert mapper.repeats == 4


def test_spans_without_genai_are_ignored_and_cli_spans_left_to_their_logs() -> None:
    plain = _map(traces([span("a300000000000001", "GET /", {"http.method": "GET"}),
                         span("a300000000000002", "chat", {"http.route": "/chat"})]))
    assert plain == []
    cli = _map(traces([span("a300000000000003", "claude_code.llm_request", {
        "gen_ai.usage.input_tokens": 5})], service="claude-code"))
    assert cli == []


def test_span_ids_and_names() -> None:
    events = _map(issue_3995())
    keys = {c.dedupe_key for c in _calls(events)}
    trace = "0af7651916cd43dd8448eb211c80319c"
    assert keys == {f"{trace}:{CHAT1}", f"{trace}:{CHAT2}"}
    assert AGENT and TOOL


def _to_protobuf(doc: dict, signal: str) -> bytes:
    """The same request in protobuf: OTLP/JSON's hex ids become bytes (proto3 JSON wants
    base64), then json_format builds the generated message."""
    import base64
    import copy

    from google.protobuf import json_format

    from swarmtop.sources.otlp_pb import REQUESTS

    d = copy.deepcopy(doc)
    stack: list = [d]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("traceId", "spanId", "parentSpanId") and isinstance(v, str):
                    node[k] = base64.b64encode(bytes.fromhex(v)).decode()
                else:
                    stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)
    return json_format.ParseDict(d, REQUESTS[signal](), ignore_unknown_fields=True) \
        .SerializeToString()


def test_protobuf_and_json_tell_the_same_story() -> None:
    from swarmtop.sources import otlp_pb
    from tests.sources.otlpjson import log, logs

    for doc, signal in ((issue_3995(), "traces"),
                        (logs([log({"event.name": "api_request", "session.id": "s",
                                    "model": "m", "input_tokens": 3, "cost_usd": 0.5})]),
                         "logs")):
        from_json = OtlpMapper().map(otlp_json.parse(signal, line(doc)), "x", 0.0)
        from_pb = OtlpMapper().map(otlp_pb.parse(signal, _to_protobuf(doc, signal)), "x", 0.0)
        assert from_json == from_pb and from_json
