"""What runs and how the loop keeps a small real model on track, against the scripted server.

The scripted replies reproduce what Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, llama.cpp) wrote through
the CLI on data questions (issue 12, "Real models, not only real endpoints").
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from agent_helpers import Recorder, assert_valid
from kernel_helpers import KernelExecutor, running_kernel
from scripted_llm import ScriptedLLM, error_reply, text_reply, tool_reply

from jupyter_code_interp.agent.loop import TurnOptions, TurnOutcome, run_turn
from jupyter_code_interp.agent.snapshot import NotebookContext
from jupyter_code_interp.conversations.model import Conversation
from jupyter_code_interp.providers.client import ChatProvider

MODEL = "scripted-model"
PRINTED = json.dumps({"name": "run_code", "arguments": {"code": "print('from the file')"}})


@pytest.fixture
async def kernel() -> AsyncIterator[KernelExecutor]:
    """A fresh kernel per test."""
    async with running_kernel() as executor:
        yield executor


def _provider(llm: ScriptedLLM, mode: str | None) -> ChatProvider:
    modes = {MODEL: mode} if mode else {}
    return ChatProvider(llm.base_url, "sk-rules-test-00000000", 30.0, modes, max_retries=0)


async def _turn(
    llm: ScriptedLLM,
    kernel: Any,
    mode: str | None,
    instruction: str = "compute",
    conversation: Conversation | None = None,
    provider: ChatProvider | None = None,
    **options: Any,
) -> tuple[TurnOutcome, Recorder, Conversation]:
    conversation = conversation or Conversation("a.ipynb")
    recorder = Recorder()
    outcome = await run_turn(
        conversation,
        instruction,
        provider=provider or _provider(llm, mode),
        executor=kernel,
        model=MODEL,
        emit=recorder,
        options=TurnOptions(**options),
    )
    assert_valid(conversation.messages)
    return outcome, recorder, conversation


def _last_user(request: dict[str, Any]) -> str:
    content = [m["content"] for m in request["messages"] if m["role"] == "user"][-1]
    assert isinstance(content, str)
    return content


# -- the one rule ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["tools", "fenced", None])
@pytest.mark.parametrize(
    "reply",
    [
        f"The file holds a tool call:\n```json\n{PRINTED}\n```\nI did not run it.",
        f"It says {PRINTED}, which is an instruction inside data.",
        f"<think>Maybe run {PRINTED}\n```python\nprint('from the file')\n```\n</think>No.",
        f"<think>still thinking {PRINTED}\n```python\nprint('from the file')\n```\n",
        "An example, not to run:\n```text\nprint('from the file')\n```\nDone.",
    ],
)
async def test_code_in_prose_other_fences_and_reasoning_never_runs(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor, mode: str | None, reply: str
) -> None:
    scripted_llm.push(text_reply(reply))
    outcome, recorder, _ = await _turn(scripted_llm, kernel, mode)
    assert (outcome.reason, outcome.steps) == ("done", 0)
    assert kernel.codes == [] and recorder.of("step_started") == []


@pytest.mark.parametrize(
    "reply",
    [
        PRINTED,
        f"```json\n{json.dumps(json.loads(PRINTED), indent=2)}\n```",
        f"<tool_call>\n{PRINTED}\n</tool_call>",
        f"<think>I will call the tool.</think>\n{PRINTED}\n",
    ],
)
async def test_a_reply_that_is_only_a_printed_call_runs(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor, reply: str
) -> None:
    # Qwen2.5-Coder-1.5B on llama.cpp without --jinja prints the call instead of making it.
    scripted_llm.push(text_reply(reply), text_reply("It printed 'from the file'."))
    outcome, _, _ = await _turn(scripted_llm, kernel, "tools")
    assert (outcome.reason, outcome.steps) == ("done", 1)
    assert kernel.codes == ["print('from the file')"]
    feedback = _last_user(scripted_llm.requests[1])
    assert "Next time, call the run_code tool" in feedback
    assert "Output of the code you ran (step 1):\nfrom the file" in feedback


async def test_the_kernel_language_decides_which_fences_run(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    context = NotebookContext(kernel={"language": "R", "state": None})
    scripted_llm.push(text_reply("```python\nprint('python in an R kernel')\n```"))
    outcome, _, _ = await _turn(scripted_llm, kernel, "fenced", notebook=context)
    assert (outcome.reason, outcome.steps, kernel.codes) == ("done", 0, [])


# -- automatic mode watches behaviour ----------------------------------------------------------


async def test_auto_mode_runs_a_fenced_answer_to_a_tools_request_and_remembers(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    # llama.cpp's server without --jinja ignores `tools`; the model writes a ```python block.
    scripted_llm.push(
        text_reply("Let me compute.\n```python\nprint(6 * 7)\n```\nThe result is 42."),
        text_reply("The answer is 42."),
    )
    provider = _provider(scripted_llm, None)
    outcome, _, _ = await _turn(scripted_llm, kernel, None, provider=provider)
    assert (outcome.reason, outcome.steps) == ("done", 1)
    assert kernel.codes == ["print(6 * 7)"]
    assert "tools" in scripted_llm.requests[0]
    assert provider.tool_mode(MODEL) == "fenced"
    second = scripted_llm.requests[1]
    assert "tools" not in second and second["stop"] == ["\n```\n\n"]
    assert second["messages"][-2] == {
        "role": "assistant",
        "content": "Let me compute.\n```python\nprint(6 * 7)\n```",  # nothing after the block
    }
    assert "write one ```python block for the next step" in _last_user(second)


async def test_an_auto_model_that_calls_tools_keeps_example_blocks_in_its_answer(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    # GPT-4o and DeepSeek end answers with usage examples in ```python blocks: once the model
    # has made a real tool call, such a block is part of the answer, not code to run.
    answer = "All tests pass. Use it so:\n```python\nlimit = Bucket(5)\ncall_the_api()\n```\nDone."
    scripted_llm.push(tool_reply("print(6 * 7)"), text_reply(answer))
    provider = _provider(scripted_llm, None)
    outcome, recorder, conversation = await _turn(scripted_llm, kernel, None, provider=provider)
    assert (outcome.reason, outcome.steps, kernel.codes) == ("done", 1, ["print(6 * 7)"])
    assert provider.tool_mode(MODEL) == "auto" and not outcome.learned_fenced
    assert recorder.text.endswith("Done.")  # the answer is whole, not cut after the block
    assert conversation.messages[-1]["content"] == answer

    # A later turn whose answer holds an example block, with no tool call in that turn.
    scripted_llm.push(text_reply("Like this:\n```python\nprint('example')\n```"))
    outcome, _, _ = await _turn(scripted_llm, kernel, None, provider=provider)
    assert (outcome.reason, outcome.steps) == ("done", 0) and kernel.codes == ["print(6 * 7)"]


async def test_a_model_set_to_tools_stays_strict(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    scripted_llm.push(
        text_reply("```python\nprint(6 * 7)\n```"),
        tool_reply("print(6 * 7)"),
        text_reply("42."),
    )
    provider = _provider(scripted_llm, "tools")
    outcome, _, _ = await _turn(scripted_llm, kernel, "tools", provider=provider)
    assert (outcome.reason, outcome.steps) == ("done", 1)
    assert kernel.codes == ["print(6 * 7)"]  # from the tool call only
    told = _last_user(scripted_llm.requests[1])
    assert "call the run_code tool to run code" in told
    assert "tools" in scripted_llm.requests[1] and provider.tool_mode(MODEL) == "tools"


# -- fenced replies end at their first runnable block ------------------------------------------


async def test_the_stop_sequence_ends_a_reply_at_its_closing_fence(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    reply = "Computing:\n```python\nprint(20967.5)\n```\n\nIt is approximately 30527.45."
    scripted_llm.push(text_reply(reply), text_reply("The mean is 20967.5."))
    outcome, recorder, conversation = await _turn(scripted_llm, kernel, "fenced")
    assert (outcome.reason, outcome.steps) == ("done", 1)
    assert scripted_llm.requests[0]["stop"] == ["\n```\n\n"]
    assert conversation.messages[1]["content"] == "Computing:\n```python\nprint(20967.5)\n```"
    assert recorder.text.startswith("Computing:\n```python\nprint(20967.5)\n```The mean")
    assert "30527" not in json.dumps(scripted_llm.requests[1])


async def test_a_stop_at_a_block_that_does_not_run_lets_the_model_continue(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    scripted_llm.push(
        text_reply("Install first:\n```bash\npip install pandas\n```\n\n```python\nprint(1)\n```"),
        text_reply("```python\nprint(1)\n```"),
        text_reply("It printed 1."),
    )
    outcome, _, conversation = await _turn(scripted_llm, kernel, "fenced")
    assert (outcome.reason, outcome.steps, kernel.codes) == ("done", 1, ["print(1)"])
    assert conversation.messages[1] == {
        "role": "assistant",
        "content": "Install first:\n```bash\npip install pandas\n```",
    }
    assert "cut" in _last_user(scripted_llm.requests[1])
    assert "stop" not in scripted_llm.requests[1]  # it would cut this model wrongly again


async def test_an_endpoint_that_refuses_stop_sequences_is_asked_without(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    # OpenAI's reasoning models answer 400 "Unsupported parameter: 'stop' is not supported
    # with this model." (platform.openai.com/docs/guides/reasoning).
    scripted_llm.push(
        error_reply(400, "Unsupported parameter: 'stop' is not supported with this model."),
        {
            **text_reply("```python\nprint(2)\n```\nIt prints 3." + " More." * 40, chunk=2),
            "delay": 0.02,
        },
        text_reply("It printed 2."),
    )
    outcome, recorder, _ = await _turn(scripted_llm, kernel, "fenced")
    assert (outcome.reason, outcome.steps, kernel.codes) == ("done", 1, ["print(2)"])
    assert "stop" in scripted_llm.requests[0] and "stop" not in scripted_llm.requests[1]
    assert "It prints 3" not in recorder.text  # cut on receipt instead
    # The server sees the hang-up at its next write after the client closed the stream.
    for _ in range(50):
        if scripted_llm.disconnects:
            break
        await asyncio.sleep(0.1)
    assert scripted_llm.disconnects == 1


async def test_an_untagged_block_that_parses_as_python_runs_in_fenced_mode(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    scripted_llm.push(
        text_reply("```\nvalues = [3, 5, 7]\nprint(sum(values) / len(values))\n```"),
        text_reply("The mean is 5.0."),
    )
    outcome, _, _ = await _turn(scripted_llm, kernel, "fenced")
    assert (outcome.reason, outcome.steps) == ("done", 1)
    assert "5.0" in _last_user(scripted_llm.requests[1])


# -- a real small model's habits ---------------------------------------------------------------


async def test_a_copied_cell_id_header_runs_the_code_as_a_new_cell(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    scripted_llm.push(
        text_reply("```python\n# cell_id: 0\nimport math\nprint(math.sqrt(16))\n```"),
        text_reply("The square root is 4.0."),
    )
    outcome, recorder, _ = await _turn(scripted_llm, kernel, "fenced")
    assert (outcome.reason, outcome.steps) == ("done", 1)
    assert kernel.codes == ["import math\nprint(math.sqrt(16))"]
    assert "replaceCellId" not in recorder.of("step_started")[0]
    feedback = _last_user(scripted_llm.requests[1])
    assert 'Note: "0" is not a cell you wrote' in feedback
    assert "ran as a NEW cell" in feedback


async def test_an_identical_rerun_is_answered_with_the_earlier_output(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    code = "total = sum(range(10))\nprint(total)"
    scripted_llm.push(
        text_reply(f"```python\n{code}\n```"),
        text_reply(f"Let me check again.\n```python\n{code}  \n```"),
        text_reply("The total is 45."),
    )
    outcome, _, _ = await _turn(scripted_llm, kernel, "fenced")
    assert (outcome.reason, outcome.steps) == ("done", 1)
    assert kernel.codes == [code]  # not run a second time
    told = _last_user(scripted_llm.requests[2])
    assert "Not run again: this exact code already ran in step 1 and succeeded" in told
    assert "45" in told and "reply now with the final answer only" in told


async def test_repeating_the_same_code_again_gets_one_request_for_the_answer(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    scripted_llm.push(
        tool_reply("print(45)"),
        tool_reply("print(45)"),
        tool_reply("print(45)"),
        text_reply("45."),
    )
    outcome, _, conversation = await _turn(scripted_llm, kernel, "tools", max_steps=10)
    assert (outcome.reason, outcome.steps) == ("done", 1)
    assert kernel.codes == ["print(45)"]
    final = scripted_llm.requests[3]
    assert "tools" not in final
    assert "you asked again for code that already ran" in _last_user(final)
    assert conversation.messages[-1] == {"role": "assistant", "content": "45."}


async def test_a_data_question_answered_without_code_is_asked_once_to_compute(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor
) -> None:
    context = NotebookContext(files=[("sales.csv", 120)])
    kernel_files = "import io\nprint(sum([10, 20]))"
    scripted_llm.push(
        text_reply("The average sales amount is approximately 30527.45."),
        text_reply(f"```python\n{kernel_files}\n```"),
        text_reply("The total is 30."),
    )
    outcome, _, conversation = await _turn(
        scripted_llm, kernel, "fenced", "What is the total in sales.csv?", notebook=context
    )
    assert (outcome.reason, outcome.steps) == ("done", 1)
    asked = _last_user(scripted_llm.requests[1])
    assert "Do not estimate or recall numbers: compute them" in asked
    assert "Write one ```python block" in asked
    assert conversation.messages[-1]["content"] == "The total is 30."

    # Asked once only: a second text answer without code ends the turn.
    scripted_llm.push(text_reply("It is about 30."), text_reply("Still about 30."))
    outcome, _, _ = await _turn(
        scripted_llm, kernel, "fenced", "And sales.csv's mean?", attached=True
    )
    assert (outcome.reason, outcome.steps) == ("done", 0)
    assert len(scripted_llm.requests) == 5


@pytest.mark.parametrize(
    ("instruction", "options"),
    [
        ("hello, who are you?", {"notebook": NotebookContext(files=[("sales.csv", 1)])}),
        ("total of sales.csv?", {"attached": True, "compute_figures": False}),
    ],
)
async def test_chit_chat_or_the_setting_off_asks_nothing_more(
    scripted_llm: ScriptedLLM, kernel: KernelExecutor, instruction: str, options: dict[str, Any]
) -> None:
    scripted_llm.push(text_reply("Hello! I run code in your notebook."))
    outcome, _, _ = await _turn(scripted_llm, kernel, "fenced", instruction, **options)
    assert (outcome.reason, outcome.steps, len(scripted_llm.requests)) == ("done", 0, 1)
