"""How turns end, over the real chat socket: what the model keeps, the panel's language, the
kernel of a cell left running by a closed page, and the cells Undo removes.

The LLM is the scripted OpenAI-compatible server; the kernel of the interrupt tests is a real
ipykernel started by the server's own kernel manager (as JupyterLab would start it).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from scripted_llm import ScriptedLLM, error_reply, text_reply, tool_reply
from wire_client import ChatClient, Fetch, on_server_loop, turn

from jupyter_code_interp.chat.turn_end import CELL_INTERRUPTED_MESSAGE

pytestmark = pytest.mark.timeout(180)

NOTEBOOK = "nb.ipynb"


async def _history(client: ChatClient) -> dict[str, Any]:
    """The current conversation of NOTEBOOK, once no turn of it runs."""
    while True:
        await client.send({"type": "history", "notebook": NOTEBOOK})
        history = (await client.until("history"))[-1]
        if history["runningTurnId"] is None and all(t["reason"] for t in history["turns"]):
            return history
        await asyncio.sleep(0.05)


def _sent_text(llm: ScriptedLLM) -> str:
    """The messages of the last request the model received, as JSON."""
    return json.dumps(llm.requests[-1]["messages"], ensure_ascii=False)


@on_server_loop
async def test_an_instruction_the_model_never_answered_is_not_sent_with_the_next_one(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch
) -> None:
    code_interp_server.push(error_reply(401, "Incorrect API key provided."))
    client = await ChatClient.open(jp_ws_fetch)
    failed = await client.run_turn(turn("t1", "DELETE every file"))
    assert failed[-1]["reason"] == "error"

    code_interp_server.push(text_reply("2 + 2 = 4"))
    frames = await client.run_turn(turn("t2", "what is 2 + 2?"))
    assert frames[-1]["reason"] == "done"
    sent = _sent_text(code_interp_server)
    assert "what is 2 + 2?" in sent
    assert "DELETE" not in sent  # neither merged into this message nor on its own
    # The panel still shows the failed turn (and can send it again: Retry).
    history = await _history(client)
    client.close()
    assert [t["instruction"] for t in history["turns"]] == ["DELETE every file", "what is 2 + 2?"]
    assert history["turns"][0]["reason"] == "error"


@on_server_loop
async def test_a_turn_stopped_before_the_model_answered_is_not_sent_with_the_next_one(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch
) -> None:
    code_interp_server.push({"text": "a slow answer " * 50, "chunk": 2, "delay": 0.05})
    client = await ChatClient.open(jp_ws_fetch)
    await client.send(turn("t1", "rm -rf the project"))
    await client.until("text")
    await client.send({"type": "stop", "turnId": "t1"})
    stopped = (await client.until("turn_finished"))[-1]
    assert stopped["reason"] == "stopped"

    code_interp_server.discard_replies()
    code_interp_server.push(text_reply("hello"))
    frames = await client.run_turn(turn("t2", "just say hello"))
    client.close()
    assert frames[-1]["reason"] == "done"
    assert "rm -rf" not in _sent_text(code_interp_server)


@on_server_loop
async def test_a_turn_that_ran_code_keeps_its_exchange(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch
) -> None:
    # The model answered (with code), then the provider failed: the model needs that exchange.
    code_interp_server.push(tool_reply("x = 1"), error_reply(500, "upstream broke"))
    client = await ChatClient.open(jp_ws_fetch)
    frames = await client.run_turn(turn("t1", "set x to one"))
    assert frames[-1]["reason"] == "error"
    code_interp_server.discard_replies()
    code_interp_server.push(text_reply("x is 1"))
    await client.run_turn(turn("t2", "what is x?"))
    client.close()
    sent = _sent_text(code_interp_server)
    assert "set x to one" in sent and "x = 1" in sent


@on_server_loop
async def test_a_zh_CN_panel_gets_the_server_messages_in_chinese(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch
) -> None:
    chinese = ChatClient(await jp_ws_fetch("code-interp", "chat", params={"locale": "zh-CN"}))
    code_interp_server.push(error_reply(401, "Incorrect API key provided."))
    frames = await chinese.run_turn(turn("t1", "画图"))
    assert frames[-1]["message"].startswith("提供方拒绝了 API 密钥（401）。"), frames[-1]
    assert "Incorrect API key provided." not in frames[-1]["message"]  # the key hint, translated

    # New code each time (identical code is answered with its earlier output, not run again),
    # then the final answer the loop asks for at the step cap.
    code_interp_server.push(
        tool_reply("x = 1"), tool_reply("x = 2"), tool_reply("x = 3"), text_reply("x 是 2。")
    )
    frames = await chinese.run_turn(turn("t2", "一直算", maxSteps=2))
    assert frames[-1]["reason"] == "max_steps"
    assert frames[-1]["message"].startswith("已执行 2 步，达到单轮上限，已停止。"), frames[-1]

    # A turn frame may name its own language; a socket without one stays English.
    english = await ChatClient.open(jp_ws_fetch)
    code_interp_server.discard_replies()
    code_interp_server.push(error_reply(401, "Incorrect API key provided."))
    frames = await english.run_turn(turn("t3", "plot", notebook="en.ipynb"))
    assert frames[-1]["message"].startswith("The provider rejected the API key (401).")
    code_interp_server.push(error_reply(401, "Incorrect API key provided."))
    frames = await english.run_turn(turn("t4", "plot", notebook="en.ipynb", locale="zh_CN"))
    assert frames[-1]["message"].startswith("提供方拒绝了 API 密钥（401）。")
    chinese.close()
    english.close()


@pytest.fixture
def no_provider_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither OPENAI_API_KEY nor OPENAI_BASE_URL when the server starts."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


@on_server_loop
async def test_the_setup_card_problem_comes_in_the_panels_language(
    no_provider_environment: None, jp_fetch: Fetch
) -> None:
    english = json.loads((await jp_fetch("code-interp", "status")).body)
    chinese = json.loads((await jp_fetch("code-interp", "status", params={"locale": "zh_CN"})).body)
    assert english["problem"].startswith("No model provider is configured.")
    assert chinese["problem"].startswith("尚未配置模型提供方。")
    assert "OPENAI_API_KEY" in chinese["problem"]  # names what to set, untranslated


async def _python_kernel(jp_serverapp: Any) -> tuple[str, Any]:
    """A kernel the server's kernel manager runs (as for an open notebook), and a client."""
    manager = jp_serverapp.kernel_manager
    kernel_id = await manager.start_kernel(kernel_name="python3")
    client = manager.get_kernel(kernel_id).client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    return kernel_id, client


async def _run_until_reply(client: Any, code: str, started: asyncio.Event) -> dict[str, Any]:
    """Run `code` the way the panel would, set `started` once it prints; its execute_reply.

    Its first output says the code runs: an interrupt while ipykernel is still setting up the
    execution (after execute_input, before the code) would be lost, for JupyterLab's own
    interrupt button too.
    """
    msg_id = client.execute(code)
    while True:
        message = await client.get_iopub_msg(timeout=60)
        if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "stream":
            started.set()
            break
    while True:
        reply: dict[str, Any] = await client.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


@on_server_loop
async def test_closing_the_page_mid_cell_interrupts_the_kernel_and_says_so(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch, jp_serverapp: Any
) -> None:
    kernel_id, kernel = await _python_kernel(jp_serverapp)
    try:
        sleep = "import time\nprint('sleeping', flush=True)\ntime.sleep(120)"
        code_interp_server.push(tool_reply(sleep), text_reply("never"))
        page = await ChatClient.open(jp_ws_fetch)
        await page.send(turn("t1", "sleep a long time", kernelId=kernel_id))
        request = (await page.until("execute_request"))[-1]
        assert request["cellId"]  # the server named the new cell before it existed

        started = asyncio.Event()
        running = asyncio.ensure_future(_run_until_reply(kernel, request["code"], started))
        await asyncio.wait_for(started.wait(), 60)
        closed_at = time.monotonic()
        page.close()  # the page was reloaded: the cell's answer never comes
        reply = await asyncio.wait_for(running, 60)
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        assert time.monotonic() - closed_at < 60  # interrupted, not slept out (120 s)

        client = await ChatClient.open(jp_ws_fetch)
        history = await _history(client)
        [record] = history["turns"]
        assert record["reason"] == "error"
        assert record["message"] == CELL_INTERRUPTED_MESSAGE
        # Undo takes the interrupted cell away, though its result never reached the server.
        await client.send({"type": "undo", "notebook": NOTEBOOK, "turnId": "t1"})
        undone = (await client.until("undone"))[-1]
        client.close()
        assert undone["removeCellIds"] == [request["cellId"]]
    finally:
        kernel.stop_channels()
        await jp_serverapp.kernel_manager.shutdown_kernel(kernel_id, now=True)


@on_server_loop
async def test_a_page_that_did_not_name_its_kernel_gets_an_honest_outcome(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch
) -> None:
    code_interp_server.push(tool_reply("import time; time.sleep(120)"), text_reply("never"))
    page = await ChatClient.open(jp_ws_fetch)
    await page.send(turn("t1", "sleep"))
    await page.until("execute_request")
    page.close()
    client = await ChatClient.open(jp_ws_fetch)
    [record] = (await _history(client))["turns"]
    client.close()
    assert record["reason"] == "error"
    assert "could not be interrupted" in record["message"]
    assert "may still be running" in record["message"]


@on_server_loop
async def test_a_page_closed_between_cells_loses_the_connection_only(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch
) -> None:
    code_interp_server.push({"text": "a slow answer " * 40, "chunk": 3, "delay": 0.05})
    page = await ChatClient.open(jp_ws_fetch)
    await page.send(turn("t1", "talk", kernelId="not-a-kernel-of-this-server"))
    await page.until("text")
    page.close()  # no cell runs: there is nothing to interrupt
    client = await ChatClient.open(jp_ws_fetch)
    [record] = (await _history(client))["turns"]
    client.close()
    assert record["message"] == "The connection to the panel was lost, so the turn was stopped."
