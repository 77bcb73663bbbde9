"""Load: 50 conversations stream at once for about a minute; nothing is lost, duplicated or mixed.

Each conversation has its own socket, notebook and script on the scripted server (keyed by a
marker in its messages). Every turn runs one step (answered by a fake executor) and then streams a
numbered answer in many small pieces. Afterwards a second server, started on the same database,
must show every turn of every conversation, intact.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from scripted_llm import ScriptedLLM, tool_reply
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect
from traitlets.config import Config
from wire_client import ChatClient, Fetch, closed_port, on_server_loop, turn

pytestmark = pytest.mark.timeout(400)

CONVERSATIONS = 50
TURNS = 6
PIECES = 100
PIECE_DELAY = 0.1
"""Seconds between the pieces of an answer: each turn streams for PIECES * PIECE_DELAY = 10 s."""


def marker(conversation: int) -> str:
    """The text that routes a conversation's requests to its own script."""
    return f"⟦会话{conversation:02d}⟧"


def notebook(conversation: int) -> str:
    """The notebook of a conversation."""
    return f"load/笔记{conversation:02d}.ipynb"


def answer_pieces(conversation: int, turn_number: int) -> list[str]:
    """The final answer of a turn, as the pieces the scripted server streams (4 characters each)."""
    return [f"{(conversation * 7 + turn_number * 3 + i) % 100:02d}答|" for i in range(PIECES)]


def step_text(conversation: int, turn_number: int) -> str:
    """The text before the step's tool call."""
    return f"运行 {conversation}/{turn_number} "


def script(llm: ScriptedLLM) -> None:
    """Queue every conversation's replies under its marker."""
    for c in range(CONVERSATIONS):
        replies: list[dict[str, Any]] = []
        for t in range(TURNS):
            replies.append(tool_reply(f"print({c} * {t})", text=step_text(c, t)))
            replies.append({"text": "".join(answer_pieces(c, t)), "chunk": 4, "delay": PIECE_DELAY})
        llm.push_for(marker(c), *replies)


@pytest.fixture
def jp_server_config(jp_server_config: Config, tmp_path: Path) -> Config:
    """The shared config with the conversations database in a known place (outside the root)."""
    jp_server_config.CodeInterpreter.db_path = str(tmp_path / "conversations.sqlite")
    return jp_server_config


async def converse(client: ChatClient, c: int) -> None:
    """Run all turns of conversation `c`, checking every frame of each."""
    for t in range(TURNS):
        turn_id = f"c{c}-t{t}"
        frames = await client.run_turn(
            turn(turn_id, f"{marker(c)} question {t}", notebook(c)), output=f"{c * t}\n"
        )
        assert all(frame.get("turnId") == turn_id for frame in frames), frames
        kinds = [frame["type"] for frame in frames]
        assert kinds[-1] == "turn_finished" and frames[-1]["reason"] == "done", frames[-1]
        assert kinds.count("execute_request") == 1 and kinds.count("step_finished") == 1
        step_end = kinds.index("step_finished")
        assert frames[step_end]["status"] == "ok"
        before = "".join(f["delta"] for f in frames[:step_end] if f["type"] == "text")
        assert before == step_text(c, t)
        # One delta per streamed piece, in order: nothing lost, duplicated or merged.
        after = [f["delta"] for f in frames[step_end:] if f["type"] == "text"]
        assert after == answer_pieces(c, t), (c, t, len(after))


@on_server_loop
async def test_fifty_conversations_stream_at_once_and_survive_a_restart(
    code_interp_server: ScriptedLLM,
    jp_ws_fetch: Fetch,
    jp_root_dir: Path,
    tmp_path: Path,
    test_api_key: str,
) -> None:
    script(code_interp_server)
    (jp_root_dir / "load").mkdir()
    clients = [await ChatClient.open(jp_ws_fetch) for _ in range(CONVERSATIONS)]
    results = await asyncio.gather(
        *(converse(client, c) for c, client in enumerate(clients)), return_exceptions=True
    )
    for client in clients:
        client.close()
    failures = [result for result in results if isinstance(result, BaseException)]
    assert not failures, f"{len(failures)} conversations failed, first: {failures[0]!r}"
    assert all(not queue for queue in code_interp_server.keyed.values())  # every reply served
    assert len(code_interp_server.requests) == CONVERSATIONS * TURNS * 2

    async with RestartedServer(code_interp_server, test_api_key, jp_root_dir, tmp_path) as (
        port,
        token,
    ):
        url = f"ws://127.0.0.1:{port}/code-interp/chat"
        headers = {"Authorization": f"token {token}"}
        socket = await websocket_connect(HTTPRequest(url, headers=headers))
        client = ChatClient(socket)
        for c in range(CONVERSATIONS):
            await client.send({"type": "history", "notebook": notebook(c)})
            history = (await client.until("history"))[-1]
            check_history(history, c)
        client.close()


def check_history(history: dict[str, Any], c: int) -> None:
    """Every turn of conversation `c` is stored once, finished, with its whole text and step."""
    records = history["turns"]
    assert [record["turnId"] for record in records] == [f"c{c}-t{t}" for t in range(TURNS)]
    for t, record in enumerate(records):
        assert record["reason"] == "done", record
        assert record["instruction"] == f"{marker(c)} question {t}"
        events = record["events"]
        text = "".join(event["delta"] for event in events if event["type"] == "text")
        assert text == step_text(c, t) + "".join(answer_pieces(c, t)), (c, t)
        steps = [event for event in events if event["type"] == "step_finished"]
        assert [step["status"] for step in steps] == ["ok"]


class RestartedServer:
    """A second jupyter_server process on the same root and database (a restart)."""

    def __init__(self, llm: ScriptedLLM, api_key: str, root: Path, tmp_path: Path) -> None:
        """Configure it like the test server."""
        self.port = closed_port()
        self.token = "restart-token-0123456789"
        config = tmp_path / "restart_config.py"
        settings: dict[str, dict[str, Any]] = {
            "ServerApp": {
                "port": self.port,
                "ip": "127.0.0.1",
                "root_dir": str(root),
                "open_browser": False,
                "allow_root": True,
                "jpserver_extensions": {"jupyter_code_interp": True},
            },
            "IdentityProvider": {"token": self.token},
            "CodeInterpreter": {
                "base_url": llm.base_url,
                "api_key": api_key,
                "models": ["scripted-model"],
                "db_path": str(tmp_path / "conversations.sqlite"),
            },
        }
        lines = [
            f"c.{section}.{name} = {value!r}"
            for section, values in settings.items()
            for name, value in values.items()
        ]
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.command = [sys.executable, "-m", "jupyter_server", f"--config={config}"]
        self.process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> tuple[int, str]:
        """Start it and wait until it answers."""
        self.process = await asyncio.create_subprocess_exec(
            *self.command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        client = AsyncHTTPClient()
        url = f"http://127.0.0.1:{self.port}/code-interp/status"
        headers = {"Authorization": f"token {self.token}"}
        deadline = time.monotonic() + 90
        while True:
            assert self.process.returncode is None, "the restarted server exited"
            try:
                await client.fetch(url, headers=headers, request_timeout=5)
                return self.port, self.token
            except (HTTPClientError, OSError):
                assert time.monotonic() < deadline, "the restarted server never answered"
                await asyncio.sleep(0.2)

    async def __aexit__(self, *exc: object) -> None:
        """Stop it."""
        if self.process is not None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), 30)
