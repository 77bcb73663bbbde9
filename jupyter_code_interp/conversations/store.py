"""The conversation store: several conversations per notebook, one current, kept in SQLite.

`ConversationStore` keeps `Conversation`s (model.py) in a `ConversationDB` (db.py; a file, or
`:memory:` when none is given) and in a cache of loaded ones, so that every socket of the server
works on the same objects.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .db import ConversationDB
from .model import INTERRUPTED, Conversation, utc_now


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
