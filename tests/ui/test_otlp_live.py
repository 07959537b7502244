"""The receiver on the real runtime, in the TUI: what a client sends is on screen (the Sources
panel's OTLP line with its senders and refusals, the agent in the Agents panel)."""

from __future__ import annotations

import asyncio
import time

from swarmtop.core.aggregator import Aggregator
from swarmtop.runtime import Runtime
from swarmtop.sources.otlp_receiver import OtlpReceiver
from swarmtop.ui import SwarmtopApp
from tests.sources.otlpjson import issue_3995, line
from tests.ui.fakes import screen_text


async def _post(port: int, body: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return answer


async def test_received_spans_reach_the_screen():
    receiver = OtlpReceiver("127.0.0.1", 0)
    agg = Aggregator()
    agg.receivers.append(receiver.status)
    runtime = Runtime(agg, [receiver], interval=0.2)
    app = SwarmtopApp(runtime, interval=0.2)
    async with app.run_test(size=(200, 60)) as pilot:
        assert (await _post(receiver.port, line(issue_3995()))).startswith(b"HTTP/1.1 200")
        assert (await _post(receiver.port, b"{not json")).startswith(b"HTTP/1.1 400")
        deadline = time.monotonic() + 20
        text = ""
        while time.monotonic() < deadline:
            await pilot.pause(0.1)
            text = screen_text(app)
            if "4 spans" in text and "weather_agent" in text and "refused" in text:
                break
        assert f"OTLP 127.0.0.1:{receiver.port} listening" in text
        assert "2 requests: 4 spans" in text and "from weather-app" in text
        assert "refused 1 (400 malformed body ×1)" in text  # the rejection, by reason
        assert "weather_agent" in text
        rows = {a.name: a for a in runtime.latest().agents}  # the Agents view's rows
        agent = rows["weather_agent"]
        assert (agent.kind, agent.calls, agent.input, agent.tool_calls) == ("otel", 2, 113, 1)
        # let the Agents panel, just shown, settle before leaving: leaving at once can hit
        # SwarmtopApp.on_descendant_focus after the screens are gone (ScreenStackError)
        await pilot.pause(0.5)
