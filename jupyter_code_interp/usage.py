"""Token accounting of a turn: the API's usage when reported, an estimate otherwise, and cost."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from .provider_config import ModelSpec

# CJK ideographs, kana and hangul: BPE vocabularies of GPT-4-class and Qwen/DeepSeek/GLM models
# spend about one token per such character.
_WIDE = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
    "\U00020000-\U0002fa1f]"
)
CHARS_PER_TOKEN = 4.0
"""Other text (English, code, JSON) averages about 4 characters a token."""
MESSAGE_OVERHEAD = 4
"""Tokens a chat template adds around each message (role markers, separators)."""


def estimate_tokens(text: str) -> int:
    """Tokens in `text`: one per CJK character, one per 4 other characters (rounded up)."""
    if not text:
        return 0
    wide = len(_WIDE.findall(text))
    return wide + math.ceil((len(text) - wide) / CHARS_PER_TOKEN)


def estimate_messages(messages: list[dict[str, Any]]) -> int:
    """Prompt tokens of a chat request: every message's text, tool calls and overhead."""
    total = 0
    for message in messages:
        total += MESSAGE_OVERHEAD
        content = message.get("content")
        if isinstance(content, str):
            total += estimate_tokens(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
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
