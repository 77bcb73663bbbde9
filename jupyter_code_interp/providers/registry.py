"""All model providers of the server: the legacy default, `c.CodeInterpreter.providers`, those
added in the settings dialog, and the local model; their keys, models, clients and status.

Keys are looked up here and handed only to ChatProvider; nothing this module returns for the
panel contains one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import _
from . import choosing
from .catalog import ModelCatalog
from .choosing import WHERE_TO_SET, ChoiceError, ModelChoice
from .client import ChatProvider, ProviderError
from .errors import KeyHint
from .keystore import KeyStore, KeyStoreError, StoredSettings
from .learned import LearnedModes
from .listing import ListedModel
from .local_model import LocalModelError, LocalModelServer
from .presets import OPENAI_BASE_URL, preset_key_variables
from .process_env import scrub_process
from .redaction import MIN_SECRET, url_secrets
from .specs import ModelSpec, ProviderConfigError, ProviderSpec, parse_provider

if TYPE_CHECKING:
    from ..config import CodeInterpreter

DEFAULT_PROVIDER = "default"
LOCAL_PROVIDER = "local"
__all__ = ["WHERE_TO_SET", "ChoiceError", "ModelChoice", "ProviderRegistry"]
_log = logging.getLogger(__name__)
LISTING_TIMEOUT = 5.0
"""Longest wait for a model listing (the panel's status waits for it)."""
OPENAI_DEFAULT_MODELS = ("gpt-4o-mini",)
"""Offered by the flat settings on OpenAI's own API when `models` is not configured (its /models
lists a hundred ids, most not chat models)."""


class ProviderRegistry:
    """Resolves provider names and model ids to clients; one per server (or CLI run)."""

    def __init__(
        self,
        settings: CodeInterpreter,
        environ: Mapping[str, str] | None = None,
        *,
        server_root: str | None = None,
        allow_hidden: bool = False,
    ) -> None:
        """Read the configuration, capture keys from `environ` (default os.environ).

        `server_root`: the settings file of the dialog must stay out of it (unless hidden and
        the server hides hidden files: `allow_hidden` off).
        """
        self.settings = settings
        environ = os.environ if environ is None else environ
        # The flat settings default to $OPENAI_API_KEY/$OPENAI_BASE_URL: read them before any
        # scrub_environment() removes the variables.
        _ = (settings.api_key, settings.base_url, settings.default_model)
        self.config_errors: list[str] = []
        self._config: dict[str, ProviderSpec] = {}
        for name, raw in dict(settings.providers).items():
            try:
                self._config[name] = parse_provider(str(name), raw, "config")
            except ProviderConfigError as error:
                self.config_errors.append(f"c.CodeInterpreter.providers: {error}")
        names = {*preset_key_variables(), "AZURE_OPENAI_ENDPOINT"}
        names.update(spec.api_key_env for spec in self._config.values() if spec.api_key_env)
        self.secret_variables = tuple(sorted(names))
        self._environ = {name: environ[name] for name in names if environ.get(name)}
        self.store = KeyStore(
            Path(settings.key_store_path), Path(server_root) if server_root else None, allow_hidden
        )
        self.stored = StoredSettings()
        self.store_problem: str | None = self.store.problem
        self.learned = LearnedModes(self.store, lambda: self.stored)
        self.reload()
        self.local = (
            LocalModelServer(Path(settings.local_model_path), context=settings.local_model_context)
            if settings.local_model_path
            else None
        )
        self._clients: dict[str, tuple[tuple[Any, ...], ChatProvider]] = {}
        self._retired: list[ChatProvider] = []
        self.catalog = ModelCatalog()

    def scrub_environment(self) -> None:
        """Drop provider keys from os.environ once captured, so kernels do not inherit them, and
        blank them in the blocks the process started with (/proc/<pid>/environ shows those)."""
        scrub_process(self.secret_variables, self.secrets(), _log)

    def reload(self) -> None:
        """Read the settings file again (after the dialog changed it)."""
        try:
            self.stored = self.store.load()
        except KeyStoreError as error:
            self.stored = StoredSettings()
            self.store_problem = str(error)
        self.learned.sync()

    # -- definitions and keys ------------------------------------------------------------------

    def _default_spec(self) -> ProviderSpec | None:
        """The provider of the flat c.CodeInterpreter.base_url/api_key/models settings.

        On another endpoint than OpenAI's its models come from its GET /models (Ollama, vLLM,
        DeepSeek…), with the configured ones (and the default model) first.
        """
        settings = self.settings
        if not settings.api_key and not settings.base_url:
            return None
        url = (settings.base_url or OPENAI_BASE_URL).rstrip("/")
        on_openai = url == OPENAI_BASE_URL
        ids = list(settings.models) or list(OPENAI_DEFAULT_MODELS if on_openai else ())
        if settings.default_model and settings.default_model not in ids:
            ids.insert(0, settings.default_model)
        return ProviderSpec(
            name=DEFAULT_PROVIDER,
            label="OpenAI" if on_openai else "Default",
            preset="openai" if on_openai else "custom",
            base_url=url,
            api_key=settings.api_key,
            models=tuple(ModelSpec(model, settings.tool_modes.get(model, "auto")) for model in ids),
            fetch_models=not on_openai,
            source="default",
        )

    def _stored_specs(self) -> dict[str, ProviderSpec]:
        """Providers added in the dialog (names of configured ones are theirs, not ours)."""
        specs: dict[str, ProviderSpec] = {}
        for name, raw in self.stored.providers.items():
            if name in self._config or name in (DEFAULT_PROVIDER, LOCAL_PROVIDER):
                continue
            try:
                specs[name] = parse_provider(name, raw, "settings")
            except ProviderConfigError as error:
                _log.warning("code-interp: ignoring stored provider: %s", error)
        return specs

    def specs(self) -> dict[str, ProviderSpec]:
        """Every provider by name: default, configured, added in the dialog, local."""
        specs: dict[str, ProviderSpec] = {}
        default = self._default_spec()
        if default is not None and DEFAULT_PROVIDER not in self._config:
            specs[DEFAULT_PROVIDER] = default
        specs.update(self._config)
        specs.update(self._stored_specs())
        if self.local is not None and LOCAL_PROVIDER not in specs:
            specs[LOCAL_PROVIDER] = ProviderSpec(
                name=LOCAL_PROVIDER,
                label=f"Local model ({self.local.model_path.name})",
                preset="llamacpp",
                base_url=None,
                models=(
                    ModelSpec(self.local.model_id, "fenced", context_window=self.local.context),
                ),
                source="local",
            )
        return specs

    def spec(self, name: str) -> ProviderSpec:
        """The provider `name`, or a ChoiceError listing the known ones."""
        specs = self.specs()
        if name not in specs:
            known = ", ".join(specs) or "none"
            raise ChoiceError(f"Provider '{name}' is not configured; known providers: {known}.")
        return specs[name]

    def api_key(self, spec: ProviderSpec) -> str | None:
        """The key of a provider: typed in the dialog, else configured, else from the env."""
        typed = self.stored.keys.get(spec.name)
        if typed:
            return typed
        if spec.api_key:
            return spec.api_key
        return self._environ.get(spec.api_key_env) if spec.api_key_env else None

    def key_source(self, spec: ProviderSpec) -> str | None:
        """Where the key comes from (settings, config, environment) or None: never the key."""
        if self.stored.keys.get(spec.name):
            return "settings"
        if spec.api_key:
            return "config"
        if spec.api_key_env and self._environ.get(spec.api_key_env):
            return "environment"
        return None

    def base_url(self, spec: ProviderSpec) -> str | None:
        """The endpoint of a provider (Azure's may come from AZURE_OPENAI_ENDPOINT)."""
        if spec.base_url is None and spec.azure:
            return self._environ.get("AZURE_OPENAI_ENDPOINT")
        if spec.source == "local" and self.local is not None:
            return self.local.base_url
        return spec.base_url

    def spec_problem(self, spec: ProviderSpec) -> str | None:
        """Why the provider cannot be used now, or None."""
        if spec.source == "local":
            return self.local.problem() if self.local is not None else _("No local model.")
        if self.base_url(spec) is None:
            return _("Provider '{name}' has no base URL: set its base_url.", name=spec.name)
        if spec.needs_key and not self.api_key(spec):
            if spec.api_key_env:
                return _(
                    "Provider '{name}' has no API key: paste one in the providers settings of "
                    "the panel or set ${variable}.",
                    name=spec.name,
                    variable=spec.api_key_env,
                )
            return _(
                "Provider '{name}' has no API key: paste one in the providers settings of the "
                "panel.",
                name=spec.name,
            )
        return None

    def secrets(self) -> list[str]:
        """Every key the server knows and every credential in a base URL, for redaction."""
        keys = [self.settings.api_key or "", *self._environ.values(), *self.stored.keys.values()]
        keys += [spec.api_key or "" for spec in self._config.values()]
        for url in [self.settings.base_url, *(self.base_url(s) for s in self.specs().values())]:
            keys += url_secrets(url)
        return sorted({key for key in keys if len(key) >= MIN_SECRET}, key=len, reverse=True)

    # -- models ----------------------------------------------------------------------------------

    def offered(self, spec: ProviderSpec) -> list[ModelSpec]:
        """Configured models, then the ones GET /models listed that are not configured."""
        models = list(spec.models)
        fetched = self.catalog.fetched(spec.name)
        if fetched is not None:
            configured = {model.id for model in models}
            models += [
                self._listed(spec, entry) for entry in fetched.entries if entry.id not in configured
            ]
        return models

    def _listed(self, spec: ProviderSpec, entry: ListedModel) -> ModelSpec:
        """A model the endpoint listed (the flat settings' tool modes apply to the default)."""
        modes = self.settings.tool_modes if spec.source == "default" else {}
        return ModelSpec(entry.id, modes.get(entry.id, "auto"), context_window=entry.context_window)

    def models_error(self, spec: ProviderSpec) -> str | None:
        """Why the last model listing failed, if it did."""
        fetched = self.catalog.fetched(spec.name)
        return fetched.error if fetched is not None else None

    def remember_models(self, name: str, entries: list[ListedModel]) -> None:
        """Keep a model list fetched elsewhere (by a connection test)."""
        self.catalog.remember(name, entries)

    def forget_models(self, name: str) -> None:
        """Drop the fetched model list of a provider (its settings changed)."""
        self.catalog.forget(name)

    def probe(self, spec: ProviderSpec, timeout: float | None = None) -> ChatProvider:
        """A client for one quick request (no retries, short timeout), to close after use."""
        return self._make_client(
            spec, timeout or self.settings.connection_test_timeout, max_retries=0
        )

    def _lister(self, spec: ProviderSpec) -> ChatProvider:
        """A probe client with the listing's timeout."""
        return self.probe(spec, min(self.settings.connection_test_timeout, LISTING_TIMEOUT))

    async def refresh_models(self, names: list[str] | None = None, force: bool = False) -> None:
        """Fetch GET /models of the providers that list their models (stale ones only)."""
        now = time.monotonic()
        wanted = [
            spec
            for spec in self.specs().values()
            if spec.fetch_models
            and spec.source != "local"
            and (names is None or spec.name in names)
            and self.spec_problem(spec) is None
            and (force or self.catalog.stale(spec.name, now))
        ]
        await asyncio.gather(
            *(self.catalog.fetch(spec.name, partial(self._lister, spec)) for spec in wanted)
        )

    async def learn_window(self, choice: ModelChoice) -> ModelChoice:
        """`choice` with the context window its server runs the model with, when the
        configuration does not give one and the server says (model list, /props, Ollama)."""
        spec = self.spec(choice.provider)
        if (choice.spec is not None and choice.spec.context_window) or spec.source == "local":
            return choice
        window = await self.catalog.window(
            spec.name, spec.preset, choice.model, partial(self._lister, spec), self.base_url(spec)
        )
        if window is None:
            return choice
        model = choice.spec or ModelSpec(choice.model)
        return replace(choice, spec=replace(model, context_window=window))

    # -- choosing a model (choosing.py) ---------------------------------------------------------

    def default_choice(self) -> ModelChoice | None:
        """c.CodeInterpreter.default_provider/default_model, else the first usable model."""
        return choosing.default_choice(self)

    def choose(
        self,
        provider: str | None,
        model: str | None,
        remembered: tuple[str | None, str | None] = (None, None),
    ) -> ModelChoice:
        """The provider and model of a turn: as requested, else remembered, else the default."""
        return choosing.choose(self, provider, model, remembered)

    def problem(self) -> str | None:
        """Why no turn can run, or None when some provider has a model."""
        return choosing.problem(self)

    # -- clients ---------------------------------------------------------------------------------

    def _make_client(
        self, spec: ProviderSpec, timeout: float, max_retries: int = 2
    ) -> ChatProvider:
        """A ChatProvider for `spec` with its key."""
        tool_modes = spec.tool_modes()
        hint: KeyHint | None = None
        if spec.source == "default":
            tool_modes = {**dict(self.settings.tool_modes), **tool_modes}
        else:
            hint = _provider_key_hint(spec)
        return ChatProvider(
            self.base_url(spec),
            self.api_key(spec),
            timeout,
            tool_modes,
            max_retries=max_retries,
            api_version=spec.api_version if spec.azure else None,
            key_hint=hint,
            fenced_models=self.learned.models(spec.name),
            on_fenced=lambda _model: self.learned.save(spec.name),
        )

    async def client(self, name: str) -> ChatProvider:
        """The shared client of a provider (the local model is started first if needed)."""
        spec = self.spec(name)
        if spec.source == "local" and self.local is not None:
            try:
                await self.local.start()
            except LocalModelError as error:
                raise ProviderError(str(error), "unreachable") from None
        problem = self.spec_problem(spec)
        if problem is not None:
            raise ProviderError(problem)
        identity = (self.base_url(spec), self.api_key(spec), spec.api_version, spec.models)
        cached = self._clients.get(name)
        if cached is not None and cached[0] == identity:
            return cached[1]
        if cached is not None:
            self._retired.append(cached[1])  # a running turn may still use it
        client = self._make_client(spec, self.settings.request_timeout)
        self._clients[name] = (identity, client)
        return client

    async def aclose(self) -> None:
        """Close every client and stop the local model."""
        clients = [client for _, client in self._clients.values()] + self._retired
        self._clients.clear()
        self._retired.clear()
        for client in clients:
            await client.aclose()
        if self.local is not None:
            await self.local.stop()

    # -- status ---------------------------------------------------------------------------------


def _provider_key_hint(spec: ProviderSpec) -> KeyHint:
    """What to do when the provider rejects the key: translated when the error happens."""
    if spec.api_key_env:
        variable = spec.api_key_env
        return lambda url: _(
            "Paste a valid key for provider '{name}' in the providers settings or set ${variable}.",
            name=spec.name,
            variable=variable,
        )
    return lambda url: _(
        "Paste a valid key for provider '{name}' in the providers settings.", name=spec.name
    )
