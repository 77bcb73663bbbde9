"""Code run through the panel: the executor a turn's loop uses, and what a session keeps of each
`execute_request` until its `execute_result` arrives."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..agent.executor import ExecutionResult

if TYPE_CHECKING:
    from .session import ChatSession
    from .turn_recorder import TurnRecorder


@dataclass
class PendingExecution:
    """An `execute_request` sent to the panel whose answer has not arrived."""

    turn_id: str
    future: asyncio.Future[ExecutionResult]


class SocketExecutor:
    """Runs code through the panel: sends `execute_request`, awaits the matching result."""

    def __init__(
        self, session: ChatSession, turn_id: str, recorder: TurnRecorder | None = None
    ) -> None:
        """An executor for one turn of `session`; `recorder` keeps the ids of its new cells."""
        self._session = session
        self._recorder = recorder
        self.turn_id = turn_id
        self.step = 0
        """The step the loop announced last (set from its `step_started` events)."""

    async def execute(self, code: str, replace_cell_id: str | None = None) -> ExecutionResult:
        """Ask the panel to insert and run `code` (or re-run a cell with it); wait for its answer.

        A new cell's id is chosen here and recorded before the panel inserts it, so that Undo
        removes it however the turn ends (stopped mid-cell, failed, the panel went away).
        """
        cell_id = None if replace_cell_id else str(uuid.uuid4())
        if cell_id is not None and self._recorder is not None:
            self._recorder.note_cell(cell_id)
        return await self._session.request_execution(
            self.turn_id, self.step, code, replace_cell_id, cell_id
        )
