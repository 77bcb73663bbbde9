"""The routes of the server extension and the services each handler is given."""

from __future__ import annotations

from typing import Any

from ..services import Services
from .chat import ChatWebSocketHandler
from .files import FileListHandler, PreviewHandler
from .kernel import KernelInspectHandler, KernelSetupHandler
from .providers import provider_routes
from .status import StatusHandler


def build_handlers(services: Services) -> list[tuple[str, type, dict[str, Any]]]:
    """Routes (relative to the server's base_url) with the services each handler needs."""
    assert services.files is not None, "the server extension always has a root"
    files = {"files": services.files}
    return [
        (r"/code-interp/preview", PreviewHandler, files),
        (r"/code-interp/files", FileListHandler, files),
        (r"/code-interp/status", StatusHandler, {"registry": services.registry}),
        (r"/code-interp/kernel-setup", KernelSetupHandler, {}),
        (r"/code-interp/kernel-inspect", KernelInspectHandler, {}),
        (r"/code-interp/chat", ChatWebSocketHandler, {"services": services}),
        *provider_routes(services.registry),
    ]
