"""Tornado handlers of the code interpreter (the only module that knows tornado)."""

from __future__ import annotations

from typing import Any

from ..config import CodeInterpreter
from ..conversation import ConversationStore
from .chat import ChatWebSocketHandler
from .status import AUTH_RESOURCE, StatusHandler

__all__ = ["AUTH_RESOURCE", "ChatWebSocketHandler", "StatusHandler", "build_handlers"]


def build_handlers(
    settings: CodeInterpreter, store: ConversationStore
) -> list[tuple[str, type, dict[str, Any]]]:
    """Routes (relative to the server's base_url) with the objects each handler needs."""
    return [
        (r"/code-interp/status", StatusHandler, {"code_interpreter": settings}),
        (
            r"/code-interp/chat",
            ChatWebSocketHandler,
            {"code_interpreter": settings, "conversations": store},
        ),
    ]
