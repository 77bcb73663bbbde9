"""The SQLite file behind ConversationStore: schema, transactions, and a broken file moved aside.

One row per conversation, one per message and one per turn record, so a save after a step writes
only what changed. Every save is one transaction (WAL journal): a crash leaves the state of the
last complete save. JSON is stored with ensure_ascii=False, so Chinese text stays readable.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..files.paths import served_from_root
from .model import Conversation, TurnRecord

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, notebook TEXT NOT NULL, title TEXT NOT NULL, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, provider TEXT, model TEXT, turns INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS conversations_by_notebook ON conversations (notebook);
CREATE TABLE IF NOT EXISTS messages (
    conversation_id TEXT NOT NULL, position INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (conversation_id, position));
CREATE TABLE IF NOT EXISTS turn_records (
    conversation_id TEXT NOT NULL, position INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (conversation_id, position));
CREATE TABLE IF NOT EXISTS current (notebook TEXT PRIMARY KEY, conversation_id TEXT NOT NULL);
"""
_CHECK = (
    (
        "SELECT id, notebook, title, created_at, updated_at, provider, model, turns "
        "FROM conversations LIMIT 1"
    ),
    "SELECT conversation_id, position, body FROM messages LIMIT 1",
    "SELECT conversation_id, position, body FROM turn_records LIMIT 1",
    "SELECT notebook, conversation_id FROM current LIMIT 1",
)


def _dumps(value: Any) -> str:
    """Compact JSON that keeps non-ASCII text as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _connect(target: str) -> sqlite3.Connection:
    """A connection with the schema in place; sqlite3.DatabaseError if the file is no database."""
    connection = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a transaction is atomic and survives a crash of the server.
        connection.execute("PRAGMA synchronous=NORMAL")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(f"it was written by a newer version (schema {version})")
        connection.executescript(_SCHEMA)
        connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        for query in _CHECK:
            connection.execute(query).fetchall()
    except BaseException:
        connection.close()
        raise
    return connection


def _move_aside(path: Path) -> Path:
    """Rename a broken database (and its journal files) out of the way; never delete it."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    target = path.with_name(f"{path.name}.broken-{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.broken-{stamp}-{counter}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(path) + suffix)
        if source.exists():
            os.replace(source, Path(str(target) + suffix))
    return target


class ConversationDB:
    """The SQL of the conversation store (one connection, used from the server's event loop)."""

    def __init__(self, connection: sqlite3.Connection, location: str) -> None:
        """Wrap an open connection; `location` is the file (or ':memory:'), for messages."""
        self._connection = connection
        self.location = location

    @classmethod
    def open(
        cls, path: Path | None, root: Path | None, allow_hidden: bool, log: logging.Logger
    ) -> ConversationDB:
        """The database at `path`; in memory (with a warning) when the file cannot be used."""
        if path is None:
            return cls(_connect(":memory:"), ":memory:")
        path = path.expanduser()
        if served_from_root(path, root, allow_hidden):
            log.warning(
                "code-interp: the conversation database %s is inside the server root %s, where "
                "the file browser could serve it; conversations are kept in memory only. Set "
                "c.CodeInterpreter.db_path to a path outside the root.",
                path,
                root,
            )
            return cls(_connect(":memory:"), ":memory:")
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:
                connection = _connect(str(path))
            except sqlite3.DatabaseError as error:
                moved = _move_aside(path)
                log.warning(
                    "code-interp: the conversation database %s could not be read (%s); it was "
                    "moved to %s and a new, empty database was started.",
                    path,
                    error,
                    moved,
                )
                connection = _connect(str(path))
            os.chmod(path, 0o600)  # conversations may hold data from the user's files
        except (OSError, sqlite3.Error) as error:
            log.warning(
                "code-interp: cannot use the conversation database %s (%s); conversations are "
                "kept in memory only until the server stops. Set c.CodeInterpreter.db_path to a "
                "writable file.",
                path,
                error,
            )
            return cls(_connect(":memory:"), ":memory:")
        return cls(connection, str(path))

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
