"""A model's reasoning, told apart from its answer in a stream.

Servers send it three ways: a `reasoning_content` delta field (DeepSeek, older vLLM, llama.cpp's
`--reasoning-format deepseek`, LM Studio, Kimi), a `reasoning` field (OpenRouter, newer vLLM and
Ollama), or inline at the start of `content` as `<think>…</think>` (Qwen3, QwQ and R1 distills
on Ollama, llama.cpp or LM Studio without a reasoning parser). Tags may be split across chunks,
and a block may never be closed (the reply was cut): all of it is reasoning then.
"""

from __future__ import annotations

from typing import Any, Literal

REASONING_FIELDS = ("reasoning_content", "reasoning")
"""Delta fields that carry reasoning, the first one preferred when a server sends both."""
OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"
Piece = tuple[Literal["text", "reasoning"], str]


def delta_reasoning(delta: Any) -> tuple[str | None, str]:
    """The reasoning field a delta names (even with a null value) and its text ("" if none).

    vLLM sent both fields with the same text while renaming one to the other: one is taken.
    """
    extra = getattr(delta, "model_extra", None) or {}
    named: str | None = None
    for field in REASONING_FIELDS:
        value = extra.get(field, getattr(delta, field, None))
        if field in extra or value is not None:
            named = named or field
        if isinstance(value, str) and value:
            return field, value
    return named, ""


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of `text` that could begin `tag` (held back until more comes)."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


class ThinkSplitter:
    """Splits streamed `content` into answer text and an inline leading `<think>` block."""

    def __init__(self) -> None:
        """Nothing seen yet."""
        self._state: Literal["start", "thinking", "after", "answer"] = "start"
        self._held = ""

    @property
    def thinking(self) -> bool:
        """Whether a `<think>` block is open."""
        return self._state == "thinking"

    def feed(self, content: str) -> list[Piece]:
        """The pieces `content` completes, in order; partial tags are held back."""
        pieces: list[Piece] = []
        text = self._held + content
        self._held = ""
        while text:
            if self._state == "answer":
                pieces.append(("text", text))
                break
            if self._state == "start":
                stripped = text.lstrip()
                if stripped.startswith(OPEN_TAG):
                    self._state = "thinking"
                    text = stripped[len(OPEN_TAG) :]
                elif OPEN_TAG.startswith(stripped):  # nothing but whitespace or "<thi" so far
                    self._held = text
                    break
                else:
                    self._state = "answer"
            elif self._state == "thinking":
                end = text.find(CLOSE_TAG)
                if end >= 0:
                    if end:
                        pieces.append(("reasoning", text[:end]))
                    self._state = "after"
                    text = text[end + len(CLOSE_TAG) :]
                    continue
                keep = _partial_suffix(text, CLOSE_TAG)
                if len(text) > keep:
                    pieces.append(("reasoning", text[: len(text) - keep]))
                self._held = text[len(text) - keep :]
                break
            else:  # "after": the blank lines models put between the block and the answer
                text = text.lstrip()
                if text:
                    self._state = "answer"
        return pieces

    def finish(self) -> list[Piece]:
        """What is still held at the end of the stream (an unclosed block stays reasoning)."""
        held, self._held = self._held, ""
        if not held:
            return []
        if self._state == "thinking":
            return [("reasoning", held)]
        return [] if self._state == "after" or not held.strip() else [("text", held)]
