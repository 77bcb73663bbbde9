"""The record of a running turn: its server frames, the cells it inserted, saved step by step.

The session passes every frame of a turn (except `execute_request`) through `observe`; the
recorder keeps them in the conversation's TurnRecord and saves the conversation when the turn
starts, after each step and at the end, so a crash mid-turn loses at most the step that was
running. A save that fails (a full disk) is reported once per turn through `take_problem`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..agent.attached import attached_cells_frame
from ..conversations.model import Conversation, TurnRecord, utc_now
from ..conversations.store import ConversationStore

if TYPE_CHECKING:
    from ..agent.rules import ProjectRules
    from ..providers.choosing import ModelChoice
    from .turn_files import TurnFiles

_SAVE_AFTER = frozenset({"turn_started", "step_started", "step_finished", "turn_finished"})
"""A turn is stored from its start; a step_started follows the recorded exchange of the step
before it: worth a save too."""


def attachment_paths(files: TurnFiles | None) -> list[str]:
    """The root-relative paths of a turn's attachments."""
    if files is None:
        return []
    return [files.access.relative(path) for path in files.attachments]


class TurnRecorder:
    """Keeps one turn's frames in its conversation and saves them."""

    def __init__(
        self,
        store: ConversationStore,
        turn_id: str,
        instruction: str,
        attachments: list[str],
        log: logging.Logger,
    ) -> None:
        """A recorder for turn `turn_id`, given the instruction as the user typed it."""
        self._store = store
        self._log = log
        self.instruction = instruction
        self.attachments = attachments
        self.record = TurnRecord(turn_id, instruction, attachments)
        self._conversation: Conversation | None = None
        self._problem: str | None = None
        self._reported = False
        self._requested: str | None = None
        """The id of the new cell the panel was asked for, until its step_finished names it."""

    def started_frame(
        self,
        notebook: str,
        choice: ModelChoice,
        rules: ProjectRules | None = None,
        cells: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The turn's `turn_started` frame (with what a replay needs to show the instruction):
        `rules` in effect (rules.py) and the attached `cells` (their ids and indexes)."""
        return {
            "type": "turn_started",
            "turnId": self.record.turn_id,
            "notebook": notebook,
            "provider": choice.provider,
            "model": choice.model,
            "instruction": self.instruction,
            "attachments": self.attachments,
            "attachedCells": attached_cells_frame(cells or []),
            "rules": rules.frame() if rules is not None else [],
        }

    def begin(self, conversation: Conversation) -> None:
        """The turn starts in `conversation`: remember where its messages will begin."""
        self._conversation = conversation
        self.record.message_start = len(conversation.messages)
        conversation.records.append(self.record)

    def observe(self, frame: dict[str, Any]) -> dict[str, Any]:
        """Record a frame the turn sends (and save at step boundaries); returns the frame."""
        if self._conversation is None:
            return frame
        kind = frame.get("type")
        record = self.record
        if kind == "step_finished" and "_before" in frame:
            before = frame.pop("_before")
            change = {
                "cellId": frame.get("cellId"),
                "action": frame.get("action"),
                "before": before,
            }
            record.restores.append(change)
        events = record.events
        if kind in ("text", "reasoning") and events and events[-1].get("type") == kind:
            # One event per run of deltas (a reasoning run keeps its `seconds` when it ends).
            delta = str(events[-1].get("delta", "")) + str(frame.get("delta", ""))
            events[-1] = {**events[-1], **frame, "delta": delta}
        else:
            events.append(frame)
        if kind == "turn_started":
            record.provider, record.model = frame.get("provider"), frame.get("model")
        elif kind == "step_finished" and frame.get("action", "run_code") != "run_code":
            self._requested = None  # a notebook action: its cells are not new code cells
        elif kind == "step_finished" and not self._earlier(frame.get("cellId")):
            cell_id = frame.get("cellId")
            requested, self._requested = self._requested, None
            ids = record.cell_ids
            if isinstance(cell_id, str) and requested not in (None, cell_id) and requested in ids:
                # The panel gave the new cell an id of its own: keep the one it reports.
                at = ids.index(requested)
                ids.pop(at)
                if cell_id not in ids:
                    ids.insert(at, cell_id)
            elif isinstance(cell_id, str) and cell_id not in ids:
                ids.append(cell_id)
        elif kind == "turn_finished":
            record.reason = str(frame.get("reason"))
            record.message = frame.get("message")
            record.usage = frame.get("usage")
            record.finished_at = utc_now()
            self._store.finish_running(record.turn_id)  # before the panel hears it ended
        if kind in _SAVE_AFTER:
            self.save()
        return frame

    def _earlier(self, cell_id: Any) -> bool:
        """An earlier turn of the conversation inserted this cell (its Undo removes it)."""
        records = self._conversation.records if self._conversation is not None else []
        return any(cell_id in r.cell_ids for r in records if r is not self.record)

    def note_cell(self, cell_id: str) -> None:
        """The panel is asked to insert a cell with this id: Undo removes it from now on."""
        self._requested = cell_id
        if cell_id not in self.record.cell_ids:
            self.record.cell_ids.append(cell_id)
            self.save()

    def save(self) -> None:
        """Save the conversation; a failure is logged, never allowed to break the turn."""
        if self._conversation is None:
            return
        try:
            self._store.save(self._conversation)
        except Exception as error:  # noqa: BLE001 - the turn goes on; the next save retries
            self._log.warning(
                "code-interp: could not save the conversation of %s (%s: %s)",
                self._conversation.notebook,
                type(error).__name__,
                error,
            )
            if not self._reported:
                self._problem = (
                    f"This turn could not be saved ({error}). It stays in this window until the "
                    "server stops; later saves try again (free some disk space if it is full)."
                )

    def take_problem(self) -> str | None:
        """Why the turn could not be saved, the first time a save failed; then None."""
        problem, self._problem = self._problem, None
        if problem is not None:
            self._reported = True
        return problem
