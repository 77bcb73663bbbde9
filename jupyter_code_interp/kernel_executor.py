"""An executor for headless runs: inserts cells into an in-memory notebook, runs them in a kernel.

The kernel is started in the notebook's directory, with the notebook's kernelspec, and with an
environment that does not contain the API key.
"""

from __future__ import annotations

import asyncio
import copy
import os
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from .executor import ExecutionResult
from .kernel_setup import setup_code
from .presets import preset_key_variables

SECRET_ENVIRONMENT = ("OPENAI_API_KEY", *preset_key_variables())
"""Variables a kernel must never see: the code it runs is written by a model."""
DEFAULT_KERNEL = "python3"


def kernel_environment() -> dict[str, str]:
    """A copy of os.environ without the secrets."""
    return {name: value for name, value in os.environ.items() if name not in SECRET_ENVIRONMENT}


class KernelExecutor:
    """Runs code as new cells of `notebook` in a kernel this object starts and stops."""

    def __init__(
        self,
        notebook: nbformat.NotebookNode,
        notebook_path: str | Path,
        *,
        cell_timeout: int | None = None,
        startup_timeout: int = 60,
    ) -> None:
        """An executor for `notebook`, stored at `notebook_path` (used for the kernel's cwd)."""
        self.notebook = notebook
        self.notebook_path = Path(notebook_path)
        self.inserted: list[str] = []
        """Ids of the cells this executor inserted, in order."""
        self._anchor: str | None = None
        self._manager: AsyncKernelManager | None = None
        self._client = NotebookClient(
            notebook,
            allow_errors=True,
            record_timing=False,
            timeout=cell_timeout,
            startup_timeout=startup_timeout,
            resources={"metadata": {"path": str(self.notebook_path.parent)}},
        )

    @property
    def kernel_name(self) -> str:
        """The notebook's kernelspec name, or python3."""
        spec = self.notebook.metadata.get("kernelspec") or {}
        name = spec.get("name") if isinstance(spec, dict) else None
        return name if isinstance(name, str) and name else DEFAULT_KERNEL

    async def start(self) -> None:
        """Start the kernel and wait until it answers."""
        if self._manager is not None:
            return
        self._manager = AsyncKernelManager(kernel_name=self.kernel_name)
        self._client.km = self._manager
        self._client.kernel_name = self.kernel_name
        try:
            await self._manager.start_kernel(
                cwd=str(self.notebook_path.parent.resolve()), env=kernel_environment()
            )
            kernel = await self._client.async_start_new_kernel_client()
            msg_id = await ensure_async(kernel.kernel_info())
            reply = await self._client.async_wait_for_reply(msg_id)
            info = (reply or {}).get("content", {})
            await self._run_setup(info)
        except BaseException:
            await self.shutdown()
            raise
        self._record_kernel(info)

    async def _run_setup(self, info: dict[str, Any]) -> None:
        """Run the kernel setup code for the kernel's language silently (no count, no output)."""
        language = (info.get("language_info") or {}).get("name")
        code = setup_code().get(language) if isinstance(language, str) else None
        if code is None or self._client.kc is None:
            return
        msg_id = self._client.kc.execute(code, silent=True, store_history=False)
        await self._client.async_wait_for_reply(msg_id)

    def _record_kernel(self, info: dict[str, Any]) -> None:
        """Fill in the kernelspec and language metadata a notebook file should carry."""
        metadata = self.notebook.metadata
        if not metadata.get("kernelspec") and self._manager is not None:
            spec = self._manager.kernel_spec
            if spec is not None:
                metadata["kernelspec"] = {
                    "name": self.kernel_name,
                    "display_name": spec.display_name,
                    "language": spec.language,
                }
        if isinstance(info.get("language_info"), dict):
            metadata["language_info"] = info["language_info"]

    def begin_turn(self) -> None:
        """Start a new turn: its first cell goes to the end of the notebook."""
        self._anchor = None

    def _insert_position(self) -> int:
        """After the cell this turn inserted last, else at the end."""
        if self._anchor is not None:
            for index, cell in enumerate(self.notebook.cells):
                if cell.get("id") == self._anchor:
                    return index + 1
        return len(self.notebook.cells)

    async def execute(self, code: str) -> ExecutionResult:
        """Insert `code` as a new code cell and run it in the kernel."""
        if self._manager is None or self._client.kc is None:
            return ExecutionResult(failure="The kernel is not running.")
        cell = nbformat.v4.new_code_cell(code)
        index = self._insert_position()
        self.notebook.cells.insert(index, cell)
        self._anchor = cell.id
        self.inserted.append(cell.id)
        try:
            await self._client.async_execute_cell(cell, index)
        except DeadKernelError:
            if _being_cancelled():
                # nbclient reports its own cancellation (Ctrl-C, Stop) as a dead kernel.
                raise asyncio.CancelledError from None
            return ExecutionResult(
                failure="The kernel died while running the cell.", cell_id=cell.id, cell_index=index
            )
        except TimeoutError as error:
            return ExecutionResult(
                failure=f"The cell did not finish in time: {error}",
                cell_id=cell.id,
                cell_index=index,
            )
        executed = self.notebook.cells[index]
        return ExecutionResult(
            outputs=[_plain(output) for output in executed.get("outputs", [])],
            execution_count=executed.get("execution_count"),
            cell_id=executed.get("id"),
            cell_index=index,
        )

    async def shutdown(self) -> None:
        """Stop the kernel and its channels; safe to call more than once."""
        manager, self._manager = self._manager, None
        kernel = self._client.kc
        self._client.kc = None
        if kernel is not None:
            kernel.stop_channels()
        if manager is not None and manager.has_kernel:
            await manager.shutdown_kernel(now=True)


def _being_cancelled() -> bool:
    """True if the running task has a cancellation pending."""
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)  # Python 3.11+
    return bool(cancelling()) if cancelling is not None else False


def _plain(output: Any) -> dict[str, Any]:
    """A plain-dict deep copy of an nbformat output (the notebook keeps its own)."""
    return {key: copy.deepcopy(value) for key, value in dict(output).items()}
