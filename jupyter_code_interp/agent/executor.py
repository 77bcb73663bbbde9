"""The executor interface: what the agent loop needs to run code somewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

ExecutionStatus = Literal["ok", "error", "aborted"]


@dataclass
class ExecutionResult:
    """Outcome of running one code cell, as reported by an executor."""

    outputs: list[dict[str, Any]] = field(default_factory=list)
    """nbformat v4 output dicts (possibly compacted by the executor)."""
    execution_count: int | None = None
    cell_id: str | None = None
    cell_index: int | None = None
    failure: str | None = None
    """Set when the code could not be run at all (notebook closed, kernel dead...)."""
    notes: list[str] = field(default_factory=list)
    """Extra lines for the model about this step (e.g. the files it wrote)."""
    skipped: bool = False
    """The user chose Skip (auto-run off): the cell was inserted but not run."""
    edited_code: str | None = None
    """The code as it ran, when the user edited it before running it."""

    @property
    def error(self) -> dict[str, Any] | None:
        """The first error output, if the cell raised."""
        for output in self.outputs:
            if output.get("output_type") == "error":
                return output
        return None

    @property
    def status(self) -> ExecutionStatus:
        """`aborted` if it could not run, `error` if it raised, else `ok`."""
        if self.failure is not None:
            return "aborted"
        return "error" if self.error is not None else "ok"


class Executor(Protocol):
    """Runs code as a new cell of one notebook, in that notebook's kernel."""

    async def execute(self, code: str, replace_cell_id: str | None = None) -> ExecutionResult:
        """Insert `code` as a new code cell after the last one this turn inserted and run it.

        With `replace_cell_id` (a cell this turn inserted) that cell's code is replaced and the
        cell runs again in place instead.
        """
        ...


async def execute_safely(
    executor: Executor, code: str, replace_cell_id: str | None = None
) -> ExecutionResult:
    """Run code through `executor`; an executor that raises counts as 'could not run'."""
    try:
        if replace_cell_id is not None:
            return await executor.execute(code, replace_cell_id=replace_cell_id)
        return await executor.execute(code)
    except Exception as exc:  # noqa: BLE001 - any executor failure must end the turn cleanly
        return ExecutionResult(failure=f"The code could not be run: {type(exc).__name__}: {exc}")
