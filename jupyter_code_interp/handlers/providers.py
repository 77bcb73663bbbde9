"""REST routes of the providers dialog: list, add/edit (and keys), delete, test, list models.

Responses say whether a key is set, never the key. Writes need XSRF (jupyter_server checks it on
every non-GET request of an authenticated handler) and the `write` permission on code-interp.
"""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..config import CodeInterpreter
from ..connection_test import check_connection
from ..keystore import KeyStoreError
from ..provider_admin import delete_provider, listing, provider_view, save_provider
from ..provider_config import ProviderConfigError
from ..registry import ChoiceError
from .status import AUTH_RESOURCE

NAME = r"(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]{0,39})"


class _ProvidersBase(APIHandler):
    """Shared plumbing: the registry, JSON replies, errors as `{message}`."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, code_interpreter: CodeInterpreter) -> None:
        """Keep the configuration object the app made."""
        self.code_interpreter = code_interpreter

    def reply(self, payload: Any, status: int = 200) -> None:
        """Finish with a JSON body (non-ASCII kept as is)."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(payload, ensure_ascii=False))

    def refuse(self, error: Exception) -> None:
        """Finish with the status that fits the error and its message."""
        status = 404 if isinstance(error, ChoiceError) else 400
        if isinstance(error, KeyStoreError):
            status = 409
        self.reply({"message": str(error)}, status)

    def body(self) -> Any:
        """The request's JSON body ({} when empty); bad JSON is a 400 with a clear message."""
        if not self.request.body:
            return {}
        try:
            return json.loads(self.request.body)
        except ValueError:
            raise web.HTTPError(400, "The request body is not valid JSON.") from None


class ProvidersHandler(_ProvidersBase):
    """GET /code-interp/providers: providers (with fetched models), presets, problems."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The listing, after refreshing stale model lists."""
        registry = self.code_interpreter.registry
        await registry.refresh_models()
        self.reply(listing(registry))


class ProviderHandler(_ProvidersBase):
    """PUT/DELETE /code-interp/providers/<name>: add or change a provider, set or drop its key."""

    @web.authenticated
    @authorized
    def put(self, name: str) -> None:
        """Save the provider (and key) the dialog sent; answer with its view."""
        try:
            self.reply(save_provider(self.code_interpreter.registry, name, self.body()))
        except (ProviderConfigError, KeyStoreError, ChoiceError) as error:
            self.refuse(error)

    @web.authenticated
    @authorized
    def delete(self, name: str) -> None:
        """Remove a provider added in the dialog, or the stored key of a configured one."""
        try:
            self.reply(delete_provider(self.code_interpreter.registry, name))
        except (ProviderConfigError, KeyStoreError, ChoiceError) as error:
            self.refuse(error)


class ProviderTestHandler(_ProvidersBase):
    """POST /code-interp/providers/<name>/test: a specific answer about one provider."""

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        """Check the URL, key, rate limit and model (`{"model": ...}` optional)."""
        body = self.body()
        model = body.get("model") if isinstance(body, dict) else None
        try:
            result = await check_connection(
                self.code_interpreter.registry, name, model if isinstance(model, str) else None
            )
        except ChoiceError as error:
            self.refuse(error)
            return
        self.reply(result)


class ProviderModelsHandler(_ProvidersBase):
    """GET /code-interp/providers/<name>/models: ask the provider's GET /models again."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        """The provider's view after a fresh model listing."""
        registry = self.code_interpreter.registry
        try:
            spec = registry.spec(name)
        except ChoiceError as error:
            self.refuse(error)
            return
        await registry.refresh_models([name], force=True)
        self.reply(provider_view(registry, spec))


def provider_routes(settings: CodeInterpreter) -> list[tuple[str, type, dict[str, Any]]]:
    """The routes of this module with their dependencies."""
    given = {"code_interpreter": settings}
    return [
        (r"/code-interp/providers", ProvidersHandler, given),
        (rf"/code-interp/providers/{NAME}", ProviderHandler, given),
        (rf"/code-interp/providers/{NAME}/test", ProviderTestHandler, given),
        (rf"/code-interp/providers/{NAME}/models", ProviderModelsHandler, given),
    ]
