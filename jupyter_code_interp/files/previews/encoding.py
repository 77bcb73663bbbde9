"""Bounded reads and text-encoding detection for previews (never the whole file).

Chinese government data often comes as GBK/GB18030, Taiwanese data as Big5, Excel's "Unicode
text" export as UTF-16: all are tried on a bounded head sample, after UTF-8.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

HEAD_BYTES = 64 * 1024
"""How much of a file a text preview reads."""

_CJK_SAMPLE = 2000
"""CJK characters looked at when GB18030 and Big5 both decode the sample."""


@dataclass
class Decoded:
    """The decoded head of a file."""

    text: str
    """Whole lines only, unless the file was read completely."""
    encoding: str
    """A Python codec name the kernel can use as is (`open(..., encoding=...)`)."""
    complete: bool
    """Whether the whole file was read."""
    consumed: int
    """How many bytes of the file `text` covers (for estimates)."""
    note: str | None = None


class DecodeProblem(ValueError):
    """The head could not be decoded as text; the message says what is wrong."""


def read_head(path: Path, limit: int = HEAD_BYTES) -> tuple[bytes, bool]:
    """The first `limit` bytes of `path` and whether that is the whole file."""
    with path.open("rb") as stream:
        data = stream.read(limit + 1)
    return data[:limit], len(data) <= limit


def looks_binary(head: bytes) -> bool:
    """Whether `head` has NUL bytes outside of a UTF-16 text."""
    return b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def _decode(raw: bytes, encoding: str, complete: bool) -> str | None:
    """`raw` decoded strictly (an incomplete last character is dropped), or None."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return decoder.decode(raw, final=complete)
    except (UnicodeDecodeError, UnicodeError):
        return None


def _common_share(text: str, encoding: str, first: int, last: int) -> float:
    """Share of the CJK characters of `text` whose lead byte in `encoding` is in a range.

    The ranges hold each encoding's frequent characters: GB2312 level 1 (lead bytes B0-D7) and
    Big5's frequent set (A4-C6). Text decoded with the wrong one of the two is mostly rare
    characters, so the higher share tells them apart.
    """
    total = common = 0
    for char in text:
        if "\u4e00" <= char <= "\u9fff":
            total += 1
            try:
                lead = char.encode(encoding)[0]
            except UnicodeEncodeError:
                continue
            common += first <= lead <= last
            if total >= _CJK_SAMPLE:
                break
    return common / total if total else 0.0


def _control_share(text: str) -> float:
    """Share of control characters other than tab, CR and LF (binary data decoded as text)."""
    if not text:
        return 0.0
    controls = sum(
        1
        for char in text
        if (ord(char) < 32 and char not in "\t\r\n") or (0x7F <= ord(char) <= 0x9F)
    )
    return controls / len(text)


def _whole_lines(text: str, complete: bool) -> str:
    """`text` without its last, possibly cut, line (unless the file was read completely)."""
    if complete:
        return text
    end = text.rfind("\n")
    return text[: end + 1] if end >= 0 else text


def _finish(text: str, encoding: str, complete: bool, note: str | None = None) -> Decoded:
    """A Decoded value for `text` decoded with `encoding`."""
    kept = _whole_lines(text, complete)
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    consumed = len(kept.encode(codec, errors="replace"))
    if encoding == "utf-8-sig":
        consumed += len(codecs.BOM_UTF8)
    return Decoded(kept.lstrip("\ufeff"), encoding, complete, consumed, note)


def decode_head(raw: bytes, complete: bool) -> Decoded:
    """Decode a head sample as UTF-8, UTF-16 (BOM), GB18030, Big5 or Latin-1, in that order.

    Raises DecodeProblem when nothing fits, or the bytes look binary.
    """
    if raw.startswith(codecs.BOM_UTF8):
        text = _decode(raw, "utf-8-sig", complete)
        if text is not None:
            return _finish(text, "utf-8-sig", complete)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode(raw, "utf-16", complete)
        if text is not None:
            return _finish(text, "utf-16", complete)
    if b"\x00" in raw:
        raise DecodeProblem(
            "It contains NUL bytes: this is binary data, not text (is the name's extension wrong?)."
        )
    text = _decode(raw, "utf-8", complete)
    if text is not None:
        return _finish(text, "utf-8", complete)
    chinese = {
        encoding: decoded
        for encoding in ("gb18030", "big5")
        if (decoded := _decode(raw, encoding, complete)) is not None
    }
    if len(chinese) == 2:
        gb_share = _common_share(chinese["gb18030"], "gb2312", 0xB0, 0xD7)
        big5_share = _common_share(chinese["big5"], "big5", 0xA4, 0xC6)
        encoding = "big5" if big5_share > gb_share else "gb18030"
        return _finish(chinese[encoding], encoding, complete, _chinese_note(encoding))
    for encoding, decoded in chinese.items():
        return _finish(decoded, encoding, complete, _chinese_note(encoding))
    text = raw.decode("latin-1")
    if _control_share(text) > 0.01:
        raise DecodeProblem(
            "It is not valid UTF-8, GB18030 (GBK) or Big5, and too many control characters for "
            "Latin-1 text: it is binary data or uses another encoding."
        )
    return _finish(
        text,
        "latin-1",
        complete,
        "Not valid UTF-8, GB18030 (GBK) or Big5: decoded as Latin-1; some characters may be "
        "wrong (try encoding='cp1252' if so).",
    )


def _chinese_note(encoding: str) -> str:
    """What the model should know about a Chinese legacy encoding."""
    if encoding == "gb18030":
        return "Not UTF-8: Chinese GBK/GB18030 (read it with encoding='gb18030')."
    return "Not UTF-8: Traditional Chinese Big5 (read it with encoding='big5')."


def clip(value: str, limit: int = 60) -> str:
    """`value` on one line, cut to `limit` characters with an ellipsis."""
    flat = value.replace("\r", " ").replace("\n", " ")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
