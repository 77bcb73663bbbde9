"""The "Test connection" action and model listing: one request or two, a specific answer.

First GET /models: it checks the URL, the key and the rate limit without spending tokens, and
tells whether the model exists. Only when the endpoint has no /models route (or lists nothing) is
the model checked with one tiny chat request.
"""

from __future__ import annotations

from typing import Any

from .client import ChatProvider, ProviderError
from .listing import list_model_entries
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
                entries = await list_model_entries(client)
                listed = [entry.id for entry in entries]
                if spec.fetch_models:
                    registry.remember_models(name, entries)
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
