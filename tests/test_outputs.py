"""Formatting nbformat outputs for the model."""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

from jupyter_code_interp.agent.outputs import format_outputs_for_model, strip_ansi


def _png(width: int, height: int) -> bytes:
    """A valid grey PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _jpeg(width: int, height: int) -> bytes:
    """JPEG segments up to the frame header: SOI, APP0 (JFIF), a comment, SOF0."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    comment = b"made for a test" * 10
    sof = struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return (
        b"\xff\xd8"
        + b"\xff\xe0"
        + struct.pack(">H", len(app0) + 2)
        + app0
        + b"\xff\xfe"
        + struct.pack(">H", len(comment) + 2)
        + comment
        + b"\xff\xc0"
        + struct.pack(">H", len(sof) + 2)
        + sof
        + b"\xff\xd9"
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def test_empty_outputs() -> None:
    assert format_outputs_for_model([], 4000) == "(no output)"
    assert format_outputs_for_model(
        [{"output_type": "stream", "name": "stdout", "text": ""}], 4000
    ) == ("(no output)")


def test_stream_text_and_results_in_order() -> None:
    outputs: list[dict[str, Any]] = [
        {"output_type": "stream", "name": "stdout", "text": "loading\n"},
        {"output_type": "stream", "name": "stdout", "text": ["rows: ", "3\n"]},
        {
            "output_type": "execute_result",
            "execution_count": 2,
            "metadata": {},
            "data": {"text/plain": "42"},
        },
    ]
    assert format_outputs_for_model(outputs, 4000) == "loading\nrows: 3\n42"


def test_stderr_is_labelled() -> None:
    outputs = [{"output_type": "stream", "name": "stderr", "text": "DeprecationWarning: old\n"}]
    assert format_outputs_for_model(outputs, 4000) == "[stderr]\nDeprecationWarning: old"


def test_bundle_without_text_names_the_mime_types() -> None:
    outputs = [
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"text/html": "<b>x</b>", "application/json": {}},
        }
    ]
    text = format_outputs_for_model(outputs, 4000)
    assert "text/html" in text and "application/json" in text
    assert "<b>" not in text


def test_png_placeholder_has_dimensions_and_size() -> None:
    png = _png(640, 480)
    outputs = [
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"image/png": _b64(png), "text/plain": "<Figure size 640x480 with 1 Axes>"},
        }
    ]
    text = format_outputs_for_model(outputs, 4000)
    assert text.splitlines()[0] == f"[image/png 640×480, {len(png) / 1024:.1f} KB]"
    assert "<Figure size 640x480 with 1 Axes>" in text
    assert _b64(png)[:40] not in text


def test_jpeg_placeholder_reads_the_frame_header() -> None:
    jpeg = _jpeg(1024, 768)
    outputs = [{"output_type": "display_data", "metadata": {}, "data": {"image/jpeg": _b64(jpeg)}}]
    assert format_outputs_for_model(outputs, 4000) == f"[image/jpeg 1024×768, {len(jpeg)} B]"


def test_unreadable_image_gives_mime_and_size_only() -> None:
    data = b"not an image at all" * 100
    outputs = [{"output_type": "display_data", "metadata": {}, "data": {"image/png": _b64(data)}}]
    assert format_outputs_for_model(outputs, 4000) == "[image/png, 1.9 KB]"


def test_error_output_without_ansi() -> None:
    outputs = [
        {
            "output_type": "error",
            "ename": "ZeroDivisionError",
            "evalue": "division by zero",
            "traceback": [
                "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
                "\x1b[0;32m----> 1\x1b[0m \x1b[38;5;241m1\x1b[39m\x1b[38;5;241m/\x1b[39m\x1b[38;5;241m0\x1b[39m",
                "\x1b[0;31mZeroDivisionError\x1b[0m: division by zero",
            ],
        }
    ]
    text = format_outputs_for_model(outputs, 4000)
    assert text.splitlines()[0] == "ZeroDivisionError: division by zero"
    assert "----> 1 1/0" in text
    assert "\x1b" not in text


def test_strip_ansi() -> None:
    assert (
        strip_ansi("\x1b[1;31mred\x1b[0m and \x1b]8;;http://x\x07link\x1b]8;;\x07")
        == "red and link"
    )


def test_long_output_keeps_head_and_tail_with_a_marker() -> None:
    lines = "".join(f"line {number:05d}\n" for number in range(2000))
    outputs = [{"output_type": "stream", "name": "stdout", "text": lines}]
    text = format_outputs_for_model(outputs, 1000)
    assert len(text) <= 1000
    assert text.startswith("line 00000\nline 00001")
    assert text.endswith("line 01999")
    elided = int(text.split("[")[1].split(" characters elided")[0])
    marker_line = f"… [{elided} characters elided] …"
    assert marker_line in text
    assert len(text) - len(marker_line) - 2 + elided == len(lines.rstrip("\n"))


def test_chinese_output_round_trips() -> None:
    outputs = [{"output_type": "stream", "name": "stdout", "text": "平均值: 3.5\n中位数: 3\n"}]
    assert format_outputs_for_model(outputs, 4000) == "平均值: 3.5\n中位数: 3"


def test_malformed_outputs_do_not_crash() -> None:
    outputs: list[Any] = ["not a dict", {"output_type": "execute_result", "data": None}, {}]
    text = format_outputs_for_model(outputs, 4000)
    assert "[malformed output]" in text
    assert "[unknown output]" in text
