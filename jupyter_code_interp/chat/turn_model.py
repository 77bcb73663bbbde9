"""Which provider and model a turn runs with, and the usage it reports when it ends.

The conversation remembers its provider and model: a turn that names none continues with them,
and switching keeps the whole history (the history is a plain OpenAI message list, rewritten for
fenced-code models by agent.request_messages).
"""

from __future__ import annotations

from typing import Any

from ..agent.usage import UsageMeter, usage_frame
from ..conversations.model import Conversation
from ..providers.client import ChatProvider
from ..providers.registry import ChoiceError, ModelChoice, ProviderRegistry

__all__ = [
    "ChoiceError",
    "ModelChoice",
    "conversation_model",
    "open_model",
    "requested_model",
    "turn_usage",
]


def requested_model(
    registry: ProviderRegistry, provider: str | None, model: str | None
) -> ModelChoice | None:
    """The model a `turn` frame names, checked; None when it names none."""
    problem = registry.problem()
    if problem is not None:
        raise ChoiceError(problem)
    if provider is None and model is None:
        return None
    return registry.choose(provider, model)


def conversation_model(registry: ProviderRegistry, conversation: Conversation) -> ModelChoice:
    """The model of a turn that names none: the conversation's last one, else the default."""
    return registry.choose(None, None, (conversation.provider, conversation.model))


async def open_model(
    registry: ProviderRegistry, conversation: Conversation, choice: ModelChoice
) -> ChatProvider:
    """The client for `choice` (starting a local model if needed); the conversation keeps it."""
    client = await registry.client(choice.provider)
    conversation.provider, conversation.model = choice.provider, choice.model
    return client


def turn_usage(meter: UsageMeter, choice: ModelChoice) -> dict[str, Any]:
    """The `usage` of a `turn_finished` frame: tokens, whether estimated, cost if priced."""
    return usage_frame(meter, choice.provider, choice.model, choice.spec, choice.currency)
