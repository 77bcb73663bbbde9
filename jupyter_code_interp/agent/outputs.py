"""Turning nbformat outputs into the text a model reads."""

from __future__ import annotations

import base64
import binascii
import io
import re
import struct
from typing import Any

from ..formats import human_size, joined_text

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml")
HEADER_CHARS = 90_000
"""Base64 characters of an image decoded to find its dimensions (about 66 KB)."""
MIN_LIMIT = 200
"""Limits below this are raised to it, so a marker and some head and tail always fit."""


def strip_ansi(text: str) -> str:
    """`text` without ANSI escape sequences (colours in tracebacks)."""
    return _ANSI.sub("", text)


def image_dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) from PNG, GIF or JPEG header bytes, or None if unreadable."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data[:2] == b"\xff\xd8":
        return _jpeg_dimensions(data)
    return None


def _jpeg_dimensions(data: bytes) -> tuple[int, int] | None:
    """Walk the JPEG segments to the first start-of-frame marker."""
    position = 2
    while position + 9 < len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return int(width), int(height)
        position += 2 + length
    return None


def image_placeholder(mime: str, value: Any) -> str:
    """`[image/png 640×480, 23.4 KB]` for base64 image data (svg is text).

    Only the head is decoded (dimensions are in the header; a JPEG's frame header may follow
    64 KB of EXIF): decoding the megabytes of every image in a notebook made the context slow.
    """
    data = joined_text(value)
    if mime == "image/svg+xml":
        return f"[{mime}, {human_size(len(data.encode('utf-8')))}]"
    stripped = data.rstrip()
    padding = len(stripped) - len(stripped.rstrip("="))
    size = max(0, (len(data) - data.count("\n")) * 3 // 4 - padding)
    head = data[:HEADER_CHARS].replace("\n", "")
    try:
        dimensions = image_dimensions(base64.b64decode(head[: len(head) // 4 * 4], validate=True))
    except (binascii.Error, ValueError):
        return f"[{mime}, unreadable data]"
    shown = f" {dimensions[0]}×{dimensions[1]}" if dimensions else ""
    return f"[{mime}{shown}, {human_size(size)}]"


def _format_bundle(data: dict[str, Any]) -> str:
    """An execute_result or display_data bundle: image placeholders and text/plain."""
    parts = [image_placeholder(mime, data[mime]) for mime in IMAGE_TYPES if mime in data]
    if "text/plain" in data:
        parts.append(strip_ansi(joined_text(data["text/plain"])))
    elif not parts:
        kinds = ", ".join(sorted(data)) or "nothing"
        parts.append(f"[output without a text form: {kinds}]")
    return "\n".join(parts)


def format_output(output: dict[str, Any]) -> str:
    """One nbformat output as text for the model."""
    kind = output.get("output_type")
    if kind == "stream":
        text = strip_ansi(joined_text(output.get("text")))
        return f"[stderr]\n{text}" if output.get("name") == "stderr" else text
    if kind in ("execute_result", "display_data"):
        data = output.get("data")
        return _format_bundle(data if isinstance(data, dict) else {})
    if kind == "error":
        head = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
        traceback = output.get("traceback")
        lines = traceback if isinstance(traceback, list) else []
        body = strip_ansi("\n".join(str(line) for line in lines))
        return f"{head}\n{body}" if body else head
    return f"[{kind or 'unknown'} output]"


def truncate_middle(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, keeping head and tail around an elision marker."""
    limit = max(limit, MIN_LIMIT)
    if len(text) <= limit:
        return text
    # The marker's own length depends on the count it states; reserve room for the widest one.
    marker_room = len(f"\n… [{len(text)} characters elided] …\n")
    keep = limit - marker_room
    head = keep * 2 // 3
    tail = keep - head
    elided = len(text) - head - tail
    return f"{text[:head]}\n… [{elided} characters elided] …\n{text[len(text) - tail :]}"


def _merge_streams(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive stream outputs of the same stream joined, as a notebook displays them."""
    merged: list[dict[str, Any]] = []
    for output in outputs:
        if not isinstance(output, dict):
            merged.append({"output_type": "malformed"})
            continue
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and output.get("output_type") == "stream"
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] = joined_text(previous.get("text")) + joined_text(output.get("text"))
        else:
            merged.append(dict(output))
    return merged


def format_outputs_for_model(outputs: list[dict[str, Any]], limit: int | None) -> str:
    """All outputs of a cell as text, at most `limit` characters (None: all of it); `(no output)`
    when empty."""
    pieces = [format_output(output) for output in _merge_streams(outputs)]
    text = "\n".join(piece.strip("\n") for piece in pieces if piece.strip("\n"))
    if not text.strip():
        return "(no output)"
    return text if limit is None else truncate_middle(text, limit)


STEP_IMAGE_TYPES = ("image/png", "image/jpeg")
"""Image outputs shown as thumbnails and, for vision models, sent as image parts."""


def step_images(outputs: list[dict[str, Any]], limit: int = 3) -> list[dict[str, str]]:
    """The first `limit` PNG/JPEG images of a cell's outputs as `{mime, data}` (base64)."""
    images: list[dict[str, str]] = []
    for output in outputs:
        data = output.get("data") if isinstance(output, dict) else None
        if not isinstance(data, dict):
            continue
        for mime in STEP_IMAGE_TYPES:
            if mime in data and len(images) < limit:
                encoded = re.sub(r"\s+", "", joined_text(data[mime]))
                if encoded:
                    images.append({"mime": mime, "data": encoded})
                break
    return images


MODEL_IMAGE_SIDE = 768
"""Longest side of an image sent to a vision model (larger plots are scaled down)."""


def downscale_image(image: dict[str, str], max_side: int = MODEL_IMAGE_SIDE) -> dict[str, str]:
    """`image` ({mime, data} base64) scaled to at most `max_side` pixels, if Pillow is present.

    Without Pillow (it is optional), or for an image that cannot be read, it is returned as is.
    """
    try:
        from PIL import Image
    except ImportError:
        return image
    try:
        raw = base64.b64decode(image["data"], validate=True)
        dimensions = image_dimensions(raw)
        if dimensions is not None and max(dimensions) <= max_side:
            return image
        with Image.open(io.BytesIO(raw)) as picture:
            picture.thumbnail((max_side, max_side))
            buffer = io.BytesIO()
            kind = "JPEG" if image["mime"] == "image/jpeg" else "PNG"
            picture.convert("RGB" if kind == "JPEG" else picture.mode).save(buffer, kind)
    except Exception:  # noqa: BLE001 - any unreadable image is sent as it came
        return image
    return {"mime": image["mime"], "data": base64.b64encode(buffer.getvalue()).decode("ascii")}
