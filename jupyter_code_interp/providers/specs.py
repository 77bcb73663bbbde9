"""Provider and model definitions: parsed and checked from config dicts or the settings dialog.

A provider is written the same way in `c.CodeInterpreter.providers` (snake_case) and in the
settings file the dialog keeps; the REST API uses camelCase and is converted by `from_wire`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from .presets import PRESETS, Preset
from .redaction import redact_url

Source = Literal["default", "config", "settings", "local"]
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
PROVIDER_FIELDS = (
    "preset",
    "label",
    "base_url",
    "api_key",
    "api_key_env",
    "api_version",
    "models",
    "fetch_models",
    "currency",
)
MODEL_FIELDS = ("id", "tools", "tool_mode", "vision", "context_window", "price_in", "price_out")
_WIRE_NAMES = {
    "preset": "preset",
    "label": "label",
    "baseUrl": "base_url",
    "apiVersion": "api_version",
    "models": "models",
    "fetchModels": "fetch_models",
    "currency": "currency",
}


class ProviderConfigError(ValueError):
    """A provider or model definition that cannot be used; the message names the bad field."""


@dataclass(frozen=True)
class ModelSpec:
    """One model of a provider and what it can do."""

    id: str
    tool_mode: str = "auto"
    vision: bool = False
    context_window: int | None = None
    price_in: float | None = None
    """Price per million prompt tokens, in the provider's currency."""
    price_out: float | None = None
    """Price per million completion tokens, in the provider's currency."""

    def public(self, provider: str, currency: str) -> dict[str, Any]:
        """The model as the panel sees it."""
        return {
            "id": self.id,
            "provider": provider,
            "toolMode": self.tool_mode,
            "vision": self.vision,
            "contextWindow": self.context_window,
            "priceIn": self.price_in,
            "priceOut": self.price_out,
            "currency": currency,
        }

    def stored(self) -> dict[str, Any]:
        """The model in the snake_case form it is configured and stored in."""
        value: dict[str, Any] = {"id": self.id}
        if self.tool_mode != "auto":
            value["tool_mode"] = self.tool_mode
        if self.vision:
            value["vision"] = True
        for name in ("context_window", "price_in", "price_out"):
            if getattr(self, name) is not None:
                value[name] = getattr(self, name)
        return value


@dataclass(frozen=True)
class ProviderSpec:
    """A named OpenAI-compatible endpoint with its models; the key itself is kept elsewhere."""

    name: str
    label: str
    preset: str
    base_url: str | None
    api_key: str | None = field(default=None, repr=False)
    """A key written in the server configuration (never one typed into the dialog)."""
    api_key_env: str | None = None
    api_version: str | None = None
    models: tuple[ModelSpec, ...] = ()
    fetch_models: bool = False
    currency: str = "USD"
    source: Source = "config"
    needs_key: bool = False

    @property
    def azure(self) -> bool:
        """Whether requests go through the Azure OpenAI client."""
        return self.preset == "azure"

    def tool_modes(self) -> dict[str, str]:
        """Tool mode of each configured model, for ChatProvider."""
        return {model.id: model.tool_mode for model in self.models}

    def model(self, model_id: str) -> ModelSpec | None:
        """The configured model `model_id`, if configured."""
        return next((model for model in self.models if model.id == model_id), None)

    def stored(self) -> dict[str, Any]:
        """The definition as the settings file keeps it (no key)."""
        value: dict[str, Any] = {"preset": self.preset, "label": self.label}
        for name in ("base_url", "api_key_env", "api_version"):
            if getattr(self, name):
                value[name] = getattr(self, name)
        value["models"] = [model.stored() for model in self.models]
        value["fetch_models"] = self.fetch_models
        value["currency"] = self.currency
        return value


def validate_name(name: Any) -> str:
    """`name` if it can name a provider (letters, digits, _ . -; at most 40), else an error."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ProviderConfigError(
            f"Provider name {name!r} is not valid: use 1-40 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit."
        )
    return name


def _number(value: Any, where: str, *, integer: bool = False) -> float | int | None:
    """A non-negative finite number (or None), else an error naming `where`."""
    if value is None:
        return None
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value):
        raise ProviderConfigError(f"{where} must be a {'whole ' if integer else ''}number.")
    if value < 0 or (integer and value == 0):
        raise ProviderConfigError(f"{where} must be positive.")
    return value


def refuse_unknown_fields(value: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    """ProviderConfigError naming the fields of `value` that are not in `known`, if any."""
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise ProviderConfigError(
            f"{where} has unknown field(s) {', '.join(unknown)}; known: {', '.join(known)}."
        )


def parse_model(value: Any, where: str) -> ModelSpec:
    """A model from a model id or a dict of capabilities."""
    if isinstance(value, str):
        value = {"id": value}
    if not isinstance(value, dict):
        raise ProviderConfigError(f"{where} must be a model id or an object with an 'id'.")
    refuse_unknown_fields(value, MODEL_FIELDS, where)
    model_id = value.get("id")
    if not isinstance(model_id, str) or not model_id.strip() or len(model_id) > 200:
        raise ProviderConfigError(f"{where} needs a non-empty string 'id'.")
    tools = value.get("tool_mode", value.get("tools"))
    modes = {True: "tools", False: "fenced", None: "auto", "tools": "tools"}
    modes.update({"fenced": "fenced", "auto": "auto"})
    if not isinstance(tools, (bool, str, type(None))) or tools not in modes:
        raise ProviderConfigError(
            f"{where}: 'tools' must be true (tool calling), false (fenced code) or 'auto'."
        )
    vision = value.get("vision", False)
    if not isinstance(vision, bool):
        raise ProviderConfigError(f"{where}: 'vision' must be true or false.")
    context = _number(value.get("context_window"), f"{where}: 'context_window'", integer=True)
    return ModelSpec(
        id=model_id.strip(),
        tool_mode=modes[tools],
        vision=vision,
        context_window=int(context) if context is not None else None,
        price_in=_price(value.get("price_in"), f"{where}: 'price_in'"),
        price_out=_price(value.get("price_out"), f"{where}: 'price_out'"),
    )


def _price(value: Any, where: str) -> float | None:
    """A price per million tokens, or None."""
    number = _number(value, where)
    return float(number) if number is not None else None


def _text(raw: dict[str, Any], name: str, where: str) -> str | None:
    """An optional non-empty string field."""
    value = raw.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ProviderConfigError(f"{where}: '{name}' must be a string.")
    return value.strip() or None


def _base_url(value: str | None, where: str) -> str | None:
    """An http(s) URL without trailing slash, or None."""
    if value is None:
        return None
    if not re.match(r"^https?://[^\s/]+", value) or any(ch.isspace() for ch in value):
        raise ProviderConfigError(
            f"{where}: 'base_url' must be an http:// or https:// URL, not {redact_url(value)!r}."
        )
    return value.rstrip("/")


def parse_provider(name: str, raw: Any, source: Source = "config") -> ProviderSpec:
    """A provider from its config dict; a preset fills in what the dict leaves out."""
    validate_name(name)
    where = f"Provider '{name}'"
    if not isinstance(raw, dict):
        raise ProviderConfigError(f"{where} must be an object (a dict of settings).")
    refuse_unknown_fields(raw, PROVIDER_FIELDS, where)
    preset_id = _text(raw, "preset", where) or ("custom" if raw.get("base_url") else name)
    preset: Preset | None = PRESETS.get(preset_id)
    if preset is None:
        raise ProviderConfigError(
            f"{where}: unknown preset {preset_id!r}; choose one of {', '.join(PRESETS)} "
            "(or give a base_url)."
        )
    models_raw = raw.get("models")
    if models_raw is None:
        models = tuple(parse_model(model, f"{where}, model") for model in preset.models)
    elif isinstance(models_raw, list):
        models = tuple(
            parse_model(model, f"{where}, model {index + 1}")
            for index, model in enumerate(models_raw)
        )
    else:
        raise ProviderConfigError(f"{where}: 'models' must be a list.")
    if len({model.id for model in models}) != len(models):
        raise ProviderConfigError(f"{where}: a model is listed twice.")
    fetch = raw.get("fetch_models", preset.fetch_models)
    if not isinstance(fetch, bool):
        raise ProviderConfigError(f"{where}: 'fetch_models' must be true or false.")
    api_key = raw.get("api_key")
    if api_key is not None and not isinstance(api_key, str):
        raise ProviderConfigError(f"{where}: 'api_key' must be a string.")
    key_env = _text(raw, "api_key_env", where) or preset.key_env
    if key_env is not None and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", key_env):
        raise ProviderConfigError(f"{where}: 'api_key_env' must be an environment variable name.")
    currency = _text(raw, "currency", where) or "USD"
    if source == "settings":
        # A provider added in the dialog uses only the key typed for it: otherwise a user could
        # point a key an admin put in the config or environment at a URL of their choosing.
        api_key, key_env = None, None
    return ProviderSpec(
        name=name,
        label=_text(raw, "label", where) or (preset.label if preset_id != "custom" else name),
        preset=preset_id,
        base_url=_base_url(_text(raw, "base_url", where) or preset.base_url, where),
        api_key=api_key or None,
        api_key_env=key_env,
        api_version=_text(raw, "api_version", where) or preset.api_version,
        models=models,
        fetch_models=fetch,
        currency=currency[:8],
        source=source,
        needs_key=preset.needs_key,
    )


def from_wire(body: Any) -> dict[str, Any]:
    """A provider dict in config form from the dialog's camelCase JSON (keys are not in it)."""
    if not isinstance(body, dict):
        raise ProviderConfigError("The request body must be a JSON object.")
    raw: dict[str, Any] = {}
    for wire_name, value in body.items():
        if wire_name in ("apiKey", "clearKey", "name"):
            continue
        if wire_name not in _WIRE_NAMES:
            raise ProviderConfigError(
                f"Unknown field '{wire_name}'; known: {', '.join([*_WIRE_NAMES, 'apiKey'])}."
            )
        raw[_WIRE_NAMES[wire_name]] = value
    if isinstance(raw.get("models"), list):
        raw["models"] = [_model_from_wire(model) for model in raw["models"]]
    return raw


def _model_from_wire(model: Any) -> Any:
    """A model entry with camelCase capability names converted."""
    if not isinstance(model, dict):
        return model
    names = {"contextWindow": "context_window", "priceIn": "price_in", "priceOut": "price_out"}
    names["toolMode"] = "tool_mode"
    return {names.get(key, key): value for key, value in model.items()}
