"""What users can make the server hold: chat sockets, and frame bytes being decoded.

One FrameBudget per server (services.py), with a share per user and a total for everyone: users
are named by jupyter_server's identity provider (a browser keeps its user in a cookie; a client
that sends only the token is a new anonymous user each time, so the totals bound those too).
A frame waits for room before it is decoded; while it waits its socket is not read (tornado reads
a socket's next frame only after `on_message` returns), so a flood slows down its own sockets.
"""

from __future__ import annotations

import asyncio

from ..limits import (
    CHAT_SOCKETS,
    CHAT_SOCKETS_PER_USER,
    PENDING_FRAME_BYTES,
    PENDING_FRAME_BYTES_PER_USER,
)


class Reservation:
    """Bytes of one frame counted in the budget until `release`."""

    def __init__(self, budget: FrameBudget, user: str, size: int) -> None:
        """Hold `size` bytes of `user`'s share."""
        self._budget = budget
        self._user = user
        self._size = size
        self._released = False

    def release(self) -> None:
        """Give the bytes back (idempotent); frames waiting for them go on."""
        if not self._released:
            self._released = True
            self._budget._give_back(self._user, self._size)


class FrameBudget:
    """Sockets and bytes in flight, per user and in all."""

    def __init__(
        self,
        sockets_per_user: int = CHAT_SOCKETS_PER_USER,
        sockets: int = CHAT_SOCKETS,
        pending_per_user: int = PENDING_FRAME_BYTES_PER_USER,
        pending: int = PENDING_FRAME_BYTES,
    ) -> None:
        """A budget with these limits (limits.py by default)."""
        self.sockets_per_user, self.sockets = sockets_per_user, sockets
        self.pending_per_user, self.pending_total = pending_per_user, pending
        self._sockets: dict[str, int] = {}
        self._pending: dict[str, int] = {}
        self._waiting: list[tuple[str, int, asyncio.Future[None]]] = []

    def open_socket(self, user: str) -> bool:
        """Count a new socket of `user`; False (nothing counted) when there are too many."""
        count = self._sockets.get(user, 0)
        if count >= self.sockets_per_user or sum(self._sockets.values()) >= self.sockets:
            return False
        self._sockets[user] = count + 1
        return True

    def close_socket(self, user: str) -> None:
        """A socket of `user` closed."""
        count = self._sockets.get(user, 0) - 1
        if count > 0:
            self._sockets[user] = count
        else:
            self._sockets.pop(user, None)

    def pending(self, user: str | None = None) -> int:
        """Bytes being decoded now: `user`'s, or everyone's."""
        return self._pending.get(user, 0) if user else sum(self._pending.values())

    def _fits(self, user: str, size: int) -> bool:
        """Whether `size` more bytes fit (a frame alone always fits: it is within its limit)."""
        mine, total = self._pending.get(user, 0), self.pending()
        return (mine == 0 or mine + size <= self.pending_per_user) and (
            total == 0 or total + size <= self.pending_total
        )

    async def reserve(self, user: str, size: int) -> Reservation:
        """Wait until `size` bytes fit (in turn with the frames waiting already); hold them."""
        if not any(waiting[0] == user for waiting in self._waiting) and self._fits(user, size):
            self._pending[user] = self._pending.get(user, 0) + size
            return Reservation(self, user, size)
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((user, size, turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():  # granted just before the cancellation
                self._give_back(user, size)
            else:
                self._waiting = [waiting for waiting in self._waiting if waiting[2] is not turn]
                self._grant()
            raise
        return Reservation(self, user, size)

    def _give_back(self, user: str, size: int) -> None:
        """Return bytes to the budget and let the waiting frames that now fit go on."""
        left = self._pending.get(user, 0) - size
        if left > 0:
            self._pending[user] = left
        else:
            self._pending.pop(user, None)
        self._grant()

    def _grant(self) -> None:
        """Hand bytes to waiting frames in order of arrival (a user's frames keep theirs)."""
        blocked: set[str] = set()
        for waiting in list(self._waiting):
            user, size, turn = waiting
            if turn.done():  # cancelled: its task forgets it
                continue
            if user in blocked or not self._fits(user, size):
                blocked.add(user)
                continue
            self._waiting.remove(waiting)
            self._pending[user] = self._pending.get(user, 0) + size
            turn.set_result(None)
