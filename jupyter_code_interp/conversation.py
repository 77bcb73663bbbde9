"""Conversations with the model, one per notebook, kept in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


class ConversationStore:
    """Conversations by notebook path; in memory (a persistent store can replace it)."""

    def __init__(self) -> None:
        """Start empty."""
        self._conversations: dict[str, Conversation] = {}

    def get(self, notebook: str) -> Conversation:
        """The conversation of `notebook`, created empty on first use."""
        conversation = self._conversations.get(notebook)
        if conversation is None:
            conversation = self._conversations[notebook] = Conversation(notebook)
        return conversation

    def reset(self, notebook: str) -> None:
        """Forget the conversation of `notebook`; the next `get` starts a new one."""
        self._conversations.pop(notebook, None)

    def rename(self, old: str, new: str) -> None:
        """Follow a notebook that was renamed or moved from `old` to `new`."""
        conversation = self._conversations.pop(old, None)
        if conversation is not None:
            conversation.notebook = new
            self._conversations[new] = conversation
