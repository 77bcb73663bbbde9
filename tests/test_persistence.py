"""Stored conversations on real servers: a restart, renames through the Contents API, undo."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from scripted_llm import ScriptedLLM, text_reply, tool_reply
from server_process import server_process
from test_handlers import WAIT, Fetch, Panel, on_server_loop, open_panel, sent_messages
from traitlets.config import Config

from jupyter_code_interp.app import CodeInterpreterApp
from jupyter_code_interp.kernel.headless import KernelExecutor


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the first server keeps its conversations."""
    return tmp_path / "store" / "conversations.sqlite"


GARBAGE = b"not a database \x00\xff" * 100


@pytest.fixture
def corrupt_db() -> None:
    """Requesting this fixture puts a broken file at `db_path` before the server starts."""


@pytest.fixture
def jp_server_config(
    jp_server_config: Config, db_path: Path, request: pytest.FixtureRequest
) -> Config:
    """The shared test configuration with the database at `db_path`."""
    jp_server_config.CodeInterpreter.db_path = str(db_path)
    if "corrupt_db" in request.fixturenames:
        db_path.parent.mkdir(parents=True)
        db_path.write_bytes(GARBAGE)
    return jp_server_config


@on_server_loop
async def test_a_broken_database_does_not_stop_the_server(
    corrupt_db: None,
    code_interp_server: ScriptedLLM,
    jp_fetch: Fetch,
    jp_ws_fetch: Fetch,
    db_path: Path,
) -> None:
    assert json.loads((await jp_fetch("code-interp", "status")).body)["ready"] is True
    [broken] = [path for path in db_path.parent.iterdir() if ".broken-" in path.name]
    assert broken.read_bytes() == GARBAGE
    code_interp_server.push(text_reply("ok"))
    panel = await open_panel(jp_ws_fetch)
    notice = await panel.receive()  # the panel hears what happened, and where the file went
    assert notice["type"] == "error" and str(broken) in notice["message"], notice
    frames = await panel.run_turn(
        {"type": "turn", "turnId": "t1", "notebook": "a.ipynb", "instruction": "hi"}
    )
    history = await ask(panel, {"type": "history", "notebook": "a.ipynb"}, "history")
    panel.socket.close()
    assert frames[-1]["reason"] == "done"
    assert [record["turnId"] for record in history["turns"]] == ["t1"]
    assert db_path.stat().st_size > 0


def replayed(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events a turn record should hold for the frames the panel received."""
    events: list[dict[str, Any]] = []
    for frame in frames:
        if frame["type"] == "execute_request":
            continue
        if frame["type"] == "text" and events and events[-1]["type"] == "text":
            events[-1] = {**events[-1], "delta": events[-1]["delta"] + frame["delta"]}
        else:
            events.append(frame)
    return events


async def ask(panel: Panel, frame: dict[str, Any], reply: str) -> dict[str, Any]:
    """Send a frame and return the next frame of type `reply`."""
    await panel.send(frame)
    while True:
        received = await panel.receive()
        if received["type"] == reply:
            return received
        assert received["type"] != "error", received


@on_server_loop
async def test_conversations_survive_a_server_restart(
    code_interp_server: ScriptedLLM,
    jp_serverapp: Any,
    jp_ws_fetch: Fetch,
    jp_root_dir: Path,
    db_path: Path,
    tmp_path: Path,
    test_api_key: str,
) -> None:
    code_interp_server.push(
        tool_reply("x = 6 * 7\nprint(f'答案 {x}')", text="先算一下。"),
        text_reply("结果是 42。"),
        text_reply("还记得：42"),
    )
    panel = await open_panel(jp_ws_fetch)
    executor = KernelExecutor(nbformat.v4.new_notebook(), jp_root_dir / "报告.ipynb")
    await executor.start()
    try:
        frames = await panel.run_turn(
            {"type": "turn", "turnId": "t1", "notebook": "报告.ipynb", "instruction": "算 6*7"},
            executor,
        )
    finally:
        await executor.shutdown()
        panel.socket.close()
    assert frames[-1]["reason"] == "done"

    # Stop the first server's extension: its database is closed, nothing stays in memory.
    app = jp_serverapp.extension_manager.extension_points["jupyter_code_interp"].app
    assert isinstance(app, CodeInterpreterApp)
    await app.stop_extension()

    config = {
        "CodeInterpreter": {
            "db_path": str(db_path),
            "base_url": code_interp_server.base_url,
            "models": ["scripted-model"],
        }
    }
    key = {"OPENAI_API_KEY": test_api_key}
    async with server_process(tmp_path, jp_root_dir, config, key) as server:
        socket = Panel(await server.chat())
        history = await ask(socket, {"type": "history", "notebook": "报告.ipynb"}, "history")
        [record] = history["turns"]
        assert record["turnId"] == "t1"
        assert record["instruction"] == "算 6*7"
        assert record["reason"] == "done" and record["undoable"] is True
        assert record["events"] == replayed(frames)
        assert history["title"] == "算 6*7"
        assert history["runningTurnId"] is None

        # The model's history came back too: the next turn continues the conversation.
        after = await socket.run_turn(
            {"type": "turn", "turnId": "t2", "notebook": "报告.ipynb", "instruction": "还记得吗？"}
        )
        socket.socket.close()
    assert after[-1]["reason"] == "done"
    continued = sent_messages(code_interp_server, 2)
    assert "算 6*7" in continued and "答案 42" in continued and "结果是 42。" in continued


async def history_when(
    panel: Panel, notebook: str, turns: int, timeout: float = WAIT
) -> dict[str, Any]:
    """The history of `notebook` once it has `turns` turns (rename events arrive async)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        history = await ask(panel, {"type": "history", "notebook": notebook}, "history")
        if len(history["turns"]) == turns or loop.time() > deadline:
            return history
        await asyncio.sleep(0.05)


@on_server_loop
async def test_renames_through_the_contents_api_keep_the_conversation(
    code_interp_server: ScriptedLLM, jp_fetch: Fetch, jp_ws_fetch: Fetch, jp_root_dir: Path
) -> None:
    (jp_root_dir / "旧").mkdir()
    nbformat.write(nbformat.v4.new_notebook(), jp_root_dir / "旧" / "a.ipynb")
    (jp_root_dir / "新").mkdir()
    code_interp_server.push(text_reply("记住了"), text_reply("banana"))
    panel = await open_panel(jp_ws_fetch)
    first = await panel.run_turn(
        {"type": "turn", "turnId": "t1", "notebook": "旧/a.ipynb", "instruction": "记住 banana"}
    )
    assert first[-1]["reason"] == "done"

    async def rename(old: str, new: str) -> None:
        body = json.dumps({"path": new}, ensure_ascii=False)
        response = await jp_fetch("api", "contents", old, method="PATCH", body=body)
        assert response.code == 200

    await rename("旧", "新/文件夹")  # a folder: every notebook under it follows
    moved = await history_when(panel, "新/文件夹/a.ipynb", 1)
    assert [record["instruction"] for record in moved["turns"]] == ["记住 banana"]
    await rename("新/文件夹/a.ipynb", "新/b.ipynb")  # the notebook itself
    renamed = await history_when(panel, "新/b.ipynb", 1)
    assert renamed["conversationId"] == moved["conversationId"]
    assert (await history_when(panel, "新/文件夹/a.ipynb", 0))["turns"] == []
    assert (await history_when(panel, "旧/a.ipynb", 0))["turns"] == []

    second = await panel.run_turn(
        {"type": "turn", "turnId": "t2", "notebook": "新/b.ipynb", "instruction": "哪个词？"}
    )
    assert second[-1]["reason"] == "done"
    assert "记住 banana" in sent_messages(code_interp_server, 1)

    # Deleting the notebook keeps its conversations (nothing of the user's is dropped).
    await jp_fetch("api", "contents", "新", "b.ipynb", method="DELETE")
    assert not (jp_root_dir / "新" / "b.ipynb").exists()
    kept = await ask(panel, {"type": "history", "notebook": "新/b.ipynb"}, "history")
    panel.socket.close()
    assert [record["turnId"] for record in kept["turns"]] == ["t1", "t2"]


@on_server_loop
async def test_undo_over_the_socket_restores_the_notebook_cells(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch, jp_root_dir: Path
) -> None:
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# 报告"), nbformat.v4.new_code_cell("import math")]
    )
    code_interp_server.push(
        tool_reply("a = 1"),
        text_reply("a is set"),
        tool_reply("b = 2"),
        tool_reply("print(a + b)"),
        text_reply("3"),
        text_reply("fresh"),
    )
    panel = await open_panel(jp_ws_fetch)
    executor = KernelExecutor(notebook, jp_root_dir / "u.ipynb")
    await executor.start()
    try:
        turn = {"type": "turn", "notebook": "u.ipynb"}
        await panel.run_turn({**turn, "turnId": "t1", "instruction": "set a"}, executor)
        before_turn = copy.deepcopy(notebook.cells)
        executor.begin_turn()
        await panel.run_turn({**turn, "turnId": "t2", "instruction": "add b"}, executor)
        assert len(notebook.cells) == len(before_turn) + 2

        undone = await ask(panel, {"type": "undo", "notebook": "u.ipynb", "turnId": "t2"}, "undone")
        # The panel's part: delete the cells the server names.
        notebook.cells = [cell for cell in notebook.cells if cell.id not in undone["removeCellIds"]]
        assert notebook.cells == before_turn

        history = await ask(panel, {"type": "history", "notebook": "u.ipynb"}, "history")
        assert [record["turnId"] for record in history["turns"]] == ["t1"]
        await panel.run_turn({**turn, "turnId": "t3", "instruction": "again"}, executor)
    finally:
        await executor.shutdown()
        panel.socket.close()
    last = sent_messages(code_interp_server, 5)
    assert "set a" in last and "a = 1" in last
    assert "add b" not in last and "print(a + b)" not in last
