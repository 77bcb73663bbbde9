"""One model reply as code to run (jobs), and the messages that record it in the conversation.

A reply asks for code through tool calls, a fenced block or a reply of nothing but a printed tool
call (the rule of codeblocks.py); each becomes a Job. After the jobs ran, `record_exchange` appends the reply and
what each job produced as a valid exchange (every tool call answered).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from ..providers.client import ProviderError
from ..providers.events import ToolCallEvent, describe_arguments
from .codeblocks import (
    RUN_CODE_NAMES,
    Block,
    CodeRule,
    PrintedCall,
    first_runnable,
    header_action,
    printed_calls,
)
from .executor import ExecutionResult
from .messages import IMAGES_PER_STEP, RequestMode
from .prompts import NOT_A_TOOL_CALL, next_step_nudge
from .tools import NOTEBOOK_TOOLS, BadArguments, check_arguments

ACTION_TOOLS = {
    **{action: tool for tool, action in NOTEBOOK_TOOLS.items()},
    "question": "ask_user",
    "plan": "update_plan",
}
"""The tool of each job action besides `run_code` (fenced headers are checked like its calls)."""

CELL_MARKER = re.compile(r"\A[ \t]*#[ \t]*cell_id:[ \t]*([^\s]+)[ \t]*(?:\r?\n|\Z)")
"""First line of a fenced block that fixes a cell in place (fenced models have no arguments)."""


@dataclass
class Reply:
    """One complete answer of the model."""

    mode: RequestMode
    text: str = ""
    """The visible answer only: reasoning is never part of it (nor run)."""
    tool_calls: list[ToolCallEvent] = field(default_factory=list)
    reasoning: str = ""
    """The model's reasoning (reasoning_content, reasoning, or an inline <think> block)."""
    reasoning_field: str | None = None
    """The delta field the provider streamed reasoning in (None: none, or inline only)."""
    finish_reason: str | None = None
    producer: str = ""
    """Which endpoint and model wrote it: provider fields go back to that one only."""

    stop_sent: bool = False
    """The request carried the fenced stop sequence."""
    cut: bool = False
    """The stream was closed after the reply's first complete runnable block."""
    misfired: bool = False
    """The stop sequence ended the reply at a fence that was not the end of runnable code."""


def cut_reply_error(finish_reason: str | None, cap: int | None) -> ProviderError | None:
    """Why a reply that stopped early ends the turn (finish_reason length or content_filter)."""
    if finish_reason == "length":
        limit = f"{cap} tokens, " if cap else ""
        return ProviderError(
            "The reply was cut off: the model reached its output limit "
            f"({limit}c.CodeInterpreter.max_output_tokens) before it finished. Nothing of the "
            "cut reply was run; ask for a shorter step or raise the limit.",
            "length",
        )
    if finish_reason == "content_filter":
        return ProviderError(
            "The provider's content filter stopped the reply (finish_reason content_filter); "
            "nothing of it was run. Rephrase the instruction.",
            "content_filter",
        )
    return None


def assistant_message(reply: Reply) -> dict[str, Any]:
    """The assistant message of a reply, with what its provider wants back kept privately.

    `_reasoning` (the field it came in and its text) and `_call_extras` (per tool call, e.g.
    Gemini's thought signature) never reach the visible history; request_messages sends them
    back to the same producer only, as its rules require.
    """
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if reply.reasoning_field or reply.reasoning:
        field_name = reply.reasoning_field or "think"
        message["_reasoning"] = {"field": field_name, "text": reply.reasoning, "by": reply.producer}
    extras = {call.id: call.extra for call in reply.tool_calls if call.extra}
    if extras:
        message["_call_extras"] = {"by": reply.producer, "calls": extras}
    return message


@dataclass
class Job:
    """One piece of code the model asked to run, or a tool call that cannot be run."""

    code: str = ""
    call: ToolCallEvent | None = None
    problem: str | None = None
    feedback: str | None = None
    step: int | None = None
    cell_id: str | None = None
    """The cell of this turn the code replaces (self-repair), if any."""
    images: list[dict[str, str]] = field(default_factory=list)
    """The step's images as the panel shows them."""
    model_images: list[dict[str, str]] | None = None
    """The images as a vision model gets them (scaled down); None: the step's own."""
    source: Literal["tool", "printed", "fenced"] = "tool"
    """Where the code came from: a real tool call, a printed call, a fenced block."""
    note: str | None = None
    """Said to the model after the step's output (e.g. an unknown cell id ran as a new cell)."""
    repeat: bool = False
    """Not run: the same code already succeeded in this turn (the model got that output)."""
    action: str = "run_code"
    """`run_code`, a notebook action (`edit`, `run`, `read`, `markdown`, `delete`), `plan` or
    `question`."""
    arguments: dict[str, Any] = field(default_factory=dict)
    """The checked arguments of a job that is not `run_code` (tools.check_arguments)."""
    acted: bool = False
    """A job that is not a step (a plan) was done."""

    @property
    def kept_images(self) -> list[dict[str, str]]:
        """The images kept in the conversation for the model (at most IMAGES_PER_STEP)."""
        chosen = self.images if self.model_images is None else self.model_images
        return chosen[:IMAGES_PER_STEP]


def tool_call_job(call: ToolCallEvent) -> Job:
    """A job for a real tool call, with a problem set if it cannot be run."""
    action = next((a for a, tool in ACTION_TOOLS.items() if tool == call.name), None)
    if call.name not in RUN_CODE_NAMES and action is None:
        known = ", ".join(["run_code", *ACTION_TOOLS.values()])
        return Job(call=call, problem=f"unknown tool '{call.name}'; the tools are {known}")
    arguments = describe_arguments(call.arguments_json)
    if action is not None:
        if isinstance(arguments, str):
            return Job(call=call, problem=arguments, action=action)
        return action_job(action, arguments, call)
    if isinstance(arguments, str):
        return Job(call=call, problem=arguments + '; call run_code with {"code": "..."}')
    code = arguments.get("code")
    if not isinstance(code, str) or not code.strip():
        return Job(call=call, problem='the "code" argument is missing or empty')
    cell_id = arguments.get("cell_id")
    if cell_id is not None and not isinstance(cell_id, str):
        return Job(call=call, problem='"cell_id" must be a string (the id of a failed cell)')
    return Job(code=code, call=call, cell_id=cell_id or None)


def fenced_job(code: str) -> Job:
    """A job for a code block; a first line `# cell_id: <id>` asks to replace that cell."""
    marker = CELL_MARKER.match(code)
    if marker is None:
        return Job(code=code)
    rest = code[marker.end() :]
    if not rest.strip():
        return Job(problem="the block has a cell_id line but no code")
    return Job(code=rest, cell_id=marker.group(1))


def action_job(action: str, arguments: dict[str, Any], call: ToolCallEvent | None = None) -> Job:
    """A job for a notebook action, a plan or a question, with a problem if its arguments are bad."""
    try:
        checked = check_arguments(ACTION_TOOLS[action], arguments)
    except BadArguments as bad:
        return Job(call=call, problem=str(bad), action=action)
    source = checked.get("source", "") if action == "edit" else ""
    return Job(code=source, call=call, action=action, arguments=checked)


def block_job(block: Block, rule: CodeRule) -> Job:
    """A job for a runnable fenced block: a notebook action its header names, or code to run."""
    header = header_action(block, rule)
    job = fenced_job(block.code) if header is None else action_job(header.action, header.arguments)
    job.source = "fenced"
    return job


def printed_job(call: PrintedCall) -> Job:
    """A job for a tool call the model printed as text (its `cell_id` argument kept)."""
    if call.cell_id is not None:
        return Job(code=call.code, cell_id=call.cell_id, source="printed")
    job = fenced_job(call.code)
    job.source = "printed"
    return job


def jobs_of(
    reply: Reply, rule: CodeRule, *, strict_tools: bool = False, calls_tools: bool = False
) -> list[Job]:
    """The code a reply asks to run, by the one rule (codeblocks.py), in order.

    A runnable fenced block ends the reply: `reply.text` is cut after it (what a model writes
    after its code, before it saw any output, is invented). `strict_tools`: the model is set to
    `tools`, so a fenced block answering a tools request is refused, not run. `calls_tools`: an
    `auto` model seen making real tool calls: a fenced block in its answer to a tools request is
    an example for the reader (e.g. how to use what it wrote), part of the answer, not code to run.
    """
    if reply.mode == "answer":
        return []
    if reply.mode == "tools" and reply.tool_calls:
        return [tool_call_job(call) for call in reply.tool_calls]
    printed = printed_calls(reply.text)
    if printed:
        return [printed_job(call) for call in printed]
    block = first_runnable(reply.text, rule)
    if block is None or (reply.mode == "tools" and calls_tools and not strict_tools):
        return []
    reply.text = reply.text[: block.end]
    if reply.mode == "tools" and strict_tools:
        return [Job(problem=NOT_A_TOOL_CALL, source="fenced")]
    return [block_job(block, rule)]


def finished_frame(job: Job, result: ExecutionResult) -> dict[str, Any]:
    """The `step_finished` event of a job that ran."""
    error = result.error or {}
    finished: dict[str, Any] = {
        "type": "step_finished",
        "step": job.step,
        "status": result.status,
        "ename": error.get("ename"),
        "evalue": error.get("evalue"),
        "executionCount": result.execution_count,
        "cellId": result.cell_id,
        "cellIndex": result.cell_index,
    }
    if job.images:
        finished["images"] = job.images
    if result.skipped:
        finished["skipped"] = True
    return finished


def record_exchange(
    messages: list[dict[str, Any]], reply: Reply, jobs: list[Job], fence: str = "python"
) -> None:
    """Append the assistant message and the outputs it gets back, as a valid exchange (`fence`:
    the tag of runnable blocks in the kernel's language, for the nudge of fenced models)."""
    if jobs[0].call is not None:
        messages.append(
            {
                **assistant_message(reply),
                "content": reply.text or None,
                "tool_calls": [
                    {
                        "id": job.call.id,
                        "type": "function",
                        "function": {
                            "name": job.call.name,
                            "arguments": job.call.arguments_json,
                        },
                    }
                    for job in jobs
                    if job.call is not None
                ],
            }
        )
        for job in jobs:
            if job.call is not None:
                message: dict[str, Any] = {
                    "role": "tool",
                    "tool_call_id": job.call.id,
                    "content": job.feedback,
                }
                if job.kept_images:
                    message["_images"] = job.kept_images
                messages.append(message)
        return
    messages.append(assistant_message(reply))
    sections = []
    for number, job in enumerate(jobs, 1):
        if job.step is not None and job.action == "run_code":
            sections.append(f"Output of the code you ran (step {job.step}):\n{job.feedback}")
        elif job.step is not None:
            sections.append(f"Result of your {job.action} (step {job.step}):\n{job.feedback}")
        else:
            sections.append(f"Code {number} of your reply: {job.feedback}")
    fenced = reply.mode == "fenced" or (jobs[0].source == "fenced" and jobs[0].problem is None)
    sections.append(
        next_step_nudge(
            fenced=fenced,
            ran=any(job.step is not None for job in jobs),
            printed=reply.mode == "tools" and jobs[0].source == "printed",
            fence=fence,
        )
    )
    feedback: dict[str, Any] = {"role": "user", "content": "\n\n".join(sections)}
    images = [image for job in jobs for image in job.kept_images]
    if images:
        feedback["_images"] = images[-IMAGES_PER_STEP:]
    messages.append(feedback)
