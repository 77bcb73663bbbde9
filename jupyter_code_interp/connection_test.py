"""The "Test connection" action and model listing: one request or two, a specific answer.

First GET /models: it checks the URL, the key and the rate limit without spending tokens, and
tells whether the model exists. Only when the endpoint has no /models route (or lists nothing) is
the model checked with one tiny chat request.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .providers import ChatProvider, ProviderError

if TYPE_CHECKING:
    from .registry import ProviderRegistry

RESULTS = (
    "ok",
    "no_key",
    "unauthorized",
    "model_not_found",
    "rate_limited",
    "unreachable",
    "not_openai",
    "error",
)
_KINDS = {
    "unauthorized": "unauthorized",
    "model_not_found": "model_not_found",
    "rate_limited": "rate_limited",
    "unreachable": "unreachable",
    "not_openai": "not_openai",
}


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


async def ping(provider: ChatProvider, model: str) -> None:
    """One small non-streamed chat request to `model`; raises a ProviderError if it fails."""
    try:
        await provider.client().chat.completions.create(
            model=model, messages=[{"role": "user", "content": "Reply with: ok"}]
        )
    except Exception as exc:  # noqa: BLE001 - as above
        raise provider.map_error(exc, model, sent_tools=False) from None


def _failure(error: ProviderError) -> dict[str, Any]:
    """A test result for a failed request."""
    result: dict[str, Any] = {"status": _KINDS.get(error.kind, "error"), "message": str(error)}
    if error.retry_after is not None:
        result["retryAfter"] = error.retry_after
    return result


async def check_connection(
    registry: ProviderRegistry, name: str, model: str | None = None
) -> dict[str, Any]:
    """Check one provider (and `model`, else its first model): `{status, message, ...}`."""
    spec = registry.spec(name)
    problem = registry.spec_problem(spec)
    if problem is not None:
        status = "no_key" if "API key" in problem else "error"
        return {"status": status, "message": problem}
    if spec.source == "local":
        try:
            await registry.client(name)
        except ProviderError as error:
            return _failure(error)
        seconds = registry.local.startup_seconds if registry.local is not None else None
        started = f" (started in {seconds:.1f} s)" if seconds is not None else ""
        return {"status": "ok", "message": f"The local model is running{started}.", "models": 1}
    wanted = model or (spec.models[0].id if spec.models else None)
    client = registry.probe(spec)
    url = client.display_url
    try:
        listed: list[str] | None = None
        if not spec.azure:  # Azure's /models lists base models, not the deployments requests use
            try:
                listed = await list_models(client)
                if spec.fetch_models:
                    registry.remember_models(name, listed)
            except ProviderError as error:
                if error.kind != "no_models_route":
                    return _failure(error)
        if listed and wanted is not None and wanted not in listed:
            shown = ", ".join(listed[:8]) + ("…" if len(listed) > 8 else "")
            return {
                "status": "model_not_found",
                "message": f"Model '{wanted}' is not among the {len(listed)} models {url} "
                f"lists ({shown}).",
                "models": len(listed),
            }
        if not listed and wanted is not None:
            await ping(client, wanted)
        count = len(listed) if listed else len(spec.models)
        what = f"model '{wanted}' answers" if not listed and wanted else f"{count} models listed"
        return {"status": "ok", "message": f"Connected to {url}: {what}.", "models": count}
    except ProviderError as error:
        return _failure(error)
    finally:
        await client.aclose()
