"""Resolve paths that come from a client inside the server's root directory, or refuse them.

Every path the panel sends (attachments, previews, listings, the notebook of a turn) goes through
`resolve_inside`: it refuses absolute paths, `..` that climbs out of the root, NUL characters,
hidden components when the server hides them, and symbolic links whose target is outside.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

from ..limits import MAX_NAME_BYTES, MAX_PATH_CHARACTERS


class PathRefused(ValueError):
    """A client path that may not be used; the message says why, in words for the user."""


@dataclass(frozen=True)
class FileAccess:
    """Where client paths are resolved: the server root and whether hidden files are allowed."""

    root_dir: Path
    allow_hidden: bool = False

    @classmethod
    def at(cls, root_dir: str | os.PathLike[str], allow_hidden: bool = False) -> FileAccess:
        """A FileAccess whose root is `root_dir`, fully resolved (symlinks in it followed)."""
        return cls(Path(root_dir).expanduser().resolve(), allow_hidden)

    def resolve(self, client_path: str, what: str = "Path") -> Path:
        """`client_path` as an absolute path inside the root (see `resolve_inside`)."""
        return resolve_inside(self.root_dir, client_path, what, allow_hidden=self.allow_hidden)

    def relative(self, path: Path) -> str:
        """`path` (inside the root) as the root-relative POSIX path clients use."""
        relative = path.relative_to(self.root_dir).as_posix()
        return "" if relative == "." else relative


def normalize_client_path(client_path: str, what: str = "Path") -> str:
    """`client_path` as a normalized relative POSIX path ('' for the root), or PathRefused.

    Purely lexical: refuses NUL characters, absolute paths (including Windows drive letters and
    UNC paths) and `..` components that climb above the root.
    """
    if "\x00" in client_path:
        raise PathRefused(f"{what} {client_path!r} contains a NUL character.")
    if len(client_path) > MAX_PATH_CHARACTERS:
        raise PathRefused(
            f"{what} '{client_path[:60]}…' is too long ({len(client_path)} characters; "
            f"at most {MAX_PATH_CHARACTERS})."
        )
    slashed = client_path.replace("\\", "/")
    longest = max((len(part.encode("utf-8")) for part in slashed.split("/")), default=0)
    if longest > MAX_NAME_BYTES:
        raise PathRefused(
            f"{what} '{client_path[:60]}…' has a name that is too long ({longest} bytes; "
            f"at most {MAX_NAME_BYTES})."
        )
    if slashed.startswith("/") or (len(slashed) > 1 and slashed[1] == ":"):
        raise PathRefused(
            f"{what} '{client_path}' is absolute; send it relative to the server root."
        )
    normalized = posixpath.normpath(slashed) if slashed.strip() else "."
    if normalized == ".." or normalized.startswith("../"):
        raise PathRefused(f"{what} '{client_path}' leads outside the server root ('..').")
    return "" if normalized == "." else normalized


def resolve_inside(
    root_dir: Path, client_path: str, what: str = "Path", *, allow_hidden: bool = True
) -> Path:
    """The absolute path `client_path` names inside `root_dir`, or PathRefused saying why.

    `root_dir` must already be resolved. The result keeps the names the client used, but it is
    checked with symbolic links followed, so a link inside the root that points outside it (or
    a path through such a link) is refused. The path need not exist.
    """
    relative = normalize_client_path(client_path, what)
    if not allow_hidden and any(part.startswith(".") for part in relative.split("/") if part):
        raise PathRefused(
            f"{what} '{client_path}' is hidden (a part of it starts with '.'); the server does "
            "not serve hidden files (ContentsManager.allow_hidden is off)."
        )
    lexical = root_dir / relative if relative else root_dir
    try:
        resolved = lexical.resolve()
    except (OSError, RuntimeError) as error:  # a symbolic link loop, an unreadable folder
        raise PathRefused(f"{what} '{client_path}' cannot be resolved ({error}).") from None
    if resolved != root_dir and root_dir not in resolved.parents:
        raise PathRefused(
            f"{what} '{client_path}' is a symbolic link (or goes through one) that leads "
            "outside the server root."
        )
    return lexical


def served_from_root(path: Path, root: Path | None, allow_hidden: bool) -> bool:
    """Whether the file browser could serve `path`: inside `root`, and not hidden when hidden
    files are refused (the default ~/.local/share/jupyter under a root of ~ is not served)."""
    if root is None:
        return False
    resolved = path.expanduser().resolve()
    root = root.expanduser().resolve()
    try:
        inside = resolved.relative_to(root)
    except ValueError:
        return False
    return allow_hidden or not any(part.startswith(".") for part in inside.parts)
