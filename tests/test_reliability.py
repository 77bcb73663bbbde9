"""Reliability over the real chat socket: provider faults, bad input, dropped connections.

Every fault must end the turn with a message that says what went wrong, leave the conversation
intact (the next turn works; its request carries the earlier exchanges, not an instruction the
model never answered) and hang nothing.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from scripted_llm import (
    ScriptedLLM,
    cut_reply,
    error_reply,
    hang_reply,
    malformed_tool_reply,
    repeated,
    stream_error_reply,
    text_reply,
    tool_reply,
)
from tornado.httpclient import HTTPClientError
from traitlets.config import Config
from wire_client import ChatClient, Fetch, closed_port, on_server_loop, text_of, turn

pytestmark = pytest.mark.timeout(120)

REQUEST_TIMEOUT = 1.0
DOWN_PORT = closed_port()


@pytest.fixture
def jp_server_config(jp_server_config: Config, request: pytest.FixtureRequest) -> Config:
    """The shared config; a short model timeout and a provider on a closed port for these tests."""
    if "code_interp_server" in request.fixturenames:
        jp_server_config.CodeInterpreter.request_timeout = REQUEST_TIMEOUT
        jp_server_config.CodeInterpreter.providers = {
            "down": {
                "base_url": f"http://127.0.0.1:{DOWN_PORT}/v1",
                "api_key": "sk-down-0123456789SECRET",
                "models": ["down-model"],
            }
        }
    return jp_server_config


# (id, replies queued, extra turn fields, expected reason, expected message parts)
FAULTS: list[tuple[str, list[dict[str, Any]], dict[str, Any], str, list[str]]] = [
    (
        "401",
        [error_reply(401, "Incorrect API key provided.")],
        {},
        "error",
        ["The provider rejected the API key (401)."],
    ),
    (
        "404",
        [error_reply(404, "The model `scripted-model` does not exist.")],
        {},
        "error",
        ["Model 'scripted-model' was not found at", "(404)", "does not exist"],
    ),
    (
        "429-retry-after",
        # The SDK retries a 429 twice, honouring Retry-After; all three attempts are refused.
        [repeated(error_reply(429, "Rate limit reached", retry_after=1), 3)],
        {},
        "error",
        ["Rate limited by the provider (429): Rate limit reached.", "Retry after 1 s."],
    ),
    (
        "500",
        [repeated(error_reply(500, "The server had an error while processing"), 3)],
        {},
        "error",
        ["The provider answered HTTP 500: The server had an error while processing"],
    ),
    (
        "timeout-before-first-byte",
        [repeated(hang_reply(30), 3)],
        {},
        "error",
        [f"no answer within {REQUEST_TIMEOUT:g} s (request timed out)"],
    ),
    (
        "connection-refused",
        [],
        {"provider": "down", "model": "down-model"},
        "error",
        [f"Cannot connect to http://127.0.0.1:{DOWN_PORT}/v1"],
    ),
    (
        "stream-cut-mid-answer",
        [cut_reply("This answer is cut in the middle of a sentence, sadly.")],
        {},
        "error",
        ["the stream was cut before the reply was complete"],
    ),
    (
        "sse-error-event",
        [stream_error_reply("Half an answer ", "The model is overloaded")],
        {},
        "error",
        ["The provider reported an error mid-stream", "The model is overloaded"],
    ),
    (
        "malformed-tool-call-json",
        [repeated(malformed_tool_reply())],
        {},
        "error",
        ["tool calls in a row that could not be run", "the arguments were not valid JSON"],
    ),
    (
        "code-forever",
        [repeated(tool_reply("x = 1"))],
        {"maxSteps": 3},
        "max_steps",
        ["Stopped after 3 steps, the most one turn may run."],
    ),
]


@pytest.mark.parametrize(
    ("replies", "extra", "reason", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in FAULTS],
)
@on_server_loop
async def test_provider_fault_ends_the_turn_clearly_and_the_next_turn_works(
    code_interp_server: ScriptedLLM,
    jp_ws_fetch: Fetch,
    test_api_key: str,
    replies: list[dict[str, Any]],
    extra: dict[str, Any],
    reason: str,
    expected: list[str],
) -> None:
    code_interp_server.push(*replies)
    client = await ChatClient.open(jp_ws_fetch)
    marker = f"first-{uuid.uuid4().hex[:8]}"
    frames = await client.run_turn(turn("t1", f"问题 {marker}", **extra))
    finished = frames[-1]
    assert finished["type"] == "turn_finished", finished
    assert finished["reason"] == reason, finished
    for part in expected:
        assert part in finished["message"], finished["message"]
    assert test_api_key not in json.dumps(frames)

    code_interp_server.discard_replies()
    code_interp_server.push(text_reply("恢复了 ✓ recovered"))
    before = len(code_interp_server.requests)
    # Named explicitly: a turn without a model keeps the conversation's last one (maybe "down").
    second = turn("t2", "second question", provider="default", model="scripted-model")
    frames = await client.run_turn(second)
    client.close()
    assert frames[-1]["reason"] == "done", frames[-1]
    assert text_of(frames) == "恢复了 ✓ recovered"
    assert len(code_interp_server.requests) == before + 1
    sent = json.dumps(code_interp_server.requests[-1]["messages"], ensure_ascii=False)
    assert "second question" in sent
    # The faulty turn stays in the model's history only if the model answered something in it.
    answered = reason == "max_steps" or "tool calls in a row" in finished["message"]
    assert (marker in sent) == answered


@on_server_loop
async def test_bad_frames_get_clear_errors_and_the_socket_and_server_stay_up(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch, jp_fetch: Fetch
) -> None:
    client = await ChatClient.open(jp_ws_fetch)
    ten_mb = "x" * (10 * 1024 * 1024)
    bad: list[tuple[str, str]] = [
        ("{oops", "not valid JSON"),
        ('{"type": "teleport", "notebook": "a.ipynb"}', "Unknown frame type 'teleport'"),
        ('{"type": 42}', "needs a string field 'type'"),
        (json.dumps(turn("m1", "hi", model="no-such-model")), "no-such-model"),
        (json.dumps(turn("m2", "hi", provider="nobody", model="x")), "Provider 'nobody'"),
        (json.dumps(turn("p1", "hi", notebook="../outside.ipynb")), "contains '..'"),
        (json.dumps(turn("p2", "hi", notebook="a/../../x.ipynb")), "contains '..'"),
        (json.dumps(turn("p3", "hi", notebook="..\\x.ipynb")), "contains '..'"),
        (json.dumps(turn("p4", "hi", attachments=["../../etc/passwd"])), "../../etc/passwd"),
        (json.dumps(turn("big", ten_mb)), "frames may be at most 8 MiB"),
        (ten_mb, "frames may be at most 8 MiB"),
    ]
    for message, expected in bad:
        await client.socket.write_message(message)
        reply = await client.receive()
        assert reply["type"] == "error", (message[:80], reply)
        assert expected in reply["message"], (message[:80], reply)
    model_error = json.dumps(turn("m3", "hi", model="no-such-model"))
    await client.socket.write_message(model_error)
    assert "scripted-model" in (await client.receive())["message"]  # names the alternatives

    status = await jp_fetch("code-interp", "status")
    assert json.loads(status.body)["ready"] is True
    code_interp_server.push(text_reply("still here"))
    frames = await client.run_turn(turn("ok", "ping"))
    client.close()
    assert frames[-1]["reason"] == "done"
    assert text_of(frames) == "still here"


@on_server_loop
async def test_an_oversized_result_fails_its_step_instead_of_hanging(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch
) -> None:
    code_interp_server.push(tool_reply("print('x' * 10**7)"), text_reply("too big, sorry"))
    client = await ChatClient.open(jp_ws_fetch)
    await client.send(turn("t1", "make a big output"))
    request = (await client.until("execute_request"))[-1]
    huge = {"output_type": "stream", "name": "stdout", "text": "x" * (9 * 1024 * 1024)}
    await client.send(
        {
            "type": "execute_result",
            "requestId": request["requestId"],
            "result": {"outputs": [huge], "executionCount": 1, "cellId": "c", "cellIndex": 0},
        }
    )
    frames = await client.until("turn_finished")
    client.close()
    assert frames[-1]["reason"] == "error"
    assert "frames may be at most 8 MiB" in frames[-1]["message"]


@pytest.mark.parametrize(
    ("method", "parts", "params", "body", "status", "expected"),
    [
        ("PUT", ["providers", "mine"], None, "{not json", 400, "not valid JSON"),
        ("PUT", ["providers", "mine"], None, '{"baseUrl": 5}', 400, "must be a string"),
        ("PUT", ["providers", "mine"], None, '{"shoeSize": 44}', 400, "shoeSize"),
        ("POST", ["providers", "nobody", "test"], None, "{}", 404, "nobody"),
        ("POST", ["providers", "default", "test"], None, "[1,", 400, "not valid JSON"),
        ("GET", ["providers", "nobody", "models"], None, None, 404, "nobody"),
        ("DELETE", ["providers", "nobody"], None, None, 404, "nobody"),
        ("GET", ["preview"], {"path": "../../etc/passwd"}, None, 400, ".."),
        ("GET", ["preview"], {"path": "/etc/passwd"}, None, 400, "absolute"),
        # tornado turns control characters of query arguments into spaces
        ("GET", ["preview"], {"path": "a\x00b.csv"}, None, 404, "'a b.csv' does not exist"),
        ("GET", ["preview"], {}, None, 400, "'path' is required"),
        ("GET", ["files"], {"dir": "../"}, None, 400, ".."),
        ("GET", ["files"], {"dir": "", "limit": "lots"}, None, 400, "'limit'"),
    ],
)
@on_server_loop
async def test_bad_rest_input_gets_a_clear_error_and_the_server_stays_up(
    code_interp_server: ScriptedLLM,
    jp_fetch: Fetch,
    method: str,
    parts: list[str],
    params: dict[str, str] | None,
    body: str | None,
    status: int,
    expected: str,
) -> None:
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("code-interp", *parts, method=method, params=params, body=body)
    assert refused.value.code == status
    assert refused.value.response is not None
    message = json.loads(refused.value.response.body)["message"]
    assert expected in message, message
    assert (await jp_fetch("code-interp", "status")).code == 200


@on_server_loop
async def test_a_dropped_socket_ends_its_turn_and_a_new_socket_works(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch
) -> None:
    slow = {"text": "a slow answer " * 40, "chunk": 3, "delay": 0.05}
    code_interp_server.push(slow, text_reply("fresh answer"))
    dropped = await ChatClient.open(jp_ws_fetch)
    await dropped.send(turn("gone", "a question whose socket drops"))
    await dropped.until("text")
    dropped.close()

    client = await ChatClient.open(jp_ws_fetch)
    record = await _finished_record(client, "gone")
    assert record["reason"] == "error", record
    assert record["message"] == "The connection to the panel was lost, so the turn was stopped."

    frames = await client.run_turn(turn("next", "after the drop"))
    client.close()
    assert frames[-1]["reason"] == "done", frames[-1]
    assert text_of(frames) == "fresh answer"
    sent = json.dumps(code_interp_server.requests[-1]["messages"])
    # The model never answered the dropped turn: it is not sent with the next instruction.
    assert "a question whose socket drops" not in sent and "after the drop" in sent


async def _finished_record(client: ChatClient, turn_id: str) -> dict[str, Any]:
    """The stored record of `turn_id` once it has finished (asks for the history until then)."""
    while True:
        await client.send({"type": "history", "notebook": "nb.ipynb"})
        history = (await client.until("history"))[-1]
        records = [record for record in history["turns"] if record["turnId"] == turn_id]
        assert records, history
        if history["runningTurnId"] is None and records[0]["reason"] is not None:
            return dict(records[0])
        await asyncio.sleep(0.05)
