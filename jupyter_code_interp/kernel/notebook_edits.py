"""Notebook actions of headless runs (the CLI, the bench): edit, run, read, insert Markdown and
delete cells of the in-memory notebook, running code cells in the executor's real kernel.

Nobody can review a change on the command line: a change that needs review is rejected with a
comment saying how to allow edits (`--trust-edits`); deletions always need review.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import nbformat

from ..agent.executor import ActionResult, CellRun, NotebookAction

if TYPE_CHECKING:
    from .headless import KernelExecutor

NO_REVIEWER = "no one can review changes in the command line; run it with --trust-edits"
"""The comment of a change the CLI rejects because it needs review."""


def find_cell(notebook: nbformat.NotebookNode, cell_id: str | None) -> tuple[int, Any] | None:
    """The index and cell with id `cell_id`, or None."""
    for index, cell in enumerate(notebook.cells):
        if cell_id is not None and cell.get("id") == cell_id:
            return index, cell
    return None


def missing(cell_id: str | None) -> ActionResult:
    """The result of an action on a cell the notebook does not have."""
    return ActionResult(error=f'the notebook has no cell with id "{cell_id}"')


def before_of(cell: Any, index: int) -> dict[str, Any]:
    """A cell as it was before a change (what Undo restores)."""
    return {
        "cellType": cell.get("cell_type", "code"),
        "source": cell.get("source", ""),
        "outputs": [dict(output) for output in cell.get("outputs", [])],
        "executionCount": cell.get("execution_count"),
        "index": index,
    }


async def run_cell(executor: KernelExecutor, cell: Any, index: int) -> CellRun | str:
    """Run one code cell in place; its outputs, or why it could not run."""
    result = await executor.run_in_place(cell, index)
    if result.failure is not None:
        return result.failure
    return CellRun(cell.get("id"), index, result.outputs, result.execution_count)


async def act_on_notebook(executor: KernelExecutor, request: NotebookAction) -> ActionResult:
    """Do one notebook action on `executor`'s notebook (see the module's docstring)."""
    notebook = executor.notebook
    if request.action == "markdown":
        return insert_markdown(executor, request)
    if request.action == "run":
        return await run_cells(executor, request.cell_ids)
    found = find_cell(notebook, request.cell_id)
    if found is None:
        return missing(request.cell_id)
    index, cell = found
    done = ActionResult(cell_id=cell.get("id"), cell_index=index)
    if request.action == "read":
        done.outputs = [dict(output) for output in cell.get("outputs", [])]
        return done
    if request.review:
        done.accepted, done.comment = False, NO_REVIEWER
        return done
    done.before = before_of(cell, index)
    executor.edited = True
    if request.action == "delete":
        del notebook.cells[index]
        return done
    cell.source = request.source
    if request.run and cell.get("cell_type") == "code":
        ran = await run_cell(executor, cell, index)
        if isinstance(ran, str):
            return ActionResult(failure=ran)
        done.runs = [ran]
    return done


async def run_cells(executor: KernelExecutor, cell_ids: list[str]) -> ActionResult:
    """Run existing cells in order, up to the first one that raises."""
    found = [(cell_id, find_cell(executor.notebook, cell_id)) for cell_id in cell_ids]
    for cell_id, place in found:
        if place is None:
            return missing(cell_id)
    done = ActionResult(cell_id=cell_ids[0])
    for _, place in found:
        assert place is not None
        index, cell = place
        if cell.get("cell_type") != "code":
            continue
        ran = await run_cell(executor, cell, index)
        if isinstance(ran, str):
            return ActionResult(failure=ran)
        done.runs.append(ran)
        executor.edited = True
        if ran.error is not None:
            break
    done.cell_index = done.runs[0].cell_index if done.runs else None
    return done


def insert_markdown(executor: KernelExecutor, request: NotebookAction) -> ActionResult:
    """A new Markdown cell after `after_cell_id`, else where the next new cell would go."""
    notebook = executor.notebook
    if request.after_cell_id is not None:
        found = find_cell(notebook, request.after_cell_id)
        if found is None:
            return missing(request.after_cell_id)
        index = found[0] + 1
    else:
        index = executor.insert_position()
    cell = nbformat.v4.new_markdown_cell(request.source)
    if request.cell_id:
        cell.id = request.cell_id
    notebook.cells.insert(index, cell)
    executor.anchor = cell.id
    executor.inserted.append(cell.id)
    return ActionResult(cell_id=cell.id, cell_index=index)
