"""Bounded snapshots of a working directory, to tell which files a code step created or changed."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

MAX_ENTRIES = 5000
"""Files recorded at most per snapshot (a huge directory must not stall a step)."""
MAX_DEPTH = 4
"""Subdirectory levels below the working directory that are looked at."""
SKIPPED_DIRECTORIES = {".ipynb_checkpoints", "__pycache__", "node_modules", ".git"}
SKIPPED_SUFFIXES = (".ipynb",)
"""Notebooks are saved by JupyterLab itself while a step runs: they are never 'produced'."""


@dataclass
class Snapshot:
    """Files under a directory: relative POSIX path → (size, mtime in ns)."""

    files: dict[str, tuple[int, int]] = field(default_factory=dict)
    truncated: bool = False
    """Whether MAX_ENTRIES was reached (later files were not recorded)."""


def take_snapshot(
    directory: Path, max_entries: int = MAX_ENTRIES, max_depth: int = MAX_DEPTH
) -> Snapshot:
    """The regular files under `directory`, skipping hidden names, checkpoints and notebooks.

    Symbolic links are not followed, so the walk stays below `directory` and cannot loop.
    """
    snapshot = Snapshot()
    pending: list[tuple[Path, str, int]] = [(directory, "", 0)]
    while pending:
        folder, prefix, depth = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name in SKIPPED_DIRECTORIES:
                continue
            relative = prefix + entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth < max_depth:
                        pending.append((Path(entry.path), relative + "/", depth + 1))
                    continue
                if not entry.is_file(follow_symlinks=False) or entry.name.endswith(
                    SKIPPED_SUFFIXES
                ):
                    continue
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if len(snapshot.files) >= max_entries:
                snapshot.truncated = True
                return snapshot
            snapshot.files[relative] = (info.st_size, info.st_mtime_ns)
    return snapshot


def changed_files(before: Snapshot, after: Snapshot) -> list[str]:
    """Files of `after` that are new or differ in size or modification time, sorted."""
    return sorted(path for path, stamp in after.files.items() if before.files.get(path) != stamp)


def list_files(
    directory: Path, query: str = "", limit: int = 50, max_scanned: int = MAX_ENTRIES
) -> tuple[list[tuple[str, int]], bool]:
    """Files under `directory` whose relative path contains `query` (case-insensitive).

    Breadth-first, so files near the top come first; hidden names and checkpoints are skipped,
    links are not followed. Returns (relative POSIX path, size) pairs and whether the walk
    stopped early (at `limit` matches or `max_scanned` entries).
    """
    needle = query.casefold()
    found: list[tuple[str, int]] = []
    scanned = 0
    level: list[tuple[Path, str]] = [(directory, "")]
    for _ in range(MAX_DEPTH + 1):
        next_level: list[tuple[Path, str]] = []
        for folder, prefix in level:
            try:
                entries = sorted(os.scandir(folder), key=lambda entry: entry.name.casefold())
            except OSError:
                continue
            for entry in entries:
                scanned += 1
                if scanned > max_scanned:
                    return found, True
                if entry.name.startswith(".") or entry.name in SKIPPED_DIRECTORIES:
                    continue
                relative = prefix + entry.name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        next_level.append((Path(entry.path), relative + "/"))
                    elif entry.is_file(follow_symlinks=False) and needle in relative.casefold():
                        found.append((relative, entry.stat(follow_symlinks=False).st_size))
                except OSError:
                    continue
                if len(found) >= limit:
                    return found, True
        level = next_level
    return found, False
