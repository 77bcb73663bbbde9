"""Token accounting of a turn: the API's usage when reported, an estimate otherwise, and cost."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from ..providers.specs import ModelSpec

CHARS_PER_TOKEN = 4.0
"""Other text (English, code, JSON) averages about 4 characters a token."""
MESSAGE_OVERHEAD = 4
"""Tokens a chat template adds around each message (role markers, separators)."""
IMAGE_TOKENS = 800
"""What one image part costs (a 512×512 tile is ~255 tokens at OpenAI; downscaled plots more)."""


def estimate_tokens(text: str) -> int:
    """Tokens in `text`: one per non-ASCII character, one per 4 ASCII characters (rounded up).

    CJK ideographs, kana and hangul cost about one token each in GPT-4-class and
    Qwen/DeepSeek/GLM vocabularies; other non-ASCII characters are counted the same, which errs
    on the safe side for the context budget and needs no per-character scan of ASCII text.
    """
    if text.isascii():
        return math.ceil(len(text) / CHARS_PER_TOKEN)
    narrow = len(text.encode("ascii", "ignore"))
    return len(text) - narrow + math.ceil(narrow / CHARS_PER_TOKEN)


def estimate_messages(messages: list[dict[str, Any]]) -> int:
    """Prompt tokens of a chat request: every message's text, images, tool calls and overhead."""
    total = 0
    for message in messages:
        total += MESSAGE_OVERHEAD
        content = message.get("content")
        if isinstance(content, str):
            total += estimate_tokens(content)
        elif isinstance(content, list):
            for part in content:
                if not isinstance(part, dict):
                    continue
                if part.get("type") == "image_url":
                    total += IMAGE_TOKENS
                elif isinstance(part.get("text"), str):
                    total += estimate_tokens(part["text"])
        for call in message.get("tool_calls") or []:
            total += estimate_tokens(json.dumps(call, ensure_ascii=False))
    return total


@dataclass
class UsageMeter:
    """Tokens of every request of one turn; `estimated` once any request reported none."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: bool = False
    requests: int = 0

    def record(
        self,
        reported: tuple[int, int] | None,
        messages: list[dict[str, Any]],
        completion_text: str,
    ) -> None:
        """Count one request: what the API reported, else an estimate from the texts."""
        self.requests += 1
        if reported is not None:
            self.prompt_tokens += reported[0]
            self.completion_tokens += reported[1]
            return
        self.estimated = True
        self.prompt_tokens += estimate_messages(messages)
        self.completion_tokens += estimate_tokens(completion_text)

    def tokens(self) -> dict[str, int]:
        """The totals in wire form."""
        return {"promptTokens": self.prompt_tokens, "completionTokens": self.completion_tokens}


def cost(prompt_tokens: int, completion_tokens: int, model: ModelSpec | None) -> float | None:
    """The price of the tokens, if the model has prices (per million tokens)."""
    if model is None or (model.price_in is None and model.price_out is None):
        return None
    price_in = model.price_in or 0.0
    price_out = model.price_out or 0.0
    return (prompt_tokens * price_in + completion_tokens * price_out) / 1_000_000


def usage_frame(
    meter: UsageMeter, provider: str, model: str, spec: ModelSpec | None, currency: str
) -> dict[str, Any]:
    """The `usage` object of a `turn_finished` frame."""
    amount = cost(meter.prompt_tokens, meter.completion_tokens, spec)
    return {
        "provider": provider,
        "model": model,
        **meter.tokens(),
        "estimated": meter.estimated,
        "cost": None if amount is None else round(amount, 8),
        "currency": currency if amount is not None else None,
    }
