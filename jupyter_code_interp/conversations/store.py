"""The conversation store: several conversations per notebook, one current, kept in SQLite.

`ConversationStore` keeps `Conversation`s (model.py) in a `ConversationDB` (db.py; a file, or
`:memory:` when none is given) and in a cache of loaded ones, so that every socket of the server
works on the same objects. A conversation gets its rows with its first save (a turn): asking for
the history of a notebook stores nothing. Damage that SQLite reports while the server runs moves
the file aside (opening.py) and the open conversations are written into a new one; listeners
(the chat sessions) hear about it.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .db import ConversationDB
from .model import INTERRUPTED, Conversation, utc_now

T = TypeVar("T")
MAX_UNSAVED = 1000
"""Empty conversations (of notebooks whose history was asked for) kept in memory at most."""


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
        self._unsaved: dict[str, Conversation] = {}
        """The current conversation of each notebook that has not been saved yet (no turn)."""
        self._listeners: list[Callable[[str], None]] = []

    @property
    def problem(self) -> str | None:
        """What the user must know about the database (not saved, replaced), or None."""
        return self.db.problem

    def watch(self, listener: Callable[[str], None]) -> None:
        """Call `listener` with a message when the database had to be replaced."""
        self._listeners.append(listener)

    def unwatch(self, listener: Callable[[str], None]) -> None:
        """Stop calling `listener`."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _guarded(self, operation: Callable[[], T]) -> T:
        """`operation()`; if SQLite reports damage, again on a new file that holds the open
        conversations (the damaged one is kept aside)."""
        try:
            return operation()
        except sqlite3.DatabaseError as error:
            if not self.db.is_damaged(error):
                raise
            why = f"{type(error).__name__}: {error}"
        self.db.replace_damaged(why, self.log)
        loaded = sorted(self._loaded.values(), key=lambda c: c.updated_at or c.created_at)
        for conversation in loaded:  # the newest saved last: it is current
            if conversation.records or conversation.messages:
                conversation.saved_messages, conversation.saved_records = [], []
                self.db.save(conversation)
        problem = self.db.problem or why
        for listener in list(self._listeners):
            listener(problem)
        return operation()

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def get(self, notebook: str) -> Conversation:
        """The current conversation of `notebook`; a new empty one (not saved) if it has none."""
        unsaved = self._unsaved.get(notebook)
        if unsaved is not None:
            return unsaved
        conversation_id = self._guarded(lambda: self.db.current_id(notebook))
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
                conversation = self._guarded(lambda: self.db.load(conversation_id))
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
        self._guarded(lambda: self.db.save(conversation))
        if self._unsaved.get(conversation.notebook) is conversation:
            del self._unsaved[conversation.notebook]

    def new(self, notebook: str) -> Conversation:
        """A new, empty current conversation (the current one if it is still empty); it is
        stored with its first turn."""
        current = self._unsaved.get(notebook)
        if current is None:
            conversation_id = self._guarded(lambda: self.db.current_id(notebook))
            current = None if conversation_id is None else self._load(conversation_id)
        if current is not None and not current.records and not current.messages:
            return current
        conversation = Conversation(notebook)
        self._loaded[conversation.id] = conversation
        self._unsaved[notebook] = conversation
        while len(self._unsaved) > MAX_UNSAVED:  # a flood of new paths: forget the oldest
            oldest = next(iter(self._unsaved))
            self._loaded.pop(self._unsaved.pop(oldest).id, None)
        return conversation

    def open(self, notebook: str, conversation_id: str) -> Conversation:
        """Make a conversation of `notebook` current; UnknownConversation if it has no such one."""
        conversation = self._load(conversation_id)
        if conversation is None or conversation.notebook != notebook:
            raise UnknownConversation(conversation_id)
        self._guarded(lambda: self.db.set_current(notebook, conversation_id))
        unsaved = self._unsaved.pop(notebook, None)
        if unsaved is not None:
            self._loaded.pop(unsaved.id, None)
        return conversation

    def delete(self, notebook: str, conversation_id: str) -> None:
        """Delete a conversation of `notebook`; a new one becomes current if it was current."""
        conversation = self._load(conversation_id)
        if conversation is None or conversation.notebook != notebook:
            raise UnknownConversation(conversation_id)
        was_current = self.get(notebook).id == conversation_id
        self._guarded(lambda: self.db.delete(conversation_id))
        self._loaded.pop(conversation_id, None)
        if was_current:
            self.new(notebook)

    def listing(self, notebook: str) -> list[dict[str, Any]]:
        """The conversations of `notebook`, newest first (an unsaved current one too)."""
        items = self._guarded(lambda: self.db.summaries(notebook))
        for item in items:
            loaded = self._loaded.get(item["id"])
            if loaded is not None:
                item.update(loaded.summary())
        unsaved = self._unsaved.get(notebook)
        if unsaved is not None:
            items.append(unsaved.summary())
        return sorted(items, key=lambda item: (item["updatedAt"], item["createdAt"]), reverse=True)

    def rename(self, old: str, new: str) -> None:
        """Follow a notebook (or a folder of notebooks) renamed or moved from `old` to `new`."""
        moved = self._guarded(lambda: self.db.rename(old, new))
        for notebook in [path for path in self._unsaved if moved_path(path, old, new)]:
            renamed = moved_path(notebook, old, new)
            if renamed is not None and renamed not in self._unsaved:
                self._unsaved[renamed] = self._unsaved.pop(notebook)
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
