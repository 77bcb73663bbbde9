"""A minimal executor that runs code in a real ipykernel, for testing the agent loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import nbformat
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import start_new_async_kernel

from jupyter_code_interp.agent.executor import ExecutionResult

OUTPUT_TYPES = ("stream", "display_data", "execute_result", "error")


class KernelExecutor:
    """Runs each piece of code as the next 'cell' in one kernel and collects nbformat outputs."""

    def __init__(self, client: AsyncKernelClient) -> None:
        """Use an already started kernel client."""
        self.client = client
        self.codes: list[str] = []

    async def execute(self, code: str, replace_cell_id: str | None = None) -> ExecutionResult:
        """Run `code`, wait until the kernel is idle again, and return its outputs.

        A replacement runs as the next 'cell' too but keeps the replaced cell's id.
        """
        outputs: list[dict[str, Any]] = []

        def collect(message: dict[str, Any]) -> None:
            kind = message["msg_type"]
            if kind in OUTPUT_TYPES:
                outputs.append(dict(nbformat.v4.output_from_msg(message)))
            elif kind == "clear_output":
                outputs.clear()

        self.codes.append(code)
        reply = await self.client.execute_interactive(
            code, output_hook=collect, allow_stdin=False, timeout=60
        )
        return ExecutionResult(
            outputs=outputs,
            execution_count=reply["content"].get("execution_count"),
            cell_id=replace_cell_id or f"cell-{len(self.codes)}",
            cell_index=len(self.codes) - 1,
        )


@asynccontextmanager
async def running_kernel() -> AsyncIterator[KernelExecutor]:
    """A fresh python3 kernel for the duration of the block."""
    manager, client = await start_new_async_kernel(kernel_name="python3")
    try:
        yield KernelExecutor(client)
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)
