"""The conversation data: an OpenAI message list per notebook and the turns the panel replays.

`Conversation` is what the agent loop works on (an OpenAI message list plus the model it used);
`TurnRecord` is what the panel replays (a turn's server frames). Plain dataclasses: the store
(`store.py`) keeps them in SQLite (`db.py`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

TITLE_LENGTH = 80
INTERRUPTED = "The server stopped before this turn finished."


def utc_now() -> str:
    """The current time as ISO 8601 UTC with a Z (microseconds: list order follows it)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass
class TurnRecord:
    """One turn as the panel replays it, plus what undo needs to take it back."""

    turn_id: str
    instruction: str
    attachments: list[str] = field(default_factory=list)
    provider: str | None = None
    model: str | None = None
    started_at: str = field(default_factory=utc_now)
    finished_at: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None
    message: str | None = None
    usage: dict[str, Any] | None = None
    cell_ids: list[str] = field(default_factory=list)
    """Cells the turn inserted, in order, each once (a re-run of a cell keeps its id)."""
    message_start: int = 0
    """Length of the conversation's message list before the turn: undo truncates back to it."""
    restores: list[dict[str, Any]] = field(default_factory=list)
    """`{cellId, action, before}` of each edit and deletion the turn made, oldest first: what
    Undo puts back (kept out of the replayed events, which stay small)."""

    @property
    def finished(self) -> bool:
        """Whether the turn is over."""
        return self.reason is not None

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "turnId": self.turn_id,
            "instruction": self.instruction,
            "attachments": self.attachments,
            "provider": self.provider,
            "model": self.model,
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
            "events": self.events,
            "reason": self.reason,
            "message": self.message,
            "usage": self.usage,
            "cellIds": self.cell_ids,
            "messageStart": self.message_start,
            "restores": self.restores,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TurnRecord:
        """A record from its stored form."""
        return cls(
            turn_id=str(data["turnId"]),
            instruction=str(data.get("instruction", "")),
            attachments=list(data.get("attachments") or []),
            provider=data.get("provider"),
            model=data.get("model"),
            started_at=str(data.get("startedAt") or utc_now()),
            finished_at=data.get("finishedAt"),
            events=list(data.get("events") or []),
            reason=data.get("reason"),
            message=data.get("message"),
            usage=data.get("usage"),
            cell_ids=list(data.get("cellIds") or []),
            message_start=int(data.get("messageStart", 0)),
            restores=list(data.get("restores") or []),
        )

    def wire(self, undoable: bool) -> dict[str, Any]:
        """The `turnRecord` of a `history` frame."""
        stored = self.to_json()
        del stored["cellIds"], stored["messageStart"], stored["restores"]
        return {**stored, "undoable": undoable}


@dataclass
class Conversation:
    """The chat history of one notebook, in OpenAI chat format (without the system message)."""

    notebook: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    turns: int = 0
    provider: str | None = None
    """Provider of the last turn: a turn that names no model continues with it."""
    model: str | None = None
    """Model of the last turn (the history is kept when it changes)."""
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created_at: str = field(default_factory=utc_now)
    updated_at: str = ""
    records: list[TurnRecord] = field(default_factory=list)
    saved_messages: list[str] = field(default_factory=list, repr=False, compare=False)
    """The JSON of each message as last committed: a save writes only what changed."""
    saved_records: list[str] = field(default_factory=list, repr=False, compare=False)
    """The JSON of each turn record as last committed."""

    @property
    def title(self) -> str:
        """The first instruction, cut to 80 characters ('' while there is none)."""
        if not self.records:
            return ""
        text = " ".join(self.records[0].instruction.split())
        return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"

    def summary(self) -> dict[str, Any]:
        """An item of a `conversations` frame."""
        return {
            "id": self.id,
            "title": self.title,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at or self.created_at,
            "turns": len(self.records),
        }
