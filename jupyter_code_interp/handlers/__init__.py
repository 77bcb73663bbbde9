"""Tornado handlers of the code interpreter (the only module that knows tornado)."""

from __future__ import annotations

from typing import Any

from ..config import CodeInterpreter
from ..conversation import ConversationStore
from ..paths import FileAccess
from .chat import ChatWebSocketHandler
from .files import FileListHandler, PreviewHandler
from .kernel_setup import KernelInspectHandler, KernelSetupHandler
from .providers import provider_routes
from .status import AUTH_RESOURCE, StatusHandler

__all__ = [
    "AUTH_RESOURCE",
    "ChatWebSocketHandler",
    "FileListHandler",
    "KernelInspectHandler",
    "KernelSetupHandler",
    "PreviewHandler",
    "StatusHandler",
    "build_handlers",
]


def build_handlers(
    settings: CodeInterpreter, store: ConversationStore, files: FileAccess
) -> list[tuple[str, type, dict[str, Any]]]:
    """Routes (relative to the server's base_url) with the objects each handler needs."""
    return [
        (r"/code-interp/preview", PreviewHandler, {"file_access": files}),
        (r"/code-interp/files", FileListHandler, {"file_access": files}),
        (r"/code-interp/status", StatusHandler, {"code_interpreter": settings}),
        (r"/code-interp/kernel-setup", KernelSetupHandler, {}),
        (r"/code-interp/kernel-inspect", KernelInspectHandler, {}),
        (
            r"/code-interp/chat",
            ChatWebSocketHandler,
            {"code_interpreter": settings, "conversations": store, "file_access": files},
        ),
        *provider_routes(settings),
    ]
