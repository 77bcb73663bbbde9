"""Conversations with the model: several per notebook, one current, kept in SQLite.

`Conversation` is what the agent loop works on (an OpenAI message list plus the model it used);
`TurnRecord` is what the panel replays (a turn's server frames). `ConversationStore` keeps them in
a `ConversationDB` (a file, or `:memory:` when none is given) and in a cache of loaded ones, so
that every socket of the server works on the same objects.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .conversation_db import ConversationDB

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
        )

    def wire(self, undoable: bool) -> dict[str, Any]:
        """The `turnRecord` of a `history` frame."""
        stored = self.to_json()
        del stored["cellIds"], stored["messageStart"]
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


class UnknownConversation(KeyError):
    """A conversation id that is not one of the notebook's conversations."""


class ConversationStore:
    """Conversations by notebook path, saved in SQLite (`:memory:` unless a path is given)."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        root: Path | None = None,
        allow_hidden: bool = False,
        log: logging.Logger | None = None,
    ) -> None:
        """Open (or create) the database at `path`; it must stay out of the server `root`."""
        self.log = log or logging.getLogger("jupyter_code_interp")
        self.db = ConversationDB.open(
            None if path is None else Path(path), root, allow_hidden, self.log
        )
        self._loaded: dict[str, Conversation] = {}
        self._running: dict[str, str] = {}

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def get(self, notebook: str) -> Conversation:
        """The current conversation of `notebook`, created (and saved) empty if it has none."""
        conversation_id = self.db.current_id(notebook)
        if conversation_id is not None:
            conversation = self._load(conversation_id)
            if conversation is not None:
                return conversation
        return self.new(notebook)

    def _load(self, conversation_id: str) -> Conversation | None:
        """A conversation by id, from the cache or the database."""
        conversation = self._loaded.get(conversation_id)
        if conversation is None:
            try:
                conversation = self.db.load(conversation_id)
            except (ValueError, KeyError, TypeError) as error:
                # A row edited by hand: leave it in the file, start afresh in the panel.
                self.log.warning(
                    "code-interp: conversation %s in %s is unreadable (%s: %s); left as is.",
                    conversation_id,
                    self.db.location,
                    type(error).__name__,
                    error,
                )
                return None
            if conversation is None:
                return None
            for record in conversation.records:
                if not record.finished:  # the server stopped during this turn
                    record.reason, record.message = "error", INTERRUPTED
            self._loaded[conversation_id] = conversation
        return conversation

    def save(self, conversation: Conversation) -> None:
        """Write what changed in `conversation` in one transaction, and make it current."""
        conversation.updated_at = utc_now()
        self.db.save(conversation)

    def new(self, notebook: str) -> Conversation:
        """A new, empty current conversation (the current one if it is still empty)."""
        conversation_id = self.db.current_id(notebook)
        current = None if conversation_id is None else self._load(conversation_id)
        if current is not None and not current.records and not current.messages:
            return current
        conversation = Conversation(notebook)
        self._loaded[conversation.id] = conversation
        self.save(conversation)
        return conversation

    def open(self, notebook: str, conversation_id: str) -> Conversation:
        """Make a conversation of `notebook` current; UnknownConversation if it has no such one."""
        conversation = self._load(conversation_id)
        if conversation is None or conversation.notebook != notebook:
            raise UnknownConversation(conversation_id)
        self.db.set_current(notebook, conversation_id)
        return conversation

    def delete(self, notebook: str, conversation_id: str) -> None:
        """Delete a conversation of `notebook`; a new one becomes current if it was current."""
        conversation = self._load(conversation_id)
        if conversation is None or conversation.notebook != notebook:
            raise UnknownConversation(conversation_id)
        was_current = self.db.current_id(notebook) == conversation_id
        self.db.delete(conversation_id)
        self._loaded.pop(conversation_id, None)
        if was_current:
            self.new(notebook)

    def listing(self, notebook: str) -> list[dict[str, Any]]:
        """The conversations of `notebook`, newest first."""
        items = self.db.summaries(notebook)
        for item in items:
            loaded = self._loaded.get(item["id"])
            if loaded is not None:
                item.update(loaded.summary())
        return sorted(items, key=lambda item: (item["updatedAt"], item["createdAt"]), reverse=True)

    def rename(self, old: str, new: str) -> None:
        """Follow a notebook (or a folder of notebooks) renamed or moved from `old` to `new`."""
        moved = self.db.rename(old, new)
        for conversation in self._loaded.values():
            renamed = moved_path(conversation.notebook, old, new)
            if renamed is not None:
                conversation.notebook = renamed
        for notebook in list(self._running):
            renamed = moved_path(notebook, old, new)
            if renamed is not None:
                self._running[renamed] = self._running.pop(notebook)
        if moved:
            self.log.info("code-interp: %d conversation(s) followed %s → %s", moved, old, new)

    def running_turn(self, notebook: str) -> str | None:
        """The id of the turn running in `notebook` (on any socket), if any."""
        return self._running.get(notebook)

    def mark_running(self, notebook: str, turn_id: str) -> None:
        """Register a turn that started in `notebook`."""
        self._running[notebook] = turn_id

    def finish_running(self, turn_id: str) -> None:
        """Forget a turn that ended (wherever its notebook moved meanwhile)."""
        for notebook, running in list(self._running.items()):
            if running == turn_id:
                del self._running[notebook]


def moved_path(path: str, old: str, new: str) -> str | None:
    """Where `path` is after `old` moved to `new` (itself or inside it), or None if unaffected."""
    if path == old:
        return new
    prefix = old.rstrip("/") + "/"
    if path.startswith(prefix):
        return new.rstrip("/") + "/" + path[len(prefix) :]
    return None
