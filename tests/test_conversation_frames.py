"""Conversation frames on a ChatSession: history, list/new/open/delete, undo, running turns."""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import pytest
from agent_helpers import new_session
from scripted_llm import ScriptedLLM, text_reply, tool_reply
from test_session import Recorder, make_settings, turn_frame

from jupyter_code_interp.conversations.store import ConversationStore
from jupyter_code_interp.files.paths import FileAccess

NOTEBOOK = "分析/nb.ipynb"


def result(request_id: str, cell_id: str, text: str = "ok\n") -> dict[str, Any]:
    """An `execute_result` for a cell `cell_id` that printed `text`."""
    return {
        "type": "execute_result",
        "requestId": request_id,
        "result": {
            "outputs": [{"output_type": "stream", "name": "stdout", "text": text}],
            "executionCount": 1,
            "cellId": cell_id,
            "cellIndex": 0,
        },
    }


class Client:
    """A session with its recorder, on a shared store."""

    def __init__(self, llm: ScriptedLLM, store: ConversationStore) -> None:
        """A new socket's session."""
        self.recorder = Recorder()
        self.session = new_session(
            self.recorder.send, make_settings(llm), store, logging.getLogger("t-conv")
        )

    async def ask(self, frame: dict[str, Any], reply: str) -> dict[str, Any]:
        """Send a frame; the next frame of type `reply`."""
        await self.session.handle(frame)
        return await self.recorder.next(reply)

    async def turn(self, turn_id: str, instruction: str, cells: list[str]) -> dict[str, Any]:
        """Run a turn answering its execute requests with `cells`; its `turn_finished`."""
        await self.session.handle(turn_frame(turn_id, NOTEBOOK, instruction=instruction))
        for cell_id in cells:
            request = await self.recorder.next("execute_request", turn_id)
            await self.session.handle(result(request["requestId"], cell_id))
        return await self.recorder.next("turn_finished", turn_id)


@pytest.fixture
def store() -> ConversationStore:
    """An in-memory store shared by the clients of a test."""
    return ConversationStore()


@pytest.fixture
def client(scripted_llm: ScriptedLLM, store: ConversationStore) -> Client:
    """One socket."""
    return Client(scripted_llm, store)


async def test_history_replays_the_turn_without_execute_requests(
    client: Client, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push(tool_reply("print(1)", text="先算一下。"), text_reply("答案是 1。"))
    await client.turn("t1", "算一下 1", ["cell-a"])
    history = await client.ask({"type": "history", "notebook": NOTEBOOK}, "history")

    assert history["notebook"] == NOTEBOOK
    assert history["title"] == "算一下 1"
    assert history["runningTurnId"] is None
    [record] = history["turns"]
    assert record["turnId"] == "t1" and record["instruction"] == "算一下 1"
    assert (record["provider"], record["model"]) == ("default", "scripted-model")
    assert record["reason"] == "done" and record["undoable"] is True
    assert record["usage"]["model"] == "scripted-model"
    assert record["startedAt"].endswith("Z") and record["finishedAt"] >= record["startedAt"]
    sent = [f for f in client.recorder.frames if f.get("turnId") == "t1"]
    sent = [f for f in sent if f["type"] != "execute_request"]
    kinds = [event["type"] for event in record["events"]]
    assert kinds == [
        "turn_started",
        "text",
        "step_started",
        "step_finished",
        "text",
        "turn_finished",
    ]
    assert record["events"][0]["instruction"] == "算一下 1"
    assert record["events"][0]["attachments"] == []
    texts = [event["delta"] for event in record["events"] if event["type"] == "text"]
    assert texts == ["先算一下。", "答案是 1。"]
    assert record["events"][3] == next(f for f in sent if f["type"] == "step_finished")
    assert record["events"][-1] == sent[-1]


async def test_undo_restores_the_exact_history_and_names_the_inserted_cells(
    client: Client, store: ConversationStore, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push(
        text_reply("第一轮"),
        tool_reply("x = 1"),
        tool_reply("x = 2"),
        tool_reply("y = 3"),
        text_reply("done"),
        text_reply("after undo"),
    )
    await client.turn("t1", "first", [])
    before = copy.deepcopy(store.get(NOTEBOOK).messages)
    # The second step re-runs the first cell (a fix in place): it counts once.
    await client.turn("t2", "second", ["cell-a", "cell-a", "cell-b"])
    assert len(store.get(NOTEBOOK).messages) > len(before)

    undone = await client.ask({"type": "undo", "notebook": NOTEBOOK, "turnId": "t2"}, "undone")
    assert undone == {
        "type": "undone",
        "notebook": NOTEBOOK,
        "turnId": "t2",
        "removeCellIds": ["cell-a", "cell-b"],
        "restoreCells": [],
    }
    conversation = store.get(NOTEBOOK)
    assert conversation.messages == before
    assert conversation.turns == 1
    history = await client.ask({"type": "history", "notebook": NOTEBOOK}, "history")
    assert [record["turnId"] for record in history["turns"]] == ["t1"]
    assert history["turns"][0]["undoable"] is True

    await client.turn("t3", "third", [])
    messages = str(scripted_llm.requests[-1]["messages"])
    assert "first" in messages and "第一轮" in messages
    assert "second" not in messages and "x = 1" not in messages


async def test_undo_refuses_what_it_cannot_take_back(
    client: Client, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push(text_reply("one"), text_reply("two"), tool_reply("import time"))
    await client.turn("t1", "one", [])
    await client.turn("t2", "two", [])

    async def refused(frame: dict[str, Any]) -> str:
        await client.session.handle(frame)
        return str((await client.recorder.next("error"))["message"])

    undo = {"type": "undo", "notebook": NOTEBOOK}
    assert "Only the last turn can be undone" in await refused({**undo, "turnId": "t1"})
    assert "not in the current conversation" in await refused({**undo, "turnId": "ghost"})
    assert "missing the field 'turnId'" in await refused(undo)
    assert "contains '..'" in await refused({**undo, "notebook": "../x.ipynb", "turnId": "t2"})

    await client.session.handle(turn_frame("t3", NOTEBOOK, instruction="three"))
    request = await client.recorder.next("execute_request", "t3")
    assert "still running" in await refused({**undo, "turnId": "t3"})
    assert "stop it before undoing a turn" in await refused({**undo, "turnId": "t2"})
    assert "stop it before starting a new conversation" in await refused(
        {"type": "new_conversation", "notebook": NOTEBOOK}
    )
    await client.session.handle(result(request["requestId"], "c"))
    await client.recorder.next("turn_finished", "t3")


async def test_new_open_and_delete_conversations(client: Client, scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(text_reply("a"), text_reply("b"))
    await client.turn("t1", "第一个对话", [])
    first = (await client.ask({"type": "history", "notebook": NOTEBOOK}, "history"))[
        "conversationId"
    ]
    fresh = await client.ask({"type": "new_conversation", "notebook": NOTEBOOK}, "history")
    assert fresh["turns"] == [] and fresh["title"] == "" and fresh["conversationId"] != first
    await client.turn("t2", "second conversation", [])
    assert "第一个对话" not in str(scripted_llm.requests[-1]["messages"])

    listing = await client.ask({"type": "conversations", "notebook": NOTEBOOK}, "conversations")
    assert listing["currentId"] == fresh["conversationId"]
    assert [item["title"] for item in listing["items"]] == ["second conversation", "第一个对话"]
    assert all(item["createdAt"].endswith("Z") for item in listing["items"])

    opened = await client.ask(
        {"type": "open_conversation", "notebook": NOTEBOOK, "conversationId": first}, "history"
    )
    assert opened["conversationId"] == first
    assert [record["instruction"] for record in opened["turns"]] == ["第一个对话"]

    await client.session.handle(
        {"type": "open_conversation", "notebook": NOTEBOOK, "conversationId": "nope"}
    )
    assert "Unknown conversationId 'nope'" in (await client.recorder.next("error"))["message"]

    after = await client.ask(
        {"type": "delete_conversation", "notebook": NOTEBOOK, "conversationId": first},
        "conversations",
    )
    assert first not in [item["id"] for item in after["items"]]
    assert after["currentId"] != first
    reset = await client.ask({"type": "reset", "notebook": NOTEBOOK}, "history")
    assert reset["conversationId"] == after["currentId"]  # already new and empty: kept


async def test_running_turns_are_seen_from_every_socket(
    scripted_llm: ScriptedLLM, store: ConversationStore
) -> None:
    first, second = Client(scripted_llm, store), Client(scripted_llm, store)
    scripted_llm.push(tool_reply("import time"), text_reply("done"))
    await first.session.handle(turn_frame("t1", NOTEBOOK, instruction="slow"))
    request = await first.recorder.next("execute_request", "t1")

    history = await second.ask({"type": "history", "notebook": NOTEBOOK}, "history")
    assert history["runningTurnId"] == "t1"
    assert [event["type"] for event in history["turns"][0]["events"]] == [
        "turn_started",
        "step_started",
    ]
    assert history["turns"][0]["undoable"] is False
    await second.session.handle(turn_frame("t2", NOTEBOOK))
    assert "in another window" in (await second.recorder.next("error"))["message"]

    await first.session.handle(result(request["requestId"], "c1"))
    await first.recorder.next("turn_finished", "t1")
    history = await second.ask({"type": "history", "notebook": NOTEBOOK}, "history")
    assert history["runningTurnId"] is None
    assert history["turns"][0]["undoable"] is True


async def test_each_step_is_saved_before_the_turn_ends(
    scripted_llm: ScriptedLLM, tmp_path: Path
) -> None:
    db = tmp_path / "c.sqlite"
    client = Client(scripted_llm, ConversationStore(db))
    scripted_llm.push(tool_reply("a = 1"), tool_reply("b = 2"), text_reply("done"))
    await client.session.handle(turn_frame("t1", NOTEBOOK, instruction="两步"))
    request = await client.recorder.next("execute_request", "t1")
    await client.session.handle(result(request["requestId"], "cell-1"))
    # Step 2 waits: the "crash" happens here.
    waiting = await client.recorder.next("execute_request", "t1")

    # What another process would read from the file now.
    crashed = ConversationStore(db).get(NOTEBOOK)
    [record] = crashed.records
    assert record.reason == "error"  # the unfinished turn is marked interrupted
    assert [event["type"] for event in record.events] == [
        "turn_started",
        "step_started",
        "step_finished",
        "step_started",
    ]
    # Step 1's cell as the panel reported it; step 2's as the server asked for it (Undo removes
    # it even though its result never came).
    assert record.cell_ids == ["cell-1", waiting["cellId"]]
    roles = [message["role"] for message in crashed.messages]
    assert roles == ["user", "assistant", "tool"]  # step 1's exchange, complete
    client.session.close()
    await client.session.join()


async def test_the_record_keeps_the_instruction_as_typed_and_its_attachments(
    scripted_llm: ScriptedLLM, tmp_path: Path
) -> None:
    (tmp_path / "数据").mkdir()
    (tmp_path / "数据" / "gdp.csv").write_text("地区,GDP\n北京,4.4\n", encoding="utf-8")
    recorder = Recorder()
    session = new_session(
        recorder.send,
        make_settings(scripted_llm),
        ConversationStore(),
        logging.getLogger("t-conv"),
        files=FileAccess.at(tmp_path),
    )
    scripted_llm.push(text_reply("看到了"))
    frame = turn_frame("t1", "数据/nb.ipynb", instruction="分析这个文件")
    await session.handle({**frame, "attachments": ["数据/gdp.csv"]})
    started = await recorder.next("turn_started")
    await recorder.next("turn_finished")
    assert started["instruction"] == "分析这个文件"
    assert started["attachments"] == ["数据/gdp.csv"]
    await session.handle({"type": "history", "notebook": "数据/nb.ipynb"})
    [record] = (await recorder.next("history"))["turns"]
    assert record["instruction"] == "分析这个文件"
    assert record["attachments"] == ["数据/gdp.csv"]
    assert "<attached_files>" in str(scripted_llm.requests[0]["messages"])  # the model got more
