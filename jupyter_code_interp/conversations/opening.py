"""Opening the conversation database on a bad day: a file that cannot be written, damaged pages,
a file that is no database. What the user must know comes back as `Opened.problem`.

- Cannot be written (read-only file or folder, another owner, a lock): its content is copied into
  memory and read from there; turns of this server session are not saved.
- Not a database, or a newer schema: moved aside (`<name>.broken-<time>`) and a new one started.
- Damaged pages (`PRAGMA quick_check`, at start and whenever SQLite reports corruption): the same.
- Nothing usable at all: an empty database in memory.

The file and its -wal and -shm files are mode 0600: SQLite gives the journal files the mode of the
database file, so the file is created 0600 before SQLite first opens it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from ..files.paths import served_from_root

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
MEMORY = ":memory:"
JOURNALS = ("-wal", "-shm")
NOT_SAVED = "turns of this session are kept only until the server stops"
_UNREADABLE = ("SQLITE_NOTADB", "SQLITE_CORRUPT", "SQLITE_SCHEMA_NEWER")
_MESSAGES = (
    ("readonly", "SQLITE_READONLY"),
    ("unable to open", "SQLITE_CANTOPEN"),
    ("not a database", "SQLITE_NOTADB"),
    ("malformed", "SQLITE_CORRUPT"),
    ("newer version", "SQLITE_SCHEMA_NEWER"),
    ("disk is full", "SQLITE_FULL"),
    ("locked", "SQLITE_BUSY"),
)


def error_name(error: sqlite3.Error) -> str:
    """SQLite's name for an error (SQLITE_READONLY...), also on Python 3.10 (from its text)."""
    text = str(error).lower()
    for fragment, name in _MESSAGES:
        if fragment in text:
            return name
    return str(getattr(error, "sqlite_errorname", "") or "SQLITE_ERROR")


def prepare(connection: sqlite3.Connection, wal: bool = True) -> sqlite3.Connection:
    """`connection` with the schema in place; sqlite3.DatabaseError if it is no database of ours
    (then it is closed)."""
    try:
        if wal:
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


def _open(target: str | Path) -> sqlite3.Connection:
    """A connection to `target` (a path, or MEMORY), nothing written yet."""
    if target != MEMORY:
        path = Path(target)
        if not path.exists():  # created 0600, so that SQLite's -wal and -shm files are too
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    return sqlite3.connect(str(target), isolation_level=None, check_same_thread=False)


def connect(target: str | Path) -> sqlite3.Connection:
    """A connection to `target` (a path, or MEMORY) with the schema in place."""
    return prepare(_open(target), wal=target != MEMORY)


def damage(connection: sqlite3.Connection) -> str | None:
    """What `PRAGMA quick_check` finds wrong with the database (None: nothing); other errors
    (a file that cannot be opened or locked) are raised."""
    try:
        rows = connection.execute("PRAGMA quick_check(3)").fetchall()
    except sqlite3.DatabaseError as error:
        if error_name(error) in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
            return str(error)
        raise
    found = [str(row[0]) for row in rows]
    return None if found == ["ok"] else " ".join(" ".join(found).split())[:300]


def move_aside(path: Path) -> Path:
    """Rename a broken database (and its journal files) out of the way; never delete it."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    target = path.with_name(f"{path.name}.broken-{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.broken-{stamp}-{counter}")
    for suffix in ("", *JOURNALS):
        source = Path(str(path) + suffix)
        if source.exists():
            os.replace(source, Path(str(target) + suffix))
    return target


def make_private(path: Path) -> None:
    """Mode 0600 for the database and its journal files (made by older versions perhaps)."""
    for suffix in ("", *JOURNALS):
        try:
            os.chmod(str(path) + suffix, 0o600)
        except FileNotFoundError:
            continue


def read_only_copy(path: Path) -> sqlite3.Connection:
    """The database at `path` copied into memory, opened without writing anything there."""
    uri = path.resolve().as_uri()
    error: sqlite3.Error = sqlite3.OperationalError("unable to open database file")
    # mode=ro needs the -shm file of a WAL database; immutable=1 reads a folder SQLite cannot
    # write to (it then ignores a -wal file that was not checkpointed).
    for options in ("mode=ro", "immutable=1"):
        try:
            source = sqlite3.connect(f"{uri}?{options}", uri=True)
        except sqlite3.Error as failed:
            error = failed
            continue
        try:
            if damage(source) is not None:
                raise sqlite3.DatabaseError("database disk image is malformed")
            copy = sqlite3.connect(MEMORY, isolation_level=None, check_same_thread=False)
            source.backup(copy)
            return prepare(copy, wal=False)
        except sqlite3.Error as failed:
            error = failed
        finally:
            source.close()
    raise error


@dataclass
class Opened:
    """An open conversation database and what the user must hear about it."""

    connection: sqlite3.Connection
    location: str
    """The file, or MEMORY."""
    problem: str | None = None
    saved: bool = True
    """False: turns are kept in memory only (a copy of a file that cannot be written, or none)."""


def in_memory(why: str, log: logging.Logger) -> Opened:
    """An empty database in memory, with `why` logged and told to the user."""
    log.warning(
        "code-interp: cannot use the conversation database (%s); conversations are kept in "
        "memory only until the server stops.",
        why,
    )
    return Opened(
        connect(MEMORY), MEMORY, f"Conversations are not saved: {why}; {NOT_SAVED}.", False
    )


def replace_damaged(path: Path, why: str, log: logging.Logger) -> tuple[Opened, Path]:
    """Move a damaged or unreadable database aside and start an empty one at `path`."""
    kept = move_aside(path)
    log.warning(
        "code-interp: the conversation database %s could not be read (%s); it was moved to %s and "
        "a new, empty database was started.",
        path,
        why,
        kept,
    )
    connection = connect(path)
    make_private(path)
    problem = (
        f"The conversation database {path} was damaged ({why}). It was kept as {kept}, and a new, "
        "empty one was started: earlier conversations are not shown."
    )
    return Opened(connection, str(path), problem), kept


def open_database(
    path: Path | None, root: Path | None, allow_hidden: bool, log: logging.Logger
) -> Opened:
    """The conversation database at `path` (None: in memory), as usable as it can be."""
    if path is None:
        return Opened(connect(MEMORY), MEMORY)
    path = path.expanduser()
    if served_from_root(path, root, allow_hidden):
        return in_memory(
            f"the database {path} is inside the server root {root}, where the file browser could "
            "serve it (set c.CodeInterpreter.db_path to a path outside the root)",
            log,
        )
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        connection = _open(path)
        found = damage(connection)  # before anything is written: the damaged file is kept as is
        if found is not None:
            connection.close()
            return replace_damaged(path, found, log)[0]
        prepare(connection)
    except sqlite3.DatabaseError as error:
        if error_name(error) in _UNREADABLE:
            return replace_damaged(path, str(error), log)[0]
        return _unwritable(path, f"{error_name(error)}: {error}", log)
    except OSError as error:
        return _unwritable(path, str(error), log)
    make_private(path)
    return Opened(connection, str(path))


def _unwritable(path: Path, why: str, log: logging.Logger) -> Opened:
    """A database the server cannot write: read from a copy in memory, or an empty one."""
    if not path.is_file():
        return in_memory(f"the database {path} cannot be used ({why})", log)
    try:
        copy = read_only_copy(path)
    except sqlite3.Error as error:
        return in_memory(f"the database {path} cannot be used ({why}; reading it: {error})", log)
    log.warning("code-interp: the conversation database %s cannot be written (%s).", path, why)
    problem = (
        f"The conversation database {path} cannot be written ({why}). Earlier conversations are "
        f"shown, but turns are not saved: {NOT_SAVED}."
    )
    return Opened(copy, str(path), problem, False)
