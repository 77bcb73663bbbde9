"""Reliability over the real chat socket: provider faults, bad input, dropped connections.

Every fault must end the turn with a message that says what went wrong, leave the conversation
intact (the next turn works; its request carries the earlier exchanges, not an instruction the
model never answered) and hang nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
import subprocess
import uuid
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from route_catalog import extension_routes
from scripted_llm import (
    ScriptedLLM,
    cut_reply,
    error_reply,
    hang_reply,
    malformed_tool_reply,
    repeated,
    stall_reply,
    stream_error_reply,
    text_reply,
    tool_reply,
)
from server_process import server_process
from tornado.httpclient import HTTPClientError
from traitlets.config import Config
from wire_client import ChatClient, Fetch, closed_port, on_server_loop, text_of, turn

from jupyter_code_interp.conversations.model import INTERRUPTED, TurnRecord
from jupyter_code_interp.conversations.store import ConversationStore

pytestmark = pytest.mark.timeout(120)

REQUEST_TIMEOUT = 1.0
TURN_TIME_LIMIT = 2.0
DOWN_PORT = closed_port()
DAMAGED_MARK = "a long answer on pages that get damaged; "
SERVER_FIXTURES = ("damaged_db", "healthy_db", "read_only_db")
"""Fixtures that prepare the database file before the server opens it."""


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the server keeps its conversations."""
    return tmp_path / "store" / "conversations.sqlite"


@pytest.fixture
def short_turn_limit() -> None:
    """Requesting this sets c.CodeInterpreter.turn_time_limit to TURN_TIME_LIMIT."""


@pytest.fixture
def jp_server_config(
    jp_server_config: Config, request: pytest.FixtureRequest, db_path: Path
) -> Config:
    """The shared config; a short model timeout and a provider on a closed port for these tests."""
    jp_server_config.CodeInterpreter.db_path = str(db_path)
    for name in SERVER_FIXTURES:
        if name in request.fixturenames:
            request.getfixturevalue(name)
    if "short_turn_limit" in request.fixturenames:
        jp_server_config.CodeInterpreter.turn_time_limit = TURN_TIME_LIMIT
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
        "stream-stalls-mid-answer",
        [stall_reply("The answer starts, and then nothing more comes.", 30)],
        {},
        "error",
        ["stopped sending", f"{REQUEST_TIMEOUT:g} s"],
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
        [tool_reply(f"x = {number}") for number in range(5)],
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
    # Over the 8 MiB a frame may have, under the 9 MiB that close the socket.
    too_big = "x" * (8 * 1024 * 1024 + 300 * 1024)
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
        (json.dumps(turn("p5", "hi", notebook="a/" * 2500 + "nb.ipynb")), "too long"),
        (json.dumps(turn("p6", "hi", attachments=["d/" * 2500 + "x.csv"])), "too long"),
        (json.dumps({"type": "history", "notebook": "n" * 5000 + ".ipynb"}), "too long"),
        (json.dumps(turn("big", too_big)), "frames may be at most 8 MiB"),
        (too_big, "frames may be at most 8 MiB"),
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
    huge = {"output_type": "stream", "name": "stdout", "text": "x" * (8 * 1024 * 1024 + 300 * 1024)}
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


@on_server_loop
async def test_an_oversized_notebook_result_fails_its_step_too(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch
) -> None:
    run = {"name": "run_cells", "arguments": json.dumps({"cell_ids": ["a"]})}
    code_interp_server.push({"text": "", "tool_calls": [run]}, text_reply("too big, sorry"))
    client = await ChatClient.open(jp_ws_fetch)
    await client.send(turn("t1", "run cell a"))
    request = (await client.until("notebook_request"))[-1]
    huge = {"output_type": "stream", "name": "stdout", "text": "x" * (8 * 1024 * 1024 + 300 * 1024)}
    await client.send(
        {
            "type": "notebook_result",
            "requestId": request["requestId"],
            "result": {"cellId": "a", "runs": [{"cellId": "a", "outputs": [huge]}]},
        }
    )
    frames = await client.until("turn_finished")
    client.close()
    assert frames[-1]["reason"] == "error"
    assert "'notebook_result' frames may be at most 8 MiB" in frames[-1]["message"]


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


async def next_frame(
    client: ChatClient, wanted: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The next frame `wanted` accepts (frames of a running turn in between are skipped)."""
    while True:
        frame = await client.receive()
        if wanted(frame):
            return frame


@on_server_loop
async def test_deeply_nested_json_is_refused_and_the_socket_stays_open(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch
) -> None:
    client = await ChatClient.open(jp_ws_fetch)
    nested = [
        "[" * 3000 + "]" * 3000,
        '{"type": "history", "notebook": "nb.ipynb", "x": ' + "[" * 3000 + "]" * 3000 + "}",
        '{"a": ' * 3000 + "1" + "}" * 3000,
    ]
    for message in nested:
        await client.socket.write_message(message)
        reply = await client.receive()
        assert reply["type"] == "error", reply
        assert "nested too deeply" in reply["message"], reply
    code_interp_server.push(text_reply("still here"))
    frames = await client.run_turn(turn("t1", "ping"))
    client.close()
    assert frames[-1]["reason"] == "done"


@on_server_loop
async def test_aliases_of_a_notebook_path_share_its_conversation_and_its_lock(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch
) -> None:
    code_interp_server.push({"text": "a slow answer " * 30, "chunk": 4, "delay": 0.05})
    client = await ChatClient.open(jp_ws_fetch)
    await client.send(turn("t1", "first", notebook="dir/nb.ipynb"))
    await client.until("text")
    aliases = ("./dir/nb.ipynb", "dir/nb.ipynb/", "dir//nb.ipynb", "dir/./nb.ipynb")
    for index, alias in enumerate(aliases):
        refused_id = f"alias-{index}"
        await client.send(turn(refused_id, "again", notebook=alias))
        refused = await next_frame(client, lambda frame, i=refused_id: frame.get("turnId") == i)
        assert refused["type"] == "error", (alias, refused)
        assert "already running in 'dir/nb.ipynb'" in refused["message"], refused
        await client.send({"type": "history", "notebook": alias})
        history = await next_frame(client, lambda frame: frame["type"] == "history")
        assert history["notebook"] == "dir/nb.ipynb", history
        assert history["runningTurnId"] == "t1", (alias, history)
    await client.until("turn_finished")
    await client.send({"type": "history", "notebook": "./dir//nb.ipynb/"})
    history = await client.until("history")
    client.close()
    assert [record["turnId"] for record in history[-1]["turns"]] == ["t1"]
    assert len(code_interp_server.requests) == 1


HOSTILE_QUERIES: list[dict[str, str]] = [
    {"path": "a/" * 2500 + "x.csv"},
    {"path": "n" * 5000 + ".csv"},
    {"dir": "d" * 5000},
    {"dir": "", "prefix": "p" * 5000},
    {"dir": "", "limit": "²"},
    {"dir": "", "limit": "٣"},
    {"dir": "", "limit": "1" * 5000},
]
HOSTILE_BODIES = [
    json.dumps({"model": "m" * 5000}),
    json.dumps({"baseUrl": "http://" + "h" * 5000 + "/v1", "models": ["m"]}),
    json.dumps({"preset": "custom", "label": "l" * 5000, "baseUrl": "http://h/v1"}),
    json.dumps({"models": [{"id": 5}]}),
    json.dumps({"apiKey": 5}),
    "[]",
    "null",
    '"text"',
]


@on_server_loop
async def test_hostile_input_on_every_rest_route_gets_a_message_never_a_500(
    code_interp_server: ScriptedLLM, jp_fetch: Fetch, jp_serverapp: Any, jp_base_url: str
) -> None:
    routes = [r for r in extension_routes(jp_serverapp, jp_base_url) if r.method != "WEBSOCKET"]
    assert {"GET code-interp/preview", "GET code-interp/files"} <= {str(r) for r in routes}
    for route in routes:
        bodies = HOSTILE_BODIES if route.method in ("PUT", "POST") else [None]
        for params in HOSTILE_QUERIES:
            for body in bodies:
                try:
                    response = await jp_fetch(
                        route.path, method=route.method, params=params, body=body
                    )
                    status, text = response.code, response.body.decode()
                except HTTPClientError as error:
                    assert error.response is not None
                    status, text = error.code, error.response.body.decode()
                case = (str(route), params, (body or "")[:40], status, text[:300])
                assert status < 500, case
                if status >= 400:
                    assert json.loads(text)["message"], case


STRICT_CONSTANTS = ("NaN", "Infinity", "-Infinity")


def strict_json(raw: str) -> Any:
    """`raw` parsed as a browser's JSON.parse would: NaN and Infinity are not JSON."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(raw, parse_constant=refuse)


BAD_RESULTS = [
    ("nan-ename", '{"output_type": "error", "ename": NaN, "evalue": "x", "traceback": []}', "NaN"),
    (
        "infinite-number",
        '{"output_type": "stream", "name": "stdout", "text": "x", "n": -Infinity}',
        "Infinity",
    ),
    ("text-is-a-number", '{"output_type": "stream", "name": "stdout", "text": 5}', "text"),
    (
        "traceback-is-a-string",
        '{"output_type": "error", "ename": "E", "evalue": "v", "traceback": "oops"}',
        "traceback",
    ),
    ("ename-is-an-object", '{"output_type": "error", "ename": {"a": 1}, "evalue": "v"}', "ename"),
    ("data-is-a-list", '{"output_type": "display_data", "data": [1], "metadata": {}}', "data"),
    ("image-is-a-number", '{"output_type": "display_data", "data": {"image/png": 5}}', "image/png"),
]


@pytest.mark.parametrize(
    ("output", "expected"), [pytest.param(*c[1:], id=c[0]) for c in BAD_RESULTS]
)
@on_server_loop
async def test_a_malformed_result_is_refused_and_never_reaches_the_history(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch, output: str, expected: str
) -> None:
    code_interp_server.push(tool_reply("print(1)"), text_reply("the step failed"))
    client = await ChatClient.open(jp_ws_fetch)
    await client.send(turn("t1", "run something", maxFixAttempts=0))
    request = (await client.until("execute_request"))[-1]
    head = json.dumps({"type": "execute_result", "requestId": request["requestId"]})[:-1]
    tail = ', "executionCount": 1, "cellId": "c1", "cellIndex": 0}}'
    await client.socket.write_message(f'{head}, "result": {{"outputs": [{output}]{tail}')
    raw: list[str] = []
    while not raw or strict_json(raw[-1])["type"] != "turn_finished":
        message = await client.socket.read_message()
        assert isinstance(message, str)
        raw.append(message)
    await client.send({"type": "history", "notebook": "nb.ipynb"})
    raw.append(str(await client.socket.read_message()))
    client.close()
    frames = [strict_json(message) for message in raw]  # every frame parses in a browser
    [refusal] = [frame for frame in frames if frame["type"] == "error"]
    assert refusal["turnId"] == "t1" and expected in refusal["message"], refusal
    [finished] = [frame for frame in frames if frame["type"] == "step_finished"]
    assert finished["status"] == "aborted", finished
    assert frames[-1]["type"] == "history" and len(frames[-1]["turns"]) == 1


@on_server_loop
async def test_history_frames_for_new_paths_store_nothing_until_a_turn(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch, db_path: Path
) -> None:
    client = await ChatClient.open(jp_ws_fetch)
    for index in range(300):
        await client.send({"type": "history", "notebook": f"flood/{index}.ipynb"})
    for index in range(300):
        reply = await client.receive()
        assert reply["type"] == "history" and reply["turns"] == [], reply
    for kind in ("conversations", "new_conversation"):
        await client.send({"type": kind, "notebook": "flood/new.ipynb"})
        assert (await client.receive())["type"] in ("conversations", "history")

    def rows() -> tuple[int, int]:
        with closing(sqlite3.connect(db_path)) as database:
            conversations = database.execute("SELECT count(*) FROM conversations").fetchone()
            current = database.execute("SELECT count(*) FROM current").fetchone()
        return conversations[0], current[0]

    assert rows() == (0, 0)
    code_interp_server.push(text_reply("stored"))
    frames = await client.run_turn(turn("t1", "now store it", notebook="flood/7.ipynb"))
    client.close()
    assert frames[-1]["reason"] == "done"
    assert rows() == (1, 1)


@on_server_loop
async def test_a_trickling_stream_ends_at_the_turn_time_limit(
    short_turn_limit: None, code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch
) -> None:
    # 60 s of answer at 5 characters every 0.15 s: Stop would end it; nothing else did.
    code_interp_server.push({"text": "slow " * 400, "chunk": 5, "delay": 0.15})
    client = await ChatClient.open(jp_ws_fetch)
    frames = await client.run_turn(turn("t1", "a long answer please"))
    client.close()
    finished = frames[-1]
    assert finished["reason"] == "error", finished
    assert f"{TURN_TIME_LIMIT:g} s" in finished["message"], finished
    assert "turn_time_limit" in finished["message"], finished
    assert text_of(frames).startswith("slow slow")


@on_server_loop
async def test_the_database_and_its_wal_and_shm_files_are_private(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch, db_path: Path
) -> None:
    code_interp_server.push(text_reply("stored privately"))
    client = await ChatClient.open(jp_ws_fetch)
    frames = await client.run_turn(turn("t1", "a private question"))
    client.close()
    assert frames[-1]["reason"] == "done"
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{db_path}{suffix}")
        assert path.exists(), path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))


# -- the conversation database on a bad day ---------------------------------------------------


def store_conversation(path: Path, notebook: str, instruction: str, answer: str) -> None:
    """Write a finished one-turn conversation of `notebook` into the database at `path`."""
    store = ConversationStore(path)
    conversation = store.get(notebook)
    record = TurnRecord(f"old-{uuid.uuid4().hex[:6]}", instruction)
    record.events = [{"type": "turn_started", "turnId": record.turn_id}]
    record.reason = "done"
    conversation.records.append(record)
    conversation.messages += [
        {"role": "user", "content": instruction},
        {"role": "assistant", "content": answer},
    ]
    conversation.turns = 1
    store.save(conversation)
    store.close()


def damage_pages_holding(path: Path, mark: str) -> bytes:
    """Overwrite the database page in the middle of the text `mark` repeats; the damaged bytes."""
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    start = data.index(mark.encode())
    page = (start + len(mark) * 500) // page_size
    assert page > 1  # never the header page: the file must still look like a database
    data[page * page_size : (page + 1) * page_size] = b"\xff" * page_size
    path.write_bytes(bytes(data))
    return bytes(data)


@pytest.fixture
def healthy_db(db_path: Path) -> None:
    """Two stored conversations; one has a long answer (pages a test may damage)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    store_conversation(db_path, "ok.ipynb", "a healthy question", "a short answer")
    store_conversation(db_path, "victim.ipynb", "a damaged question", DAMAGED_MARK * 2000)


@pytest.fixture
def damaged_db(db_path: Path, healthy_db: None) -> bytes:
    """The healthy database with an interior page damaged (the header still valid)."""
    return damage_pages_holding(db_path, DAMAGED_MARK)


def make_unwritable(path: Path, request: pytest.FixtureRequest) -> None:
    """Make `path` unwritable for this process (chmod; as root, chattr +i); undone afterwards."""
    if os.geteuid() != 0:
        mode = stat.S_IMODE(path.stat().st_mode)
        path.chmod(0o555 if path.is_dir() else 0o444)
        request.addfinalizer(lambda: path.chmod(mode))
        return
    try:
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    except FileNotFoundError:
        done = None
    if done is None or done.returncode != 0:
        why = "no chattr" if done is None else done.stderr.decode().strip()
        pytest.skip(f"root ignores file modes and chattr +i is not available here ({why})")
    request.addfinalizer(lambda: subprocess.run(["chattr", "-i", str(path)], check=False))


@pytest.fixture(params=["file", "directory"])
def read_only_db(request: pytest.FixtureRequest, db_path: Path) -> bytes:
    """A valid database with one conversation that the server cannot write; its bytes."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    store_conversation(db_path, "nb.ipynb", "a question from last week", "last week's answer")
    make_unwritable(db_path.parent if request.param == "directory" else db_path, request)
    return db_path.read_bytes()


def kept_files(db_path: Path) -> list[Path]:
    """Databases moved aside next to `db_path` (their -wal and -shm files not counted)."""
    return [
        path
        for path in db_path.parent.iterdir()
        if ".broken-" in path.name and not path.name.endswith(("-wal", "-shm"))
    ]


async def history_with_notices(
    client: ChatClient, notebook: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Ask for the history of `notebook`: the `error` frames (notices) received before it, and
    the `history` frame."""
    await client.send({"type": "history", "notebook": notebook})
    notices: list[dict[str, Any]] = []
    while True:
        frame = await client.receive()
        if frame["type"] == "history":
            return notices, frame
        assert frame["type"] == "error", frame
        notices.append(frame)


@on_server_loop
async def test_a_database_the_server_cannot_write_is_read_and_turns_say_they_are_not_saved(
    read_only_db: bytes, code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch, db_path: Path
) -> None:
    client = await ChatClient.open(jp_ws_fetch)
    notices, history = await history_with_notices(client, "nb.ipynb")
    assert [record["instruction"] for record in history["turns"]] == ["a question from last week"]
    assert len(notices) == 1, notices
    assert "cannot be written" in notices[0]["message"] and str(db_path) in notices[0]["message"]
    assert "not saved" in notices[0]["message"]

    code_interp_server.push(text_reply("an answer kept until the server stops"))
    frames = await client.run_turn(turn("t1", "a new question"))
    assert frames[-1]["reason"] == "done"
    assert "a question from last week" in json.dumps(code_interp_server.requests[-1]["messages"])
    await client.send({"type": "history", "notebook": "nb.ipynb"})
    history = await client.until("history")
    client.close()
    assert len(history[-1]["turns"]) == 2
    assert db_path.read_bytes() == read_only_db
    assert not any(".broken-" in path.name for path in db_path.parent.iterdir())


@on_server_loop
async def test_a_damaged_database_is_found_at_start_kept_aside_and_a_new_one_started(
    damaged_db: bytes, code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch, db_path: Path
) -> None:
    [kept_file] = kept_files(db_path)
    assert kept_file.read_bytes() == damaged_db
    client = await ChatClient.open(jp_ws_fetch)
    notices, history = await history_with_notices(client, "victim.ipynb")
    assert len(notices) == 1 and str(kept_file) in notices[0]["message"], notices
    assert "damaged" in notices[0]["message"]
    assert history["turns"] == []
    code_interp_server.push(text_reply("a fresh start"))
    frames = await client.run_turn(turn("t1", "again", notebook="victim.ipynb"))
    client.close()
    assert frames[-1]["reason"] == "done"
    with closing(sqlite3.connect(db_path)) as database:
        assert database.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        assert database.execute("SELECT count(*) FROM turn_records").fetchone() == (1,)


@on_server_loop
async def test_damage_found_while_running_is_kept_aside_and_the_conversations_in_use_kept(
    healthy_db: None, code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch, db_path: Path
) -> None:
    client = await ChatClient.open(jp_ws_fetch)
    await client.send({"type": "history", "notebook": "ok.ipynb"})
    assert len((await client.until("history"))[-1]["turns"]) == 1
    damage_pages_holding(db_path, DAMAGED_MARK)
    with closing(sqlite3.connect(db_path)) as other:  # a write elsewhere: caches are dropped
        other.execute("PRAGMA user_version=1")
    notices, history = await history_with_notices(client, "victim.ipynb")
    assert len(notices) == 1 and "damaged" in notices[0]["message"], notices
    [kept] = kept_files(db_path)
    assert str(kept) in notices[0]["message"]
    assert history["turns"] == []
    await client.send({"type": "history", "notebook": "ok.ipynb"})
    history = await client.until("history")
    client.close()
    assert [r["instruction"] for r in history[-1]["turns"]] == ["a healthy question"]
    with closing(sqlite3.connect(db_path)) as database:
        assert database.execute("PRAGMA quick_check").fetchall() == [("ok",)]


@on_server_loop
async def test_a_turn_that_cannot_be_saved_says_so(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch, jp_serverapp: Any
) -> None:
    app = jp_serverapp.extension_manager.extension_points["jupyter_code_interp"].app
    connection = app.services.conversations.db._connection  # the disk fills up: SQLITE_FULL
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(f"PRAGMA max_page_count={pages}")
    code_interp_server.push(text_reply("an answer the disk has no room for"))
    client = await ChatClient.open(jp_ws_fetch)
    await client.send(turn("t1", "a question with a long context " * 500))
    frames = await client.until("turn_finished")
    await client.send({"type": "history", "notebook": "nb.ipynb"})
    frames += await client.until("history")
    client.close()
    assert next(f for f in frames if f["type"] == "turn_finished")["reason"] == "done"
    notices = [f for f in frames if f["type"] == "error"]
    assert notices and notices[0]["turnId"] == "t1", frames
    assert "could not be saved" in notices[0]["message"] and "full" in notices[0]["message"]
    started = [index for index, f in enumerate(frames) if f["type"] == "turn_started"]
    assert started[0] < frames.index(notices[0])  # the panel shows it in the running turn
    assert len(frames[-1]["turns"]) == 1  # kept in memory until the server stops


@on_server_loop
async def test_a_turn_is_stored_from_its_first_moment(
    code_interp_server: ScriptedLLM, tmp_path: Path, db_path: Path
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    config = {
        "CodeInterpreter": {
            "db_path": str(db_path),
            "key_store_path": str(tmp_path / "providers.json"),
            "base_url": code_interp_server.base_url,
            "api_key": "not-needed",
            "models": ["scripted-model"],
        }
    }
    code_interp_server.push(hang_reply(60))  # the model has not answered yet
    async with server_process(tmp_path, root, config, {}) as server:
        socket = await server.chat()
        await socket.write_message(json.dumps(turn("t1", "a question asked before a crash")))
        started = json.loads(str(await socket.read_message()))
        assert started["type"] == "turn_started", started
        assert server.process is not None
        server.process.kill()  # no clean shutdown: what is on disk is all there is
        await server.process.wait()
    async with server_process(tmp_path, root, config, {}) as server:
        socket = await server.chat()
        await socket.write_message(json.dumps({"type": "history", "notebook": "nb.ipynb"}))
        history = json.loads(str(await socket.read_message()))
        socket.close()
    assert history["type"] == "history", history
    [record] = history["turns"]
    assert record["turnId"] == "t1" and record["instruction"] == "a question asked before a crash"
    assert (record["reason"], record["message"]) == ("error", INTERRUPTED)
