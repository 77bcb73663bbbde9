"""The scripted server itself: non-streaming replies, model list, HTTP control, standalone run."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionMessageFunctionToolCall
from scripted_llm import ScriptedLLM, hang_reply, repeated, text_reply, tool_reply

HERE = Path(__file__).resolve().parent


def _http(url: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="GET" if data is None else "POST")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


async def test_non_streaming_reply_and_model_list(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(text_reply("你好"), tool_reply("print(1)"))
    client = openai.AsyncOpenAI(base_url=scripted_llm.base_url, api_key="x", max_retries=0)
    try:
        first = await client.chat.completions.create(
            model="scripted-model", messages=[{"role": "user", "content": "hi"}]
        )
        second = await client.chat.completions.create(
            model="scripted-model", messages=[{"role": "user", "content": "run"}]
        )
        models = await client.models.list()
    finally:
        await client.close()
    assert first.choices[0].message.content == "你好"
    assert first.usage is not None and first.usage.completion_tokens > 0
    calls = second.choices[0].message.tool_calls or []
    assert isinstance(calls[0], ChatCompletionMessageFunctionToolCall)
    assert json.loads(calls[0].function.arguments) == {"code": "print(1)"}
    assert [model.id for model in models.data] == scripted_llm.models


def test_http_control_endpoints(scripted_llm: ScriptedLLM) -> None:
    root = scripted_llm.base_url.removesuffix("/v1")
    assert _http(f"{root}/_script", [text_reply("one"), text_reply("two")]) == {"queued": 2}
    reply = _http(
        f"{scripted_llm.base_url}/chat/completions",
        {"model": "m", "messages": [{"role": "user", "content": "問題"}]},
    )
    assert reply["choices"][0]["message"]["content"] == "one"
    assert _http(f"{root}/_requests")[0]["messages"][0]["content"] == "問題"
    assert _http(f"{root}/_reset", {}) == {"reset": True}
    assert _http(f"{root}/_requests") == []
    with pytest.raises(urllib.error.HTTPError) as caught:
        _http(f"{scripted_llm.base_url}/chat/completions", {"model": "m", "messages": []})
    assert caught.value.code == 500
    assert "no reply queued" in caught.value.read().decode("utf-8")


def test_runs_standalone() -> None:
    with ScriptedLLM() as probe:
        port = probe.port  # a port that was free a moment ago
    process = subprocess.Popen(
        [sys.executable, str(HERE / "scripted_llm.py"), "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url == f"http://127.0.0.1:{port}/v1"
        assert _http(f"{base_url}/models")["data"][0]["id"] == "scripted-model"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_stamps_reply_streams_the_clock_as_each_delta_is_written(
    scripted_llm: ScriptedLLM,
) -> None:
    # benchmarks/relay_latency.py subtracts these stamps from the receiver's monotonic clock.
    scripted_llm.push({"stamps": 5, "delay": 0.01})
    client = openai.AsyncOpenAI(base_url=scripted_llm.base_url, api_key="x", max_retries=0)
    before = time.monotonic_ns()
    deltas: list[str] = []
    try:
        stream = await client.chat.completions.create(
            model="scripted-model", messages=[{"role": "user", "content": "go"}], stream=True
        )
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                deltas.append(chunk.choices[0].delta.content)
    finally:
        await client.close()
    after = time.monotonic_ns()
    stamps = [int(stamp) for delta in deltas for stamp in re.findall(r"^t=(\d+);$", delta)]
    assert len(stamps) == len(deltas) == 5
    assert before <= stamps[0] and stamps[-1] <= after
    # Taken as each delta is written, 10 ms apart: increasing, not one reading reused.
    assert all(later - earlier >= 5_000_000 for earlier, later in itertools.pairwise(stamps))


def _ask(llm: ScriptedLLM, content: str, timeout: float = 10) -> Any:
    """One non-streaming chat request whose user message is `content`."""
    body = {"model": "m", "messages": [{"role": "user", "content": content}]}
    data = json.dumps(body).encode("utf-8")
    request = urllib.request.Request(f"{llm.base_url}/chat/completions", data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))["choices"][0]["message"]["content"]


def test_repeated_forever_and_keyed_replies(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(repeated(text_reply("twice"), 2), repeated(text_reply("always")))
    scripted_llm.push_for("⟦a⟧", text_reply("for a"))
    answers = [_ask(scripted_llm, text) for text in ("x", "⟦a⟧ y", "x", "x", "x")]
    assert answers == ["twice", "for a", "twice", "always", "always"]
    scripted_llm.discard_replies()
    with pytest.raises(urllib.error.HTTPError) as refused:
        _ask(scripted_llm, "x")
    assert refused.value.code == 500  # nothing queued any more
    assert len(scripted_llm.requests) == 6  # discarding replies keeps the requests


def test_hang_holds_the_request_until_the_client_gives_up(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(hang_reply(30), text_reply("next"))
    with pytest.raises(TimeoutError):
        _ask(scripted_llm, "x", timeout=0.5)
    assert _ask(scripted_llm, "y") == "next"
