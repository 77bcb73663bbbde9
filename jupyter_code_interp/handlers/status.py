"""GET /code-interp/status: what the panel needs to know, never the key."""

from __future__ import annotations

import json

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..config import CodeInterpreter

AUTH_RESOURCE = "code-interp"


class StatusHandler(APIHandler):
    """Reports whether a provider is configured, the models, and the loop's limits."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, code_interpreter: CodeInterpreter) -> None:
        """Keep the configuration object the app made."""
        self.code_interpreter = code_interpreter

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The status payload, as JSON (model lists of local servers fetched if stale)."""
        await self.code_interpreter.registry.refresh_models()
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(self.code_interpreter.status(), ensure_ascii=False))
