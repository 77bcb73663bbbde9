"""Client frames about stored conversations: history, list, new, open, delete, undo.

Each frame gets one reply frame (or a FrameError, sent back as an `error` frame). Conversations of
a notebook with a running turn (on any socket) cannot be switched, replaced or undone.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ..conversations.model import Conversation
from ..conversations.store import ConversationStore, UnknownConversation
from .frames import FrameError, frame_field, frame_identifier, validate_notebook_path

CONVERSATION_FRAMES = frozenset(
    {
        "history",
        "conversations",
        "new_conversation",
        "reset",
        "open_conversation",
        "delete_conversation",
        "undo",
    }
)
_ACTIONS = {
    "new_conversation": "starting a new conversation",
    "reset": "a reset",
    "open_conversation": "opening another conversation",
    "delete_conversation": "deleting its current conversation",
    "undo": "undoing a turn",
}


def history_frame(store: ConversationStore, conversation: Conversation) -> dict[str, Any]:
    """The `history` frame of `conversation`."""
    running = store.running_turn(conversation.notebook)
    records = conversation.records
    running_here = running if any(r.turn_id == running for r in records) else None
    last = len(records) - 1
    return {
        "type": "history",
        "notebook": conversation.notebook,
        "conversationId": conversation.id,
        "title": conversation.title,
        "turns": [
            record.wire(index == last and record.finished and running_here is None)
            for index, record in enumerate(records)
        ],
        "runningTurnId": running_here,
    }


def conversations_frame(store: ConversationStore, notebook: str) -> dict[str, Any]:
    """The `conversations` frame of `notebook`."""
    current = store.get(notebook)
    return {
        "type": "conversations",
        "notebook": notebook,
        "currentId": current.id,
        "items": store.listing(notebook),
    }


def handle_conversation_frame(store: ConversationStore, frame: dict[str, Any]) -> dict[str, Any]:
    """The reply to one conversation frame (its type is in CONVERSATION_FRAMES)."""
    try:
        return _dispatch(store, frame)
    except sqlite3.Error as error:
        raise FrameError(
            f"The conversation database could not be used ({type(error).__name__}: {error})."
        ) from None


def _dispatch(store: ConversationStore, frame: dict[str, Any]) -> dict[str, Any]:
    """The reply to one conversation frame, or FrameError."""
    kind = str(frame["type"])
    notebook = validate_notebook_path(frame_field(frame, "notebook", str))
    if kind == "history":
        return history_frame(store, store.get(notebook))
    if kind == "conversations":
        return conversations_frame(store, notebook)
    if kind == "undo":
        return _undo(store, notebook, frame_identifier(frame, "turnId"))
    conversation_id = None
    if kind in ("open_conversation", "delete_conversation"):
        conversation_id = frame_identifier(frame, "conversationId")
    running = store.running_turn(notebook)
    busy = running is not None and (
        kind != "delete_conversation" or store.get(notebook).id == conversation_id
    )
    if busy:
        raise FrameError(
            f"A turn is running in '{notebook}'; stop it before {_ACTIONS[kind]}.", running
        )
    try:
        if kind == "open_conversation" and conversation_id is not None:
            return history_frame(store, store.open(notebook, conversation_id))
        if kind == "delete_conversation" and conversation_id is not None:
            store.delete(notebook, conversation_id)
            return conversations_frame(store, notebook)
    except UnknownConversation:
        raise FrameError(
            f"Unknown conversationId '{conversation_id}': '{notebook}' has no such conversation."
        ) from None
    return history_frame(store, store.new(notebook))


def _undo(store: ConversationStore, notebook: str, turn_id: str) -> dict[str, Any]:
    """Take back the last finished turn of the current conversation: `undone`."""
    conversation = store.get(notebook)
    records = conversation.records
    index = next((i for i, record in enumerate(records) if record.turn_id == turn_id), None)
    if index is None:
        raise FrameError(
            f"Turn '{turn_id}' is not in the current conversation of '{notebook}'.", turn_id
        )
    record = records[index]
    if not record.finished:
        raise FrameError(f"Turn '{turn_id}' is still running; stop it before undoing it.", turn_id)
    if store.running_turn(notebook) not in (None, turn_id):
        raise FrameError(
            f"A turn is running in '{notebook}'; stop it before {_ACTIONS['undo']}.", turn_id
        )
    if index != len(records) - 1:
        raise FrameError(
            f"Only the last turn can be undone; turn '{turn_id}' is followed by "
            f"{len(records) - 1 - index} more. Undo those first.",
            turn_id,
        )
    removed = conversation.messages[record.message_start :]
    del conversation.messages[record.message_start :]
    conversation.turns = max(0, conversation.turns - 1)
    records.pop()
    try:
        store.save(conversation)
    except Exception as error:  # noqa: BLE001 - memory and file stay in step: no undo
        records.append(record)
        conversation.turns += 1
        conversation.messages.extend(removed)
        raise FrameError(
            f"The undo could not be saved ({type(error).__name__}); nothing was changed.", turn_id
        ) from None
    return {
        "type": "undone",
        "notebook": notebook,
        "turnId": turn_id,
        "removeCellIds": list(record.cell_ids),
        "restoreCells": list(reversed(record.restores)),
    }
