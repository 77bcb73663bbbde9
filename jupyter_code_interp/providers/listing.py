"""What an endpoint says about its models: GET {base_url}/models.

Used by the registry (the picker offers listed models, `--model` is checked against them, their
context windows fit the budget) and by the connection test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .client import ChatProvider, ProviderError

WINDOW_FIELDS = ("max_model_len", "context_length", "context_window")
"""Where model lists give a model's context window: vLLM, OpenRouter (and others), Groq."""
DEFAULT_TAG = ":latest"
"""Ollama's default tag: `qwen2.5-coder` is listed as `qwen2.5-coder:latest` and works as is."""


@dataclass(frozen=True)
class ListedModel:
    """One entry of a model list."""

    id: str
    context_window: int | None = None
    owned_by: str | None = None
    """Who the server says owns it: "llamacpp" (llama.cpp), "vllm", "library" (Ollama)…"""


def _entry(value: dict[str, Any]) -> ListedModel | None:
    """A listed model from one `data` item, or None if it has no id."""
    model_id = value.get("id")
    if not isinstance(model_id, str) or not model_id:
        return None
    windows = [value.get(name) for name in WINDOW_FIELDS]
    window = next((w for w in windows if isinstance(w, int) and not isinstance(w, bool)), None)
    owner = value.get("owned_by")
    return ListedModel(
        model_id,
        window if window and window > 0 else None,
        owner if isinstance(owner, str) else None,
    )


async def list_model_entries(provider: ChatProvider) -> list[ListedModel]:
    """The models of GET {base_url}/models; a missing route is kind `no_models_route`."""
    import openai

    try:
        # The raw reply: the SDK turns a non-JSON body into a str and then fails obscurely.
        raw = await provider.client().models.with_raw_response.list()
        text = raw.http_response.text
    except openai.NotFoundError:
        raise ProviderError(
            f"{provider.display_url} has no /models route (404).", "no_models_route"
        ) from None
    except Exception as exc:  # noqa: BLE001 - every failure becomes a readable ProviderError
        raise provider.map_error(exc, "", sent_tools=False) from None
    try:
        data = json.loads(text).get("data")
    except (ValueError, AttributeError):
        data = None
    if not isinstance(data, list):
        excerpt = " ".join(text.split())[:120]
        refused = ProviderError(
            f"{provider.display_url}/models sent something that is not an OpenAI-compatible "
            f"model list: {excerpt!r}",
            "not_openai",
        )
        raise provider.map_error(refused, "", sent_tools=False)  # redacts an echoed key
    entries = [_entry(model) for model in data if isinstance(model, dict)]
    return [entry for entry in entries if entry is not None]


async def list_models(provider: ChatProvider) -> list[str]:
    """Model ids from GET {base_url}/models; a missing route is kind `no_models_route`."""
    return [entry.id for entry in await list_model_entries(provider)]


def find_listed(model: str, ids: list[str]) -> str | None:
    """The listed id `model` names: itself, or Ollama's `model:latest`; None if not listed."""
    if model in ids:
        return model
    tagged = model + DEFAULT_TAG
    return tagged if ":" not in model and tagged in ids else None


def shown_models(ids: list[str], limit: int = 12) -> str:
    """Model ids for a message: the first `limit`, then how many more."""
    shown = ", ".join(ids[:limit]) or "none"
    return shown + (f" (and {len(ids) - limit} more)" if len(ids) > limit else "")
