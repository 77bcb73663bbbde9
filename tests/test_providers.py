"""ChatProvider against the scripted OpenAI-compatible server, through the real openai client."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from scripted_llm import (
    ScriptedLLM,
    cut_reply,
    error_reply,
    raw_reply,
    stream_error_reply,
    text_reply,
    tool_reply,
    tools_unsupported_reply,
)

from jupyter_code_interp.agent.tools import tool_schemas
from jupyter_code_interp.providers.client import (
    ChatProvider,
    Finish,
    ProviderError,
    StreamEvent,
    TextDelta,
    ToolCallEvent,
    ToolsUnsupported,
    Usage,
)

ROOT = Path(__file__).resolve().parent.parent
SECRET = "sk-test-S3CRET-abcdef0123456789"
MODEL = "scripted-model"
HELLO = [{"role": "user", "content": "hello"}]


def _provider(base_url: str, api_key: str | None = SECRET, **options: Any) -> ChatProvider:
    """A provider that does not retry, so each request consumes exactly one scripted reply."""
    options.setdefault("max_retries", 0)
    return ChatProvider(base_url, api_key, options.pop("timeout", 30.0), {}, **options)


async def _collect(
    provider: ChatProvider, tools: list[dict[str, Any]] | None = None, model: str = MODEL
) -> list[StreamEvent]:
    try:
        return [event async for event in provider.stream(model, HELLO, tools)]
    finally:
        await provider.aclose()


async def _error_of(
    provider: ChatProvider, tools: list[dict[str, Any]] | None = None
) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await _collect(provider, tools)
    return caught.value


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_text_streams_in_pieces_and_reports_usage(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(
        {
            **text_reply("The answer is 42.", chunk=3),
            "usage": {"prompt_tokens": 11, "completion_tokens": 7},
        }
    )
    events = await _collect(_provider(scripted_llm.base_url))
    deltas = [event.text for event in events if isinstance(event, TextDelta)]
    assert len(deltas) == 6
    assert "".join(deltas) == "The answer is 42."
    assert [event for event in events if isinstance(event, Usage)] == [Usage(11, 7)]
    request = scripted_llm.requests[0]
    assert request["stream"] is True
    assert request["stream_options"] == {"include_usage": True}
    assert request["model"] == MODEL
    assert request["messages"] == HELLO
    assert "tools" not in request


async def test_provider_that_ignores_usage_is_tolerated(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push({**text_reply("ok"), "omit_usage": True})
    events = await _collect(_provider(scripted_llm.base_url))
    assert events == [TextDelta("ok"), Finish("stop")]


async def test_tool_call_is_assembled_from_deltas(scripted_llm: ScriptedLLM) -> None:
    code = "import statistics\nprint(statistics.mean([1, 2, 3, 4]))"
    scripted_llm.push(tool_reply(code, text="Computing."))
    events = await _collect(_provider(scripted_llm.base_url), tools=tool_schemas()[:1])
    calls = [event for event in events if isinstance(event, ToolCallEvent)]
    assert len(calls) == 1
    assert calls[0].name == "run_code"
    assert calls[0].id
    assert json.loads(calls[0].arguments_json) == {"code": code}
    assert "".join(event.text for event in events if isinstance(event, TextDelta)) == "Computing."
    assert scripted_llm.requests[0]["tools"] == tool_schemas()[:1]


async def test_several_tool_calls_keep_their_order(scripted_llm: ScriptedLLM) -> None:
    calls = [
        {"name": "run_code", "arguments": json.dumps({"code": "a = 1"}), "id": "call_a"},
        {"name": "run_code", "arguments": json.dumps({"code": "print(a)"}), "id": "call_b"},
    ]
    scripted_llm.push({"text": "", "tool_calls": calls})
    events = await _collect(_provider(scripted_llm.base_url), tools=tool_schemas()[:1])
    assembled = [event for event in events if isinstance(event, ToolCallEvent)]
    assert [(call.id, json.loads(call.arguments_json)["code"]) for call in assembled] == [
        ("call_a", "a = 1"),
        ("call_b", "print(a)"),
    ]


async def test_chinese_round_trip(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(text_reply("平均值是 2.5。", chunk=1))
    provider = _provider(scripted_llm.base_url)
    messages = [{"role": "user", "content": "计算平均值"}]
    events = [event async for event in provider.stream(MODEL, messages, None)]
    await provider.aclose()
    assert (
        "".join(event.text for event in events if isinstance(event, TextDelta)) == "平均值是 2.5。"
    )
    assert scripted_llm.requests[0]["messages"] == messages


async def test_key_is_sent_as_bearer(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(text_reply("ok"))
    await _collect(_provider(scripted_llm.base_url))
    assert scripted_llm.headers[0]["authorization"] == f"Bearer {SECRET}"


async def test_base_url_without_key_sends_a_placeholder(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(text_reply("ok"))
    events = await _collect(_provider(scripted_llm.base_url, api_key=None))
    assert events[0] == TextDelta("ok")
    assert scripted_llm.headers[0]["authorization"] == "Bearer not-needed"


async def test_nothing_configured_says_what_to_set() -> None:
    error = await _error_of(ChatProvider(None, None, 5.0, {}))
    assert "OPENAI_API_KEY" in str(error)
    assert "c.CodeInterpreter.base_url" in str(error)


async def test_rejected_key(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(error_reply(401, f"Incorrect API key provided: {SECRET}"))
    message = str(await _error_of(_provider(scripted_llm.base_url)))
    assert message.startswith("The provider rejected the API key (401). Set OPENAI_API_KEY")
    assert SECRET not in message


async def test_unknown_model_names_the_model(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(error_reply(404, "The model `gpt-9` does not exist"))
    provider = _provider(scripted_llm.base_url)
    with pytest.raises(ProviderError) as caught:
        async for _ in provider.stream("gpt-9", HELLO, None):
            pass
    await provider.aclose()
    assert "Model 'gpt-9' was not found" in str(caught.value)
    assert "does not exist" in str(caught.value)


async def test_404_that_is_not_json_points_at_the_base_url(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(raw_reply("<html><body>Not Found</body></html>", status=404))
    message = str(await _error_of(_provider(scripted_llm.base_url)))
    assert "not an OpenAI-compatible endpoint" in message
    assert scripted_llm.base_url in message


async def test_rate_limit_with_retry_after(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(error_reply(429, "Too many requests", retry_after=7))
    message = str(await _error_of(_provider(scripted_llm.base_url)))
    assert message.startswith("Rate limited by the provider (429)")
    assert "Too many requests" in message
    assert "Retry after 7 s" in message


async def test_rate_limit_is_retried_by_the_client(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(error_reply(429, "busy", retry_after=0.05), text_reply("after retry"))
    events = await _collect(_provider(scripted_llm.base_url, max_retries=1))
    assert "".join(event.text for event in events if isinstance(event, TextDelta)) == "after retry"
    assert len(scripted_llm.requests) == 2


async def test_bad_request_shows_the_provider_message(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(error_reply(400, "context_length_exceeded: 9000 tokens > 8192"))
    error = await _error_of(_provider(scripted_llm.base_url), tools=tool_schemas()[:1])
    assert not isinstance(error, ToolsUnsupported)
    assert (
        str(error)
        == "The provider refused the request: context_length_exceeded: 9000 tokens > 8192"
    )


@pytest.mark.parametrize(
    "message",
    [
        "tools are not supported by this model",
        "registry.ollama.ai/library/gemma:2b does not support tools",
        '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
        "tools param requires --jinja flag",
    ],
)
async def test_tools_unsupported_is_recognised(scripted_llm: ScriptedLLM, message: str) -> None:
    scripted_llm.push(error_reply(400, message))
    error = await _error_of(_provider(scripted_llm.base_url), tools=tool_schemas()[:1])
    assert isinstance(error, ToolsUnsupported)
    assert "fenced" in str(error)


async def test_tools_unsupported_reply_without_tools_is_a_plain_error(
    scripted_llm: ScriptedLLM,
) -> None:
    scripted_llm.push(tools_unsupported_reply())
    error = await _error_of(_provider(scripted_llm.base_url))
    assert not isinstance(error, ToolsUnsupported)
    assert "tools are not supported" in str(error)


async def test_other_status_shows_status_and_message(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(error_reply(503, "model is loading"))
    message = str(await _error_of(_provider(scripted_llm.base_url)))
    assert message == "The provider answered HTTP 503: model is loading"


async def test_permission_denied(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(error_reply(403, "project has no access to this model"))
    message = str(await _error_of(_provider(scripted_llm.base_url)))
    assert "(403)" in message and "no access" in message


async def test_empty_queue_fails_loudly(scripted_llm: ScriptedLLM) -> None:
    message = str(await _error_of(_provider(scripted_llm.base_url)))
    assert "scripted server: no reply queued" in message


async def test_connection_refused() -> None:
    base_url = f"http://127.0.0.1:{_free_port()}/v1"
    message = str(await _error_of(_provider(base_url)))
    assert message.startswith(f"Cannot connect to {base_url}: ")


async def test_timeout(scripted_llm: ScriptedLLM) -> None:
    # The reply starts (200, headers), then nothing comes: the provider stopped sending, it
    # did not fail to connect (a timeout before the first byte: test_reliability.py).
    scripted_llm.push({**text_reply("slow"), "delay": 3})
    message = str(await _error_of(_provider(scripted_llm.base_url, timeout=0.5)))
    assert message.startswith(
        f"The provider stopped sending: nothing came from {scripted_llm.base_url} for 0.5 s "
        "after accepting the request"
    ), message


async def test_cut_stream(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(cut_reply("This answer will never be finished because the line drops"))
    received: list[str] = []
    provider = _provider(scripted_llm.base_url)
    with pytest.raises(ProviderError) as caught:
        async for event in provider.stream(MODEL, HELLO, None):
            if isinstance(event, TextDelta):
                received.append(event.text)
    await provider.aclose()
    assert "the stream was cut" in str(caught.value)
    assert "".join(received).startswith("This answer")


async def test_error_event_mid_stream(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(stream_error_reply("Partial", "upstream overloaded"))
    message = str(await _error_of(_provider(scripted_llm.base_url)))
    assert message == "The provider reported an error mid-stream: upstream overloaded"


async def test_html_page_is_not_an_openai_reply(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(raw_reply("<html><body>Welcome to nginx!</body></html>"))
    message = str(await _error_of(_provider(scripted_llm.base_url)))
    assert "not an OpenAI-compatible reply" in message


async def test_event_stream_with_non_json_data_is_not_an_openai_reply(
    scripted_llm: ScriptedLLM,
) -> None:
    scripted_llm.push(raw_reply("data: hello there\n\n", content_type="text/event-stream"))
    message = str(await _error_of(_provider(scripted_llm.base_url)))
    assert "not an OpenAI-compatible reply" in message


async def test_key_never_appears_in_any_error(scripted_llm: ScriptedLLM) -> None:
    local_key = "local-key-without-prefix-123"
    failures = [
        error_reply(401, f"Incorrect API key provided: {SECRET}"),
        error_reply(400, f"invalid header Authorization: Bearer {SECRET}"),
        error_reply(403, f"key {SECRET} is disabled"),
        error_reply(404, f"no model for key {SECRET}"),
        error_reply(429, f"quota of {SECRET} exhausted", retry_after=1),
        error_reply(500, f"crash while checking {SECRET}"),
        stream_error_reply("x", f"key {SECRET} revoked mid-stream"),
        cut_reply("some text to cut"),
        raw_reply(f"<html>{SECRET}</html>", status=502),
    ]
    for failure in failures:
        scripted_llm.push(failure)
        provider = _provider(scripted_llm.base_url)
        error = await _error_of(provider)
        assert SECRET not in str(error)
        assert "S3CRET" not in str(error)
        assert SECRET not in repr(provider)
    scripted_llm.push(error_reply(400, f"bad key {local_key}"))
    error = await _error_of(_provider(scripted_llm.base_url, api_key=local_key))
    assert local_key not in str(error)
    assert str(error) == "The provider refused the request: bad key ***"


def test_tool_modes_and_fenced_memory() -> None:
    provider = ChatProvider(
        "http://127.0.0.1:1/v1", None, 5.0, {"a": "tools", "b": "fenced", "c": "bogus"}
    )
    assert [provider.tool_mode(model) for model in ("a", "b", "c", "d")] == [
        "tools",
        "fenced",
        "auto",
        "auto",
    ]
    provider.remember_fenced("d")
    assert provider.tool_mode("d") == "fenced"
    assert provider.tool_mode("a") == "tools"


def test_display_url_hides_credentials_in_the_url() -> None:
    provider = ChatProvider("https://user:pass@llm.example.com/v1", None, 5.0, {})
    assert provider.display_url == "https://***@llm.example.com/v1"
    assert ChatProvider(None, SECRET, 5.0, {}).display_url == "https://api.openai.com/v1"


def test_importing_the_core_does_not_import_openai() -> None:
    code = (
        "import sys\n"
        "import jupyter_code_interp.services, jupyter_code_interp.agent.loop\n"
        "from jupyter_code_interp.providers.client import ChatProvider\n"
        "ChatProvider('http://127.0.0.1:1/v1', None, 5.0, {})\n"
        "print('openai' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    assert result.stdout.strip() == "False"


def test_the_server_start_imports_openai_in_a_worker_thread() -> None:
    code = (
        "import asyncio, sys\n"
        "from jupyter_code_interp.app import CodeInterpreterApp\n"
        "app = CodeInterpreterApp()\n"
        "print('openai' in sys.modules)\n"
        "async def start():\n"
        "    await app._start_jupyter_server_extension(None)\n"
        "    assert app.warmed_up is not None\n"
        "    return await app.warmed_up\n"
        "print(asyncio.run(start()), 'openai' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    assert result.stdout.split() == ["False", "[]", "True"]
