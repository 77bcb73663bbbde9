"""REST routes of the providers dialog: list, add/edit (and keys), delete, test, list models.

Responses say whether a key is set, never the key. Writes need XSRF (jupyter_server checks it on
every non-GET request of an authenticated handler) and the `write` permission on code-interp.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..providers.admin import delete_provider, listing, provider_view, save_provider
from ..providers.checks import check_connection
from ..providers.keystore import KeyStoreError
from ..providers.registry import ChoiceError, ProviderRegistry
from ..providers.specs import ProviderConfigError
from .base import CodeInterpHandler

NAME = r"(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]{0,39})"


def refusal(error: Exception) -> web.HTTPError:
    """The HTTP error for a refused provider change: 404 unknown, 409 store, else 400."""
    status = 404 if isinstance(error, ChoiceError) else 400
    if isinstance(error, KeyStoreError):
        status = 409
    return web.HTTPError(status, str(error))


class _ProvidersHandler(CodeInterpHandler):
    """Shared plumbing: the registry the app built."""

    def initialize(self, registry: ProviderRegistry) -> None:
        """Keep the provider registry."""
        self.registry = registry


class ProvidersHandler(_ProvidersHandler):
    """GET /code-interp/providers: providers (with fetched models), presets, problems."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The listing, after refreshing stale model lists."""
        await self.registry.refresh_models()
        self.write_json(listing(self.registry))


class ProviderHandler(_ProvidersHandler):
    """PUT/DELETE /code-interp/providers/<name>: add or change a provider, set or drop its key."""

    @web.authenticated
    @authorized
    def put(self, name: str) -> None:
        """Save the provider (and key) the dialog sent; answer with its view."""
        try:
            self.write_json(save_provider(self.registry, name, self.json_object()))
        except (ProviderConfigError, KeyStoreError, ChoiceError) as error:
            raise refusal(error) from None

    @web.authenticated
    @authorized
    def delete(self, name: str) -> None:
        """Remove a provider added in the dialog, or the stored key of a configured one."""
        try:
            self.write_json(delete_provider(self.registry, name))
        except (ProviderConfigError, KeyStoreError, ChoiceError) as error:
            raise refusal(error) from None


class ProviderTestHandler(_ProvidersHandler):
    """POST /code-interp/providers/<name>/test: a specific answer about one provider."""

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        """Check the URL, key, rate limit and model (`{"model": ...}` optional)."""
        model = self.json_object().get("model")
        try:
            result = await check_connection(
                self.registry, name, model if isinstance(model, str) else None
            )
        except ChoiceError as error:
            raise refusal(error) from None
        self.write_json(result)


class ProviderModelsHandler(_ProvidersHandler):
    """GET /code-interp/providers/<name>/models: ask the provider's GET /models again."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        """The provider's view after a fresh model listing."""
        try:
            spec = self.registry.spec(name)
        except ChoiceError as error:
            raise refusal(error) from None
        await self.registry.refresh_models([name], force=True)
        self.write_json(provider_view(self.registry, spec))


class ProviderModeHandler(_ProvidersHandler):
    """POST /code-interp/providers/<name>/reset-mode: an `auto` model tries tool calls again."""

    @web.authenticated
    @authorized
    def post(self, name: str) -> None:
        """Forget that `{"model": ...}` was seen writing fenced code; answer with the view."""
        model = self.json_object().get("model")
        if not isinstance(model, str) or not model:
            raise web.HTTPError(400, 'Give the model to reset: {"model": "<id>"}.')
        try:
            spec = self.registry.spec(name)
        except ChoiceError as error:
            raise refusal(error) from None
        self.registry.learned.forget(name, model)
        self.write_json(provider_view(self.registry, spec))


def provider_routes(registry: ProviderRegistry) -> list[tuple[str, type, dict[str, Any]]]:
    """The routes of this module with their dependencies."""
    given = {"registry": registry}
    return [
        (r"/code-interp/providers", ProvidersHandler, given),
        (rf"/code-interp/providers/{NAME}", ProviderHandler, given),
        (rf"/code-interp/providers/{NAME}/test", ProviderTestHandler, given),
        (rf"/code-interp/providers/{NAME}/models", ProviderModelsHandler, given),
        (rf"/code-interp/providers/{NAME}/reset-mode", ProviderModeHandler, given),
    ]
