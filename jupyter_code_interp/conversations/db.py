"""The SQL of ConversationStore: rows, transactions (opening.py opens the file, or what is left).

One row per conversation, one per message and one per turn record, so a save after a step writes
only what changed. Every save is one transaction (WAL journal): a crash leaves the state of the
last complete save. JSON is stored with ensure_ascii=False, so Chinese text stays readable.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .model import Conversation, TurnRecord
from .opening import MEMORY, Opened, damage, error_name, open_database, replace_damaged


def _dumps(value: Any) -> str:
    """Compact JSON that keeps non-ASCII text as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class ConversationDB:
    """The SQL of the conversation store (one connection, used from the server's event loop)."""

    def __init__(self, opened: Opened) -> None:
        """Wrap an open database (opening.py says how usable it is)."""
        self._connection = opened.connection
        self.location = opened.location
        """The file, or ':memory:', for messages."""
        self.problem = opened.problem
        """What the user must know about it (cannot be written, was replaced), or None."""
        self.saved = opened.saved
        """Whether what is written here reaches the file."""

    @classmethod
    def open(
        cls, path: Path | None, root: Path | None, allow_hidden: bool, log: logging.Logger
    ) -> ConversationDB:
        """The database at `path`; a copy in memory or an empty one when the file cannot be
        used (`problem` says so)."""
        return cls(open_database(path, root, allow_hidden, log))

    def is_damaged(self, error: sqlite3.Error) -> bool:
        """Whether `error` comes from damage in the file (quick_check confirms doubtful ones)."""
        if self.location == MEMORY or not self.saved:
            return False
        name = error_name(error)
        if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
            return True
        if isinstance(error, sqlite3.OperationalError):  # full, read-only, locked: not damage
            return False
        try:
            return damage(self._connection) is not None
        except sqlite3.Error:
            return False

    def replace_damaged(self, why: str, log: logging.Logger) -> Path:
        """Move the damaged file aside and continue in a new one; the path it was kept at."""
        self._connection.close()
        opened, kept = replace_damaged(Path(self.location), why, log)
        self._connection, self.problem = opened.connection, opened.problem
        return kept

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._connection.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK when anything raises."""
        connection = self._connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            if connection.in_transaction:  # SQLite rolls back by itself on a full disk
                connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def current_id(self, notebook: str) -> str | None:
        """The id of the current conversation of `notebook`."""
        row = self._connection.execute(
            "SELECT conversation_id FROM current WHERE notebook = ?", (notebook,)
        ).fetchone()
        return None if row is None else str(row[0])

    def set_current(self, notebook: str, conversation_id: str) -> None:
        """Make `conversation_id` the current conversation of `notebook`."""
        with self._transaction() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO current (notebook, conversation_id) VALUES (?, ?)",
                (notebook, conversation_id),
            )

    def load(self, conversation_id: str) -> Conversation | None:
        """A conversation with its messages and turn records, or None."""
        connection = self._connection
        row = connection.execute(
            "SELECT notebook, created_at, updated_at, provider, model, turns "
            "FROM conversations WHERE id = ?",
            (conversation_id,),
        ).fetchone()
        if row is None:
            return None
        messages = [
            str(body)
            for (body,) in connection.execute(
                "SELECT body FROM messages WHERE conversation_id = ? ORDER BY position",
                (conversation_id,),
            )
        ]
        records = [
            str(body)
            for (body,) in connection.execute(
                "SELECT body FROM turn_records WHERE conversation_id = ? ORDER BY position",
                (conversation_id,),
            )
        ]
        notebook, created_at, updated_at, provider, model, turns = row
        return Conversation(
            notebook=notebook,
            messages=[json.loads(body) for body in messages],
            turns=int(turns),
            provider=provider,
            model=model,
            id=conversation_id,
            created_at=created_at,
            updated_at=updated_at,
            records=[TurnRecord.from_json(json.loads(body)) for body in records],
            saved_messages=messages,
            saved_records=records,
        )

    def save(self, conversation: Conversation) -> None:
        """Write the conversation's changed rows and make it current, in one transaction."""
        with self._transaction() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO conversations (id, notebook, title, created_at, "
                "updated_at, provider, model, turns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    conversation.id,
                    conversation.notebook,
                    conversation.title,
                    conversation.created_at,
                    conversation.updated_at,
                    conversation.provider,
                    conversation.model,
                    conversation.turns,
                ),
            )
            messages = _sync_rows(
                connection,
                "messages",
                conversation.id,
                conversation.messages,
                conversation.saved_messages,
            )
            # Only the last turn changes (finished ones are never edited): older ones are not
            # serialized again, which keeps a save after each step cheap in long conversations.
            saved = conversation.saved_records
            first = max(0, min(len(conversation.records), len(saved)) - 1)
            records = saved[:first] + _sync_rows(
                connection,
                "turn_records",
                conversation.id,
                [record.to_json() for record in conversation.records[first:]],
                saved[first:],
                first,
            )
            connection.execute(
                "INSERT OR REPLACE INTO current (notebook, conversation_id) VALUES (?, ?)",
                (conversation.notebook, conversation.id),
            )
        # Only after the commit: a failed save must write everything again next time.
        conversation.saved_messages, conversation.saved_records = messages, records

    def delete(self, conversation_id: str) -> None:
        """Remove a conversation and everything it holds."""
        with self._transaction() as connection:
            for table, column in (
                ("messages", "conversation_id"),
                ("turn_records", "conversation_id"),
                ("current", "conversation_id"),
                ("conversations", "id"),
            ):
                connection.execute(f"DELETE FROM {table} WHERE {column} = ?", (conversation_id,))

    def summaries(self, notebook: str) -> list[dict[str, Any]]:
        """The `conversations` items of `notebook` as stored."""
        rows = self._connection.execute(
            "SELECT id, title, created_at, updated_at, (SELECT count(*) FROM turn_records "
            "WHERE conversation_id = id) FROM conversations WHERE notebook = ?",
            (notebook,),
        ).fetchall()
        return [
            {
                "id": row[0],
                "title": row[1],
                "createdAt": row[2],
                "updatedAt": row[3],
                "turns": row[4],
            }
            for row in rows
        ]

    def rename(self, old: str, new: str) -> int:
        """Move the conversations of `old` (a notebook, or every notebook under a folder)."""
        prefix = old.rstrip("/") + "/"
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        replacement = new.rstrip("/") + "/"
        with self._transaction() as connection:
            moved = 0
            for table, key in (("conversations", "id"), ("current", "notebook")):
                rows = connection.execute(
                    f"SELECT {key}, notebook FROM {table} "
                    "WHERE notebook = ? OR notebook LIKE ? ESCAPE '\\'",
                    (old, pattern),
                ).fetchall()
                for row_key, notebook in rows:
                    target = new if notebook == old else replacement + notebook[len(prefix) :]
                    if table == "current":
                        # The moved notebook's current conversation wins over a stale pointer.
                        connection.execute("DELETE FROM current WHERE notebook = ?", (target,))
                    connection.execute(
                        f"UPDATE {table} SET notebook = ? WHERE {key} = ?", (target, row_key)
                    )
                    moved += table == "conversations"
        return moved


def _sync_rows(
    connection: sqlite3.Connection,
    table: str,
    conversation_id: str,
    values: list[dict[str, Any]],
    saved: list[str],
    offset: int = 0,
) -> list[str]:
    """Write the rows of `values` that differ from `saved`, drop the extra ones; the new JSON.

    `values[0]` and `saved[0]` are the rows at position `offset`.
    """
    bodies: list[str] = []
    for index, value in enumerate(values):
        body = _dumps(value)  # may raise mid-way: the transaction then rolls back
        bodies.append(body)
        if index >= len(saved) or saved[index] != body:
            connection.execute(
                f"INSERT OR REPLACE INTO {table} (conversation_id, position, body) VALUES (?, ?, ?)",
                (conversation_id, offset + index, body),
            )
    if len(saved) > len(values):
        connection.execute(
            f"DELETE FROM {table} WHERE conversation_id = ? AND position >= ?",
            (conversation_id, offset + len(values)),
        )
    return bodies
