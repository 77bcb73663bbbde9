"""The REST status endpoint and the chat WebSocket, on a real jupyter_server."""

from __future__ import annotations

import asyncio
import functools
import json
import os
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_core.utils import ensure_event_loop
from jupyter_server.auth.authorizer import Authorizer
from scripted_llm import ScriptedLLM, text_reply, tool_reply
from tornado.httpclient import HTTPClientError
from tornado.websocket import WebSocketClientConnection
from traitlets.config import Config

from jupyter_code_interp.app import CodeInterpreterApp
from jupyter_code_interp.kernel.headless import KernelExecutor

WAIT = 60.0
ENV_KEY = "sk-env-key-0123456789SECRET"
NO_AUTH = {"Authorization": ""}

Fetch = Callable[..., Awaitable[Any]]


def on_server_loop(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test on the loop the test server lives on (pytest-jupyter's).

    With pytest-asyncio in auto mode an `async def` test would run on a loop of its own, where
    the server never answers; as a plain function this runs the same on every asyncio mode.
    """

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        ensure_event_loop(prefer_selector_loop=True).run_until_complete(test(*args, **kwargs))

    return run


class DenyCodeInterpExecute(Authorizer):
    """Allows everything but `execute` on code-interp, answering asynchronously."""

    async def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        """An async authorizer: a check that forgets to await it would let everyone in."""
        await asyncio.sleep(0)
        return not (resource == "code-interp" and action == "execute")


@pytest.fixture
def deny_execute() -> type[Authorizer]:
    """Requesting this fixture makes the server use DenyCodeInterpExecute."""
    return DenyCodeInterpExecute


@pytest.fixture
def jp_server_config(jp_server_config: Config, request: pytest.FixtureRequest) -> Config:
    """The shared config, plus the denying authorizer when a test asks for it."""
    if "deny_execute" in request.fixturenames:
        jp_server_config.ServerApp.authorizer_class = DenyCodeInterpExecute
    return jp_server_config


@pytest.fixture
def key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """OPENAI_API_KEY set in the environment before the server starts."""
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


@pytest.fixture
def no_provider_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither OPENAI_API_KEY nor OPENAI_BASE_URL when the server starts."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


class Panel:
    """Plays the JupyterLab panel on a real chat socket."""

    def __init__(self, socket: WebSocketClientConnection) -> None:
        """Wrap an open socket."""
        self.socket = socket

    async def send(self, frame: Any) -> None:
        """Send a frame as JSON text."""
        await self.socket.write_message(json.dumps(frame, ensure_ascii=False))

    async def receive(self) -> dict[str, Any]:
        """The next frame."""
        message = await asyncio.wait_for(self.socket.read_message(), WAIT)
        assert isinstance(message, str), "the server closed the socket"
        frame = json.loads(message)
        assert isinstance(frame, dict)
        return frame

    async def run_turn(
        self, frame: dict[str, Any], executor: KernelExecutor | None = None
    ) -> list[dict[str, Any]]:
        """Send a turn and answer its execute requests until it finishes; all frames received."""
        await self.send(frame)
        frames: list[dict[str, Any]] = []
        while True:
            received = await self.receive()
            frames.append(received)
            if received["type"] == "execute_request":
                assert executor is not None, f"unexpected execute_request: {received}"
                result = await executor.execute(received["code"])
                await self.send(
                    {
                        "type": "execute_result",
                        "requestId": received["requestId"],
                        "result": {
                            "outputs": result.outputs,
                            "executionCount": result.execution_count,
                            "cellId": result.cell_id,
                            "cellIndex": result.cell_index,
                        },
                    }
                )
            if received["type"] in ("turn_finished", "error"):
                return frames


async def open_panel(jp_ws_fetch: Fetch) -> Panel:
    """An authenticated chat socket."""
    return Panel(await jp_ws_fetch("code-interp", "chat"))


def sent_messages(llm: ScriptedLLM, index: int) -> str:
    """The messages of the scripted server's `index`-th request, as JSON text."""
    return json.dumps(llm.requests[index]["messages"], ensure_ascii=False)


@on_server_loop
async def test_status_requires_authentication(jp_fetch: Fetch) -> None:
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("code-interp", "status", headers=NO_AUTH)
    assert refused.value.code == 403


@on_server_loop
async def test_status_reports_models_and_never_the_key(
    code_interp_server: ScriptedLLM, jp_fetch: Fetch, test_api_key: str
) -> None:
    response = await jp_fetch("code-interp", "status")
    assert response.code == 200
    assert test_api_key.encode() not in response.body
    status = json.loads(response.body)
    assert status["ready"] is True
    assert status["problem"] is None
    assert status["baseUrl"] == code_interp_server.base_url
    # The configured models first, then the others the endpoint lists.
    assert [model["id"] for model in status["models"]] == [
        "scripted-model",
        "其他-model",
        "gpt-4o-mini",
    ]
    assert status["defaultModel"] == "scripted-model"
    assert not any("key" in name.lower() for name in status)


@on_server_loop
async def test_status_says_what_to_set_when_unconfigured(
    no_provider_environment: None, jp_fetch: Fetch
) -> None:
    status = json.loads((await jp_fetch("code-interp", "status")).body)
    assert status["ready"] is False
    assert "OPENAI_API_KEY" in status["problem"]
    assert "c.CodeInterpreter.base_url" in status["problem"]


@on_server_loop
async def test_the_key_is_taken_out_of_the_environment_at_start(
    key_in_environment: None, jp_serverapp: Any, jp_fetch: Fetch
) -> None:
    assert "OPENAI_API_KEY" not in os.environ  # kernels started from now on cannot inherit it
    app = jp_serverapp.extension_manager.extension_points["jupyter_code_interp"].app
    assert isinstance(app, CodeInterpreterApp)
    assert app.services.settings.api_key == ENV_KEY
    response = await jp_fetch("code-interp", "status")
    assert json.loads(response.body)["ready"] is True
    assert ENV_KEY.encode() not in response.body


@on_server_loop
async def test_chat_socket_requires_authentication(jp_ws_fetch: Fetch) -> None:
    with pytest.raises(HTTPClientError) as refused:
        await jp_ws_fetch("code-interp", "chat", headers=NO_AUTH)
    assert refused.value.code == 403


@on_server_loop
async def test_chat_socket_requires_execute_permission(
    deny_execute: type[Authorizer], jp_fetch: Fetch, jp_ws_fetch: Fetch
) -> None:
    assert (await jp_fetch("code-interp", "status")).code == 200  # read is still allowed
    with pytest.raises(HTTPClientError) as refused:
        await jp_ws_fetch("code-interp", "chat")
    assert refused.value.code == 403


@on_server_loop
async def test_full_turn_with_a_real_kernel(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch, jp_root_dir: Path, test_api_key: str
) -> None:
    code_interp_server.push(
        tool_reply("1 / 0", text="先试一下。"),
        tool_reply("x = 6 * 7\nprint(f'答案 {x}')"),
        text_reply("结果是 42 (the answer is 42)."),
    )
    panel = await open_panel(jp_ws_fetch)
    (jp_root_dir / "分析").mkdir()
    executor = KernelExecutor(nbformat.v4.new_notebook(), jp_root_dir / "分析" / "a.ipynb")
    await executor.start()
    try:
        frames = await panel.run_turn(
            {"type": "turn", "turnId": "t1", "notebook": "分析/a.ipynb", "instruction": "计算 6*7"},
            executor,
        )
    finally:
        await executor.shutdown()
        panel.socket.close()

    kinds = [frame["type"] for index, frame in enumerate(frames)]
    condensed = [kind for i, kind in enumerate(kinds) if i == 0 or kind != kinds[i - 1]]
    assert condensed == [
        "turn_started",
        "text",
        "step_started",
        "execute_request",
        "step_finished",
        "step_started",
        "execute_request",
        "step_finished",
        "text",
        "turn_finished",
    ]
    assert all(frame["turnId"] == "t1" for frame in frames)
    assert frames[0] == {
        "type": "turn_started",
        "turnId": "t1",
        "notebook": "分析/a.ipynb",
        "provider": "default",
        "model": "scripted-model",
        "instruction": "计算 6*7",
        "attachments": [],
        "attachedCells": [],
        "rules": [],
    }
    steps = [frame for frame in frames if frame["type"] == "step_finished"]
    assert steps[0]["status"] == "error"
    assert steps[0]["ename"] == "ZeroDivisionError"
    assert steps[1]["status"] == "ok"
    assert steps[1]["cellId"] == executor.inserted[1]
    assert steps[1]["cellIndex"] == 1
    assert isinstance(steps[1]["executionCount"], int)
    text = "".join(frame["delta"] for frame in frames if frame["type"] == "text")
    assert text == "先试一下。结果是 42 (the answer is 42)."
    assert frames[-1].pop("usage")["model"] == "scripted-model"
    assert frames[-1] == {"type": "turn_finished", "turnId": "t1", "reason": "done"}

    requests = code_interp_server.requests
    assert len(requests) == 3
    assert requests[0]["messages"][-1] == {"role": "user", "content": "计算 6*7"}
    assert "ZeroDivisionError" in sent_messages(code_interp_server, 1)
    assert "答案 42" in sent_messages(code_interp_server, 2)
    assert test_api_key not in json.dumps(frames, ensure_ascii=False)


@on_server_loop
async def test_bad_frames_get_error_frames_and_the_socket_stays_usable(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch
) -> None:
    panel = await open_panel(jp_ws_fetch)
    bad: list[tuple[str | bytes, str]] = [
        ("{not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not valid JSON"),
        ("[1, 2, 3]", "must be a JSON object"),
        ('"turn"', "must be a JSON object"),
        ('{"type": "dance"}', "Unknown frame type 'dance'"),
        ('{"type": "turn", "turnId": "t"}', "missing the field 'notebook'"),
        (
            '{"type": "turn", "turnId": "t", "notebook": "../../etc/x.ipynb", "instruction": "hi"}',
            "contains '..'",
        ),
        (
            '{"type": "turn", "turnId": "t", "notebook": "/abs.ipynb", "instruction": "hi"}',
            "is absolute",
        ),
        ('{"type": "execute_result", "requestId": "nope", "error": "x"}', "Unknown requestId"),
        ('{"type": "stop", "turnId": "ghost"}', "No running turn"),
    ]
    for message, expected in bad:
        await panel.socket.write_message(message, binary=isinstance(message, bytes))
        reply = await panel.receive()
        assert reply["type"] == "error", message
        assert expected in reply["message"], (message, reply)

    code_interp_server.push(text_reply("still here ✓"))
    frames = await panel.run_turn(
        {"type": "turn", "turnId": "ok", "notebook": "a.ipynb", "instruction": "ping"}
    )
    panel.socket.close()
    assert frames[-1]["reason"] == "done"
    assert "".join(f["delta"] for f in frames if f["type"] == "text") == "still here ✓"


@on_server_loop
async def test_notebooks_have_separate_conversations(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch
) -> None:
    code_interp_server.push(
        text_reply("A1"), text_reply("B1"), text_reply("A2"), text_reply("A3 fresh")
    )
    panel = await open_panel(jp_ws_fetch)

    async def turn(turn_id: str, notebook: str, instruction: str) -> None:
        frames = await panel.run_turn(
            {"type": "turn", "turnId": turn_id, "notebook": notebook, "instruction": instruction}
        )
        assert frames[-1]["reason"] == "done"

    await turn("1", "a.ipynb", "alpha question")
    await turn("2", "b.ipynb", "beta question")
    await turn("3", "a.ipynb", "alpha again")
    await panel.send({"type": "reset", "notebook": "a.ipynb"})
    await turn("4", "a.ipynb", "alpha after reset")
    panel.socket.close()

    assert "alpha" not in sent_messages(code_interp_server, 1)
    second_a = sent_messages(code_interp_server, 2)
    assert "alpha question" in second_a and "A1" in second_a
    assert "beta" not in second_a and "B1" not in second_a
    after_reset = sent_messages(code_interp_server, 3)
    assert "alpha question" not in after_reset and "alpha after reset" in after_reset
