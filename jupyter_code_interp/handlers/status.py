"""GET /code-interp/status: what the panel needs to know, never a key."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..i18n import use_locale
from ..providers.admin import status_payload
from ..providers.registry import ProviderRegistry
from .base import CodeInterpHandler


class StatusHandler(CodeInterpHandler):
    """Reports whether a provider is configured, the models, and the loop's limits."""

    def initialize(self, registry: ProviderRegistry) -> None:
        """Keep the provider registry the app built."""
        self.registry = registry

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The status payload (model lists of local servers fetched first if stale).

        `?locale=zh_CN` (the panel's language) translates the problems the setup card shows.
        """
        await self.registry.refresh_models()
        with use_locale(self.get_argument("locale", None)):
            self.write_json(status_payload(self.registry))
