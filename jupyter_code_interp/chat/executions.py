"""Code run through the panel: the executor a turn's loop uses, and what a session keeps of each
`execute_request` and `notebook_request` until its result arrives."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..agent.executor import ActionResult, ExecutionResult, NotebookAction

if TYPE_CHECKING:
    from .session import ChatSession
    from .turn_recorder import TurnRecorder


@dataclass
class PendingExecution:
    """An `execute_request` or `notebook_request` sent to the panel whose answer has not arrived."""

    turn_id: str
    future: asyncio.Future[Any]
    action: NotebookAction | None = None
    """The notebook action asked for (None: an `execute_request`)."""

    @property
    def answer_type(self) -> str:
        """The type of the frame that answers it."""
        return "execute_result" if self.action is None else "notebook_result"

    @property
    def runs_code(self) -> bool:
        """A cell may be running for it (closing the page interrupts the kernel then)."""
        action = self.action
        return action is None or action.action == "run" or (action.action == "edit" and action.run)

    def fail(self, why: str) -> None:
        """End the wait: the step could not be done, for `why` (the turn goes on or ends)."""
        if not self.future.done():
            failed = (
                ExecutionResult(failure=why) if self.action is None else ActionResult(failure=why)
            )
            self.future.set_result(failed)


def notebook_request(
    turn_id: str, request_id: str, step: int, action: NotebookAction
) -> dict[str, Any]:
    """The `notebook_request` frame of `action` (docs/protocol.md, issue 15)."""
    frame: dict[str, Any] = {
        "type": "notebook_request",
        "turnId": turn_id,
        "requestId": request_id,
        "step": step,
        "action": action.action,
    }
    if action.action == "run":
        frame["cellIds"] = action.cell_ids
    else:
        frame["cellId"] = action.cell_id
    if action.action in ("edit", "markdown"):
        frame["source"] = action.source
    if action.action == "edit":
        frame["run"] = action.run
    if action.action in ("edit", "delete"):
        frame["review"] = action.review
    if action.action == "markdown" and action.after_cell_id:
        frame["afterCellId"] = action.after_cell_id
    return frame


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

    def _new_cell(self) -> str:
        """An id for a cell the panel is about to insert, recorded first: Undo removes it
        however the turn ends (stopped mid-cell, failed, the panel went away)."""
        cell_id = str(uuid.uuid4())
        if self._recorder is not None:
            self._recorder.note_cell(cell_id)
        return cell_id

    async def execute(self, code: str, replace_cell_id: str | None = None) -> ExecutionResult:
        """Ask the panel to insert and run `code` (or re-run a cell with it); wait for its answer."""
        cell_id = None if replace_cell_id else self._new_cell()
        frame = {"type": "execute_request", "turnId": self.turn_id, "step": self.step, "code": code}
        if replace_cell_id:
            frame["replaceCellId"] = replace_cell_id
        if cell_id:
            frame["cellId"] = cell_id  # the id the panel gives the new cell
        future: asyncio.Future[ExecutionResult] = asyncio.get_running_loop().create_future()
        result: ExecutionResult = await self._session.request(
            self.turn_id,
            PendingExecution(self.turn_id, future),
            lambda request_id: {**frame, "requestId": request_id},
        )
        return result

    async def act(self, request: NotebookAction) -> ActionResult:
        """Send a `notebook_request` (a new Markdown cell's id chosen here) and wait for its result."""
        if request.action == "markdown" and request.cell_id is None:
            request.cell_id = self._new_cell()
        future: asyncio.Future[ActionResult] = asyncio.get_running_loop().create_future()
        step = self.step
        result: ActionResult = await self._session.request(
            self.turn_id,
            PendingExecution(self.turn_id, future, request),
            lambda request_id: notebook_request(self.turn_id, request_id, step, request),
        )
        return result
