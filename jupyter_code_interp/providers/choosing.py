"""Which provider and model a turn runs with: the requested one if the provider offers it, else
the conversation's, else the configured default; and what to say when none can run.

A model the provider neither configures nor lists is refused with what it does offer, unless its
list is unknown (not fetched yet, or the endpoint has no /models).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..i18n import N_, _
from .client import ProviderError, display_url
from .listing import find_listed, shown_models
from .specs import ModelSpec, ProviderSpec

if TYPE_CHECKING:
    from .registry import ProviderRegistry

WHERE_TO_SET = N_(
    "Set OPENAI_API_KEY (and OPENAI_BASE_URL for another OpenAI-compatible provider) in the "
    "environment of `jupyter lab`, or c.CodeInterpreter.api_key / c.CodeInterpreter.base_url in "
    "jupyter_server_config.py. A base_url alone is enough for local servers that need no key "
    "(Ollama, llama.cpp, vLLM). Or add a provider in the panel's provider settings, or in "
    "c.CodeInterpreter.providers."
)


class ChoiceError(ProviderError):
    """A provider/model the server cannot use; the message says why and what exists."""


class NoModel(ChoiceError):
    """No provider has a usable model: there is nothing to choose from (the message says why)."""


@dataclass(frozen=True)
class ModelChoice:
    """The provider and model a turn runs with."""

    provider: str
    model: str
    spec: ModelSpec | None
    currency: str


def default_choice(registry: ProviderRegistry) -> ModelChoice | None:
    """c.CodeInterpreter.default_provider/default_model, else the first usable model."""
    specs = [spec for spec in registry.specs().values() if registry.spec_problem(spec) is None]
    wanted = registry.settings.default_provider
    specs.sort(key=lambda spec: 0 if spec.name == wanted else 1)
    for spec in specs:
        models = registry.offered(spec)
        if not models:
            continue
        model = next((m for m in models if m.id == registry.settings.default_model), models[0])
        return ModelChoice(spec.name, model.id, model, spec.currency)
    return None


def default_model_problem(registry: ProviderRegistry) -> str | None:
    """What is wrong with the configured default model, said plainly; None if nothing."""
    wanted = registry.settings.default_model
    choice = default_choice(registry)
    if not wanted or choice is None:
        return None
    named = f"the default model '{wanted}' (OPENAI_MODEL or c.CodeInterpreter.default_model)"
    if choice.model != wanted:
        return f"T{named[1:]} is offered by no provider; '{choice.model}' is used instead."
    spec = registry.spec(choice.provider)
    fetched = registry.catalog.fetched(spec.name)
    if not spec.fetch_models or fetched is None:
        return None
    url = display_url(registry.base_url(spec))
    if fetched.error is not None:
        return f"T{named[1:]} could not be checked: {fetched.error}"
    if find_listed(wanted, fetched.ids) is None:
        return (
            f"{url} does not list {named}; it lists: {shown_models(fetched.ids)}. Choose one "
            "in the model picker, or fix the setting."
        )
    return None


def _find(registry: ProviderRegistry, spec: ProviderSpec, model: str) -> ModelSpec | None:
    """The offered model `model` names (Ollama's `:latest` tag understood)."""
    models = registry.offered(spec)
    listed = find_listed(model, [m.id for m in models])
    return next((m for m in models if m.id == listed), None)


def _unverifiable(registry: ProviderRegistry, spec: ProviderSpec) -> bool:
    """Whether a model `spec` does not offer may still exist: its list is not known yet, or the
    endpoint has no /models (a listing that failed otherwise is named in the refusal)."""
    fetched = registry.catalog.fetched(spec.name)
    return spec.fetch_models and (fetched is None or fetched.kind == "no_models_route")


def _not_offered(registry: ProviderRegistry, spec: ProviderSpec, model: str) -> ChoiceError:
    """The refusal of a model `spec` neither configures nor lists."""
    offered = shown_models([m.id for m in registry.offered(spec)])
    fetched = registry.catalog.fetched(spec.name)
    if fetched is not None and fetched.error is not None:
        return ChoiceError(
            f"Model '{model}' is not configured for provider '{spec.name}' and its model list "
            f"is unknown ({fetched.error}); choose one of: {offered}"
        )
    if spec.fetch_models:
        url = display_url(registry.base_url(spec))
        return ChoiceError(
            f"Model '{model}' is not among the models {url} lists (provider "
            f"'{spec.name}'); choose one of: {offered}"
        )
    return ChoiceError(
        f"Model '{model}' is not configured for provider '{spec.name}'; choose one of: {offered}"
    )


def choose(
    registry: ProviderRegistry,
    provider: str | None,
    model: str | None,
    remembered: tuple[str | None, str | None] = (None, None),
) -> ModelChoice:
    """The provider and model of a turn: as requested, else remembered, else the default.

    A model the provider neither configures nor lists is refused, naming what it offers,
    unless its model list is unknown (not fetched, or the endpoint has none).
    """
    if provider is None and model is None and remembered[0] and remembered[1]:
        try:
            return choose(registry, remembered[0], remembered[1])
        except ChoiceError:
            pass  # the remembered provider went away: use the default
    if provider is not None:
        spec = registry.spec(provider)
        trouble = registry.spec_problem(spec)
        if trouble is not None:
            raise ChoiceError(trouble)
        if model is None:
            models = registry.offered(spec)
            if not models:
                raise ChoiceError(f"Provider '{provider}' offers no model; list its models.")
            return ModelChoice(provider, models[0].id, models[0], spec.currency)
        found = _find(registry, spec, model)
        if found is None and not _unverifiable(registry, spec):
            raise _not_offered(registry, spec, model)
        return ModelChoice(provider, model, found, spec.currency)
    if model is not None:
        usable = [s for s in registry.specs().values() if registry.spec_problem(s) is None]
        usable.sort(key=lambda spec: 0 if spec.name == registry.settings.default_provider else 1)
        for spec in usable:
            found = _find(registry, spec, model)
            if found is not None:
                return ModelChoice(spec.name, model, found, spec.currency)
        for spec in usable:
            if _unverifiable(registry, spec):
                return ModelChoice(spec.name, model, None, spec.currency)
        offered = "; ".join(
            f"{spec.name}: {shown_models([m.id for m in registry.offered(spec)])}"
            for spec in usable
        )
        raise ChoiceError(f"Model '{model}' is not offered; choose one of: {offered or 'none'}")
    choice = default_choice(registry)
    if choice is None:
        raise ChoiceError(problem(registry) or "No model is available.")
    return choice


def problem(registry: ProviderRegistry) -> str | None:
    """Why no turn can run, or None when some provider has a model."""
    if default_choice(registry) is not None:
        return None
    specs = registry.specs()
    if not specs:
        return _("No model provider is configured.") + " " + _(WHERE_TO_SET)
    problems = [
        registry.spec_problem(spec) or _no_models(registry, spec) for spec in specs.values()
    ]
    known = [found for found in problems if found]
    if known:
        return " ".join(known)
    return _("No model is configured: list the models of a provider (c.CodeInterpreter.models).")


def _no_models(registry: ProviderRegistry, spec: ProviderSpec) -> str | None:
    """Why a usable provider that lists its models offers none, if it does not."""
    fetched = registry.catalog.fetched(spec.name)
    if not spec.fetch_models or fetched is None or registry.offered(spec):
        return None
    url = display_url(registry.base_url(spec))
    if fetched.error is not None:
        return _("The models of {url} could not be listed: {error}", url=url, error=fetched.error)
    return _(
        "{url} lists no models: load or pull one there (e.g. `ollama pull qwen2.5-coder:7b`), "
        "or name one with OPENAI_MODEL.",
        url=url,
    )


async def checked_choice(
    registry: ProviderRegistry, provider: str | None, model: str | None
) -> ModelChoice:
    """The model of a headless turn (CLI, bench), checked against what the endpoints list
    before any kernel starts, its context window learned: NoModel when no model can run,
    ChoiceError when the one asked for is not offered."""
    await registry.refresh_models()
    problem = registry.problem()
    if problem is not None:
        raise NoModel(problem)
    return await registry.learn_window(registry.choose(provider, model))
