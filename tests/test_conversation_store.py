"""ConversationStore on a real SQLite file: save/load, several conversations, renames, failures."""

from __future__ import annotations

import json
import logging
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from jupyter_code_interp.conversations.model import INTERRUPTED, Conversation, TurnRecord
from jupyter_code_interp.conversations.store import ConversationStore, UnknownConversation

IMAGE_URL = "data:image/png;base64," + "iVBORw0KGgo" * 500
CHINESE = "画出各省 GDP 的柱状图，标题用中文"


def open_store(path: Path, **kwargs: Any) -> ConversationStore:
    """A store on `path`."""
    return ConversationStore(path, log=logging.getLogger("test-store"), **kwargs)


def add_turn(conversation: Conversation, turn_id: str, instruction: str) -> TurnRecord:
    """A finished turn with one exchange, as the session would record it."""
    record = TurnRecord(turn_id, instruction, message_start=len(conversation.messages))
    record.events = [{"type": "turn_started", "turnId": turn_id}, {"type": "turn_finished"}]
    record.reason = "done"
    conversation.records.append(record)
    conversation.messages += [
        {"role": "user", "content": instruction},
        {"role": "assistant", "content": f"answer to {instruction}"},
    ]
    conversation.turns += 1
    return record


def test_a_saved_conversation_comes_back_from_the_file(tmp_path: Path) -> None:
    db = tmp_path / "data" / "conversations.sqlite"
    store = open_store(db)
    conversation = store.get("分析/笔记.ipynb")
    add_turn(conversation, "t1", CHINESE)
    conversation.messages.append(
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": IMAGE_URL}}]}
    )
    conversation.provider, conversation.model = "deepseek", "deepseek-chat"
    store.save(conversation)
    store.close()

    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    reopened = open_store(db)
    loaded = reopened.get("分析/笔记.ipynb")
    assert loaded.id == conversation.id
    assert loaded.messages == conversation.messages
    assert loaded.title == CHINESE
    assert (loaded.provider, loaded.model, loaded.turns) == ("deepseek", "deepseek-chat", 1)
    assert [record.to_json() for record in loaded.records] == [
        record.to_json() for record in conversation.records
    ]
    # Stored as readable UTF-8 JSON, not \\u escapes.
    raw = sqlite3.connect(db).execute("SELECT body FROM messages").fetchall()
    assert any(CHINESE in body for (body,) in raw)
    reopened.close()


def test_several_conversations_per_notebook_one_current(tmp_path: Path) -> None:
    store = open_store(tmp_path / "c.sqlite")
    first = store.get("a.ipynb")
    add_turn(first, "t1", "first question " + "x" * 100)
    store.save(first)
    assert store.new("a.ipynb") is not first
    second = store.get("a.ipynb")
    assert second.id != first.id and second.messages == []
    assert store.new("a.ipynb") is second  # an empty current conversation is reused
    add_turn(second, "t2", "second question")
    store.save(second)
    other = store.get("b.ipynb")

    items = store.listing("a.ipynb")
    assert [item["id"] for item in items] == [second.id, first.id]  # newest first
    assert items[1]["title"] == ("first question " + "x" * 100)[:79] + "…"
    assert len(items[1]["title"]) == 80
    assert [item["turns"] for item in items] == [1, 1]
    assert [item["id"] for item in store.listing("b.ipynb")] == [other.id]

    assert store.open("a.ipynb", first.id) is first
    assert store.get("a.ipynb") is first
    with pytest.raises(UnknownConversation):
        store.open("a.ipynb", other.id)  # another notebook's conversation
    with pytest.raises(UnknownConversation):
        store.delete("a.ipynb", "nope")

    store.delete("a.ipynb", first.id)  # the current one: a new empty one takes its place
    current = store.get("a.ipynb")
    assert current.id not in (first.id, second.id) and current.records == []
    assert {item["id"] for item in store.listing("a.ipynb")} == {second.id, current.id}
    store.close()

    reopened = open_store(tmp_path / "c.sqlite")
    # An empty conversation is not stored (a turn stores it): after a restart the notebook
    # again has an empty current one, and its stored ones.
    assert reopened.db.load(current.id) is None
    assert reopened.get("a.ipynb").records == []
    assert reopened.open("a.ipynb", second.id).messages == second.messages
    assert reopened.db.load(first.id) is None
    reopened.close()


def test_a_save_that_fails_midway_leaves_the_previous_state(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    store = open_store(db)
    conversation = store.get("a.ipynb")
    add_turn(conversation, "t1", "before")
    store.save(conversation)
    before = list(conversation.messages)

    add_turn(conversation, "t2", "after")  # two new rows are written first...
    conversation.messages.append({"role": "user", "content": object()})  # ...then this fails
    with pytest.raises(TypeError):
        store.save(conversation)
    assert open_store(db).db.load(conversation.id).messages == before  # type: ignore[union-attr]

    conversation.messages[-1] = {"role": "user", "content": "fixed"}
    store.save(conversation)  # the next save writes all that the failed one did not
    loaded = open_store(db).db.load(conversation.id)
    assert loaded is not None
    assert loaded.messages == conversation.messages
    assert [record.turn_id for record in loaded.records] == ["t1", "t2"]


def test_shorter_histories_drop_their_extra_rows(tmp_path: Path) -> None:
    store = open_store(tmp_path / "c.sqlite")
    conversation = store.get("a.ipynb")
    add_turn(conversation, "t1", "one")
    add_turn(conversation, "t2", "two")
    store.save(conversation)
    del conversation.messages[2:]
    conversation.records.pop()
    store.save(conversation)
    loaded = open_store(tmp_path / "c.sqlite").db.load(conversation.id)
    assert loaded is not None
    assert loaded.messages == conversation.messages
    assert [record.turn_id for record in loaded.records] == ["t1"]

    # Later turns are written at their own positions, after an undo too.
    for turn_id in ("t3", "t4", "t5"):
        add_turn(conversation, turn_id, turn_id)
        store.save(conversation)
    conversation.records.pop()
    del conversation.messages[conversation.records[-1].message_start + 2 :]
    store.save(conversation)
    add_turn(conversation, "t6", "six")
    conversation.records[-1].events.append({"type": "text", "delta": "更新"})
    store.save(conversation)
    loaded = open_store(tmp_path / "c.sqlite").db.load(conversation.id)
    assert loaded is not None
    assert [record.to_json() for record in loaded.records] == [
        record.to_json() for record in conversation.records
    ]
    assert [record.turn_id for record in loaded.records] == ["t1", "t3", "t4", "t6"]
    assert loaded.messages == conversation.messages


def test_a_turn_cut_by_a_crash_is_marked_interrupted(tmp_path: Path) -> None:
    store = open_store(tmp_path / "c.sqlite")
    conversation = store.get("a.ipynb")
    record = add_turn(conversation, "t1", "long job")
    record.reason = None
    store.save(conversation)
    store.close()
    loaded = open_store(tmp_path / "c.sqlite").get("a.ipynb")
    assert (loaded.records[0].reason, loaded.records[0].message) == ("error", INTERRUPTED)


def test_a_corrupt_file_is_moved_aside_and_a_new_one_started(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "c.sqlite"
    garbage = b"this is not a database \x00\xff" * 200
    db.write_bytes(garbage)
    with caplog.at_level(logging.WARNING, logger="test-store"):
        store = open_store(db)
    broken = [path for path in tmp_path.iterdir() if ".broken-" in path.name]
    assert len(broken) == 1
    assert broken[0].read_bytes() == garbage  # kept, never deleted
    assert str(broken[0]) in caplog.text and "could not be read" in caplog.text
    conversation = store.get("a.ipynb")
    add_turn(conversation, "t1", "works again")
    store.save(conversation)
    assert open_store(db).get("a.ipynb").title == "works again"


def test_a_database_of_a_newer_version_is_moved_aside(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA user_version=99")
    connection.close()
    open_store(db).close()
    assert any(".broken-" in path.name for path in tmp_path.iterdir())


def test_a_path_inside_the_server_root_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "served" / "c.sqlite"
    with caplog.at_level(logging.WARNING, logger="test-store"):
        store = open_store(db, root=tmp_path)
    assert not db.exists()
    assert "c.CodeInterpreter.db_path" in caplog.text
    conversation = store.get("a.ipynb")  # still works, in memory
    add_turn(conversation, "t1", "memory only")
    store.save(conversation)
    assert store.db.location == ":memory:"


def test_an_unwritable_location_falls_back_to_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with caplog.at_level(logging.WARNING, logger="test-store"):
        store = open_store(blocker / "c.sqlite")
    assert store.db.location == ":memory:"
    assert "cannot use the conversation database" in caplog.text


def test_rename_moves_a_notebook_and_every_notebook_under_a_folder(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    store = open_store(db)
    for notebook in ("项目/a.ipynb", "项目/sub/b.ipynb", "项目x/c.ipynb", "top.ipynb"):
        conversation = store.get(notebook)
        add_turn(conversation, "t-" + notebook, notebook)
        store.save(conversation)
    store.rename("top.ipynb", "moved/top2.ipynb")
    store.rename("项目", "archive/项目2")
    store.close()

    reopened = open_store(db)
    assert reopened.get("moved/top2.ipynb").title == "top.ipynb"
    assert reopened.get("archive/项目2/a.ipynb").title == "项目/a.ipynb"
    assert reopened.get("archive/项目2/sub/b.ipynb").title == "项目/sub/b.ipynb"
    assert reopened.get("项目x/c.ipynb").title == "项目x/c.ipynb"  # a mere prefix is not a folder
    assert reopened.get("项目/a.ipynb").records == []
    assert reopened.listing("top.ipynb") == []


def test_rename_updates_loaded_conversations_and_running_turns(tmp_path: Path) -> None:
    store = open_store(tmp_path / "c.sqlite")
    conversation = store.get("dir/a.ipynb")
    store.mark_running("dir/a.ipynb", "t1")
    store.rename("dir", "new dir")
    assert conversation.notebook == "new dir/a.ipynb"
    assert store.running_turn("new dir/a.ipynb") == "t1"
    assert store.running_turn("dir/a.ipynb") is None
    store.save(conversation)  # a running turn keeps saving under the new path
    assert store.get("new dir/a.ipynb") is conversation
    store.finish_running("t1")
    assert store.running_turn("new dir/a.ipynb") is None


def test_the_in_memory_store_needs_no_file(tmp_path: Path) -> None:
    store = ConversationStore()
    conversation = store.get("a.ipynb")
    add_turn(conversation, "t1", "q")
    store.save(conversation)
    assert store.get("a.ipynb") is conversation
    assert json.dumps(store.listing("a.ipynb"))
    assert list(tmp_path.iterdir()) == []


def test_an_unreadable_row_is_left_alone_and_a_new_conversation_started(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "c.sqlite"
    store = open_store(db)
    conversation = store.get("a.ipynb")
    add_turn(conversation, "t1", "q")
    store.save(conversation)
    store.close()
    connection = sqlite3.connect(db)
    connection.execute("UPDATE turn_records SET body = '{\"no turnId\": 1}'")
    connection.commit()
    connection.close()
    with caplog.at_level(logging.WARNING, logger="test-store"):
        fresh = open_store(db).get("a.ipynb")
    assert fresh.id != conversation.id and fresh.records == []
    assert "unreadable" in caplog.text
    assert sqlite3.connect(db).execute("SELECT count(*) FROM turn_records").fetchone() == (1,)
