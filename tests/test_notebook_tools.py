"""The notebook agent's tools through the headless executor: a real kernel, the scripted LLM over
HTTP with the real openai client (tools and fenced headers), docs/protocol.md issue 15."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from agent_helpers import Recorder, assert_valid
from scripted_llm import ScriptedLLM, text_reply

from jupyter_code_interp.agent.loop import TurnOptions, TurnOutcome, run_turn
from jupyter_code_interp.agent.tools import tool_schemas
from jupyter_code_interp.cli import build_parser
from jupyter_code_interp.conversations.model import Conversation
from jupyter_code_interp.kernel.headless import KernelExecutor
from jupyter_code_interp.kernel.notebook_edits import NO_REVIEWER
from jupyter_code_interp.providers.client import ChatProvider

MODEL = "scripted-model"


def call(name: str, **arguments: Any) -> dict[str, Any]:
    """A scripted reply with one tool call."""
    return {"text": "", "tool_calls": [{"name": name, "arguments": json.dumps(arguments)}]}


def code_cell(cell_id: str, source: str) -> Any:
    """A user's code cell with a fixed id."""
    cell = nbformat.v4.new_code_cell(source)
    cell.id = cell_id
    return cell


@pytest.fixture
async def notebook_kernel(tmp_path: Path) -> AsyncIterator[KernelExecutor]:
    """A real kernel behind the headless executor, on a notebook with the user's cells a, b, c."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        code_cell("a", "print('from a')"),
        code_cell("b", "1 / 0"),
        code_cell("c", "print('from c')"),
    ]
    executor = KernelExecutor(notebook, tmp_path / "nb.ipynb")
    await executor.start()
    try:
        yield executor
    finally:
        await executor.shutdown()


async def turn(
    llm: ScriptedLLM,
    executor: KernelExecutor,
    recorder: Recorder,
    mode: str = "tools",
    conversation: Conversation | None = None,
    **options: Any,
) -> TurnOutcome:
    """One turn on the scripted model (`mode`: tools or fenced)."""
    provider = ChatProvider(llm.base_url, "sk-nb-tools-test-0000", 30.0, {MODEL: mode})
    return await run_turn(
        conversation or Conversation("nb.ipynb"),
        "work on the notebook",
        provider=provider,
        executor=executor,
        model=MODEL,
        emit=recorder,
        options=TurnOptions(**options),
    )


def results(llm: ScriptedLLM, request: int) -> list[str]:
    """The tool results the model read in request `request`."""
    messages = llm.requests[request]["messages"]
    return [message["content"] for message in messages if message["role"] == "tool"]


def sources(executor: KernelExecutor) -> list[str]:
    """The notebook's cell sources."""
    return [cell.source for cell in executor.notebook.cells]


async def test_edit_cell_replaces_a_user_cell_and_runs_it_when_edits_are_trusted(
    scripted_llm: ScriptedLLM, notebook_kernel: KernelExecutor
) -> None:
    scripted_llm.push(call("edit_cell", cell_id="b", source="print(6 * 7)"), text_reply("Fixed."))
    recorder = Recorder()
    outcome = await turn(scripted_llm, notebook_kernel, recorder, trust_edits=True)
    assert (outcome.reason, outcome.steps) == ("done", 1)
    assert sources(notebook_kernel)[1] == "print(6 * 7)"
    assert notebook_kernel.notebook.cells[1].outputs[0]["text"] == "42\n"
    assert results(scripted_llm, 1) == ["42"]
    started, finished = recorder.of("step_started")[0], recorder.of("step_finished")[0]
    assert (started["action"], started["cellId"], started["code"]) == ("edit", "b", "print(6 * 7)")
    assert (finished["action"], finished["cellId"], finished["status"]) == ("edit", "b", "ok")
    assert finished["_before"]["source"] == "1 / 0"  # kept for Undo (the recorder strips it)
    assert notebook_kernel.edited
    assert scripted_llm.requests[0]["tools"] == tool_schemas(notebook_kernel.language)


async def test_without_trust_an_edit_of_a_user_cell_is_rejected_and_the_turn_goes_on(
    scripted_llm: ScriptedLLM, notebook_kernel: KernelExecutor
) -> None:
    scripted_llm.push(
        call("edit_cell", cell_id="b", source="print(1)", run=False), text_reply("Left as is.")
    )
    recorder = Recorder()
    outcome = await turn(scripted_llm, notebook_kernel, recorder)
    assert outcome.reason == "done"
    assert sources(notebook_kernel)[1] == "1 / 0"
    assert results(scripted_llm, 1) == [
        f"The user rejected this change: {NO_REVIEWER}. The cell is unchanged."
    ]
    assert recorder.of("step_finished")[0]["rejected"] is True


async def test_run_code_may_fix_a_cell_the_conversation_wrote_and_edits_of_it_need_no_review(
    scripted_llm: ScriptedLLM, notebook_kernel: KernelExecutor
) -> None:
    scripted_llm.push(
        {"text": "", "tool_calls": [{"name": "run_code", "arguments": '{"code": "y = 1"}'}]}
    )
    recorder = Recorder()

    async def emit(frame: dict[str, Any]) -> None:
        await recorder(frame)
        if frame["type"] == "step_finished" and frame["step"] == 1:
            scripted_llm.push(
                call("edit_cell", cell_id=frame["cellId"], source="print('mine')"),
                text_reply("Done."),
            )

    outcome = await turn(scripted_llm, notebook_kernel, emit)  # type: ignore[arg-type]
    assert (outcome.reason, outcome.steps) == ("done", 2)
    assert sources(notebook_kernel)[-1] == "print('mine')"
    assert results(scripted_llm, 2)[-1] == "mine"


async def test_run_cells_stops_at_the_first_error(
    scripted_llm: ScriptedLLM, notebook_kernel: KernelExecutor
) -> None:
    scripted_llm.push(call("run_cells", cell_ids=["a", "b", "c"]), text_reply("b fails."))
    recorder = Recorder()
    await turn(scripted_llm, notebook_kernel, recorder)
    (result,) = results(scripted_llm, 1)
    assert 'Cell "a":\nfrom a' in result
    assert "ZeroDivisionError" in result
    assert "Stopped at the first error; not run: c." in result
    assert notebook_kernel.notebook.cells[2].outputs == []
    finished = recorder.of("step_finished")[0]
    assert (finished["status"], finished["ename"]) == ("error", "ZeroDivisionError")
    assert finished["cellIds"] == ["a", "b", "c"]


async def test_read_output_pages_the_full_outputs(
    scripted_llm: ScriptedLLM, notebook_kernel: KernelExecutor
) -> None:
    long = "".join(f"line {number:03d}\n" for number in range(100))  # 900 characters
    cell = notebook_kernel.notebook.cells[0]
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=long)]
    scripted_llm.push(
        call("read_output", cell_id="a", page=2),
        call("read_output", cell_id="a", page=9),
        text_reply("Read."),
    )
    await turn(scripted_llm, notebook_kernel, Recorder(), output_limit=400)
    (page,) = results(scripted_llm, 1)
    assert page.startswith("Outputs, page 2 of 3:\n")
    assert page.removeprefix("Outputs, page 2 of 3:\n") == long.strip("\n")[400:800]
    assert results(scripted_llm, 2)[-1] == (
        "There is no page 9: the outputs have 3 page(s) of 400 characters."
    )


async def test_insert_markdown_after_a_cell(
    scripted_llm: ScriptedLLM, notebook_kernel: KernelExecutor
) -> None:
    scripted_llm.push(
        call("insert_markdown", source="## Notes", after_cell_id="a"), text_reply("Noted.")
    )
    recorder = Recorder()
    await turn(scripted_llm, notebook_kernel, recorder)
    inserted = notebook_kernel.notebook.cells[1]
    assert (inserted.cell_type, inserted.source) == ("markdown", "## Notes")
    assert inserted.id in notebook_kernel.inserted
    assert results(scripted_llm, 1) == [f'Markdown cell "{inserted.id}" inserted.']


async def test_the_cli_refuses_deletions_even_with_trusted_edits(
    scripted_llm: ScriptedLLM, notebook_kernel: KernelExecutor
) -> None:
    scripted_llm.push(call("delete_cell", cell_id="c"), text_reply("Kept."))
    await turn(scripted_llm, notebook_kernel, Recorder(), trust_edits=True)
    assert sources(notebook_kernel)[2] == "print('from c')"
    assert results(scripted_llm, 1) == [
        f"The user rejected this change: {NO_REVIEWER}. The cell is unchanged."
    ]
    parsed = build_parser().parse_args(["run", "nb.ipynb", "go", "--trust-edits"])
    assert parsed.trust_edits is True


async def test_bad_arguments_are_told_to_the_model(
    scripted_llm: ScriptedLLM, notebook_kernel: KernelExecutor
) -> None:
    scripted_llm.push(
        {
            "text": "",
            "tool_calls": [
                {"name": "read_output", "arguments": '{"cell_id": "nope"}'},
                {"name": "run_cells", "arguments": json.dumps({"cell_ids": ["a"] * 21})},
                {"name": "edit_cell", "arguments": '{"cell_id": "a"}'},
            ],
        },
        text_reply("Sorry."),
    )
    conversation = Conversation("nb.ipynb")
    outcome = await turn(scripted_llm, notebook_kernel, Recorder(), conversation=conversation)
    assert outcome.reason == "done"
    assert results(scripted_llm, 1) == [
        'Not done: the notebook has no cell with id "nope"',
        'Not run: "cell_ids" names 21 cells; at most 20.',
        'Not run: "source" (the cell\'s new source) is missing.',
    ]
    assert_valid(conversation.messages)


async def test_ask_user_ends_the_turn_with_a_question(
    scripted_llm: ScriptedLLM, notebook_kernel: KernelExecutor
) -> None:
    scripted_llm.push(call("ask_user", question="Which column?", choices=["price", "qty"]))
    recorder = Recorder()
    conversation = Conversation("nb.ipynb")
    outcome = await turn(scripted_llm, notebook_kernel, recorder, conversation=conversation)
    assert (outcome.reason, outcome.steps) == ("question", 0)
    assert len(scripted_llm.requests) == 1  # nothing more is asked of the model
    (question,) = recorder.of("question")
    assert question == {
        "type": "question",
        "question": "Which column?",
        "choices": ["price", "qty"],
    }
    assert conversation.messages[-1]["role"] == "tool"
    assert_valid(conversation.messages)


async def test_update_plan_shows_the_checklist_and_the_turn_goes_on(
    scripted_llm: ScriptedLLM, notebook_kernel: KernelExecutor
) -> None:
    items = [{"text": "Load", "done": True}, {"text": "Plot", "done": False}]
    scripted_llm.push(
        call("update_plan", items=items),
        call("update_plan", items=[{"text": "x", "done": False}] * 13),
        text_reply("Planned."),
    )
    recorder = Recorder()
    outcome = await turn(scripted_llm, notebook_kernel, recorder)
    assert outcome.reason == "done"
    assert recorder.of("plan") == [{"type": "plan", "items": items}]
    assert results(scripted_llm, 1) == ["Plan shown to the user."]
    assert results(scripted_llm, 2)[-1] == 'Not run: "items" must be a list of 1 to 12 items.'


async def test_fenced_headers_edit_and_plan(
    scripted_llm: ScriptedLLM, notebook_kernel: KernelExecutor
) -> None:
    scripted_llm.push(
        text_reply("My plan:\n```plan\n- [x] look\n- [ ] fix b\n```\n"),
        text_reply("Fix b:\n```python edit=b\nprint(2 ** 10)\n```\n"),
        text_reply("b prints 1024."),
    )
    recorder = Recorder()
    outcome = await turn(scripted_llm, notebook_kernel, recorder, mode="fenced", trust_edits=True)
    assert (outcome.reason, outcome.steps) == ("done", 1)
    assert recorder.of("plan")[0]["items"] == [
        {"text": "look", "done": True},
        {"text": "fix b", "done": False},
    ]
    assert sources(notebook_kernel)[1] == "print(2 ** 10)"
    last = scripted_llm.requests[2]["messages"][-1]["content"]
    assert "Result of your edit (step 1):\n1024" in last


async def test_edit_headers_in_reasoning_or_a_text_example_never_act(
    scripted_llm: ScriptedLLM, notebook_kernel: KernelExecutor
) -> None:
    scripted_llm.push(
        text_reply(
            "<think>```python edit=b\nprint('no')\n```</think>To edit a cell, write:\n"
            "````text\n```python edit=b\nprint('no')\n```\n````\nThat is all."
        )
    )
    outcome = await turn(scripted_llm, notebook_kernel, Recorder(), mode="fenced", trust_edits=True)
    assert (outcome.reason, outcome.steps) == ("done", 0)
    assert sources(notebook_kernel)[1] == "1 / 0"
