"""Self-repair, approval feedback, images and the notebook context, against the scripted server.

Cell replacement runs in a real kernel through KernelExecutor (the headless executor), whose
notebook shows whether the failing cell was fixed in place.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from agent_helpers import Recorder, assert_valid
from scripted_llm import ScriptedLLM, text_reply, tool_reply

from jupyter_code_interp.agent.executor import ExecutionResult
from jupyter_code_interp.agent.loop import TurnOptions, TurnOutcome, run_turn
from jupyter_code_interp.agent.outputs import image_dimensions
from jupyter_code_interp.agent.snapshot import NotebookContext
from jupyter_code_interp.conversations.model import Conversation
from jupyter_code_interp.kernel.headless import KernelExecutor
from jupyter_code_interp.providers.client import ChatProvider

MODEL = "scripted-model"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def fix_reply(code: str, cell_id: str, text: str = "") -> dict[str, Any]:
    """A run_code call that replaces the cell `cell_id`."""
    arguments = json.dumps({"code": code, "cell_id": cell_id})
    return {"text": text, "tool_calls": [{"name": "run_code", "arguments": arguments}]}


class Scripted(Recorder):
    """Records frames; after each failed step, queues the replies `on_error` makes for it."""

    def __init__(self, llm: ScriptedLLM, on_error: Any) -> None:
        """Queue through `llm`; `on_error(cell_id, failures)` returns the next replies."""
        super().__init__()
        self.llm = llm
        self.on_error = on_error
        self.failures = 0

    async def __call__(self, frame: dict[str, Any]) -> None:
        """Record, and script the model's answer to an error."""
        await super().__call__(frame)
        if frame["type"] == "step_finished" and frame["status"] == "error":
            self.failures += 1
            self.llm.push(*self.on_error(frame["cellId"], self.failures))


@pytest.fixture
async def headless(tmp_path: Path) -> AsyncIterator[KernelExecutor]:
    """A real kernel behind the headless executor, on an empty notebook."""
    executor = KernelExecutor(nbformat.v4.new_notebook(), tmp_path / "nb.ipynb")
    await executor.start()
    try:
        yield executor
    finally:
        await executor.shutdown()


def _provider(llm: ScriptedLLM) -> ChatProvider:
    return ChatProvider(
        llm.base_url, "sk-repair-test-000000", 30.0, {MODEL: "tools"}, max_retries=0
    )


async def _turn(
    llm: ScriptedLLM,
    executor: Any,
    recorder: Recorder,
    conversation: Conversation | None = None,
    instruction: str = "compute x",
    **options: Any,
) -> TurnOutcome:
    return await run_turn(
        conversation or Conversation("nb.ipynb"),
        instruction,
        provider=_provider(llm),
        executor=executor,
        model=MODEL,
        emit=recorder,
        options=TurnOptions(**options),
    )


def _tools(request: dict[str, Any]) -> list[str]:
    return [message["content"] for message in request["messages"] if message["role"] == "tool"]


async def test_a_failing_cell_is_fixed_in_place(
    scripted_llm: ScriptedLLM, headless: KernelExecutor
) -> None:
    scripted_llm.push(tool_reply("x = 1 / 0"))
    recorder = Scripted(
        scripted_llm,
        lambda cell, _: [
            fix_reply("x = 1 / 1\nprint(x)", cell, "Division by zero; divide by one."),
            text_reply("x is 1.0."),
        ],
    )
    outcome = await _turn(scripted_llm, headless, recorder)
    assert (outcome.reason, outcome.steps) == ("done", 2)
    cell_id = headless.inserted[0]
    assert headless.inserted == [cell_id]  # one cell, replaced, not a second one
    cell = headless.notebook.cells[0]
    assert cell.source == "x = 1 / 1\nprint(x)" and cell.outputs[0]["text"] == "1.0\n"
    first, second = recorder.of("step_started")
    assert "attempt" not in first and "replaceCellId" not in first
    assert second["replaceCellId"] == cell_id and second["attempt"] == {"number": 1, "of": 3}
    assert [frame["cellId"] for frame in recorder.of("step_finished")] == [cell_id, cell_id]
    feedback = _tools(scripted_llm.requests[1])[0]
    assert feedback.startswith("The cell raised an exception.\nZeroDivisionError")
    assert f'The failing cell has id "{cell_id}"' in feedback
    assert "Fix attempts left: 3 of 3" in feedback and '"cell_id"' in feedback
    assert _tools(scripted_llm.requests[2])[-1] == "1.0"
    tool = scripted_llm.requests[0]["tools"][0]["function"]
    assert "cell_id" in tool["parameters"]["properties"]


async def test_the_turn_gives_up_after_the_last_attempt(
    scripted_llm: ScriptedLLM, headless: KernelExecutor
) -> None:
    scripted_llm.push(tool_reply("y = undefined_name"))
    recorder = Scripted(
        scripted_llm, lambda cell, n: [fix_reply(f"y = undefined_name + {n}", cell)]
    )
    conversation = Conversation("nb.ipynb")
    outcome = await _turn(scripted_llm, headless, recorder, conversation, max_fix_attempts=2)
    assert outcome.reason == "gave_up" and outcome.steps == 3
    assert outcome.message == (
        "Gave up after 2 fix attempts; the remaining error is "
        "NameError: name 'undefined_name' is not defined."
    )
    attempts = [frame.get("attempt") for frame in recorder.of("step_started")]
    assert attempts == [None, {"number": 1, "of": 2}, {"number": 2, "of": 2}]
    assert len(scripted_llm.requests) == 3  # no request after giving up
    assert "Fix attempts left: 1 of 2" in _tools(scripted_llm.requests[2])[-1]
    assert "No automatic fix attempts are left" in conversation.messages[-1]["content"]
    assert len(headless.inserted) == 1
    assert_valid(conversation.messages)


async def test_a_success_resets_the_attempts(
    scripted_llm: ScriptedLLM, headless: KernelExecutor
) -> None:
    scripted_llm.push(tool_reply("1 / 0"))

    def answer(cell: str, failures: int) -> list[dict[str, Any]]:
        if failures == 1:
            return [fix_reply("a = 1", cell), tool_reply("2 / 0")]
        return [text_reply("Still failing; stopping here.")]

    recorder = Scripted(scripted_llm, answer)
    outcome = await _turn(scripted_llm, headless, recorder, max_fix_attempts=1)
    assert outcome.reason == "done"  # the second failure is a new one, with its own attempt
    attempts = [frame.get("attempt") for frame in recorder.of("step_started")]
    assert attempts == [None, {"number": 1, "of": 1}, None]
    assert "Fix attempts left: 1 of 1" in _tools(scripted_llm.requests[3])[-1]


async def test_no_fix_attempts_gives_up_at_the_first_error(
    scripted_llm: ScriptedLLM, headless: KernelExecutor
) -> None:
    scripted_llm.push(tool_reply("1 / 0"))
    outcome = await _turn(scripted_llm, headless, Recorder(), max_fix_attempts=0)
    assert outcome.reason == "gave_up"
    assert outcome.message == (
        "The code failed with ZeroDivisionError: division by zero; automatic fixes are turned off."
    )


async def test_attempts_never_exceed_the_step_limit(
    scripted_llm: ScriptedLLM, headless: KernelExecutor
) -> None:
    scripted_llm.push(tool_reply("1 / 0"))
    recorder = Scripted(scripted_llm, lambda cell, n: [fix_reply(f"{n} / 0", cell)])
    outcome = await _turn(scripted_llm, headless, recorder, max_steps=3, max_fix_attempts=10)
    assert (outcome.reason, outcome.steps) == ("max_steps", 3)
    assert len(recorder.of("step_started")) == 3


async def test_an_unknown_cell_id_runs_the_code_as_a_new_cell(
    scripted_llm: ScriptedLLM, headless: KernelExecutor
) -> None:
    # A real 1.5B model copies the fix-in-place header ("cell_id": "0") onto new code.
    headless.notebook.cells.append(nbformat.v4.new_code_cell("mine = 1", id="users-cell"))
    scripted_llm.push(
        fix_reply("print('first')", "0"),
        fix_reply("print('second')", "users-cell"),
        text_reply("Done."),
    )
    conversation = Conversation("nb.ipynb")
    outcome = await _turn(scripted_llm, headless, Recorder(), conversation)
    assert (outcome.reason, outcome.steps) == ("done", 2)
    assert len(headless.inserted) == 2  # two new cells; the user's cell is untouched
    sources = [cell.source for cell in headless.notebook.cells]
    assert sources == ["mine = 1", "print('first')", "print('second')"]
    first = _tools(scripted_llm.requests[1])[0]
    assert first.startswith('first\n\nNote: "0" is not a cell you wrote (yours this turn: none')
    assert "ran as a NEW cell" in first
    second = _tools(scripted_llm.requests[2])[-1]
    assert (
        f'(yours this turn: "{headless.inserted[0]}")' in second
    )  # only its own cells can be replaced
    assert_valid(conversation.messages)


async def test_code_after_an_error_in_the_same_reply_is_not_run(
    scripted_llm: ScriptedLLM, headless: KernelExecutor
) -> None:
    calls = [
        {"name": "run_code", "arguments": json.dumps({"code": code})}
        for code in ("1 / 0", "print('after')")
    ]
    scripted_llm.push({"text": "", "tool_calls": calls}, text_reply("ok"))
    outcome = await _turn(scripted_llm, headless, Recorder(), max_fix_attempts=1)
    assert outcome.steps == 1
    assert _tools(scripted_llm.requests[1])[1].startswith("Not run: an earlier cell of this reply")


class Approving:
    """An executor standing for the panel with auto-run off: the user skips, then edits."""

    def __init__(self) -> None:
        """Nothing answered yet."""
        self.answers = [
            ExecutionResult(skipped=True, cell_id="c1", cell_index=0),
            ExecutionResult(
                outputs=[{"output_type": "stream", "name": "stdout", "text": "20\n"}],
                cell_id="c2",
                cell_index=1,
                edited_code="print(2 * 10)",
            ),
        ]

    async def execute(self, code: str, replace_cell_id: str | None = None) -> ExecutionResult:
        """The next scripted decision of the user."""
        return self.answers.pop(0)


async def test_skipped_and_edited_cells_are_reported(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(
        tool_reply("import os; os.remove('x')"), tool_reply("print(2 * 3)"), text_reply("20")
    )
    recorder = Recorder()
    outcome = await _turn(scripted_llm, Approving(), recorder)
    assert (outcome.reason, outcome.steps) == ("done", 2)
    assert [frame.get("skipped") for frame in recorder.of("step_finished")] == [True, None]
    skipped = _tools(scripted_llm.requests[1])[0]
    assert skipped.startswith(
        "The user skipped this cell: it was inserted in the notebook but NOT run"
    )
    edited = _tools(scripted_llm.requests[2])[-1]
    assert edited == (
        "The user edited this cell before running it; this is the code that ran:\n"
        "```python\nprint(2 * 10)\n```\nIts output:\n20"
    )


class Plotting:
    """An executor whose cell shows a PNG (as the panel reports a plot)."""

    async def execute(self, code: str, replace_cell_id: str | None = None) -> ExecutionResult:
        """A display_data output with a PNG and its text form."""
        data = {"image/png": PNG, "text/plain": "<Figure size 640x480 with 1 Axes>"}
        output = {"output_type": "display_data", "data": data, "metadata": {}}
        return ExecutionResult(outputs=[output], cell_id="plot", cell_index=0)


def _image_parts(request: dict[str, Any]) -> list[str]:
    return [
        part["image_url"]["url"]
        for message in request["messages"]
        if isinstance(message.get("content"), list)
        for part in message["content"]
        if part.get("type") == "image_url"
    ]


@pytest.mark.parametrize("vision", [True, False])
async def test_images_go_to_vision_models_only(scripted_llm: ScriptedLLM, vision: bool) -> None:
    scripted_llm.push(tool_reply("plt.plot([1, 2])"), text_reply("A rising line."))
    recorder = Recorder()
    outcome = await _turn(scripted_llm, Plotting(), recorder, vision=vision)
    assert outcome.reason == "done"
    assert recorder.of("step_finished")[0]["images"] == [{"mime": "image/png", "data": PNG}]
    following = scripted_llm.requests[1]
    assert _image_parts(following) == ([f"data:image/png;base64,{PNG}"] if vision else [])
    assert "[image/png 1×1, 70 B]" in _tools(following)[0]  # the placeholder, either way


async def test_the_notebook_context_and_kernel_reach_the_model(scripted_llm: ScriptedLLM) -> None:
    context = NotebookContext(
        cells=[
            {"id": "a1", "type": "markdown", "source": "# GDP 分析", "outputs": []},
            {
                "id": "a2",
                "type": "code",
                "source": "df = load()",
                "executionCount": 4,
                "outputs": [{"output_type": "stream", "name": "stdout", "text": "loaded 4 rows"}],
            },
        ],
        active_index=1,
        kernel={
            "language": "python",
            "state": {
                "python": "3.12.1",
                "packages": {"pandas": "2.2.3"},
                "variables": [{"name": "df", "type": "DataFrame", "shape": [4, 2]}],
            },
        },
        files=[("gdp.csv", 129)],
    )
    scripted_llm.push(text_reply("There are 4 rows."), text_reply("Still 4."))
    conversation = Conversation("nb.ipynb")
    await _turn(
        scripted_llm, Plotting(), Recorder(), conversation, "how many rows?", notebook=context
    )
    system, user = scripted_llm.requests[0]["messages"][:2]
    assert "Python 3.12.1; installed: pandas 2.2.3" in system["content"]
    assert user["content"].startswith("<notebook_context>")
    assert user["content"].endswith("how many rows?")
    for text in (
        "# GDP 分析",
        "[1] code (id a2, In [4], active cell)",
        "loaded 4 rows",
        "gdp.csv (129 B)",
        '- df (DataFrame) {"shape": [4, 2]}',
    ):
        assert text in user["content"]
    assert conversation.messages[0]["_context"] in user["content"]
    await _turn(scripted_llm, Plotting(), Recorder(), conversation, "and now?")
    again = scripted_llm.requests[1]["messages"]
    assert again[1]["content"].startswith("<notebook_context>")  # kept while the budget allows
    assert again[-1]["content"] == "and now?"


async def test_reported_usage_calibrates_the_budget(scripted_llm: ScriptedLLM) -> None:
    history: list[dict[str, Any]] = []
    for number in range(6):
        history += [
            {"role": "user", "content": f"question {number}", "_turn": str(number)},
            {"role": "assistant", "content": "answer " + "w" * 4000},
        ]
    conversation = Conversation("nb.ipynb", messages=history)
    scripted_llm.push(
        {**tool_reply("print(1)"), "usage": {"prompt_tokens": 90_000, "completion_tokens": 5}},
        text_reply("done"),
    )
    # 9000: the tool schemas take about 800 tokens of it (agent/tools.py).
    outcome = await _turn(
        scripted_llm, Plotting(), Recorder(), conversation, "go", context_budget=9000
    )
    assert outcome.reason == "done"
    first, second = (request["messages"] for request in scripted_llm.requests)
    assert "question 0" in json.dumps(first)
    # The provider counted far more than the estimate: the next request aims lower.
    assert "question 0" not in json.dumps(second) and "question 5" in json.dumps(second)


class BigPlot:
    """An executor whose cell shows a 2000×1000 PNG."""

    def __init__(self) -> None:
        """Draw the picture once."""
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (2000, 1000), (200, 30, 30)).save(buffer, "PNG")
        self.data = base64.b64encode(buffer.getvalue()).decode("ascii")

    async def execute(self, code: str, replace_cell_id: str | None = None) -> ExecutionResult:
        """A display_data output with the big PNG."""
        output = {"output_type": "display_data", "data": {"image/png": self.data}, "metadata": {}}
        return ExecutionResult(outputs=[output], cell_id="big", cell_index=0)


async def test_vision_models_get_images_scaled_down(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(tool_reply("plot()"), text_reply("Red."))
    executor, recorder = BigPlot(), Recorder()
    await _turn(scripted_llm, executor, recorder, vision=True)
    assert recorder.of("step_finished")[0]["images"][0]["data"] == executor.data  # the panel's
    (url,) = _image_parts(scripted_llm.requests[1])
    sent = base64.b64decode(url.removeprefix("data:image/png;base64,"))
    assert image_dimensions(sent) == (768, 384)


async def test_a_fenced_model_fixes_a_cell_with_a_cell_id_line(
    scripted_llm: ScriptedLLM, headless: KernelExecutor
) -> None:
    scripted_llm.push(text_reply("```python\nratio = 3 / 0\n```"))
    recorder = Scripted(
        scripted_llm,
        lambda cell, _: [
            text_reply(f"Fix:\n```python\n# cell_id: {cell}\nratio = 3 / 1\nprint(ratio)\n```"),
            text_reply("ratio is 3.0"),
        ],
    )
    provider = ChatProvider(scripted_llm.base_url, "k", 30.0, {MODEL: "fenced"}, max_retries=0)
    outcome = await run_turn(
        Conversation("nb.ipynb"),
        "ratio",
        provider=provider,
        executor=headless,
        model=MODEL,
        emit=recorder,
    )
    assert (outcome.reason, outcome.steps) == ("done", 2)
    assert len(headless.inserted) == 1
    assert headless.notebook.cells[0].source == "ratio = 3 / 1\nprint(ratio)"
    feedback = scripted_llm.requests[1]["messages"][-1]["content"]
    assert f"`# cell_id: {headless.inserted[0]}` as the first line" in feedback
    assert recorder.of("step_started")[1]["replaceCellId"] == headless.inserted[0]
