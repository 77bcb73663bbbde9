"""The executor interface: what the agent loop needs to run code somewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

ExecutionStatus = Literal["ok", "error", "aborted"]
ActionKind = Literal["edit", "run", "read", "markdown", "delete"]
"""The notebook actions of `notebook_request` (docs/protocol.md, issue 15)."""


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


@dataclass
class NotebookAction:
    """One `notebook_request`: a change to, or a look at, cells of the notebook."""

    action: ActionKind
    cell_id: str | None = None
    """The cell acted on (`markdown`: the new cell's id, chosen by the server)."""
    cell_ids: list[str] = field(default_factory=list)
    """`run`: the cells to run, in order."""
    source: str = ""
    """`edit` and `markdown`: the cell's new source."""
    run: bool = True
    """`edit`: run the cell after its source was replaced."""
    review: bool = False
    """The change waits for the user's Accept (`edit`, `delete`)."""
    after_cell_id: str | None = None
    """`markdown`: insert after this cell (None: where the next code cell would go)."""


@dataclass
class CellRun:
    """One cell that ran for a notebook action."""

    cell_id: str
    cell_index: int | None = None
    outputs: list[dict[str, Any]] = field(default_factory=list)
    execution_count: int | None = None

    @property
    def error(self) -> dict[str, Any] | None:
        """The first error output, if the cell raised."""
        return next((o for o in self.outputs if o.get("output_type") == "error"), None)


@dataclass
class ActionResult:
    """What a notebook action did (the `result` or `error` of a `notebook_result`)."""

    cell_id: str | None = None
    cell_index: int | None = None
    accepted: bool = True
    """False: the user rejected the reviewed change (nothing was changed)."""
    comment: str | None = None
    """What the user typed with Reject."""
    before: dict[str, Any] | None = None
    """`edit`/`delete` that were done: the cell as it was (what Undo restores)."""
    runs: list[CellRun] = field(default_factory=list)
    """The cells that ran (`edit` with run: one; `run`: one per cell, up to the first error)."""
    outputs: list[dict[str, Any]] = field(default_factory=list)
    """`read`: the cell's full outputs."""
    error: str | None = None
    """Why the action could not be done (an unknown cell...): told to the model."""
    failure: str | None = None
    """The notebook could not be reached at all (panel gone, kernel dead): ends the turn."""


class Executor(Protocol):
    """Runs code as a new cell of one notebook, in that notebook's kernel."""

    async def execute(self, code: str, replace_cell_id: str | None = None) -> ExecutionResult:
        """Insert `code` as a new code cell after the last one this turn inserted and run it.

        With `replace_cell_id` (a cell this turn inserted) that cell's code is replaced and the
        cell runs again in place instead.
        """
        ...

    async def act(self, request: NotebookAction) -> ActionResult:
        """Do one notebook action (edit, run, read, insert Markdown, delete) and report it."""
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


async def act_safely(executor: Executor, request: NotebookAction) -> ActionResult:
    """Do a notebook action through `executor`; one that raises counts as 'could not be done'."""
    try:
        return await executor.act(request)
    except Exception as exc:  # noqa: BLE001 - any executor failure must end the turn cleanly
        return ActionResult(failure=f"The notebook action failed: {type(exc).__name__}: {exc}")
