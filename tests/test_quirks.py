"""Endpoint quirks degrade gracefully: a request field the server refuses (worded as real servers
word it) is dropped (or renamed) and the request sent once more; the provider remembers it for
that model. The output cap is sent as max_tokens."""

from __future__ import annotations

from typing import Any

import pytest
from scripted_llm import ScriptedLLM, error_reply, text_reply, tool_reply

from jupyter_code_interp.agent.tools import tool_schemas
from jupyter_code_interp.providers.client import ChatProvider, ProviderError, TextDelta
from jupyter_code_interp.providers.quirks import Quirks

HELLO = [{"role": "user", "content": "hello"}]


async def _ask(
    provider: ChatProvider, model: str = "m", tools: bool = False, max_tokens: int | None = 512
) -> str:
    stream = provider.stream(
        model, HELLO, tool_schemas()[:1] if tools else None, max_tokens=max_tokens
    )
    return "".join([event.text async for event in stream if isinstance(event, TextDelta)])


def _provider(llm: ScriptedLLM) -> ChatProvider:
    return ChatProvider(llm.base_url, None, 30.0, {}, max_retries=0)


@pytest.mark.parametrize("style", ["openai", "pydantic"])
@pytest.mark.parametrize(
    ("field", "tools"),
    [("stream_options", False), ("parallel_tool_calls", True), ("max_completion_tokens", False)],
)
async def test_a_refused_field_is_dropped_once_and_remembered(
    scripted_llm: ScriptedLLM, field: str, tools: bool, style: str
) -> None:
    scripted_llm.rejected_fields = {field}
    scripted_llm.reject_style = style
    scripted_llm.push(text_reply("first"), text_reply("second"), text_reply("other"))
    provider = _provider(scripted_llm)
    if field == "max_completion_tokens":
        provider.quirks.retry("m", "Use 'max_completion_tokens' instead", {"max_tokens": 1})
    assert await _ask(provider, tools=tools) == "first"
    assert await _ask(provider, tools=tools) == "second"
    sent = scripted_llm.requests
    assert [field in request for request in sent] == [True, False, False]
    assert field in provider.quirks.dropped("m")
    # Another model of the same provider is not assumed to share the quirk.
    scripted_llm.rejected_fields = set()
    await _ask(provider, model="other", tools=tools)
    assert ("max_tokens" if field == "max_completion_tokens" else field) in sent[-1]
    await provider.aclose()


async def test_max_tokens_becomes_max_completion_tokens_when_asked(
    scripted_llm: ScriptedLLM,
) -> None:
    scripted_llm.rejected_fields = {"max_tokens"}  # OpenAI's reasoning models
    scripted_llm.push(text_reply("one"), text_reply("two"))
    provider = _provider(scripted_llm)
    assert await _ask(provider, model="o3-mini") == "one"
    assert await _ask(provider, model="o3-mini") == "two"
    first, retried, later = scripted_llm.requests
    assert first["max_tokens"] == 512 and "max_completion_tokens" not in first
    assert retried["max_completion_tokens"] == 512 and "max_tokens" not in retried
    assert later["max_completion_tokens"] == 512
    await provider.aclose()


async def test_a_too_large_max_tokens_is_left_out_of_that_request_only(
    scripted_llm: ScriptedLLM,
) -> None:
    message = (
        "'max_tokens' or 'max_completion_tokens' is too large: 4096. This model's maximum context "
        "length is 8192 tokens and your request has 5000 input tokens (4096 > 8192 - 5000)."
    )  # vLLM's wording
    scripted_llm.push(error_reply(400, message), text_reply("fits"), text_reply("again"))
    provider = _provider(scripted_llm)
    assert await _ask(provider, max_tokens=4096) == "fits"
    assert await _ask(provider, max_tokens=4096) == "again"
    assert ["max_tokens" in request for request in scripted_llm.requests] == [True, False, True]
    await provider.aclose()


async def test_other_bad_requests_are_not_retried(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(error_reply(400, "messages: Input should be a valid list"))
    provider = _provider(scripted_llm)
    with pytest.raises(ProviderError, match="valid list"):
        await _ask(provider)
    assert len(scripted_llm.requests) == 1
    await provider.aclose()


async def test_tools_and_parallel_tool_calls_are_sent_together(
    scripted_llm: ScriptedLLM,
) -> None:
    scripted_llm.push(tool_reply("print(1)"))
    provider = _provider(scripted_llm)
    await _ask(provider, tools=True, max_tokens=None)
    request = scripted_llm.requests[0]
    assert request["parallel_tool_calls"] is False and request["tools"]
    assert "max_tokens" not in request  # no cap: none sent
    await provider.aclose()


def test_a_refused_tools_field_is_a_tools_refusal() -> None:
    provider = ChatProvider("http://127.0.0.1:9/v1", None, 1.0, {})
    quirks = Quirks()
    arguments: dict[str, Any] = {"tools": [], "stream_options": {}}
    # "tools" is not an optional field: the loop's fenced fallback handles it.
    assert quirks.retry("m", "Unrecognized request argument supplied: tools", arguments) is None
    import httpx
    import openai

    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    response = httpx.Response(400, request=request)
    error = openai.BadRequestError(
        "Unrecognized request argument supplied: tools",
        response=response,
        body={"message": "Unrecognized request argument supplied: tools"},
    )
    assert provider.map_error(error, "m", sent_tools=True).kind == "tools_unsupported"
