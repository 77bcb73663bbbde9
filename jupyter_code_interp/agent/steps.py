"""Running a reply's jobs: code steps (run_code), notebook actions, plans and questions, in order,
with the exchange recorded however the run ends."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .exchange import Job, Reply, finished_frame, record_exchange
from .executor import ExecutionResult, execute_safely
from .messages import IMAGES_PER_STEP
from .notebook_steps import STEP_IMAGES, run_action, talk, written_cells
from .outcome import TurnOutcome
from .outputs import downscale_image, format_outputs_for_model, step_images
from .prompts import duplicate_feedback, new_cell_note
from .repair import approval_feedback

if TYPE_CHECKING:
    from .loop import _Turn


def code_feedback(turn: _Turn, result: ExecutionResult, job: Job) -> str:
    """What the model reads about one step."""
    text = format_outputs_for_model(result.outputs, turn.output_limit)
    text = "\n\n".join([text, *result.notes]) if result.notes else text
    text = approval_feedback(result, job.code, text, turn.fence)
    if result.status != "error" or result.skipped:
        return text
    note = turn.fixes.error_note(result.cell_id, turn.mode == "tools", turn.fence)
    return f"The cell raised an exception.\n{text}\n\n{note}"


def check_replacement(turn: _Turn, job: Job) -> None:
    """A job naming a cell this conversation did not write adds a new cell (and says so)."""
    if job.cell_id is None or job.cell_id in written_cells(turn):
        return
    job.note = new_cell_note(job.cell_id, turn.ran_cells)
    job.cell_id = None


async def run_code_step(turn: _Turn, job: Job) -> tuple[ExecutionResult, str | None]:
    """Announce, run and report one step; returns its result and a reason to give up."""
    turn.steps += 1
    job.step = turn.steps
    started: dict[str, Any] = {
        "type": "step_started",
        "step": job.step,
        "code": job.code,
        "action": "run_code",
    }
    if job.cell_id is not None:
        started["replaceCellId"] = job.cell_id
    attempt = turn.fixes.start_step()
    if attempt is not None:
        started["attempt"] = attempt
    await turn.emit(started)
    result = await execute_safely(turn.executor, job.code, job.cell_id)
    gave_up = turn.fixes.finish_step(result)
    ran = result.cell_id
    if ran is not None and result.failure is None and ran not in turn.ran_cells:
        turn.ran_cells.append(ran)
    job.images = step_images(result.outputs, STEP_IMAGES)
    if turn.options.vision and job.images:
        job.model_images = await asyncio.to_thread(
            lambda: [downscale_image(image) for image in job.images[:IMAGES_PER_STEP]]
        )
    finished = finished_frame(job, result)
    job.feedback = (
        f"Could not run: {result.failure}"
        if result.failure is not None
        else code_feedback(turn, result, job)
    )
    if result.status == "ok" and result.failure is None and not result.skipped:
        turn.repeats.remember(job.code, job.step, job.feedback)
    if job.note is not None:
        job.feedback += "\n\n" + job.note
    await turn.emit(finished)
    return result, gave_up


async def run_jobs(turn: _Turn, reply: Reply, jobs: list[Job]) -> TurnOutcome | None:
    """Run the reply's code step by step; always record the exchange, even when stopped."""
    outcome: TurnOutcome | None = None
    not_run = "Not run: the turn was stopped before this code finished."
    try:
        for job in jobs:
            check_replacement(turn, job)
            if job.problem is not None:
                job.feedback = f"Not run: {job.problem}."
                continue
            if job.action in ("plan", "question"):
                if await talk(turn, job):
                    outcome = turn.outcome("question")
                    not_run = "Not run: the turn ended with your question to the user."
                    break
                continue
            earlier = turn.repeats.earlier(job.code) if job.action == "run_code" else None
            if earlier is not None:
                job.feedback, job.repeat = duplicate_feedback(*earlier), True
                continue
            if turn.steps >= turn.max_steps:
                not_run = "Not run: the step limit of this turn was reached."
                break
            if job.action != "run_code":
                done = await run_action(turn, job)
                if done.failure is not None:
                    outcome = turn.outcome("error", done.failure)
                    not_run = "Not run: the notebook could not be reached."
                    break
                if any(run.error for run in done.runs):
                    not_run = "Not run: an earlier cell of this reply raised an exception."
                    break
                continue
            result, gave_up = await run_code_step(turn, job)
            if result.failure is not None:
                outcome = turn.outcome("error", result.failure)
                not_run = "Not run: an earlier cell could not run."
                break
            if gave_up is not None:
                outcome = turn.outcome("gave_up", gave_up)
                not_run = "Not run: the turn gave up after the cell before it failed."
                break
            if result.status == "error":
                # Code written before the error was seen would build on a failed cell.
                not_run = "Not run: an earlier cell of this reply raised an exception."
                break
    finally:
        for job in jobs:
            if job.feedback is None:
                job.feedback = not_run
        record_exchange(turn.conversation.messages, reply, jobs, turn.fence)
    return outcome
