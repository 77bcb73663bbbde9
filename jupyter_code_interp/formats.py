"""Small text formatters shared by the agent, the chat session and the file previews."""

from __future__ import annotations

from typing import Any


def human_size(size: int) -> str:
    """`size` bytes as '512 B', '1.5 KB', '200.0 MB' (the panel's formatBytes says the same)."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def joined_text(value: Any, separator: str = "") -> str:
    """nbformat text, which may be a string or a list of strings (lines)."""
    if isinstance(value, list):
        try:
            return separator.join(value)
        except TypeError:  # a malformed output with non-string parts
            return separator.join(str(part) for part in value)
    return "" if value is None else str(value)
