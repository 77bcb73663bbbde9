"""One streamed reply read into a Reply: answer text and reasoning forwarded as they come, tool
calls, usage and how it finished kept; a fenced reply cut after its first runnable block."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from ..providers.events import (
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallEvent,
    Usage,
)
from .codeblocks import BlockCut
from .exchange import Reply

Emit = Callable[[dict[str, Any]], Awaitable[None]]


class ReplyReader:
    """Reads the events of one request into `reply`, emitting `text` and `reasoning` frames."""

    def __init__(self, reply: Reply, emit: Emit, cut: BlockCut | None) -> None:
        """Read into `reply`; `cut` (fenced requests) ends the reply after its first block."""
        self.reply = reply
        self.reported: tuple[int, int] | None = None
        """Prompt and completion tokens the provider reported (None: it did not)."""
        self._emit = emit
        self._cut = cut
        self._thinking_since: float | None = None

    async def read(self, events: AsyncIterator[StreamEvent]) -> None:
        """Take events until the stream ends or the fenced reply's first block is complete."""
        reply, cut = self.reply, self._cut
        async for event in events:
            if isinstance(event, ReasoningDelta):
                self._thinking_since = self._thinking_since or time.monotonic()
                reply.reasoning += event.text
                await self._emit({"type": "reasoning", "delta": event.text})
                continue
            if self._thinking_since is not None:  # the answer starts: the thinking took this long
                seconds = round(time.monotonic() - self._thinking_since, 1)
                await self._emit({"type": "reasoning", "delta": "", "seconds": seconds})
                self._thinking_since = None
            if isinstance(event, TextDelta):
                text = cut.feed(event.text) if cut is not None else event.text
                reply.text += text
                if text:
                    await self._emit({"type": "text", "delta": text})
                if cut is not None and cut.done:
                    reply.cut = True
                    return  # what follows the block was written before any output was seen
            elif isinstance(event, ToolCallEvent):
                reply.tool_calls.append(event)
            elif isinstance(event, Usage):
                self.reported = (event.prompt_tokens, event.completion_tokens)
            elif isinstance(event, Finish):
                reply.finish_reason, reply.reasoning_field = event.reason, event.reasoning_field
