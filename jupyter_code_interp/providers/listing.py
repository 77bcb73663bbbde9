"""What an endpoint says about its models: GET {base_url}/models.

Used by the registry (the picker offers listed models) and by the connection test.
"""

from __future__ import annotations

import json

from .client import ChatProvider, ProviderError


async def list_models(provider: ChatProvider) -> list[str]:
    """Model ids from GET {base_url}/models; a missing route is kind `no_models_route`."""
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
    ids = [model.get("id") for model in data if isinstance(model, dict)]
    return [model_id for model_id in ids if isinstance(model_id, str) and model_id]
