"""Image previews from their headers (stdlib only), text previews, and the binary fallback."""

from __future__ import annotations

import mimetypes
import struct
from pathlib import Path

from .base import Preview
from .encoding import DecodeProblem, clip, decode_head, looks_binary, read_head

TEXT_LINES = 20
JPEG_SEGMENTS = 500
"""JPEG segments walked at most while looking for the frame header (EXIF comes first)."""
IMAGE_FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".gif": "GIF",
    ".bmp": "BMP",
    ".webp": "WebP",
}
_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def guess_mime(path: Path) -> str:
    """The MIME type the name suggests, else application/octet-stream."""
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _jpeg_size(path: Path) -> tuple[int, int] | None:
    """Width and height from a JPEG's frame header, walking segment headers with seeks."""
    with path.open("rb") as stream:
        if stream.read(2) != b"\xff\xd8":
            return None
        for _ in range(JPEG_SEGMENTS):
            marker = stream.read(2)
            if len(marker) < 2 or marker[0] != 0xFF:
                return None
            while marker[1] == 0xFF:  # fill bytes
                marker = marker[1:] + stream.read(1)
            length_bytes = stream.read(2)
            if len(length_bytes) < 2:
                return None
            (length,) = struct.unpack(">H", length_bytes)
            if marker[1] in _SOF_MARKERS:
                frame = stream.read(5)
                if len(frame) < 5:
                    return None
                height, width = struct.unpack(">HH", frame[1:5])
                return width, height
            stream.seek(length - 2, 1)
    return None


def image_size(path: Path, head: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) read from the header, or None if it is not a known image."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24 and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        return "PNG", width, height
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        width, height = struct.unpack("<HH", head[6:10])
        return "GIF", width, height
    if head.startswith(b"BM") and len(head) >= 26:
        width, height = struct.unpack("<ii", head[18:26])
        return "BMP", width, abs(height)
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP" and len(head) >= 30:
        chunk = head[12:16]
        if chunk == b"VP8X":
            width = int.from_bytes(head[24:27], "little") + 1
            height = int.from_bytes(head[27:30], "little") + 1
            return "WebP", width, height
        if chunk == b"VP8L":
            bits = int.from_bytes(head[21:25], "little")
            return "WebP", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if chunk == b"VP8 ":
            width, height = struct.unpack("<HH", head[26:30])
            return "WebP", width & 0x3FFF, height & 0x3FFF
    if head.startswith(b"\xff\xd8"):
        size = _jpeg_size(path)
        return ("JPEG", *size) if size else None
    return None


def preview_image(path: Path, size: int) -> Preview:
    """Preview of an image: its real format and pixel size."""
    expected = IMAGE_FORMATS.get(path.suffix.lower(), "image")
    preview = Preview("image", f"{expected} image", size, guess_mime(path))
    head, _ = read_head(path, 64)
    found = image_size(path, head)
    if found is None:
        preview.problem = (
            f"It does not have a valid {expected} header: it is truncated, corrupt or another "
            "kind of file."
        )
        return preview
    kind, width, height = found
    preview.label = f"{kind} image"
    preview.facts = {"format": kind, "width": width, "height": height}
    preview.lines.append(f"{width} x {height} pixels.")
    if kind != expected and expected != "image":
        preview.lines.append(f"Note: the name says {expected}, but the data is {kind}.")
    return preview


def preview_text(path: Path, size: int) -> Preview | None:
    """Preview of a text file (first lines); None when the head is not text."""
    raw, complete = read_head(path)
    if looks_binary(raw):
        return None
    try:
        decoded = decode_head(raw, complete)
    except DecodeProblem:
        return None
    mime = guess_mime(path)
    preview = Preview("text", "Text file", size, mime if mime.startswith("text/") else "text/plain")
    lines = decoded.text.splitlines()
    preview.facts = {"encoding": decoded.encoding}
    if complete:
        preview.lines.append(f"{len(lines):,} lines, encoding {decoded.encoding}.")
    elif lines:
        estimate = int(size / max(1.0, decoded.consumed / len(lines)))
        preview.lines.append(f"About {estimate:,} lines (estimated), encoding {decoded.encoding}.")
    if decoded.note:
        preview.lines.append(decoded.note)
    preview.lines.append(f"First {min(TEXT_LINES, len(lines))} lines:")
    preview.lines.extend(clip(line, 200) for line in lines[:TEXT_LINES])
    return preview


def preview_binary(path: Path, size: int, why: str | None = None) -> Preview:
    """Size and type only, for files that are neither text nor a known format."""
    preview = Preview("binary", "Binary file", size, guess_mime(path))
    preview.lines.append(f"Type: {preview.mime}. No preview for this kind of file.")
    if why:
        preview.problem = why
    return preview
