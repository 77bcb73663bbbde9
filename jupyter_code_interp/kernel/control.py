"""Interrupting a server kernel by id, through jupyter_server's kernel manager.

Handed to a chat session as a plain callable, so that the session stays free of tornado and of
jupyter_server; it works the same for local kernels and for kernels behind a Kernel Gateway
(`GatewayMappingKernelManager` has the same `interrupt_kernel`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from jupyter_core.utils import ensure_async

InterruptKernel = Callable[[str], Awaitable[None]]
"""Interrupts the kernel with this id; raises when there is no such kernel or it fails."""


def kernel_interrupter(manager: Any) -> InterruptKernel:
    """An `InterruptKernel` for a jupyter_server (mapping) kernel manager."""

    async def interrupt(kernel_id: str) -> None:
        """Interrupt `kernel_id` if this server runs it."""
        if kernel_id not in manager:
            raise LookupError(f"no kernel {kernel_id} runs on this server")
        await ensure_async(manager.interrupt_kernel(kernel_id))

    return interrupt
