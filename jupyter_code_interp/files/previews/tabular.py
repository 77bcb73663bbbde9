"""CSV/TSV previews from a bounded head: encoding, delimiter, columns, types, rows, first rows."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

from .base import Preview, read_text_head
from .encoding import clip

DELIMITERS = (",", "\t", ";", "|")
_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
SNIFF_ROWS = 50
TYPE_ROWS = 200
FIRST_ROWS = 5
MAX_COLUMNS = 60

_MISSING = {"", "na", "n/a", "nan", "null", "none", "-", "--", "—", "…", "...", "nil", "#n/a"}
_INTEGER = re.compile(r"[+-]?\d+")
_GROUPED_INTEGER = re.compile(r"[+-]?\d{1,3}(,\d{3})+")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_PERCENT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)\s*%")
_DATE = re.compile(
    r"\d{4}([-/.])\d{1,2}(\1\d{1,2})?([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
    r"|\d{4}年\d{1,2}月(\d{1,2}日)?"
    r"|\d{1,2}/\d{1,2}/\d{4}"
)
_BOOLEAN = {"true", "false", "yes", "no", "是", "否", "y", "n"}


def _kind_of(value: str) -> str:
    """The type one non-missing cell value looks like."""
    if _INTEGER.fullmatch(value):
        return "integer"
    if _GROUPED_INTEGER.fullmatch(value):
        return "integer (thousands separators)"
    if _NUMBER.fullmatch(value):
        return "number"
    if _GROUPED_NUMBER.fullmatch(value):
        return "number (thousands separators)"
    if _PERCENT.fullmatch(value):
        return "percent"
    if _DATE.fullmatch(value):
        return "date"
    if value.lower() in _BOOLEAN:
        return "boolean"
    return "text"


def infer_column_type(values: list[str]) -> str:
    """A type name for a column from sample values, with missing counts and mixed shares."""
    present = [value.strip() for value in values if value.strip().lower() not in _MISSING]
    missing = len(values) - len(present)
    suffix = f", {missing} missing in sample" if missing else ""
    if not present:
        return "empty in sample"
    kinds = Counter(_kind_of(value) for value in present)
    if len(kinds) > 1 and all(kind.startswith(("integer", "number")) for kind in kinds):
        grouped = any("thousands" in kind for kind in kinds)
        family = "integer" if all(kind.startswith("integer") for kind in kinds) else "number"
        return family + (" (some with thousands separators)" if grouped else "") + suffix
    if len(kinds) == 1:
        return next(iter(kinds)) + suffix
    top, count = kinds.most_common(1)[0]
    if top != "text" and count / len(present) >= 0.8:
        others = [value for value in present if _kind_of(value) != top][:3]
        shown = ", ".join(repr(clip(value, 20)) for value in others)
        return f"mostly {top} ({count}/{len(present)}; also {shown}){suffix}"
    return "text" + suffix


def sniff_delimiter(sample: str, fallback: str) -> str:
    """The delimiter whose rows have the most consistent number of fields (more than one)."""
    best: tuple[float, int] = (0.0, 0)
    chosen = fallback
    for delimiter in DELIMITERS:
        if delimiter not in sample:
            continue
        try:
            widths = [
                len(row)
                for _, row in zip(
                    range(SNIFF_ROWS), csv.reader(io.StringIO(sample), delimiter=delimiter)
                )
                if row
            ]
        except csv.Error:
            continue
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        if width < 2:
            continue
        score = (count / len(widths), width)
        if score > best:
            best, chosen = score, delimiter
    return chosen


def _table_line(row: list[str], width: int) -> str:
    """One row shown as 'a | b | c', clipped."""
    cells = [clip(cell, 40) for cell in row[:width]]
    more = " | …" if len(row) > width else ""
    return " | ".join(cells) + more


def preview_delimited(path: Path, size: int, extension: str) -> Preview:
    """Preview of a CSV/TSV file from its first 64 KB."""
    fallback = "\t" if extension in (".tsv", ".tab") else ","
    kind = "tsv" if fallback == "\t" else "csv"
    preview = Preview(
        kind,
        f"{kind.upper()} table",
        size,
        "text/" + ("tab-separated-values" if kind == "tsv" else "csv"),
    )
    decoded = read_text_head(path, preview, "a text table")
    if decoded is None:
        return preview
    text = decoded.text
    if not text.strip():
        preview.problem = "It holds only blank lines or a first line longer than 64 KB."
        return preview
    delimiter = sniff_delimiter(text[:16384], fallback)
    try:
        rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row]
    except csv.Error as error:
        preview.problem = f"It is not well-formed {kind.upper()}: {error}."
        return preview
    header, data = rows[0], rows[1:]
    columns = len(header)
    preview.facts = {
        "encoding": decoded.encoding,
        "delimiter": delimiter,
        "columns": header[:MAX_COLUMNS],
    }
    lines = [
        (
            f"Encoding: {decoded.encoding}. Delimiter: {_NAMES[delimiter]} ({delimiter!r}). "
            "The first row is taken as the header."
        )
    ]
    if decoded.note:
        lines.append(decoded.note)
    if decoded.complete:
        rows_text = f"{len(data):,} data rows"
        preview.facts["rows"] = len(data)
    elif data:
        codec = "utf-8" if decoded.encoding == "utf-8-sig" else decoded.encoding
        header_bytes = len(text.split("\n", 1)[0].encode(codec, errors="replace")) + 1
        per_row = max(1.0, (decoded.consumed - header_bytes) / len(data))
        estimate = int((size - header_bytes) / per_row)
        rows_text = f"about {estimate:,} data rows (estimated from the first 64 KB)"
        preview.facts["rowsEstimate"] = estimate
    else:
        rows_text = "row count unknown (the first 64 KB hold only the header)"
    lines.append(f"{rows_text}, {columns} columns:")
    for index, name in enumerate(header[:MAX_COLUMNS]):
        values = [row[index] if index < len(row) else "" for row in data[:TYPE_ROWS]]
        lines.append(
            f"- {clip(name, 60) or f'(unnamed column {index + 1})'}: {infer_column_type(values)}"
        )
    if columns > MAX_COLUMNS:
        lines.append(f"- … and {columns - MAX_COLUMNS} more columns")
    ragged = sum(1 for row in data if len(row) != columns)
    if ragged:
        lines.append(
            f"{ragged} of the {len(data)} sampled rows have a different number of fields than "
            "the header (notes, footers or a wrong delimiter?)."
        )
    lines.append(f"First {min(FIRST_ROWS, len(data))} rows:")
    lines.extend(_table_line(row, 12) for row in rows[: FIRST_ROWS + 1])
    lines.append(f"pandas: pd.read_csv(path, encoding={decoded.encoding!r}, sep={delimiter!r})")
    preview.lines = lines
    return preview
