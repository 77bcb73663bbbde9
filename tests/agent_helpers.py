"""Helpers for tests of the agent loop: an emit recorder, a validity check, fake executors."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from jupyter_code_interp.agent.executor import ExecutionResult
from jupyter_code_interp.chat.session import ChatSession
from jupyter_code_interp.config import CodeInterpreter
from jupyter_code_interp.conversations.store import ConversationStore
from jupyter_code_interp.files.paths import FileAccess
from jupyter_code_interp.providers.registry import ProviderRegistry


class Recorder:
    """Collects what the loop emits."""

    def __init__(self) -> None:
        """Start with no frames."""
        self.frames: list[dict[str, Any]] = []

    async def __call__(self, frame: dict[str, Any]) -> None:
        """Record one emitted frame."""
        self.frames.append(frame)

    def of(self, kind: str) -> list[dict[str, Any]]:
        """The frames of one type, in order."""
        return [frame for frame in self.frames if frame["type"] == kind]

    @property
    def text(self) -> str:
        """All text deltas joined."""
        return "".join(frame["delta"] for frame in self.of("text"))


def assert_valid(messages: list[dict[str, Any]]) -> None:
    """Every tool call is answered right after it, every tool message answers a call."""
    index = 0
    while index < len(messages):
        message = messages[index]
        assert message["role"] in ("user", "assistant"), message
        index += 1
        calls = message.get("tool_calls") or []
        answered = []
        while index < len(messages) and messages[index]["role"] == "tool":
            answered.append(messages[index]["tool_call_id"])
            index += 1
        assert answered == [call["id"] for call in calls]


class ClosedNotebook:
    """An executor whose notebook went away."""

    async def execute(self, code: str, replace_cell_id: str | None = None) -> ExecutionResult:
        """Fail to run anything."""
        return ExecutionResult(failure="The notebook a.ipynb was closed.")


class NeverFinishes:
    """An executor that waits forever (until the turn is cancelled)."""

    async def execute(self, code: str, replace_cell_id: str | None = None) -> ExecutionResult:
        """Wait until cancelled."""
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


def new_session(
    send: Any,
    settings: CodeInterpreter,
    store: ConversationStore,
    log: logging.Logger,
    files: FileAccess | None = None,
) -> ChatSession:
    """A chat session with the provider registry the app would build from `settings`."""
    return ChatSession(send, settings, ProviderRegistry(settings), store, log, files=files)
