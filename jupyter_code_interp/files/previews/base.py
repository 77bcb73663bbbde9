"""The result of a preview, shared by every file kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...formats import human_size
from .encoding import Decoded, DecodeProblem, decode_head, read_head

PREVIEW_CHARS = 4000
"""Most characters of preview text sent to the model per file."""


@dataclass
class Preview:
    """What a cheap look at a file found: a few lines of text for the model, and the facts."""

    kind: str
    """csv, tsv, excel, json, jsonl, parquet, text, image, binary or empty."""
    label: str
    """The kind in words, e.g. 'CSV table'."""
    size: int
    mime: str
    lines: list[str] = field(default_factory=list)
    """The preview, one line per entry."""
    problem: str | None = None
    """What is wrong with the file, if something is (truncated, undecodable, empty...)."""
    facts: dict[str, Any] = field(default_factory=dict)
    """Structured findings (encoding, delimiter, columns, rows...) for the REST answer."""

    @property
    def text(self) -> str:
        """The preview as text, capped at PREVIEW_CHARS."""
        heading = f"{self.label}, {human_size(self.size)}."
        parts = [heading]
        if self.problem:
            parts.append(f"Problem: {self.problem}")
        parts.extend(self.lines)
        text = "\n".join(parts)
        if len(text) > PREVIEW_CHARS:
            text = text[: PREVIEW_CHARS - 30].rstrip() + "\n… (preview cut)"
        return text

    def to_json(self) -> dict[str, Any]:
        """The preview as the REST endpoint returns it."""
        return {
            "kind": self.kind,
            "label": self.label,
            "size": self.size,
            "mime": self.mime,
            "problem": self.problem,
            "facts": self.facts,
            "text": self.text,
        }


def read_text_head(path: Path, preview: Preview, reading_as: str) -> Decoded | None:
    """The decoded first 64 KB of `path`, or None once `preview.problem` says why it can't be."""
    raw, complete = read_head(path)
    try:
        return decode_head(raw, complete)
    except DecodeProblem as problem:
        preview.problem = f"Cannot read it as {reading_as}. {problem}"
        return None
