"""Cheap previews of data files for the model: read a bounded head, never the whole file.

`preview_file(path)` never raises for a bad file: what is wrong goes into `Preview.problem`.
"""

from __future__ import annotations

import stat
from pathlib import Path

from .previews.base import Preview
from .previews.encoding import clip
from .previews.excel import preview_excel, preview_legacy_excel
from .previews.media import IMAGE_FORMATS, guess_mime, preview_binary, preview_image, preview_text
from .previews.parquet import preview_parquet
from .previews.structured import preview_json, preview_jsonl
from .previews.tabular import preview_delimited

__all__ = ["Preview", "preview_file"]

_DELIMITED = {".csv", ".tsv", ".tab"}
_EXCEL = {".xlsx", ".xlsm"}
_JSON = {".json", ".geojson"}
_JSONL = {".jsonl", ".ndjson"}
_PARQUET = {".parquet", ".pq"}


def _by_kind(path: Path, size: int) -> Preview:
    """The preview the file's extension (then its content) calls for."""
    extension = path.suffix.lower()
    if extension in _DELIMITED:
        return preview_delimited(path, size, extension)
    if extension in _EXCEL:
        return preview_excel(path, size)
    if extension == ".xls":
        return preview_legacy_excel(path, size)
    if extension in _JSON:
        return preview_json(path, size)
    if extension in _JSONL:
        return preview_jsonl(path, size)
    if extension in _PARQUET:
        return preview_parquet(path, size)
    if extension in IMAGE_FORMATS:
        return preview_image(path, size)
    return preview_text(path, size) or preview_binary(path, size)


def preview_file(path: Path) -> Preview:
    """A preview of the regular file at `path`; problems are reported in the preview."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return Preview("missing", "Missing file", 0, guess_mime(path), problem="It does not exist.")
    except OSError as error:
        return Preview(
            "missing",
            "Unreadable file",
            0,
            guess_mime(path),
            problem=f"It cannot be read ({error.strerror or type(error).__name__}).",
        )
    if stat.S_ISDIR(info.st_mode):
        return Preview("directory", "Directory", 0, "inode/directory", problem="It is a directory.")
    if not stat.S_ISREG(info.st_mode):
        return Preview(
            "binary",
            "Special file",
            0,
            "application/octet-stream",
            problem="It is not a regular file.",
        )
    if info.st_size == 0:
        return Preview(
            "empty", "Empty file", 0, guess_mime(path), problem="The file is empty (0 bytes)."
        )
    try:
        return _by_kind(path, info.st_size)
    except OSError as error:
        return preview_binary(
            path, info.st_size, f"Reading it failed ({error.strerror or type(error).__name__})."
        )
    except Exception as error:  # noqa: BLE001 - a preview must never take the turn down
        return preview_binary(
            path, info.st_size, f"No preview: {type(error).__name__}: {clip(str(error), 200)}"
        )
