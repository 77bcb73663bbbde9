"""The providers REST API and model switching over the chat socket, on a real jupyter_server."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from kernel_helpers import running_kernel
from scripted_llm import ScriptedLLM, text_reply, tool_reply
from test_handlers import NO_AUTH, Fetch, on_server_loop, open_panel
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from jupyter_code_interp.app import CodeInterpreterApp

SECOND_KEY = "sk-second-0123456789SECRET"
ENV_KEY = "sk-env-provider-0123456789SECRET"
TYPED_KEY = "sk-typed-in-the-dialog-0123456789SECRET"
ENV_NAME = "CODE_INTERP_TEST_GATEWAY_KEY"


@pytest.fixture
def provider_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A provider key in the environment of the server, as an admin would set it."""
    monkeypatch.setenv(ENV_NAME, ENV_KEY)


@pytest.fixture
def jp_server_config(
    jp_server_config: Config, code_interp_server: ScriptedLLM, provider_environment: None
) -> Config:
    """The default provider plus named ones, all on the scripted server."""
    url = code_interp_server.base_url
    jp_server_config.CodeInterpreter.providers = {
        "second": {
            "base_url": url,
            "api_key": SECOND_KEY,
            "models": [{"id": "second-model", "price_in": 2, "price_out": 8}],
            "currency": "CNY",
        },
        "fenced": {"base_url": url, "models": [{"id": "fenced-model", "tools": False}]},
        "gateway": {"base_url": url, "api_key_env": ENV_NAME, "models": ["gw-model"]},
    }
    return jp_server_config


def _app(jp_serverapp: Any) -> CodeInterpreterApp:
    app = jp_serverapp.extension_manager.extension_points["jupyter_code_interp"].app
    assert isinstance(app, CodeInterpreterApp)
    return app


async def _json(fetch: Fetch, *parts: str, **kwargs: Any) -> Any:
    response = await fetch("code-interp", *parts, **kwargs)
    return json.loads(response.body)


async def _refused(fetch: Fetch, *parts: str, **kwargs: Any) -> tuple[int, str]:
    with pytest.raises(HTTPClientError) as refused:
        await fetch("code-interp", *parts, **kwargs)
    assert refused.value.response is not None
    body = json.loads(refused.value.response.body)
    return refused.value.code, body["message"]


def _put(body: dict[str, Any]) -> dict[str, Any]:
    return {"method": "PUT", "body": json.dumps(body, ensure_ascii=False)}


@on_server_loop
async def test_listing_says_whether_keys_are_set_never_the_keys(
    jp_fetch: Fetch, test_api_key: str
) -> None:
    response = await jp_fetch("code-interp", "providers")
    for key in (test_api_key, SECOND_KEY, ENV_KEY):
        assert key.encode() not in response.body
    listing = json.loads(response.body)
    providers = {provider["name"]: provider for provider in listing["providers"]}
    assert list(providers) == ["default", "second", "fenced", "gateway"]
    assert (providers["default"]["keySet"], providers["default"]["keySource"]) == (True, "config")
    assert providers["gateway"]["keySource"] == "environment"
    assert (providers["fenced"]["keySet"], providers["fenced"]["keySource"]) == (False, None)
    assert providers["fenced"]["ready"] is True  # a custom endpoint may need no key
    assert providers["second"]["models"][0]["priceIn"] == 2
    assert not any(provider["editable"] for provider in listing["providers"])
    assert {preset["id"] for preset in listing["presets"]} >= {"openai", "azure", "deepseek"}
    assert listing["storeProblem"] is None


@on_server_loop
async def test_a_provider_added_in_the_dialog_keeps_its_key_server_side(
    jp_fetch: Fetch, jp_ws_fetch: Fetch, jp_serverapp: Any, code_interp_server: ScriptedLLM
) -> None:
    body = {
        "preset": "dashscope",
        "label": "通义千问",
        "baseUrl": code_interp_server.base_url,
        "apiKey": TYPED_KEY,
        "models": [{"id": "qwen-plus", "tools": True}],
    }
    response = await jp_fetch("code-interp", "providers", "qwen", **_put(body))
    assert TYPED_KEY.encode() not in response.body
    view = json.loads(response.body)
    assert (view["keySet"], view["keySource"], view["editable"]) == (True, "settings", True)
    assert view["label"] == "通义千问"

    store = _app(jp_serverapp).services.registry.store.path
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert json.loads(store.read_text(encoding="utf-8"))["keys"] == {"qwen": TYPED_KEY}
    root = Path(jp_serverapp.root_dir).resolve()
    assert root not in store.resolve().parents

    status = await _json(jp_fetch, "status")
    assert ("qwen", "qwen-plus") in [(m["provider"], m["id"]) for m in status["models"]]

    # A turn on it sends the typed key to the provider, and only there.
    code_interp_server.push(text_reply("你好"))
    panel = await open_panel(jp_ws_fetch)
    frames = await panel.run_turn(
        {
            "type": "turn",
            "turnId": "q",
            "notebook": "a.ipynb",
            "instruction": "hi",
            "provider": "qwen",
            "model": "qwen-plus",
        }
    )
    panel.socket.close()
    assert frames[-1]["reason"] == "done"
    assert code_interp_server.headers[-1]["authorization"] == f"Bearer {TYPED_KEY}"

    # Only "key set" comes back; an update without a key keeps it, clearKey drops it.
    view = json.loads(
        (await jp_fetch("code-interp", "providers", "qwen", **_put({"label": "Qwen"}))).body
    )
    assert (view["label"], view["keySet"]) == ("Qwen", True)
    view = await _json(jp_fetch, "providers", "qwen", **_put({"clearKey": True}))
    assert view["keySet"] is False and "no API key" in view["problem"]


@on_server_loop
async def test_a_configured_provider_only_takes_a_key(
    jp_fetch: Fetch, code_interp_server: ScriptedLLM
) -> None:
    code, message = await _refused(
        jp_fetch, "providers", "second", **_put({"baseUrl": "http://x/v1"})
    )
    assert code == 400
    assert "set in the server configuration; only its key can be changed" in message
    view = await _json(jp_fetch, "providers", "fenced", **_put({"apiKey": TYPED_KEY}))
    assert (view["keySet"], view["keySource"]) == (True, "settings")
    deleted = await _json(jp_fetch, "providers", "fenced", method="DELETE")
    assert deleted == {"deleted": "fenced", "keyRemoved": True, "providerRemoved": False}
    code, message = await _refused(jp_fetch, "providers", "fenced", method="DELETE")
    assert code == 400 and "nothing to delete" in message


@on_server_loop
async def test_bad_requests_get_specific_messages(jp_fetch: Fetch) -> None:
    cases: list[tuple[str, dict[str, Any], int, str]] = [
        ("x", {"preset": "nope"}, 400, "unknown preset 'nope'"),
        ("x", {"preset": "custom", "baseUrl": "localhost:8000"}, 400, "http:// or https://"),
        ("x", {"apiKey": "sk-x"}, 400, "does not exist yet"),
        ("x", {"preset": "openai", "apiKey": "two words"}, 400, "one line without spaces"),
        ("x", {"preset": "openai", "colour": 1}, 400, "Unknown field 'colour'"),
        ("local", {"preset": "ollama"}, 400, "reserved"),
    ]
    for name, body, status, expected in cases:
        code, message = await _refused(jp_fetch, "providers", name, **_put(body))
        assert (code, expected in message) == (status, True), (body, message)
    code, message = await _refused(jp_fetch, "providers", "x", method="PUT", body="{not json")
    assert code == 400 and "not valid JSON" in message
    code, message = await _refused(jp_fetch, "providers", "ghost", method="DELETE")
    assert code == 404 and "Provider 'ghost' is not configured" in message
    # Nothing was stored by the refused requests.
    names = [p["name"] for p in (await _json(jp_fetch, "providers"))["providers"]]
    assert "x" not in names


@on_server_loop
async def test_test_connection_and_model_listing_endpoints(
    jp_fetch: Fetch, code_interp_server: ScriptedLLM
) -> None:
    code_interp_server.models = ["scripted-model", "second-model"]
    result = await _json(jp_fetch, "providers", "second", "test", method="POST", body="{}")
    assert result["status"] == "ok" and result["models"] == 2
    result = await _json(
        jp_fetch,
        "providers",
        "second",
        "test",
        method="POST",
        body=json.dumps({"model": "not-there"}),
    )
    assert result["status"] == "model_not_found"
    code, _ = await _refused(jp_fetch, "providers", "ghost", "test", method="POST", body="{}")
    assert code == 404
    await _json(
        jp_fetch,
        "providers",
        "q",
        **_put({"preset": "ollama", "baseUrl": code_interp_server.base_url}),
    )
    view = await _json(jp_fetch, "providers", "q", "models")
    assert [model["id"] for model in view["models"]] == ["scripted-model", "second-model"]


@on_server_loop
async def test_the_providers_api_requires_authentication(jp_fetch: Fetch) -> None:
    for parts, kwargs in (
        (("providers",), {}),
        (("providers", "x"), _put({"preset": "openai"})),
        (("providers", "second", "test"), {"method": "POST", "body": "{}"}),
    ):
        with pytest.raises(HTTPClientError) as refused:
            await jp_fetch("code-interp", *parts, headers=NO_AUTH, **kwargs)
        assert refused.value.code == 403


@on_server_loop
async def test_switching_model_keeps_the_history_and_is_remembered(
    jp_ws_fetch: Fetch, code_interp_server: ScriptedLLM
) -> None:
    code_interp_server.push(
        tool_reply("x = 6 * 7\nprint(x)"),
        text_reply("x is 42."),
        text_reply("继续：x 还是 42。"),
        text_reply("Still fenced."),
    )
    panel = await open_panel(jp_ws_fetch)

    async def turn(turn_id: str, instruction: str, **model: str) -> list[dict[str, Any]]:
        frame = {
            "type": "turn",
            "turnId": turn_id,
            "notebook": "m.ipynb",
            "instruction": instruction,
            **model,
        }
        return await panel.run_turn(frame, executor=_Echo())

    first = await turn("1", "compute x", provider="default", model="scripted-model")
    second = await turn("2", "再说一次", provider="fenced", model="fenced-model")
    third = await turn("3", "and again")
    panel.socket.close()

    assert [f["reason"] for f in (first[-1], second[-1], third[-1])] == ["done"] * 3
    assert [r["model"] for r in code_interp_server.requests] == [
        "scripted-model",
        "scripted-model",
        "fenced-model",
        "fenced-model",
    ]
    assert second[0]["provider"] == "fenced" and third[0]["model"] == "fenced-model"
    # The fenced model got the whole history, the tool exchange rewritten as text.
    history = code_interp_server.requests[2]["messages"]
    assert "tools" not in code_interp_server.requests[2]
    assert all(message["role"] != "tool" for message in history)
    sent = json.dumps(history, ensure_ascii=False)
    assert "compute x" in sent and "x = 6 * 7" in sent and "x is 42." in sent
    assert "再说一次" in sent


@on_server_loop
async def test_turn_finished_carries_usage_and_cost(
    jp_ws_fetch: Fetch, code_interp_server: ScriptedLLM
) -> None:
    code_interp_server.push(
        {**text_reply("priced"), "usage": {"prompt_tokens": 1000, "completion_tokens": 500}},
        {**text_reply("没有用量"), "omit_usage": True},
    )
    panel = await open_panel(jp_ws_fetch)
    priced = await panel.run_turn(
        {
            "type": "turn",
            "turnId": "p",
            "notebook": "u.ipynb",
            "instruction": "x",
            "provider": "second",
            "model": "second-model",
        }
    )
    estimated = await panel.run_turn(
        {"type": "turn", "turnId": "e", "notebook": "v.ipynb", "instruction": "x"}
    )
    panel.socket.close()
    assert priced[-1]["usage"] == {
        "provider": "second",
        "model": "second-model",
        "promptTokens": 1000,
        "completionTokens": 500,
        "estimated": False,
        "cost": pytest.approx((1000 * 2 + 500 * 8) / 1e6),
        "currency": "CNY",
    }
    usage = estimated[-1]["usage"]
    assert usage["estimated"] is True and usage["cost"] is None
    assert usage["promptTokens"] > 0 and usage["completionTokens"] == 4


@on_server_loop
async def test_no_key_reaches_the_environment_of_a_kernel(
    jp_fetch: Fetch, jp_serverapp: Any, test_api_key: str
) -> None:
    await _json(jp_fetch, "providers", "fenced", **_put({"apiKey": TYPED_KEY}))
    started = json.loads((await jp_fetch("api", "kernels", method="POST", body="{}")).body)
    kernel = jp_serverapp.kernel_manager.get_kernel(started["id"])
    client = kernel.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        printed: list[str] = []

        def collect(message: dict[str, Any]) -> None:
            if message["msg_type"] == "stream":
                printed.append(message["content"]["text"])

        code = "import json, os; print(json.dumps(dict(os.environ)))"
        await client.execute_interactive(code, output_hook=collect, timeout=60)
    finally:
        client.stop_channels()
        await jp_serverapp.kernel_manager.shutdown_kernel(started["id"], now=True)
    environment = json.loads("".join(printed))
    assert environment  # the kernel did print its environment
    found = [
        key
        for key in (TYPED_KEY, ENV_KEY, SECOND_KEY, test_api_key)
        if any(key in value for value in environment.values())
    ]
    assert found == []
    assert ENV_NAME not in environment


class _Echo:
    """An executor that 'runs' code by printing 42 (no kernel needed for these tests)."""

    async def execute(self, code: str) -> Any:
        """A successful cell that printed 42."""
        from jupyter_code_interp.agent.executor import ExecutionResult

        return ExecutionResult(
            outputs=[{"output_type": "stream", "name": "stdout", "text": "42\n"}],
            execution_count=1,
            cell_id="c1",
            cell_index=0,
        )


@on_server_loop
async def test_the_key_scan_sees_every_payload(
    jp_fetch: Fetch, wire_log: Any, test_api_key: str
) -> None:
    before = len(wire_log.payloads)
    await jp_fetch("code-interp", "providers")
    await _refused(jp_fetch, "providers", "ghost", method="DELETE")
    recorded = wire_log.payloads[before:]
    assert len(recorded) == 2
    assert '"keySet": true' in recorded[0] and "ghost" in recorded[1]
    # The scan at the end of the session would report a payload like this one.
    wire_log.record(f'{{"leak": "{test_api_key}"}}'.encode())
    assert wire_log.leaks()[-1].endswith(f'"{test_api_key}"}}')
    wire_log.payloads.pop()


@on_server_loop
async def test_an_auto_model_that_wrote_fenced_code_shows_and_can_be_reset(
    jp_fetch: Fetch, jp_ws_fetch: Fetch, jp_serverapp: Any, code_interp_server: ScriptedLLM
) -> None:
    code_interp_server.push(text_reply("```python\nprint(6 * 7)\n```"), text_reply("42."))
    panel = await open_panel(jp_ws_fetch)
    turn = {"type": "turn", "turnId": "t", "notebook": "a.ipynb", "instruction": "6*7?"}
    async with running_kernel() as kernel:
        frames = await panel.run_turn(turn, kernel)
    assert [frame["code"] for frame in frames if frame["type"] == "step_started"] == [
        "print(6 * 7)"
    ]
    assert "tools" in code_interp_server.requests[0]
    assert "tools" not in code_interp_server.requests[1]
    assert frames[-1]["type"] == "turn_finished" and frames[-1]["toolModeLearned"] is True

    status = await _json(jp_fetch, "status")
    model = next(m for m in status["models"] if m["id"] == "scripted-model")
    assert (model["toolMode"], model["toolModeLearned"]) == ("fenced", True)

    view = await _json(
        jp_fetch,
        "providers",
        "default",
        "reset-mode",
        method="POST",
        body=json.dumps({"model": "scripted-model"}),
    )
    model = next(m for m in view["models"] if m["id"] == "scripted-model")
    assert (model["toolMode"], model["toolModeLearned"]) == ("auto", False)
    store = _app(jp_serverapp).services.registry.store.path
    assert json.loads(store.read_text(encoding="utf-8"))["learned"] == {}
    code, message = await _refused(
        jp_fetch, "providers", "default", "reset-mode", method="POST", body="{}"
    )
    assert (code, message) == (400, 'Give the model to reset: {"model": "<id>"}.')
