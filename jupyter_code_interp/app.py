"""The jupyter_server extension: reads `c.CodeInterpreter`, builds the services, adds the routes."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

from jupyter_server.extension.application import ExtensionApp

from .config import CodeInterpreter
from .handlers.routes import build_handlers
from .services import Services, build_services

CONTENTS_EVENTS = "https://events.jupyter.org/jupyter_server/contents_service/v1"

WARM_MODULES = ("openai",)
"""Imported in a worker thread once the server runs (see `_start_jupyter_server_extension`)."""


def warm_imports(names: tuple[str, ...] = WARM_MODULES) -> list[str]:
    """Import these modules (in a worker thread); returns those that could not be imported."""
    missing = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a broken optional import shows at the first turn
            missing.append(name)
    return missing


class CodeInterpreterApp(ExtensionApp):
    """Serves the status endpoint and the chat socket of the code interpreter panel."""

    name = "jupyter_code_interp"
    classes = [CodeInterpreter]  # noqa: RUF012 (traitlets reads it as a class attribute)
    services: Services
    """Made in `initialize_settings`, before any kernel starts."""
    warmed_up: asyncio.Future[list[str]] | None = None
    """The background import of `openai`, once the server runs (its modules that failed)."""

    def initialize_settings(self) -> None:
        """Read `c.CodeInterpreter`, build the services (taking the keys out of the env)."""
        server = self.serverapp
        assert server is not None, "an extension's settings are read by its server"
        self.services = build_services(
            CodeInterpreter(parent=self),
            root_dir=server.root_dir,
            allow_hidden=bool(server.contents_manager.allow_hidden),
            log=self.log,
        )
        if server.event_logger is not None:  # renames through the Contents API keep conversations
            server.event_logger.add_listener(schema_id=CONTENTS_EVENTS, listener=self._on_contents)
        registry = self.services.registry
        problem = registry.problem()
        if problem is None:
            self.log.info("code-interp: providers %s", ", ".join(registry.specs()))
        else:
            self.log.warning("code-interp is not ready: %s", problem)

    async def _on_contents(self, logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        """Move the conversations of a renamed notebook or folder.

        A deleted notebook keeps its conversations: nothing is lost if it comes back (undo in
        the file browser, git checkout), and a deletion is no reason to drop the user's history.
        """
        source, target = data.get("source_path"), data.get("path")
        if data.get("action") != "rename" or not isinstance(source, str):
            return
        if not isinstance(target, str) or source == target:
            return
        try:
            self.services.conversations.rename(source.strip("/"), target.strip("/"))
        except Exception as error:  # noqa: BLE001 - a listener must not break the rename
            self.log.warning(
                "code-interp: conversations of %s did not follow its rename (%s: %s)",
                source,
                type(error).__name__,
                error,
            )

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        """Once the server's loop runs: import `openai` in a worker thread.

        `openai` stays out of the module imports (the extension must load fast:
        benchmarks/import_cost.py), but importing it on the first turn blocked the event loop
        for 0.2-0.7 s. Imported here, in the background, the first turn finds it loaded; a turn
        that comes sooner waits on the import lock, no longer than before.
        """
        loop = asyncio.get_running_loop()
        self.warmed_up = loop.run_in_executor(None, warm_imports)

    async def stop_extension(self) -> None:
        """Close the model clients, stop the local model server, close the database."""
        await self.services.registry.aclose()
        self.services.conversations.close()

    def initialize_handlers(self) -> None:
        """Register the REST and WebSocket routes, handing them their services."""
        self.handlers.extend(build_handlers(self.services))
