"""The steps of a turn that act on existing cells (edit, run, read, insert Markdown, delete), and
the tools that talk to the user (plans, questions): what the loop sends, and what the model reads.

Which changes wait for the user's review is decided here: an edit of a cell this conversation
did not write (unless the turn trusts edits) and every deletion (docs/protocol.md, issue 15).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .exchange import Job
from .executor import ActionResult, CellRun, NotebookAction, act_safely
from .outputs import format_outputs_for_model, step_images

if TYPE_CHECKING:
    from .loop import _Turn

PLAN_SHOWN = "Plan shown to the user."
"""The tool result of update_plan."""
QUESTION_ASKED = "Question shown to the user; their answer comes as the next message."
"""The tool result of ask_user (the turn ends with it)."""
STEP_IMAGES = 3
"""Images per step shown as thumbnails (`step_finished.images`)."""


def written_cells(turn: _Turn) -> set[str]:
    """Ids of the cells this conversation inserted: its earlier turns' and this turn's."""
    written = set(turn.ran_cells) | set(turn.written)
    for record in turn.conversation.records:
        written.update(record.cell_ids)
    return written


def notebook_action(turn: _Turn, job: Job) -> NotebookAction:
    """The request of a job, with the review decision of this conversation and turn."""
    arguments = job.arguments
    action = NotebookAction(job.action, cell_id=arguments.get("cell_id"))  # type: ignore[arg-type]
    if job.action == "edit":
        action.source, action.run = arguments["source"], arguments["run"]
        trusted = turn.options.trust_edits or action.cell_id in written_cells(turn)
        action.review = not trusted
    elif job.action == "run":
        action.cell_ids = list(arguments["cell_ids"])
    elif job.action == "markdown":
        action.source, action.after_cell_id = arguments["source"], arguments["after_cell_id"]
    elif job.action == "delete":
        action.review = True
    return action


async def run_action(turn: _Turn, job: Job) -> ActionResult:
    """Announce, do and report one notebook action; `job.feedback` is what the model reads."""
    turn.steps += 1
    job.step = turn.steps
    request = notebook_action(turn, job)
    started: dict[str, Any] = {
        "type": "step_started",
        "step": job.step,
        "code": job.code,
        "action": job.action,
    }
    if request.cell_ids:
        started["cellIds"] = request.cell_ids
    elif request.cell_id is not None:
        started["cellId"] = request.cell_id
    await turn.emit(started)
    result = await act_safely(turn.executor, request)
    if job.action == "markdown" and result.cell_id and result.error is None:
        turn.written.append(result.cell_id)
    job.images = step_images([o for run in result.runs for o in run.outputs], STEP_IMAGES)
    job.feedback = action_feedback(job, result, turn.output_limit)
    await turn.emit(finished_action_frame(job, request, result))
    return result


def action_status(result: ActionResult) -> str:
    """`aborted` if it could not be done, `error` if a cell it ran raised, else `ok`."""
    if result.failure is not None or result.error is not None:
        return "aborted"
    return "error" if any(run.error for run in result.runs) else "ok"


def finished_action_frame(
    job: Job, request: NotebookAction, result: ActionResult
) -> dict[str, Any]:
    """The `step_finished` event of a notebook action (`_before`: kept for Undo, not sent)."""
    last = result.runs[-1] if result.runs else None
    error = next((run.error for run in result.runs if run.error), None) or {}
    finished: dict[str, Any] = {
        "type": "step_finished",
        "step": job.step,
        "status": action_status(result),
        "ename": error.get("ename"),
        "evalue": error.get("evalue"),
        "executionCount": last.execution_count if last else None,
        "cellId": result.cell_id or request.cell_id,
        "cellIndex": result.cell_index,
        "action": job.action,
    }
    if request.cell_ids:
        finished["cellIds"] = request.cell_ids
    if not result.accepted:
        finished["rejected"] = True
    if job.images:
        finished["images"] = job.images
    if result.before is not None and result.accepted and job.action in ("edit", "delete"):
        finished["_before"] = result.before
    return finished


def action_feedback(job: Job, result: ActionResult, output_limit: int) -> str:
    """What the model reads about a notebook action."""
    if result.failure is not None:
        return f"Could not be done: {result.failure}"
    if result.error is not None:
        return f"Not done: {result.error}"
    if not result.accepted:
        comment = f": {result.comment.strip()}" if result.comment and result.comment.strip() else ""
        return f"The user rejected this change{comment}. The cell is unchanged."
    cell = result.cell_id or job.arguments.get("cell_id")
    if job.action == "read":
        return read_page(result.outputs, job.arguments.get("page", 1), output_limit)
    if job.action == "markdown":
        return f'Markdown cell "{cell}" inserted.'
    if job.action == "delete":
        return f'Cell "{cell}" deleted.'
    if job.action == "edit" and not result.runs:
        return f'The source of cell "{cell}" was replaced (not run).'
    parts = [run_text(run, output_limit, len(result.runs) > 1) for run in result.runs]
    ran = {run.cell_id for run in result.runs}
    skipped = [c for c in job.arguments.get("cell_ids", []) if c not in ran]
    if skipped and any(run.error for run in result.runs):
        parts.append(f"Stopped at the first error; not run: {', '.join(skipped)}.")
    return "\n\n".join(parts) or "(nothing ran)"


def run_text(run: CellRun, limit: int, named: bool) -> str:
    """One cell's outputs as the model reads them (`named`: with the cell's id first)."""
    text = format_outputs_for_model(run.outputs, limit)
    if run.error is not None:
        text = f"The cell raised an exception.\n{text}"
    return f'Cell "{run.cell_id}":\n{text}' if named else text


def read_page(outputs: list[dict[str, Any]], page: int, size: int) -> str:
    """Page `page` of a cell's full outputs, in pages of `size` characters ("page N of M")."""
    text = format_outputs_for_model(outputs, None)
    pages = max(1, math.ceil(len(text) / size))
    if page > pages:
        return f"There is no page {page}: the outputs have {pages} page(s) of {size} characters."
    chunk = text[(page - 1) * size : page * size]
    return f"Outputs, page {page} of {pages}:\n{chunk}"


async def talk(turn: _Turn, job: Job) -> bool:
    """Show a plan or ask a question (not steps); True if the turn ends here (a question)."""
    if job.action == "plan":
        await turn.emit({"type": "plan", "items": job.arguments["items"]})
        job.feedback, job.acted = PLAN_SHOWN, True
        return False
    question = job.arguments["question"]
    await turn.emit({"type": "question", "question": question, "choices": job.arguments["choices"]})
    job.feedback, job.acted = QUESTION_ASKED, True
    return True
