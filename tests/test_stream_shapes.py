"""Real providers' stream shapes (tests/stream_shapes.py) through the real openai client and the
agent loop: the visible answer, the reasoning, the code run, the usage and how the turn ends."""

from __future__ import annotations

import json
from typing import Any

import pytest
from agent_helpers import Recorder, assert_valid
from scripted_llm import ScriptedLLM, error_reply
from stream_shapes import (
    TOOLS_REFUSALS,
    azure_text,
    dashscope_tool_call,
    deepseek_chat,
    deepseek_thinking,
    gemini_tool_call,
    llamacpp_tool_call,
    lmstudio_text,
    moonshot_text,
    ollama_reasoning,
    ollama_think_inline,
    ollama_tool_call,
    openai_text,
    openai_tool_call,
    openrouter_text,
    vllm_tool_call,
    zhipu_tool_call,
)

from jupyter_code_interp.agent.executor import ExecutionResult
from jupyter_code_interp.agent.loop import TurnOutcome, run_turn
from jupyter_code_interp.agent.messages import public
from jupyter_code_interp.conversations.model import Conversation
from jupyter_code_interp.providers.client import ChatProvider

CODE = "print(6 * 7)"
MODEL = "shape-model"


class RecordingExecutor:
    """Runs nothing: records the code and answers as a cell printing 42 would."""

    def __init__(self) -> None:
        """No code yet."""
        self.codes: list[str] = []

    async def execute(self, code: str, replace_cell_id: str | None = None) -> ExecutionResult:
        """Record `code`; report `42` printed."""
        self.codes.append(code)
        output = {"output_type": "stream", "name": "stdout", "text": "42\n"}
        count = len(self.codes)
        return ExecutionResult([output], count, f"cell-{count}", count - 1)


class Turns:
    """One conversation with a scripted server: run turns, see what was sent and shown."""

    def __init__(self, llm: ScriptedLLM, mode: str = "tools") -> None:
        """A provider in `mode` for MODEL, a fresh conversation and executor."""
        self.llm = llm
        self.provider = ChatProvider(llm.base_url, "sk-shape-0000000000", 30.0, {MODEL: mode})
        self.provider.max_retries = 0
        self.conversation = Conversation("shapes.ipynb")
        self.executor = RecordingExecutor()
        self.recorder = Recorder()

    async def turn(self, instruction: str = "Compute 6 * 7.") -> TurnOutcome:
        """Run one turn."""
        self.recorder.frames.clear()
        try:
            return await run_turn(
                self.conversation,
                instruction,
                provider=self.provider,
                executor=self.executor,
                model=MODEL,
                emit=self.recorder,
            )
        finally:
            await self.provider.aclose()

    @property
    def reasoning(self) -> str:
        """The reasoning frames of the last turn, joined."""
        return "".join(frame.get("delta", "") for frame in self.recorder.of("reasoning"))


# -- usage and chunk layouts ------------------------------------------------------------------


async def test_openai_tool_call_ending_in_stop_runs_and_usage_comes_last(
    scripted_llm: ScriptedLLM,
) -> None:
    scripted_llm.push(openai_tool_call(CODE), openai_text("The answer is 42."))
    turns = Turns(scripted_llm)
    outcome = await turns.turn()
    assert outcome.reason == "done", outcome.message
    assert turns.executor.codes == [CODE]
    assert turns.recorder.text == "The answer is 42."
    assert outcome.usage == {"promptTokens": 320, "completionTokens": 39}
    assert not outcome.usage_estimated
    assert_valid([public(message) for message in turns.conversation.messages])


@pytest.mark.parametrize(
    ("reply", "text", "usage"),
    [
        (azure_text("Hello from Azure."), "Hello from Azure.", (90, 12)),
        (deepseek_chat("你好！"), "你好！", (80, 10)),
        (moonshot_text("我是 Kimi。"), "我是 Kimi。", (39, 21)),
    ],
    ids=[
        "azure-first-chunk-without-choices",
        "deepseek-usage-in-finish",
        "moonshot-usage-in-choice",
    ],
)
async def test_answers_and_their_usage_wherever_it_comes(
    scripted_llm: ScriptedLLM, reply: dict[str, Any], text: str, usage: tuple[int, int]
) -> None:
    scripted_llm.push(reply)
    turns = Turns(scripted_llm)
    outcome = await turns.turn()
    assert (outcome.reason, turns.recorder.text) == ("done", text)
    assert outcome.usage == {"promptTokens": usage[0], "completionTokens": usage[1]}
    assert not outcome.usage_estimated


async def test_azure_content_filter_ends_the_turn_saying_so(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(azure_text("Here is how to", filtered=True))
    turns = Turns(scripted_llm)
    outcome = await turns.turn()
    assert outcome.reason == "error"
    assert "content filter" in (outcome.message or "")


async def test_length_finish_ends_the_turn_saying_the_reply_was_cut(
    scripted_llm: ScriptedLLM,
) -> None:
    reply = openai_text("A very long answer that")
    reply["chunks"][-3]["choices"][0]["finish_reason"] = "length"
    scripted_llm.push(reply)
    turns = Turns(scripted_llm)
    outcome = await turns.turn()
    assert outcome.reason == "error"
    assert "cut off" in (outcome.message or "") and "max_output_tokens" in (outcome.message or "")


@pytest.mark.parametrize(
    ("reply", "call_id", "estimated"),
    [
        (dashscope_tool_call(CODE), "call_30fb8bdcce27", False),
        (zhipu_tool_call(CODE, text="我来算一下。"), "call_9054861520857012", False),
        (ollama_tool_call(CODE), "call_ollama_x1", True),  # Ollama reports no usage
    ],
    ids=[
        "dashscope-empty-ids-in-deltas",
        "zhipu-whole-call-no-object",
        "ollama-whole-call-then-stop",
    ],
)
async def test_tool_calls_however_split_run_the_code(
    scripted_llm: ScriptedLLM, reply: dict[str, Any], call_id: str, estimated: bool
) -> None:
    scripted_llm.push(reply, openai_text("42"))
    turns = Turns(scripted_llm)
    outcome = await turns.turn()
    assert outcome.reason == "done", outcome.message
    assert turns.executor.codes == [CODE]
    call = turns.conversation.messages[1]["tool_calls"][0]
    assert (call["id"], call["function"]["name"]) == (call_id, "run_code")
    assert outcome.usage_estimated == estimated


async def test_gemini_tool_call_without_index_keeps_its_thought_signature(
    scripted_llm: ScriptedLLM,
) -> None:
    scripted_llm.push(gemini_tool_call(CODE, text="Let me compute."), openai_text("42"))
    turns = Turns(scripted_llm)
    outcome = await turns.turn()
    assert outcome.reason == "done", outcome.message
    assert turns.executor.codes == [CODE]
    sent = scripted_llm.requests[1]["messages"]
    calls = next(message["tool_calls"] for message in sent if message.get("tool_calls"))
    signature = calls[0]["extra_content"]["google"]["thought_signature"]
    assert signature == "CiQB0e2Kb3Shape=="
    # …but only to the provider that produced it: the history itself stays standard.
    assert "extra_content" not in turns.conversation.messages[1]["tool_calls"][0]


# -- reasoning ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 3, 7, 1000])
async def test_inline_think_is_reasoning_never_answer_nor_code(
    scripted_llm: ScriptedLLM, size: int
) -> None:
    thinking = "The user wants code.\n```python\nimport os; os.remove('data.csv')\n```\nNo."
    scripted_llm.push(ollama_think_inline(thinking, "Nothing to run here.", size=size))
    turns = Turns(scripted_llm, mode="fenced")
    outcome = await turns.turn()
    assert outcome.reason == "done", outcome.message
    assert turns.executor.codes == []
    assert turns.recorder.text == "Nothing to run here."
    assert turns.reasoning.strip() == thinking
    answer = turns.conversation.messages[-1]
    assert answer["content"] == "Nothing to run here."
    assert "<think>" not in json.dumps(public(answer))


async def test_unclosed_think_is_all_reasoning(scripted_llm: ScriptedLLM) -> None:
    thinking = "Let me write\n```python\nprint('from the thought')\n```"
    scripted_llm.push(ollama_think_inline(thinking, "", closed=False))
    turns = Turns(scripted_llm, mode="fenced")
    await turns.turn()
    assert turns.executor.codes == []
    assert turns.recorder.text == ""
    assert "print('from the thought')" in turns.reasoning


async def test_think_then_fenced_code_in_the_answer_runs(scripted_llm: ScriptedLLM) -> None:
    answer = f"Computing.\n```python\n{CODE}\n```"
    scripted_llm.push(ollama_think_inline("I will print it.", answer, size=4), openai_text("42"))
    turns = Turns(scripted_llm, mode="fenced")
    outcome = await turns.turn()
    assert outcome.reason == "done", outcome.message
    assert turns.executor.codes == [CODE]
    assert "<think>" not in json.dumps([public(m) for m in turns.conversation.messages])


@pytest.mark.parametrize(
    ("reply", "thinking"),
    [
        (ollama_reasoning("Six times seven.", "It is 42."), "Six times seven."),
        (lmstudio_text("It is 42.", reasoning="Six times seven."), "Six times seven."),
        (openrouter_text("Six times seven.", "It is 42."), "Six times seven."),
    ],
    ids=["ollama-reasoning", "lmstudio-reasoning_content", "openrouter-reasoning"],
)
async def test_reasoning_fields_are_streamed_apart_from_the_answer(
    scripted_llm: ScriptedLLM, reply: dict[str, Any], thinking: str
) -> None:
    scripted_llm.push(reply)
    turns = Turns(scripted_llm)
    outcome = await turns.turn()
    assert outcome.reason == "done", outcome.message
    assert (turns.recorder.text, turns.reasoning) == ("It is 42.", thinking)
    finished = [frame for frame in turns.recorder.of("reasoning") if "seconds" in frame]
    assert len(finished) == 1 and finished[0]["seconds"] >= 0
    assert turns.conversation.messages[-1]["content"] == "It is 42."


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
async def test_vllm_tool_parser_and_reasoning_parser(scripted_llm: ScriptedLLM, field: str) -> None:
    scripted_llm.push(vllm_tool_call(CODE, "I should print.", field), openai_text("42"))
    turns = Turns(scripted_llm)
    outcome = await turns.turn()
    assert outcome.reason == "done", outcome.message
    assert turns.executor.codes == [CODE]
    assert turns.reasoning == "I should print."


async def test_llamacpp_tools_with_reasoning_format_deepseek(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(llamacpp_tool_call(CODE, reasoning="Compute it."), openai_text("42"))
    turns = Turns(scripted_llm)
    outcome = await turns.turn()
    assert outcome.reason == "done", outcome.message
    assert turns.executor.codes == [CODE]
    assert turns.reasoning == "Compute it."
    assert outcome.usage["promptTokens"] >= 180


async def test_deepseek_thinking_mode_gets_its_reasoning_back(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.thinking_mode = True  # 400 when reasoning_content is not passed back
    scripted_llm.push(
        deepseek_thinking("I need to run code.", code=CODE),
        deepseek_thinking("The output is 42.", text="It is 42."),
        deepseek_thinking("Plain question.", text="Yes."),
    )
    turns = Turns(scripted_llm)
    first = await turns.turn()
    assert first.reason == "done", first.message
    assert turns.recorder.text == "It is 42."
    assert turns.reasoning == "I need to run code.The output is 42."
    second = await turns.turn("Thanks, is that right?")
    assert second.reason == "done", second.message
    later = scripted_llm.requests[2]["messages"]
    assistants = [message for message in later if message["role"] == "assistant"]
    assert [message.get("reasoning_content") for message in assistants] == [
        "I need to run code.",
        "The output is 42.",
    ]
    # The history keeps the reasoning privately, never as visible content.
    stored = [m for m in turns.conversation.messages if m["role"] == "assistant"]
    assert all("reasoning_content" not in public(message) for message in stored)


async def test_reasoning_is_not_sent_to_another_provider(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(
        deepseek_thinking("I need to run code.", code=CODE),
        deepseek_thinking("Done.", text="42"),
    )
    turns = Turns(scripted_llm)
    await turns.turn()
    with ScriptedLLM() as other:
        other.push(openai_text("Still 42."))
        turns.provider = ChatProvider(other.base_url, "sk-other-000000000", 30.0, {MODEL: "tools"})
        outcome = await turns.turn("And now?")
        assert outcome.reason == "done", outcome.message
        sent = json.dumps(other.requests[0]["messages"])
    assert "reasoning_content" not in sent
    assert "I need to run code." not in sent


# -- servers without tool calling -----------------------------------------------------------------


@pytest.mark.parametrize("server", sorted(TOOLS_REFUSALS))
async def test_tools_refused_as_real_servers_word_it_falls_back_to_fenced(
    scripted_llm: ScriptedLLM, server: str
) -> None:
    status, message = TOOLS_REFUSALS[server]
    scripted_llm.push(error_reply(status, message), openai_text("No code needed: 42."))
    turns = Turns(scripted_llm, mode="auto")
    outcome = await turns.turn()
    assert outcome.reason == "done", outcome.message
    assert "tools" not in scripted_llm.requests[1]
    assert turns.provider.tool_mode(MODEL) == "fenced"
