"""Token accounting: the API's usage when given, a CJK-aware estimate when not, and cost."""

from __future__ import annotations

import pytest
from agent_helpers import ClosedNotebook, Recorder
from kernel_helpers import running_kernel
from scripted_llm import ScriptedLLM, text_reply, tool_reply

from jupyter_code_interp.agent.loop import run_turn
from jupyter_code_interp.agent.usage import (
    UsageMeter,
    cost,
    estimate_messages,
    estimate_tokens,
    usage_frame,
)
from jupyter_code_interp.conversations.model import Conversation
from jupyter_code_interp.providers.client import ChatProvider
from jupyter_code_interp.providers.specs import ModelSpec


def test_estimate_counts_cjk_characters_one_token_each() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd" * 10) == 10
    assert estimate_tokens("abcde") == 2  # rounded up
    assert estimate_tokens("上海的GDP最高") == 5 + 1  # 5 ideographs + "GDP"
    assert estimate_tokens("こんにちは、세계") == 5 + 1 + 2  # kana, fullwidth comma, hangul


def test_estimate_of_a_request_counts_every_message_and_tool_call() -> None:
    messages = [
        {"role": "system", "content": "x" * 40},
        {"role": "user", "content": "计算"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c", "function": {"name": "run_code", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c", "content": "42"},
    ]
    total = estimate_messages(messages)
    assert total == 4 * 4 + 10 + 2 + 1 + estimate_tokens(
        '{"id": "c", "function": {"name": "run_code", "arguments": "{}"}}'
    )


def test_cost_uses_prices_per_million_tokens() -> None:
    priced = ModelSpec("m", price_in=2.5, price_out=10.0)
    assert cost(1_000_000, 0, priced) == pytest.approx(2.5)
    assert cost(2000, 500, priced) == pytest.approx(0.005 + 0.005)
    assert cost(10, 10, ModelSpec("free")) is None
    assert cost(10, 10, None) is None
    assert cost(1_000_000, 1_000_000, ModelSpec("m", price_out=1.0)) == pytest.approx(1.0)


def test_usage_frame_reports_cost_only_when_priced() -> None:
    meter = UsageMeter()
    meter.record((1000, 200), [], "")
    frame = usage_frame(
        meter, "deepseek", "deepseek-chat", ModelSpec("x", price_in=2, price_out=8), "CNY"
    )
    assert frame == {
        "provider": "deepseek",
        "model": "deepseek-chat",
        "promptTokens": 1000,
        "completionTokens": 200,
        "estimated": False,
        "cost": pytest.approx(0.0036),
        "currency": "CNY",
    }
    unpriced = usage_frame(meter, "p", "m", None, "USD")
    assert unpriced["cost"] is None and unpriced["currency"] is None


async def test_reported_usage_is_summed_and_missing_usage_is_estimated(
    scripted_llm: ScriptedLLM,
) -> None:
    scripted_llm.push(
        {**tool_reply("print(6 * 7)"), "usage": {"prompt_tokens": 100, "completion_tokens": 10}},
        {**text_reply("答案是四十二。"), "omit_usage": True},
    )
    provider = ChatProvider(scripted_llm.base_url, "k", 30.0, {}, max_retries=0)
    meter = UsageMeter()
    async with running_kernel() as kernel:
        outcome = await run_turn(
            Conversation("a.ipynb"),
            "go",
            provider=provider,
            executor=kernel,
            model="scripted-model",
            emit=Recorder(),
            meter=meter,
        )
    await provider.aclose()
    assert outcome.reason == "done"
    assert meter.requests == 2
    assert meter.estimated and outcome.usage_estimated
    # The second request's prompt is estimated from what was sent, its completion from the text.
    second_prompt = estimate_messages(scripted_llm.requests[1]["messages"])
    assert meter.prompt_tokens == 100 + second_prompt
    assert meter.completion_tokens == 10 + estimate_tokens("答案是四十二。")
    assert outcome.usage == meter.tokens()


async def test_a_refused_request_costs_nothing(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push({"status": 401, "error": {"message": "bad key"}})
    provider = ChatProvider(scripted_llm.base_url, "k", 30.0, {}, max_retries=0)
    meter = UsageMeter()
    outcome = await run_turn(
        Conversation("a.ipynb"),
        "go",
        provider=provider,
        executor=ClosedNotebook(),
        model="scripted-model",
        emit=Recorder(),
        meter=meter,
    )
    await provider.aclose()
    assert outcome.reason == "error"
    assert (meter.requests, meter.prompt_tokens, meter.completion_tokens) == (0, 0, 0)
