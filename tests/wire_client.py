"""A chat-socket client for the reliability, security and load suites (plays the panel).

It answers `execute_request` frames itself (a fake executor: the code "printed" a fixed text), so
tests that are about the wire, not the kernel, need no kernel.
"""

from __future__ import annotations

import asyncio
import functools
import json
import socket
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from jupyter_core.utils import ensure_event_loop
from tornado.websocket import WebSocketClientConnection

WAIT = 60.0
Fetch = Callable[..., Awaitable[Any]]


def on_server_loop(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test on the loop the test server lives on (pytest-jupyter's)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        ensure_event_loop(prefer_selector_loop=True).run_until_complete(test(*args, **kwargs))

    return run


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def printed(request_id: str, text: str) -> dict[str, Any]:
    """An `execute_result` frame for a cell that printed `text`."""
    return {
        "type": "execute_result",
        "requestId": request_id,
        "result": {
            "outputs": [{"output_type": "stream", "name": "stdout", "text": text}],
            "executionCount": 1,
            "cellId": f"cell-{request_id[:8]}",
            "cellIndex": 0,
        },
    }


class ChatClient:
    """One chat socket, read frame by frame."""

    def __init__(self, socket: WebSocketClientConnection) -> None:
        """Wrap an open socket."""
        self.socket = socket

    @classmethod
    async def open(cls, jp_ws_fetch: Fetch) -> ChatClient:
        """An authenticated chat socket."""
        return cls(await jp_ws_fetch("code-interp", "chat"))

    async def send(self, frame: Any) -> None:
        """Send a frame as JSON text."""
        await self.socket.write_message(json.dumps(frame, ensure_ascii=False))

    async def receive(self, wait: float = WAIT) -> dict[str, Any]:
        """The next frame (the socket must still be open)."""
        message = await asyncio.wait_for(self.socket.read_message(), wait)
        assert isinstance(message, str), (
            f"the server closed the socket ({self.socket.close_code} {self.socket.close_reason})"
        )
        frame = json.loads(message)
        assert isinstance(frame, dict)
        return frame

    async def until(self, kind: str) -> list[dict[str, Any]]:
        """Frames up to and including the first of type `kind`."""
        frames: list[dict[str, Any]] = []
        while not frames or frames[-1]["type"] != kind:
            frames.append(await self.receive())
        return frames

    async def run_turn(self, frame: dict[str, Any], output: str = "ran") -> list[dict[str, Any]]:
        """Send a turn, answer its execute requests with `output`; frames up to its end."""
        await self.send(frame)
        frames: list[dict[str, Any]] = []
        while True:
            received = await self.receive()
            frames.append(received)
            if received["type"] == "execute_request":
                await self.send(printed(received["requestId"], output))
            if received["type"] == "turn_finished" or (
                received["type"] == "error" and received.get("turnId") == frame.get("turnId")
            ):
                return frames

    def close(self) -> None:
        """Close the socket."""
        self.socket.close()


def turn(
    turn_id: str, instruction: str, notebook: str = "nb.ipynb", **extra: Any
) -> dict[str, Any]:
    """A `turn` frame."""
    return {
        "type": "turn",
        "turnId": turn_id,
        "notebook": notebook,
        "instruction": instruction,
        **extra,
    }


def text_of(frames: list[dict[str, Any]]) -> str:
    """The streamed answer text of some frames."""
    return "".join(frame["delta"] for frame in frames if frame["type"] == "text")
