"""What the providers dialog can read and change: views without keys, add/edit/delete, keys.

Providers from the server configuration are read-only here except for their key; providers
added in the dialog live in the settings file (keystore.py) and can be changed freely.
"""

from __future__ import annotations

import copy
from typing import Any

from .choosing import default_model_problem
from .client import display_url
from .presets import PRESETS
from .redaction import redact, restore_url
from .registry import DEFAULT_PROVIDER, LOCAL_PROVIDER, ProviderRegistry
from .specs import ProviderConfigError, ProviderSpec, from_wire, parse_provider

MAX_KEY_LENGTH = 1000


def model_views(registry: ProviderRegistry, spec: ProviderSpec) -> list[dict[str, Any]]:
    """The offered models of a provider as the panel sees them, with modes learned from use."""
    views = []
    for model in registry.offered(spec):
        view = model.public(spec.name, spec.currency)
        view["toolModeLearned"] = registry.learned.fenced(spec.name, model.id)
        if view["toolModeLearned"]:
            view["toolMode"] = "fenced"
        views.append(view)
    return views


def provider_view(registry: ProviderRegistry, spec: ProviderSpec) -> dict[str, Any]:
    """One provider as the dialog shows it: whether a key is set, never the key."""
    problem = registry.spec_problem(spec)
    url = registry.base_url(spec)
    return {
        "name": spec.name,
        "label": spec.label,
        "preset": spec.preset,
        "source": spec.source,
        "editable": spec.source == "settings",
        "baseUrl": display_url(url) if url else None,
        "apiVersion": spec.api_version,
        "apiKeyEnv": spec.api_key_env,
        "needsKey": spec.needs_key,
        "keySet": registry.api_key(spec) is not None,
        "keySource": registry.key_source(spec),
        "fetchModels": spec.fetch_models,
        "currency": spec.currency,
        "ready": problem is None,
        "problem": problem,
        "configuredModels": [model.stored() for model in spec.models],
        "models": model_views(registry, spec),
        "modelsError": registry.models_error(spec),
    }


def status_payload(registry: ProviderRegistry) -> dict[str, Any]:
    """GET /code-interp/status: ready or why not, models, providers, limits (never a key)."""
    providers = []
    models: list[dict[str, Any]] = []
    for spec in registry.specs().values():
        problem = registry.spec_problem(spec)
        offered = model_views(registry, spec)
        if problem is None:
            models += offered
        url = registry.base_url(spec)
        providers.append(
            {
                "name": spec.name,
                "label": spec.label,
                "preset": spec.preset,
                "ready": problem is None,
                "problem": problem,
                "baseUrl": display_url(url) if url else None,
                "models": offered,
                "modelsError": registry.models_error(spec),
            }
        )
    choice = registry.default_choice()
    problem = registry.problem()
    settings = registry.settings
    return {
        "ready": problem is None,
        "problem": problem,
        "models": models,
        "defaultModel": choice.model if choice else "",
        "defaultProvider": choice.provider if choice else None,
        "defaultModelProblem": default_model_problem(registry),
        "providers": providers,
        "baseUrl": display_url(settings.base_url),
        "maxSteps": settings.max_steps,
        "outputLimit": settings.output_limit,
    }


def listing(registry: ProviderRegistry) -> dict[str, Any]:
    """GET /code-interp/providers: every provider, the presets, and what is wrong if anything."""
    return {
        "providers": [provider_view(registry, spec) for spec in registry.specs().values()],
        "presets": [preset.public() for preset in PRESETS.values()],
        "storeProblem": registry.store_problem,
        "configErrors": [redact(error, registry.secrets()) for error in registry.config_errors],
    }


def _typed_key(body: dict[str, Any]) -> str | None:
    """The key typed in the dialog, checked; None when the body sets none."""
    key = body.get("apiKey")
    if key is None or key == "":
        return None
    if not isinstance(key, str):
        raise ProviderConfigError("'apiKey' must be a string.")
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or any(ch.isspace() for ch in key):
        raise ProviderConfigError(
            "The API key must be one line without spaces, at most 1000 characters."
        )
    return key


def save_provider(registry: ProviderRegistry, name: str, body: Any) -> dict[str, Any]:
    """PUT providers/<name>: add or change a provider (unsent fields kept), set/clear its key."""
    raw = from_wire(body)
    key = _typed_key(body)
    clear = body.get("clearKey") is True
    specs = registry.specs()
    existing = specs.get(name)
    stored = copy.deepcopy(registry.stored)
    if existing is not None and existing.source != "settings":
        if raw:
            raise ProviderConfigError(
                f"Provider '{name}' is set in the server configuration; only its key can be "
                "changed here."
            )
        if existing.source == "local":
            raise ProviderConfigError("The local model needs no key.")
    elif raw:
        if name in (DEFAULT_PROVIDER, LOCAL_PROVIDER):
            raise ProviderConfigError(f"The name '{name}' is reserved; choose another name.")
        before = stored.providers.get(name, {})
        if isinstance(raw.get("base_url"), str):  # the dialog shows the URL with *** for secrets
            raw["base_url"] = restore_url(raw["base_url"], before.get("base_url"))
        merged = {**before, **raw}  # fields not sent are kept
        stored.providers[name] = parse_provider(name, merged, "settings").stored()
    elif existing is None:
        raise ProviderConfigError(
            f"Provider '{name}' does not exist yet: give a preset (and a base URL if it needs one)."
        )
    if key is not None:
        stored.keys[name] = key
    elif clear:
        stored.keys.pop(name, None)
    registry.store.save(stored)
    registry.reload()
    registry.forget_models(name)
    return provider_view(registry, registry.spec(name))


def delete_provider(registry: ProviderRegistry, name: str) -> dict[str, Any]:
    """DELETE /code-interp/providers/<name>: remove a dialog provider, or a configured one's key."""
    spec = registry.spec(name)
    stored = copy.deepcopy(registry.stored)
    removed_key = stored.keys.pop(name, None) is not None
    if spec.source == "settings":
        stored.providers.pop(name, None)
    elif not removed_key:
        raise ProviderConfigError(
            f"Provider '{name}' is set in the server configuration and has no key stored here: "
            "there is nothing to delete."
        )
    registry.store.save(stored)
    registry.reload()
    registry.forget_models(name)
    return {
        "deleted": name,
        "keyRemoved": removed_key,
        "providerRemoved": spec.source == "settings",
    }
