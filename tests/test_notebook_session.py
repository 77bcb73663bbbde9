"""notebook_request / notebook_result through ChatSession (no tornado): the review decision, the
cells a conversation wrote across turns, rejections, validation, plans, questions and Undo's
restoreCells, against the scripted LLM over HTTP (docs/protocol.md, issue 15)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from agent_helpers import new_session
from scripted_llm import ScriptedLLM, text_reply, tool_reply
from test_session import Recorder, make_settings, ok_result, turn_frame

from jupyter_code_interp.chat.session import ChatSession
from jupyter_code_interp.conversations.model import TurnRecord
from jupyter_code_interp.conversations.store import ConversationStore
from jupyter_code_interp.providers.registry import ProviderRegistry

BEFORE = {
    "cellType": "code",
    "source": "1 / 0",
    "outputs": [{"output_type": "stream", "name": "stdout", "text": "old\n"}],
    "executionCount": 3,
    "index": 0,
}


def call(name: str, **arguments: Any) -> dict[str, Any]:
    """A scripted reply with one tool call."""
    return {"text": "", "tool_calls": [{"name": name, "arguments": json.dumps(arguments)}]}


def notebook_result(request: dict[str, Any], **result: Any) -> dict[str, Any]:
    """The panel's `notebook_result` for `request`."""
    return {
        "type": "notebook_result",
        "requestId": request["requestId"],
        "result": {"cellId": request.get("cellId"), "cellIndex": 0, **result},
    }


def printed(text: str) -> list[dict[str, Any]]:
    """Outputs of a cell that printed `text`."""
    return [{"output_type": "stream", "name": "stdout", "text": text}]


def tool_results(llm: ScriptedLLM, request: int) -> list[str]:
    """The tool results the model read in request `request`."""
    messages = llm.requests[request]["messages"]
    return [message["content"] for message in messages if message["role"] == "tool"]


@pytest.fixture
def recorder() -> Recorder:
    """A fresh socket stand-in."""
    return Recorder()


@pytest.fixture
def store() -> ConversationStore:
    """An in-memory conversation store."""
    return ConversationStore()


@pytest.fixture
def session(scripted_llm: ScriptedLLM, recorder: Recorder, store: ConversationStore) -> ChatSession:
    """A session on the scripted LLM."""
    return new_session(
        recorder.send, make_settings(scripted_llm), store, logging.getLogger("test-nb")
    )


async def write_a_cell(session: ChatSession, recorder: Recorder, llm: ScriptedLLM) -> str:
    """Turn t1 runs `x = 1` in a new cell; the cell's id (the server chose it)."""
    llm.push(tool_reply("x = 1"), text_reply("x set."))
    await session.handle(turn_frame("t1"))
    request = await recorder.next("execute_request")
    written: str = request["cellId"]
    await session.handle({**ok_result(request["requestId"], ""), "result": {"cellId": written}})
    await recorder.next("turn_finished", "t1")
    return written


async def test_review_is_asked_for_user_cells_not_for_cells_the_conversation_wrote(
    session: ChatSession, recorder: Recorder, scripted_llm: ScriptedLLM
) -> None:
    # Turn 1 writes a cell; turn 2 edits it (no review) and a user cell (review, rejected).
    written = await write_a_cell(session, recorder, scripted_llm)

    scripted_llm.push(
        call("edit_cell", cell_id=written, source="x = 2"),
        call("edit_cell", cell_id="user-cell", source="print(x)"),
        text_reply("The user keeps their cell."),
    )
    await session.handle(turn_frame("t2"))
    mine = await recorder.next("notebook_request")
    assert {k: mine[k] for k in ("action", "cellId", "source", "run", "review", "step")} == {
        "action": "edit",
        "cellId": written,
        "source": "x = 2",
        "run": True,
        "review": False,
        "step": 1,
    }
    await session.handle(
        notebook_result(mine, before={**BEFORE, "source": "x = 1"}, outputs=[], executionCount=2)
    )
    theirs = await recorder.next("notebook_request")
    assert (theirs["cellId"], theirs["review"]) == ("user-cell", True)
    await session.handle(notebook_result(theirs, accepted=False, comment="keep mine"))
    finished = await recorder.next("turn_finished", "t2")
    assert finished["reason"] == "done"
    assert tool_results(scripted_llm, 4)[-1] == (
        "The user rejected this change: keep mine. The cell is unchanged."
    )
    steps = [f for f in recorder.frames if f["type"] == "step_finished" and f["turnId"] == "t2"]
    assert [(s["action"], s.get("rejected")) for s in steps] == [("edit", None), ("edit", True)]
    assert all("_before" not in s and "before" not in s for s in steps)


async def test_trust_edits_skips_review_of_edits_but_not_of_deletions(
    session: ChatSession, recorder: Recorder, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push(
        call("edit_cell", cell_id="user-cell", source="print(1)", run=False),
        call("delete_cell", cell_id="user-cell"),
        text_reply("Done."),
    )
    await session.handle(turn_frame("t1", trustEdits=True))
    edit = await recorder.next("notebook_request")
    assert (edit["action"], edit["review"], edit["run"]) == ("edit", False, False)
    await session.handle(notebook_result(edit, before=BEFORE))
    delete = await recorder.next("notebook_request")
    assert (delete["action"], delete["review"]) == ("delete", True)
    await session.handle(notebook_result(delete, accepted=True, before={**BEFORE, "index": 4}))
    await recorder.next("turn_finished", "t1")
    assert tool_results(scripted_llm, 2) == [
        'The source of cell "user-cell" was replaced (not run).',
        'Cell "user-cell" deleted.',
    ]

    await session.handle({"type": "history", "notebook": "nb.ipynb"})
    history = await recorder.next("history")
    assert "1 / 0" not in json.dumps(history)  # `before` stays out of the replayed events
    await session.handle({"type": "undo", "notebook": "nb.ipynb", "turnId": "t1"})
    undone = await recorder.next("undone")
    assert undone["restoreCells"] == [
        {"cellId": "user-cell", "action": "delete", "before": {**BEFORE, "index": 4}},
        {"cellId": "user-cell", "action": "edit", "before": BEFORE},
    ]


async def test_markdown_cells_get_server_ids_that_undo_removes(
    session: ChatSession, recorder: Recorder, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push(
        call("insert_markdown", source="## Notes", after_cell_id="user-cell"),
        call("update_plan", items=[{"text": "Write notes", "done": True}]),
        text_reply("Noted."),
    )
    await session.handle(turn_frame("t1"))
    request = await recorder.next("notebook_request")
    assert request["action"] == "markdown" and request["afterCellId"] == "user-cell"
    await session.handle(notebook_result(request))
    plan = await recorder.next("plan", "t1")
    assert plan["items"] == [{"text": "Write notes", "done": True}]
    await recorder.next("turn_finished", "t1")
    await session.handle({"type": "history", "notebook": "nb.ipynb"})
    history = await recorder.next("history")
    (replayed,) = history["turns"]
    plans = [event for event in replayed["events"] if event["type"] == "plan"]
    assert plans == [{**plan}]
    assert "restores" not in replayed
    await session.handle({"type": "undo", "notebook": "nb.ipynb", "turnId": "t1"})
    undone = await recorder.next("undone")
    assert undone["removeCellIds"] == [request["cellId"]]


async def test_ask_user_sends_a_question_and_ends_the_turn_with_reason_question(
    session: ChatSession, recorder: Recorder, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push(call("ask_user", question="Which file?", choices=["a.csv", "b.csv"]))
    await session.handle(turn_frame("t1"))
    question = await recorder.next("question", "t1")
    assert (question["question"], question["choices"]) == ("Which file?", ["a.csv", "b.csv"])
    finished = await recorder.next("turn_finished", "t1")
    assert finished["reason"] == "question"


async def test_an_invalid_notebook_result_fails_its_step_and_says_why(
    session: ChatSession, recorder: Recorder, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push(call("run_cells", cell_ids=["a", "b"]))
    await session.handle(turn_frame("t1"))
    request = await recorder.next("notebook_request")
    assert request["cellIds"] == ["a", "b"]
    # An execute_result does not answer a notebook request.
    await session.handle(ok_result(request["requestId"], "1\n"))
    mismatch = await recorder.next("error")
    assert "no execute_result is awaited" in mismatch["message"]
    bad = notebook_result(request, runs=[{"cellId": "a", "outputs": [{"output_type": "x"}]}])
    await session.handle(bad)
    error = await recorder.next("error")
    assert error["turnId"] == "t1"
    assert "'result.runs[0].outputs[0]' must be an nbformat output" in error["message"]
    finished = await recorder.next("turn_finished", "t1")
    assert finished["reason"] == "error"
    assert "Invalid result" in finished["message"]


async def test_a_run_result_reaches_the_model_with_every_cell(
    session: ChatSession, recorder: Recorder, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push(call("run_cells", cell_ids=["a", "b"]), text_reply("Both ran."))
    await session.handle(turn_frame("t1"))
    request = await recorder.next("notebook_request")
    runs = [
        {"cellId": "a", "cellIndex": 0, "outputs": printed("A\n"), "executionCount": 1},
        {"cellId": "b", "cellIndex": 1, "outputs": printed("B\n"), "executionCount": 2},
    ]
    await session.handle(notebook_result(request, runs=runs))
    await recorder.next("turn_finished", "t1")
    assert tool_results(scripted_llm, 1) == ['Cell "a":\nA\n\nCell "b":\nB']


@pytest.mark.parametrize(
    ("tool", "arguments", "interrupted"),
    [
        ("run_cells", {"cell_ids": ["a"]}, ["kernel-1"]),
        ("read_output", {"cell_id": "a"}, []),
    ],
)
async def test_closing_the_page_mid_run_interrupts_the_kernel(
    scripted_llm: ScriptedLLM,
    recorder: Recorder,
    tool: str,
    arguments: dict[str, Any],
    interrupted: list[str],
) -> None:
    kernels: list[str] = []

    async def interrupt(kernel_id: str) -> None:
        kernels.append(kernel_id)

    session = ChatSession(
        recorder.send,
        make_settings(scripted_llm),
        ProviderRegistry(make_settings(scripted_llm)),
        ConversationStore(),
        logging.getLogger("test-nb"),
        interrupt_kernel=interrupt,
    )
    scripted_llm.push(call(tool, **arguments), text_reply("never"))
    await session.handle(turn_frame("t1", kernelId="kernel-1"))
    await recorder.next("notebook_request")
    session.close()  # the page was reloaded: the result never comes
    await session.join()
    assert kernels == interrupted


def test_undo_restore_data_survives_a_restart_and_stays_out_of_history(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "conversations.db")
    conversation = store.get("nb.ipynb")
    record = TurnRecord("t1", "fix b", reason="done")
    record.restores.append({"cellId": "b", "action": "edit", "before": BEFORE})
    conversation.records.append(record)
    store.save(conversation)
    store.close()

    reopened = ConversationStore(tmp_path / "conversations.db").get("nb.ipynb")
    assert reopened.records[0].restores == record.restores
    assert "restores" not in reopened.records[0].wire(undoable=True)


async def test_run_code_fixes_a_cell_of_an_earlier_turn_in_place(
    session: ChatSession, recorder: Recorder, scripted_llm: ScriptedLLM
) -> None:
    written = await write_a_cell(session, recorder, scripted_llm)
    fix = {"code": "x = 2", "cell_id": written}
    scripted_llm.push(
        {"text": "", "tool_calls": [{"name": "run_code", "arguments": json.dumps(fix)}]},
        text_reply("x is 2."),
    )
    await session.handle(turn_frame("t2"))
    again = await recorder.next("execute_request")
    assert again["replaceCellId"] == written and "cellId" not in again
    await session.handle({**ok_result(again["requestId"], ""), "result": {"cellId": written}})
    await recorder.next("turn_finished", "t2")
    await session.handle({"type": "undo", "notebook": "nb.ipynb", "turnId": "t2"})
    undone = await recorder.next("undone")
    assert undone["removeCellIds"] == []  # the cell belongs to turn 1: its Undo removes it
