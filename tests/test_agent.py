"""The agent loop against the scripted model server and a real ipykernel."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from agent_helpers import ClosedNotebook, NeverFinishes, Recorder, assert_valid
from kernel_helpers import KernelExecutor, running_kernel
from scripted_llm import (
    ScriptedLLM,
    cut_reply,
    error_reply,
    text_reply,
    tool_reply,
    tools_unsupported_reply,
)

from jupyter_code_interp.agent.loop import TurnOutcome, run_turn
from jupyter_code_interp.conversations.model import Conversation
from jupyter_code_interp.providers.client import ChatProvider

MODEL = "scripted-model"


@pytest.fixture
async def kernel() -> AsyncIterator[KernelExecutor]:
    """A fresh kernel per test, so variables never leak between tests."""
    async with running_kernel() as executor:
        yield executor


def _provider(llm: ScriptedLLM, mode: str | None = "tools") -> ChatProvider:
    modes = {MODEL: mode} if mode else {}
    return ChatProvider(llm.base_url, "sk-agent-test-0000000000", 30.0, modes, max_retries=0)


async def _turn(
    conversation: Conversation,
    instruction: str,
    provider: ChatProvider,
    executor: Any,
    recorder: Recorder,
    **limits: int,
) -> TurnOutcome:
    return await run_turn(
        conversation,
        instruction,
        provider=provider,
        executor=executor,
        model=MODEL,
        emit=recorder,
        **limits,
    )


def _tool_messages(request: dict[str, Any]) -> list[str]:
    return [message["content"] for message in request["messages"] if message["role"] == "tool"]


async def test_tools_turn_runs_code_and_answers(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    scripted_llm.push(
        tool_reply("print(6 * 7)", text="Let me compute."), text_reply("The answer is 42.")
    )
    conversation, recorder = Conversation("a.ipynb"), Recorder()
    outcome = await _turn(conversation, "What is 6*7?", _provider(scripted_llm), kernel, recorder)
    assert (outcome.reason, outcome.message, outcome.steps) == ("done", None, 1)
    assert recorder.text == "Let me compute.The answer is 42."
    assert len(recorder.of("text")) > 2  # streamed piece by piece
    assert recorder.of("step_started") == [
        {"type": "step_started", "step": 1, "code": "print(6 * 7)", "action": "run_code"}
    ]
    finished = recorder.of("step_finished")[0]
    assert finished["status"] == "ok" and finished["executionCount"] == 1
    assert finished["cellId"] == "cell-1" and finished["cellIndex"] == 0
    assert kernel.codes == ["print(6 * 7)"]
    assert _tool_messages(scripted_llm.requests[1]) == ["42"]
    assert scripted_llm.requests[0]["messages"][0]["role"] == "system"
    assert "run_code" in scripted_llm.requests[0]["messages"][0]["content"]
    assert [message["role"] for message in conversation.messages] == [
        "user",
        "assistant",
        "tool",
        "assistant",
    ]
    assert conversation.messages[-1]["content"] == "The answer is 42."
    assert conversation.turns == 1
    assert_valid(conversation.messages)
    assert outcome.usage["promptTokens"] > 0 and outcome.usage["completionTokens"] > 0


async def test_error_then_fix_then_success(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    scripted_llm.push(
        tool_reply("print(total * 2)"),
        tool_reply("total = 5\nprint(total * 2)", text="`total` is undefined; define it."),
        text_reply("Twice the total is 10."),
    )
    conversation, recorder = Conversation("a.ipynb"), Recorder()
    outcome = await _turn(
        conversation, "double the total", _provider(scripted_llm), kernel, recorder
    )
    assert (outcome.reason, outcome.steps) == ("done", 2)
    first, second = recorder.of("step_finished")
    assert (first["status"], first["ename"]) == ("error", "NameError")
    assert "total" in first["evalue"]
    assert second["status"] == "ok" and second["ename"] is None
    error_feedback = _tool_messages(scripted_llm.requests[1])[0]
    assert error_feedback.startswith("The cell raised an exception.\nNameError:")
    assert "\x1b" not in error_feedback
    assert _tool_messages(scripted_llm.requests[2])[-1] == "10"
    assert_valid(conversation.messages)


async def test_fenced_mode_runs_the_first_block_and_drops_what_follows(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    # Seen from a real 1.5B model: after its block it wrote an invented output, then believed it.
    first = "Two cells:\n```python\nx = 21\n```"
    invented = "\nOutput: x is approximately 30527.45\n```python\nprint(x * 2)\n```\n" + "…" * 150
    scripted_llm.push(
        {**text_reply(first + invented, chunk=3), "delay": 0.01},
        text_reply("```python\nprint(x * 2)\n```"),
        text_reply("x * 2 is 42."),
    )
    conversation, recorder = Conversation("a.ipynb"), Recorder()
    outcome = await _turn(
        conversation, "compute", _provider(scripted_llm, "fenced"), kernel, recorder
    )
    assert (outcome.reason, outcome.steps) == ("done", 2)
    assert kernel.codes == ["x = 21", "print(x * 2)"]
    assert all("tools" not in request for request in scripted_llm.requests)
    assert "30527" not in recorder.text  # the panel never got what followed the block
    assert scripted_llm.disconnects == 1  # the stream was closed after the block
    system = scripted_llm.requests[0]["messages"][0]["content"]
    assert "```python block" in system and "run_code" not in system
    assert scripted_llm.requests[0]["stop"] == ["\n```\n\n"]
    feedback = scripted_llm.requests[1]["messages"][-1]
    assert feedback["role"] == "user"
    assert feedback["content"].startswith("Output of the code you ran (step 1):\n(no output)")
    assert "If this output answers the user's question, reply now" in feedback["content"]
    assert scripted_llm.requests[1]["messages"][-2] == {"role": "assistant", "content": first}
    assert (
        "Output of the code you ran (step 2):\n42"
        in scripted_llm.requests[2]["messages"][-1]["content"]
    )
    assert_valid(conversation.messages)


async def test_auto_mode_falls_back_to_fenced_and_remembers(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    scripted_llm.push(
        tools_unsupported_reply(),
        text_reply("```python\nprint('fallback works')\n```"),
        text_reply("It printed the message."),
    )
    provider = _provider(scripted_llm, mode=None)
    conversation, recorder = Conversation("a.ipynb"), Recorder()
    outcome = await _turn(conversation, "print something", provider, kernel, recorder)
    assert (outcome.reason, outcome.steps) == ("done", 1)
    assert "tools" in scripted_llm.requests[0]
    assert "tools" not in scripted_llm.requests[1]
    assert scripted_llm.requests[1]["messages"][1:] == scripted_llm.requests[0]["messages"][1:]
    assert "fallback works" in scripted_llm.requests[2]["messages"][-1]["content"]
    assert provider.tool_mode(MODEL) == "fenced"

    scripted_llm.push(text_reply("Nothing to run."))
    outcome = await _turn(conversation, "anything else?", provider, kernel, recorder)
    assert outcome.reason == "done"
    assert len(scripted_llm.requests) == 4
    assert "tools" not in scripted_llm.requests[3]


async def test_printed_json_tool_call_is_run(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    printed = json.dumps({"name": "run_code", "arguments": {"code": "print('printed call')"}})
    scripted_llm.push(text_reply(printed), text_reply("Done."))
    conversation, recorder = Conversation("a.ipynb"), Recorder()
    outcome = await _turn(conversation, "go", _provider(scripted_llm), kernel, recorder)
    assert (outcome.reason, outcome.steps) == ("done", 1)
    assert kernel.codes == ["print('printed call')"]
    assistant, feedback = scripted_llm.requests[1]["messages"][-2:]
    assert assistant == {"role": "assistant", "content": printed}
    assert feedback["role"] == "user"
    assert "Output of the code you ran (step 1):\nprinted call" in feedback["content"]
    assert_valid(conversation.messages)


async def test_at_the_step_cap_the_model_is_asked_once_for_its_answer(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    scripted_llm.push(
        *(tool_reply(f"print({number})") for number in range(2)),
        text_reply("```python\nprint('more')\n```\nThe numbers were 0 and 1."),
    )
    conversation, recorder = Conversation("a.ipynb"), Recorder()
    outcome = await _turn(
        conversation, "loop", _provider(scripted_llm), kernel, recorder, max_steps=2
    )
    assert (outcome.reason, outcome.steps) == ("max_steps", 2)
    assert outcome.message is not None
    assert "2 steps" in outcome.message and "Max steps per turn" in outcome.message
    assert kernel.codes == ["print(0)", "print(1)"]  # the code in the answer did not run
    assert len(scripted_llm.requests) == 3
    final = scripted_llm.requests[2]
    assert "tools" not in final and "stop" not in final
    system = final["messages"][0]["content"]
    assert "run_code" not in system and "```python block" not in system
    assert "No more code can run" in system
    assert "the step limit is reached" in final["messages"][-1]["content"]
    assert all(message["role"] != "tool" for message in final["messages"])
    assert conversation.messages[-1] == {
        "role": "assistant",
        "content": "```python\nprint('more')\n```\nThe numbers were 0 and 1.",
    }
    assert recorder.text.endswith("The numbers were 0 and 1.")
    assert_valid(conversation.messages)


async def test_provider_error_mid_turn_leaves_a_valid_conversation_without_the_unanswered_turn(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    scripted_llm.push(tool_reply("value = 7\nprint(value)"), error_reply(500, "upstream broke"))
    provider = _provider(scripted_llm)
    conversation, recorder = Conversation("a.ipynb"), Recorder()
    outcome = await _turn(conversation, "set a value", provider, kernel, recorder)
    assert outcome.reason == "error"
    assert outcome.message == "The provider answered HTTP 500: upstream broke"
    assert outcome.steps == 1
    assert_valid(conversation.messages)
    assert [message["role"] for message in conversation.messages] == ["user", "assistant", "tool"]

    scripted_llm.push(cut_reply("I was about to say that value"))
    outcome = await _turn(conversation, "and then?", provider, kernel, recorder)
    assert outcome.reason == "error" and "the stream was cut" in (outcome.message or "")
    # The model never answered it: it leaves nothing the next instruction would carry along.
    assert [message["role"] for message in conversation.messages] == ["user", "assistant", "tool"]

    scripted_llm.push(tool_reply("print(value + 1)"), text_reply("value + 1 is 8."))
    outcome = await _turn(conversation, "add one", provider, kernel, recorder)
    assert (outcome.reason, outcome.steps) == ("done", 1)
    sent = scripted_llm.requests[-2]["messages"]
    assert sent[1]["content"] == "set a value"
    assert sent[3] == {
        "role": "tool",
        "tool_call_id": sent[2]["tool_calls"][0]["id"],
        "content": "7",
    }
    assert sent[4] == {"role": "user", "content": "add one"}  # not "and then?" with it
    assert _tool_messages(scripted_llm.requests[-1])[-1] == "8"
    assert_valid(conversation.messages)


async def test_second_turn_sees_the_first(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    scripted_llm.push(
        tool_reply("squares = [n * n for n in range(5)]\nprint(squares)"),
        text_reply("The squares are 0, 1, 4, 9, 16."),
    )
    provider = _provider(scripted_llm)
    conversation, recorder = Conversation("a.ipynb"), Recorder()
    await _turn(conversation, "list squares", provider, kernel, recorder)
    scripted_llm.push(tool_reply("print(sum(squares))"), text_reply("Their sum is 30."))
    outcome = await _turn(conversation, "sum them", provider, kernel, recorder)
    assert (outcome.reason, outcome.steps) == ("done", 1)
    first_turn_request = scripted_llm.requests[2]["messages"]
    contents = [message.get("content") for message in first_turn_request]
    assert "list squares" in contents
    assert "[0, 1, 4, 9, 16]" in contents
    assert "The squares are 0, 1, 4, 9, 16." in contents
    assert contents[-1] == "sum them"
    assert _tool_messages(scripted_llm.requests[3])[-1] == "30"  # same kernel, same variables
    assert conversation.turns == 2
    assert_valid(conversation.messages)


async def test_chinese_round_trip(scripted_llm: ScriptedLLM, kernel: KernelExecutor) -> None:
    scripted_llm.push(
        tool_reply("print('总和:', sum(range(1, 11)))", text="我来计算。"),
        text_reply("1 到 10 的总和是 55。", chunk=2),
    )
    conversation, recorder = Conversation("数据/分析.ipynb"), Recorder()
    outcome = await _turn(
        conversation, "计算 1 到 10 的和", _provider(scripted_llm), kernel, recorder
    )
    assert outcome.reason == "done"
    assert recorder.text == "我来计算。1 到 10 的总和是 55。"
    assert scripted_llm.requests[0]["messages"][1] == {
        "role": "user",
        "content": "计算 1 到 10 的和",
    }
    assert _tool_messages(scripted_llm.requests[1]) == ["总和: 55"]
    assert conversation.messages[-1]["content"] == "1 到 10 的总和是 55。"


async def test_invalid_tool_calls_are_answered_not_run(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    bad_arguments = {"text": "", "tool_calls": [{"name": "run_code", "arguments": "{broken"}]}
    scripted_llm.push(
        tool_reply("print(1)", name="search_web"), bad_arguments, text_reply("Sorry.")
    )
    conversation, recorder = Conversation("a.ipynb"), Recorder()
    outcome = await _turn(conversation, "go", _provider(scripted_llm), kernel, recorder)
    assert (outcome.reason, outcome.steps) == ("done", 0)
    assert kernel.codes == []
    assert "unknown tool 'search_web'" in _tool_messages(scripted_llm.requests[1])[0]
    assert "not valid JSON" in _tool_messages(scripted_llm.requests[2])[1]
    assert_valid(conversation.messages)


async def test_repeated_invalid_tool_calls_end_the_turn(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(*(tool_reply("x", name="browser") for _ in range(3)))
    conversation, recorder = Conversation("a.ipynb"), Recorder()
    outcome = await _turn(conversation, "go", _provider(scripted_llm), ClosedNotebook(), recorder)
    assert outcome.reason == "error"
    assert "3 tool calls in a row" in (outcome.message or "")
    assert_valid(conversation.messages)


async def test_aborted_execution_ends_the_turn(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(
        {
            "text": "",
            "tool_calls": [
                {"name": "run_code", "arguments": json.dumps({"code": "a = 1"})},
                {"name": "run_code", "arguments": json.dumps({"code": "b = 2"})},
            ],
        }
    )
    conversation, recorder = Conversation("a.ipynb"), Recorder()
    outcome = await _turn(conversation, "go", _provider(scripted_llm), ClosedNotebook(), recorder)
    assert (outcome.reason, outcome.message) == ("error", "The notebook a.ipynb was closed.")
    assert recorder.of("step_finished")[0]["status"] == "aborted"
    assert len(recorder.of("step_started")) == 1
    contents = [
        message["content"] for message in conversation.messages if message["role"] == "tool"
    ]
    assert contents == [
        "Could not run: The notebook a.ipynb was closed.",
        "Not run: an earlier cell could not run.",
    ]
    assert_valid(conversation.messages)


async def _wait_for(recorder: Recorder, kind: str) -> None:
    while not recorder.of(kind):
        await asyncio.sleep(0.01)


async def test_stop_during_execution_leaves_a_valid_conversation(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(tool_reply("import time; time.sleep(100)"))
    conversation, recorder = Conversation("a.ipynb"), Recorder()
    task = asyncio.ensure_future(
        _turn(conversation, "go", _provider(scripted_llm), NeverFinishes(), recorder)
    )
    await asyncio.wait_for(_wait_for(recorder, "step_started"), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [message["role"] for message in conversation.messages] == ["user", "assistant", "tool"]
    assert "stopped" in conversation.messages[-1]["content"]
    assert_valid(conversation.messages)


async def test_stop_during_the_first_reply_leaves_nothing_in_the_history(
    scripted_llm: ScriptedLLM,
) -> None:
    scripted_llm.push({**text_reply("a long and slow answer", chunk=1), "delay": 0.2})
    conversation, recorder = Conversation("a.ipynb"), Recorder()
    task = asyncio.ensure_future(
        _turn(conversation, "go", _provider(scripted_llm), NeverFinishes(), recorder)
    )
    await asyncio.wait_for(_wait_for(recorder, "text"), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert conversation.messages == []


async def test_usage_is_summed_over_the_turn(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    scripted_llm.push(
        {**tool_reply("print(1)"), "usage": {"prompt_tokens": 100, "completion_tokens": 10}},
        {**text_reply("ok"), "usage": {"prompt_tokens": 150, "completion_tokens": 5}},
    )
    outcome = await _turn(
        Conversation("a.ipynb"), "go", _provider(scripted_llm), kernel, Recorder()
    )
    assert outcome.usage == {"promptTokens": 250, "completionTokens": 15}
