"""JSON and JSON Lines previews: the top-level shape, from at most the first 64 KB."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from .base import Preview, read_text_head
from .encoding import clip

MAX_KEYS = 40
SAMPLE_ITEMS = 20
JSONL_LINES = 20
_DECODER = json.JSONDecoder()


def type_name(value: Any) -> str:
    """The JSON type of a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return f"array[{len(value)}]"
    return "object"


def _keys_line(items: list[Any]) -> str:
    """The keys of the objects among `items`, with their value types and how often they occur."""
    objects = [item for item in items if isinstance(item, dict)]
    counts: Counter[str] = Counter()
    types: dict[str, set[str]] = {}
    for item in objects:
        for key, value in item.items():
            counts[key] += 1
            types.setdefault(key, set()).add(type_name(value).split("[")[0])
    shown = []
    for key, count in list(counts.items())[:MAX_KEYS]:
        often = "" if count == len(objects) else f", in {count}/{len(objects)}"
        shown.append(f"{clip(key, 40)} ({'/'.join(sorted(types[key]))}{often})")
    more = f", … {len(counts) - MAX_KEYS} more" if len(counts) > MAX_KEYS else ""
    return ", ".join(shown) + more


def _describe(value: Any, lines: list[str]) -> None:
    """The shape of a completely parsed document."""
    if isinstance(value, list):
        kinds = Counter(type_name(item).split("[")[0] for item in value)
        lines.append(f"Top level: an array of {len(value):,} items ({_counts(kinds)}).")
        if any(isinstance(item, dict) for item in value):
            lines.append("Keys of the objects: " + _keys_line(value[:SAMPLE_ITEMS]))
        if value:
            lines.append("First item: " + clip(json.dumps(value[0], ensure_ascii=False), 300))
    elif isinstance(value, dict):
        lines.append(f"Top level: an object with {len(value):,} keys:")
        for key, item in list(value.items())[:MAX_KEYS]:
            lines.append(f"- {clip(key, 60)}: {_summary(item)}")
        if len(value) > MAX_KEYS:
            lines.append(f"- … {len(value) - MAX_KEYS} more keys")
    else:
        lines.append(f"Top level: a single {type_name(value)}: {clip(json.dumps(value), 200)}")


def _summary(value: Any) -> str:
    """One value in a few words."""
    if isinstance(value, list):
        objects = [item for item in value[:SAMPLE_ITEMS] if isinstance(item, dict)]
        if objects:
            return f"array of {len(value):,} items; objects with keys: {_keys_line(objects)}"
        return f"array of {len(value):,} items"
    if isinstance(value, dict):
        keys = ", ".join(clip(key, 30) for key in list(value)[:15])
        return f"object with {len(value)} keys ({keys}{', …' if len(value) > 15 else ''})"
    return f"{type_name(value)} {clip(json.dumps(value, ensure_ascii=False), 80)}"


def _counts(kinds: Counter[str]) -> str:
    """'12 object, 1 null'."""
    return ", ".join(f"{count} {kind}" for kind, count in kinds.most_common()) or "empty"


def _skip_space(text: str, index: int) -> int:
    """The index of the next non-whitespace character."""
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _what_starts(char: str) -> str:
    """The kind of JSON value that starts with `char`."""
    return {"[": "an array", "{": "an object", '"': "a string"}.get(char, "a value")


def _partial_array(text: str, size: int, consumed: int, lines: list[str]) -> None:
    """Items of a big top-level array that fit in the head; the count is estimated."""
    items: list[Any] = []
    index = _skip_space(text, 1)
    end = index
    while index < len(text) and text[index] != "]":
        try:
            item, end = _DECODER.raw_decode(text, index)
        except ValueError:
            break
        items.append(item)
        index = _skip_space(text, end)
        if index < len(text) and text[index] == ",":
            index = _skip_space(text, index + 1)
    if not items:
        lines.append(
            f"Top level: an array whose first item ({_what_starts(text[index : index + 1])})"
            " is larger than the 64 KB preview window."
        )
        return
    per_item = max(1.0, len(text[:end].encode("utf-8")) / len(items))
    estimate = int(size / per_item)
    lines.append(
        f"Top level: an array of about {estimate:,} items (estimated from the first {len(items)})."
    )
    if any(isinstance(item, dict) for item in items):
        lines.append("Keys of the first objects: " + _keys_line(items[:SAMPLE_ITEMS]))
    lines.append("First item: " + clip(json.dumps(items[0], ensure_ascii=False), 300))


def _partial_object(text: str, lines: list[str]) -> None:
    """The keys of a big top-level object that fit in the head."""
    index = _skip_space(text, 1)
    lines.append("Top level: an object (larger than the 64 KB preview window); its first keys:")
    shown = 0
    while index < len(text) and text[index] == '"' and shown < MAX_KEYS:
        try:
            key, index = _DECODER.raw_decode(text, index)
        except ValueError:
            return
        index = _skip_space(text, index)
        if index >= len(text) or text[index] != ":":
            return
        index = _skip_space(text, index + 1)
        try:
            value, index = _DECODER.raw_decode(text, index)
        except ValueError:
            lines.append(
                f"- {clip(str(key), 60)}: {_what_starts(text[index : index + 1])} "
                "that continues past the preview window"
            )
            return
        lines.append(f"- {clip(str(key), 60)}: {_summary(value)}")
        shown += 1
        index = _skip_space(text, index)
        if index < len(text) and text[index] == ",":
            index = _skip_space(text, index + 1)


def preview_json(path: Path, size: int) -> Preview:
    """Preview of a JSON document: parsed whole when it fits in 64 KB, else its beginning."""
    preview = Preview("json", "JSON document", size, "application/json")
    decoded = read_text_head(path, preview, "JSON text")
    if decoded is None:
        return preview
    text = decoded.text.lstrip()
    if decoded.complete:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            preview.problem = (
                f"It is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
            )
            return preview
        _describe(value, preview.lines)
    elif text.startswith("["):
        _partial_array(text, size, decoded.consumed, preview.lines)
    elif text.startswith("{"):
        _partial_object(text, preview.lines)
    else:
        preview.problem = f"It does not start like JSON (first characters: {clip(text, 30)!r})."
    if decoded.encoding not in ("utf-8", "utf-8-sig"):
        preview.lines.append(f"Encoding: {decoded.encoding}.")
    return preview


def preview_jsonl(path: Path, size: int) -> Preview:
    """Preview of JSON Lines: keys of the first records, record count (estimated if big)."""
    preview = Preview("jsonl", "JSON Lines file", size, "application/jsonl")
    decoded = read_text_head(path, preview, "JSON Lines")
    if decoded is None:
        return preview
    lines = [line for line in decoded.text.splitlines() if line.strip()]
    records: list[Any] = []
    for number, line in enumerate(lines[:JSONL_LINES], 1):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            preview.problem = (
                f"Line {number} is not valid JSON: {error.msg} (column {error.colno})."
            )
            break
    if decoded.complete:
        preview.lines.append(f"{len(lines):,} records.")
    elif lines:
        estimate = int(size / max(1.0, decoded.consumed / len(lines)))
        preview.lines.append(f"About {estimate:,} records (estimated from the first 64 KB).")
    if records:
        kinds = Counter(type_name(record).split("[")[0] for record in records)
        preview.lines.append(f"First {len(records)} records: {_counts(kinds)}.")
        if any(isinstance(record, dict) for record in records):
            preview.lines.append("Keys: " + _keys_line(records))
        preview.lines.append(
            "First record: " + clip(json.dumps(records[0], ensure_ascii=False), 300)
        )
    preview.lines.append("pandas: pd.read_json(path, lines=True)")
    return preview
