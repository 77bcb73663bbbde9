"""WebSocket /code-interp/chat: decodes frames for a ChatSession and writes its frames back."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from tornado import web, websocket

from ..kernel.control import kernel_interrupter
from ..services import Services
from .base import AUTH_RESOURCE

if TYPE_CHECKING:
    from ..chat.session import ChatSession

MAX_FRAME_BYTES = 8 * 1024 * 1024
"""Larger client frames are refused with an `error` frame (the socket stays open)."""
TRANSPORT_LIMIT_BYTES = 64 * 1024 * 1024
"""tornado closes the socket (1009) above this; its default (10 MiB) would close it for any
frame between the two limits instead of answering."""


class ChatWebSocketHandler(WebSocketMixin, websocket.WebSocketHandler, JupyterHandler):
    """One panel's chat socket; the session behind it owns the turns."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, services: Services) -> None:
        """Keep the services the app built."""
        self.services = services
        self.session: ChatSession | None = None
        self.may_interrupt = False
        """The user may interrupt kernels (`execute` on `kernels`, as JupyterLab's own button)."""

    @property
    def max_message_size(self) -> int:
        """Read frames up to TRANSPORT_LIMIT_BYTES, so that oversized ones get a clear answer."""
        return TRANSPORT_LIMIT_BYTES

    def set_default_headers(self) -> None:
        """No JupyterHandler default headers (CSP etc.): they make no sense on a websocket."""

    async def pre_get(self) -> None:
        """Refuse (403) users the authorizer does not allow to execute code."""
        user = self.current_user
        allowed = await ensure_async(
            self.authorizer.is_authorized(self, user, "execute", AUTH_RESOURCE)
        )
        if not allowed:
            raise web.HTTPError(403)
        self.may_interrupt = bool(
            await ensure_async(self.authorizer.is_authorized(self, user, "execute", "kernels"))
        )

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        """Authorize, then upgrade to a websocket."""
        await self.pre_get()
        await super().get(*args, **kwargs)

    def open(self, *args: Any, **kwargs: Any) -> None:
        """Start pinging and make the session for this socket."""
        super().open(*args, **kwargs)
        # Imported with the first socket, not when the server loads the extension: the session
        # brings the agent loop, the context builder and the file previews (half the import cost).
        from ..chat.session import ChatSession

        services = self.services
        self.session = ChatSession(
            self.send_frame,
            services.settings,
            services.registry,
            services.conversations,
            self.log,
            files=services.files,
            # A cell still running when this socket closes is interrupted in its kernel.
            interrupt_kernel=kernel_interrupter(self.kernel_manager)
            if self.may_interrupt
            else None,
            locale=self.get_argument("locale", None),
        )

    async def send_frame(self, frame: dict[str, Any]) -> None:
        """Write one frame as JSON text (non-ASCII kept as is)."""
        try:
            await self.write_message(json.dumps(frame, ensure_ascii=False))
        except websocket.WebSocketClosedError:
            self.log.debug("code-interp: socket closed, frame %s dropped", frame.get("type"))

    async def on_message(self, message: str | bytes) -> None:
        """Decode a frame and hand it to the session; undecodable ones get an `error` frame."""
        if self.session is None:
            return
        size = len(message if isinstance(message, bytes) else message.encode("utf-8"))
        if size > MAX_FRAME_BYTES:
            await self._refuse_oversized(message, size)
            return
        try:
            frame = json.loads(message)
        except (ValueError, UnicodeDecodeError):
            await self.send_frame({"type": "error", "message": "The frame is not valid JSON."})
            return
        if not isinstance(frame, dict):
            await self.send_frame({"type": "error", "message": "A frame must be a JSON object."})
            return
        await self.session.handle(frame)

    async def _refuse_oversized(self, message: str | bytes, size: int) -> None:
        """Answer a frame over MAX_FRAME_BYTES; an oversized result fails its step (no hang)."""
        assert self.session is not None
        why = (
            f"The frame is {size / 1048576:.1f} MiB; frames may be at most "
            f"{MAX_FRAME_BYTES // 1048576} MiB."
        )
        try:
            frame = json.loads(message)
        except (ValueError, UnicodeDecodeError):
            frame = None
        if not isinstance(frame, dict):
            await self.send_frame({"type": "error", "message": why})
            return
        if frame.get("type") == "execute_result" and isinstance(frame.get("requestId"), str):
            await self.session.handle(
                {"type": "execute_result", "requestId": frame["requestId"], "error": why}
            )
            return
        reply: dict[str, Any] = {"type": "error", "message": why}
        if isinstance(frame.get("turnId"), str):
            reply["turnId"] = frame["turnId"]
        await self.send_frame(reply)

    def on_close(self) -> None:
        """Cancel the session's turns and pending executions."""
        if self.session is not None:
            self.session.close()
