"""An executor for headless runs: inserts cells into an in-memory notebook, runs them in a kernel.

The kernel is started in the notebook's directory, with the notebook's kernelspec, and with an
environment that does not contain the API key.
"""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from subprocess import DEVNULL
from typing import Any

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from ..agent.executor import ActionResult, ExecutionResult, NotebookAction
from ..agent.snapshot import MAX_LISTED_FILES, NotebookContext
from ..files.workspace import list_files
from ..providers.presets import environment_without_keys
from .inspection import INSPECT_EXPRESSION, parse_state, python_inspect_setup
from .notebook_edits import act_on_notebook
from .setup_code import setup_code

DEFAULT_KERNEL = "python3"


class KernelExecutor:
    """Runs code as new cells of `notebook` in a kernel this object starts and stops."""

    def __init__(
        self,
        notebook: nbformat.NotebookNode,
        notebook_path: str | Path,
        *,
        cell_timeout: int | None = None,
        startup_timeout: int = 60,
        quiet: bool = False,
    ) -> None:
        """An executor for `notebook`, stored at `notebook_path` (used for the kernel's cwd).

        `quiet`: the kernel process's own stdout and stderr (ipykernel's start-up warnings, output
        of native code) are discarded; cell outputs still come through the kernel protocol.
        """
        self.quiet = quiet
        self.notebook = notebook
        self.notebook_path = Path(notebook_path)
        self.inserted: list[str] = []
        """Ids of the cells this executor inserted, in order."""
        self.anchor: str | None = None
        """The cell this turn inserted last: the next new cell goes after it."""
        self.edited = False
        """A notebook action changed or ran existing cells (the notebook must be saved)."""
        self._manager: AsyncKernelManager | None = None
        self.language: str | None = None
        self._inspection_ready = False
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
            streams = {"stdout": DEVNULL, "stderr": DEVNULL} if self.quiet else {}
            await self._manager.start_kernel(
                cwd=str(self.notebook_path.parent.resolve()),
                env=environment_without_keys(),
                **streams,
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
        self.language = language if isinstance(language, str) else None
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

    def add_markdown(self, instruction: str, answer: str) -> None:
        """The instruction as a Markdown cell before the turn's cells, the answer after them.

        `inserted` gets their ids too (the notebook changed). Without cells, both go at the end.
        """
        cells = self.notebook.cells
        indices = [i for i, cell in enumerate(cells) if cell.get("id") in self.inserted]
        first, last = (indices[0], indices[-1] + 1) if indices else (len(cells), len(cells))
        quoted = "\n".join(f"> {line}" if line else ">" for line in instruction.splitlines())
        if answer:
            cell = nbformat.v4.new_markdown_cell(answer, metadata={"code_interp": "answer"})
            cells.insert(last, cell)
            self.inserted.append(cell.id)
        cell = nbformat.v4.new_markdown_cell(quoted, metadata={"code_interp": "instruction"})
        cells.insert(first, cell)
        self.inserted.append(cell.id)

    def begin_turn(self) -> None:
        """Start a new turn: its first cell goes to the end of the notebook."""
        self.anchor = None

    def insert_position(self) -> int:
        """After the cell this turn inserted last, else at the end."""
        if self.anchor is not None:
            for index, cell in enumerate(self.notebook.cells):
                if cell.get("id") == self.anchor:
                    return index + 1
        return len(self.notebook.cells)

    def _place(self, code: str, replace_cell_id: str | None) -> tuple[Any, int] | str:
        """The cell to run and its index (a new one, or a replaced one), or why not."""
        if replace_cell_id is None:
            cell = nbformat.v4.new_code_cell(code)
            index = self.insert_position()
            self.notebook.cells.insert(index, cell)
            self.anchor = cell.id
            self.inserted.append(cell.id)
            return cell, index
        if replace_cell_id not in self.inserted:
            return f"Cell '{replace_cell_id}' was not inserted by this run; it cannot be replaced."
        for index, cell in enumerate(self.notebook.cells):
            if cell.get("id") == replace_cell_id:
                cell.source, cell.outputs, cell.execution_count = code, [], None
                return cell, index
        return f"Cell '{replace_cell_id}' is no longer in the notebook."

    async def execute(self, code: str, replace_cell_id: str | None = None) -> ExecutionResult:
        """Insert `code` as a new code cell (or replace a cell this run inserted) and run it."""
        if self._manager is None or self._client.kc is None:
            return ExecutionResult(failure="The kernel is not running.")
        placed = self._place(code, replace_cell_id)
        if isinstance(placed, str):
            return ExecutionResult(failure=placed)
        return await self.run_in_place(*placed)

    async def act(self, request: NotebookAction) -> ActionResult:
        """Do one notebook action on the in-memory notebook (kernel/notebook_edits.py)."""
        if self._manager is None or self._client.kc is None:
            return ActionResult(failure="The kernel is not running.")
        return await act_on_notebook(self, request)

    async def run_in_place(self, cell: Any, index: int) -> ExecutionResult:
        """Run the code cell at `index` of the notebook in the kernel; its outputs."""
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

    async def inspect_kernel(self) -> dict[str, Any]:
        """The kernel part of a turn's context, from a silent inspection (nothing in the notebook)."""
        if self.language != "python" or self._client.kc is None:
            return {"language": self.language or "unknown", "state": None, "error": None}
        kernel = self._client.kc
        if not self._inspection_ready:
            msg_id = kernel.execute(python_inspect_setup(), silent=True, store_history=False)
            await self._client.async_wait_for_reply(msg_id)
            self._inspection_ready = True
        msg_id = kernel.execute(
            "", silent=True, store_history=False, user_expressions={"state": INSPECT_EXPRESSION}
        )
        reply = await self._client.async_wait_for_reply(msg_id)
        found = ((reply or {}).get("content", {}).get("user_expressions") or {}).get("state", {})
        text = (
            (found.get("data") or {}).get("text/plain", "") if found.get("status") == "ok" else ""
        )
        state = parse_state(text)
        error = None if state is not None else f"{found.get('ename') or 'no state'}"
        return {"language": "python", "state": state, "error": error}

    async def turn_context(self) -> NotebookContext:
        """The notebook, its kernel and its directory as a turn starts (for the context)."""
        cells = [
            {
                "id": cell.get("id"),
                "type": cell.get("cell_type"),
                "source": cell.get("source", ""),
                "executionCount": cell.get("execution_count"),
                "outputs": [_plain(output) for output in cell.get("outputs", [])],
            }
            for cell in self.notebook.cells
        ]
        files, truncated = await asyncio.to_thread(
            list_files, self.notebook_path.parent.resolve(), "", MAX_LISTED_FILES
        )
        return NotebookContext(
            cells=cells,
            active_index=len(cells) - 1,
            kernel=await self.inspect_kernel(),
            files=files,
            files_truncated=truncated,
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
