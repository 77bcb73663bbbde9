"""WebSocket /code-interp/chat: decodes frames for a ChatSession and writes its frames back.

What one user can make the server hold is bounded here: sockets per user, the size of each frame
by its type, the bytes being decoded at once (limits.py); large frames are decoded in a worker
thread, not on the event loop.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from tornado import web, websocket

from ..chat.frames import (
    FrameError,
    decode_frame,
    frame_limit,
    oversized_message,
    peek_field,
    utf8_size,
)
from ..kernel.control import kernel_interrupter
from ..limits import (
    CHAT_SOCKETS,
    CHAT_SOCKETS_PER_USER,
    OFF_LOOP_FRAME_BYTES,
    TRANSPORT_LIMIT_BYTES,
)
from ..services import Services
from .base import AUTH_RESOURCE

if TYPE_CHECKING:
    from ..chat.session import ChatSession

FILES_RESOURCE = "contents"
"""Attachments are files: reading them needs `read` on the resource of JupyterLab's file API."""


class ChatWebSocketHandler(WebSocketMixin, websocket.WebSocketHandler, JupyterHandler):
    """One panel's chat socket; the session behind it owns the turns."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, services: Services) -> None:
        """Keep the services the app built."""
        self.services = services
        self.session: ChatSession | None = None
        self.budget_key = ""
        self.may_interrupt = False
        """The user may interrupt kernels (`execute` on `kernels`, as JupyterLab's own button)."""

    @property
    def max_message_size(self) -> int:
        """Frames over TRANSPORT_LIMIT_BYTES close the socket before they are read."""
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

    def _user_key(self) -> str:
        """The user the per-user limits count against, as the identity provider names them."""
        return str(getattr(self.current_user, "username", self.current_user))

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        """Authorize, count the socket against its user's limit, then upgrade to a websocket."""
        await self.pre_get()
        self.budget_key = self._user_key()
        budget = self.services.frames
        if not budget.open_socket(self.budget_key):
            raise web.HTTPError(
                429,
                f"Too many chat connections: at most {CHAT_SOCKETS_PER_USER} per user and "
                f"{CHAT_SOCKETS} in all. Close other JupyterLab tabs and reload.",
            )
        try:
            await super().get(*args, **kwargs)  # returns when the socket has closed
        finally:
            budget.close_socket(self.budget_key)

    async def open(self, *args: Any, **kwargs: Any) -> None:
        """Start pinging, make the session for this socket and tell it anything wrong."""
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
            may_read=self.may_read,
            # A cell still running when this socket closes is interrupted in its kernel.
            interrupt_kernel=kernel_interrupter(self.kernel_manager)
            if self.may_interrupt
            else None,
            locale=self.get_argument("locale", None),
        )
        await self.session.open()

    async def may_read(self, path: str) -> bool:
        """Whether this user may read the file `path` (the authorizer, awaited)."""
        user = self.current_user
        allowed = self.authorizer.is_authorized(self, user, "read", FILES_RESOURCE)
        return bool(await ensure_async(allowed))

    async def send_frame(self, frame: dict[str, Any]) -> None:
        """Write one frame as JSON text (non-ASCII kept as is)."""
        try:
            await self.write_message(json.dumps(frame, ensure_ascii=False))
        except websocket.WebSocketClosedError:
            self.log.debug("code-interp: socket closed, frame %s dropped", frame.get("type"))

    async def on_message(self, message: str | bytes) -> None:
        """Decode a frame within its limits and hand it to the session; others get an `error`.

        tornado reads this socket's next frame only once this returns, so a frame waiting for
        room in its user's byte budget holds back that user's socket, nobody else's.
        """
        session = self.session
        if session is None:
            return
        large = len(message) >= OFF_LOOP_FRAME_BYTES
        size = await asyncio.to_thread(utf8_size, message) if large else utf8_size(message)
        peeked = peek_field(message, "type")
        if size > frame_limit(peeked):
            await self._refuse(message, oversized_message(peeked, size, frame_limit(peeked)))
            return
        reservation = await self.services.frames.reserve(self.budget_key, size)
        try:
            if large:  # in a worker thread, handing the GIL back to the loop as it goes
                frame = await asyncio.to_thread(decode_frame, message, cooperative=True)
            else:
                frame = decode_frame(message)
            kind = frame.get("type")
            if size > frame_limit(kind):
                raise FrameError(oversized_message(str(kind), size, frame_limit(kind)))
        except FrameError as error:
            await self._refuse(message, str(error))
            return
        finally:
            reservation.release()
        await session.handle(frame)

    async def _refuse(self, message: str | bytes, why: str) -> None:
        """Answer a frame that is too large or cannot be decoded; a refused execution result
        fails its step (the turn would wait for it forever otherwise)."""
        assert self.session is not None
        request_id = None
        if peek_field(message, "type") in ("execute_result", "notebook_result"):
            request_id = peek_field(message, "requestId")
        await self.session.refuse(why, peek_field(message, "turnId"), request_id)

    def on_close(self) -> None:
        """Cancel the session's turns and pending executions."""
        if self.session is not None:
            self.session.close()
